#!/usr/bin/env python3
"""Pecan benchmarks, with Linux side by side.

Boots the benchmark root task under QEMU TCG with -icount shift=0, where the
guest TSC advances by exactly one per executed instruction, so every figure
is an exact, repeatable instruction count. Then boots Debian's stock Linux
kernel on the same QEMU machine with a tiny initramfs whose /init
(tools/linux-bench/init.c) measures the Linux equivalents the same way.
One more Pecan boot, under our QEMU plugin tools/cacheplugin/lines.c,
counts the cache lines and pages of one IPC round trip
(tools/cachelines.py). Another boots the benchmark root task on -smp 4
("smp": user/bench/smp.c) for the figures of several processors and
compares them with issue 15's goals, and once more without "smp" on the
same -smp 4 machine: the one-processor benchmarks with three processors
idle, the kernel lock's cost to the general paths (LOCK_COST, *_4cpus).

Prints a table (each Pecan figure beside its Linux equivalent, with the
ratio) and writes, under BUILD/bench/:
  results.json   {"pecan": {"<benchmark>": <median>}, "linux": {...},
                  "pecan_unix": {...}} (instructions per operation, timing
                 overhead subtracted); "pecan_unix" holds lxbench's rows on
                 Pecan's Unix server, "linux" the same binary's on Linux
                 (tools/linux-bench/lxbench.c, tools/lxbench_rows.py);
                 "kernel_size": the kernel's text in bytes, run-time, boot
                 and debugger apart, as make size prints it
                 (tools/kernel_sections.py);
                 "kernel_memory": {"bytes_per_4k_page": x,
                 "bytes_per_1g_mapping": y}, the kernel memory a space is
                 charged for receiving 4 KB mappings (per page) and one
                 1 GB mapping: nodes, page tables and all (user/bench/memory.c);
                 "smp_goals": issue 15's goals and whether the -smp 4 boot
                 met them, and the *_4cpus rows beside one processor's
                 ("lock_cost"; smp_goals() below);
                 "cache_lines": {"ipc_rtt_inter_0": {"kernel_insn_lines": n,
                 "kernel_data_lines", "user_insn_lines", "user_data_lines",
                 "kernel_pages", "user_pages", "lines", "pages",
                 "instructions"}, ...} (one round trip, tools/cachelines.py)
  details.json   median, min, overhead, iterations of every benchmark,
                 what Linux kernel ran with which command line, and the
                 lines each round trip touched ("cache_lines"), each
                 processor's line of the scaling runs ("smp_scaling")
  ipc_rtt.png    IPC round trip against message length (tools/bench_plot.py)
  lxbench.png    lxbench, Pecan relative to Linux, as seed 001's figure 6
                 (tools/lxbench_plot.py)
  serial.log, serial-smp.log, serial-4cpus.log, serial-os.log, serial-unix.log,
  linux-serial.log, serial-cache.log   the consoles; cachelines.log   the
                 plugin's output
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lxbench_rows import NAMES as LX_NAMES, ROWS as LX_ROWS, goal_met   # noqa: E402
import cachelines                                                        # noqa: E402
import kernel_sections                                                   # noqa: E402

TIMEOUT = 600           # seconds per QEMU run (wall clock, TCG)

# Kernel command line for Linux. console=ttyS0: the results come over the
# serial port. quiet: no boot messages on it (printing them would only cost
# time). nokaslr: the same addresses on every boot, so code alignment and
# thus the figures do not move between runs. panic=-1: if /init dies, the
# kernel panics and reboots at once, which ends QEMU (-no-reboot) instead
# of hanging until the timeout. Nothing else: the stock kernel as shipped
# (its default mitigations, scheduler and preemption model included).
LINUX_CMDLINE = "console=ttyS0 quiet nokaslr panic=-1"

# Pecan benchmark -> its Linux equivalents (what the comparison table shows).
EQUIVALENTS = [
    ("null_syscall", "getpid"),
    ("unix_getpid", "getpid"),
    ("ipc_rtt_inter_0", "pipe_rtt"),
    ("ipc_rtt_inter_0", "futex_rtt"),
    ("ipc_rtt_inter_8", "pipe_rtt_64"),
    ("ipc_rtt_inter_63", "pipe_rtt_504"),
    ("thread_switch_inter", "yield_switch"),
    ("pagefault_user_pager", "pagefault_anon"),
    # seed 001 table 4: pipes against RPC, on the operating system (user/os)
    ("pipe_server_rtt", "pipe_rtt"),
    ("rpc_rtt", "pipe_rtt"),
    ("pipe_server_bw_64k", "pipe_bw_64k"),
    ("map_rpc_bw_64k", "pipe_bw_64k"),
]

BENCH_RE = re.compile(r"BENCH (\S+) median=(\d+) min=(\d+) overhead=(\d+)(?: iterations=(\d+))?")
KMEM_RE = re.compile(r"KMEM (\S+) bytes=(\d+) mappings=(\d+)")
# user/bench/smp.c: one line per processor of a scaling run, and its window
SCALING_RE = re.compile(r"SCALING (\S+) cpu=(\d+) rounds=(\d+) rtt=(\d+)(\+?) pass=(\d+)(\+?)")
WINDOW_RE = re.compile(r"SCALING (\S+) window=(\d+) rounds=(\d+) loop=(\d+)")

# Issue 15's goals for the -smp 4 boot: the same-processor round trips
# within SAME_CPU_SLACK instructions of the one-processor figures, and the
# scaling runs within SCALING_SLACK of one pair's figure.
SMP_CPUS = 4
SAME_CPU = ["ipc_rtt_inter_0", "ipc_rtt_intra_0"]
SAME_CPU_SLACK = 3
SCALING = ["ipc_rtt_scaling_1", "ipc_rtt_scaling_2", "ipc_rtt_scaling_4"]
# the same through the general path (kernel lock): reported, no goal
SCALING_GENERAL = [n.replace("scaling", "scaling_general") for n in SCALING]
# pairs whose client and server are on two processors: reported, no goal
SCALING_XCPU = ["ipc_rtt_scaling_xcpu_1", "ipc_rtt_scaling_xcpu_2"]
SCALING_SLACK = 0.05
# The one-processor benchmarks whose kernel entries take the kernel lock,
# booted again on the -smp 4 machine (three processors idle): what a
# multiprocessor kernel costs the general paths. Reported, no goal.
LOCK_COST = ["thread_switch_inter", "pagefault_user_pager", "exception_ipc_rtt",
             "irq_to_user", "map_rpc_4k", "map_rpc_64k", "string_ipc_64k"]


def qemu_machine(args, cpus=1):
    """The QEMU machine both systems run on: identical settings (the -smp
    4 boot of the benchmarks of several processors aside). With several
    processors, sleep=off: when all of them halt, the virtual clock jumps
    to the next timer at once instead of keeping pace with the host's, so
    that how far it jumps, and with it the interleaving of the processors
    after, is the same on every run (docs/benchmarking.md)."""
    return [args.qemu, "-machine", "pc", "-cpu", "max", "-m", args.mem, "-smp", str(cpus),
            "-accel", "tcg", "-icount", "shift=0" if cpus == 1 else "shift=0,sleep=off",
            "-display", "none", "-no-reboot", "-monitor", "none",
            "-serial", "stdio", "-serial", "null",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def run(label, cmd, log_path, stop_on, type_after=None, done_line="BENCH DONE"):
    """Run QEMU, collect BENCH lines (and LINUX info lines) from its serial
    console. Exits with a message if the run does not reach done_line.
    type_after = (line, text): type text into the console once a line
    starting with `line` appeared."""
    results, info, done, failed = {}, {}, False, []
    start = time.monotonic()
    with open(log_path, "w") as log:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.PIPE if type_after else subprocess.DEVNULL)
        timer = threading.Timer(TIMEOUT, p.kill)
        timer.start()
        try:
            for raw in p.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                log.write(line + "\n")
                # (search: the shell's prompt may precede a line when the
                # typed command was echoed before the shell printed it)
                m = BENCH_RE.search(line)
                if m:
                    results[m.group(1)] = {
                        "median": int(m.group(2)), "min": int(m.group(3)),
                        "overhead": int(m.group(4)),
                        "iterations": int(m.group(5)) if m.group(5) else None}
                    print(f"bench: {label} {m.group(1)} done", file=sys.stderr, flush=True)
                elif KMEM_RE.search(line):
                    k = KMEM_RE.search(line)
                    info.setdefault("kmem", {})[k.group(1)] = {
                        "bytes": int(k.group(2)), "mappings": int(k.group(3))}
                elif SCALING_RE.search(line):
                    c = SCALING_RE.search(line)
                    info.setdefault("scaling", {}).setdefault(c.group(1), {}).setdefault(
                        "cpus", []).append({
                            "cpu": int(c.group(2)), "rounds": int(c.group(3)),
                            "rtt": int(c.group(4)), "rtt_at_least": c.group(5) == "+",
                            "pass": int(c.group(6)), "pass_at_least": c.group(7) == "+"})
                elif WINDOW_RE.search(line):
                    w = WINDOW_RE.search(line)
                    info.setdefault("scaling", {}).setdefault(w.group(1), {}).update(
                        window=int(w.group(2)), rounds=int(w.group(3)), loop=int(w.group(4)))
                elif line.startswith("BENCH") and "FAILED" in line:
                    failed.append(line)
                elif line == done_line or line.endswith(" " + done_line):   # (a prompt before)
                    done = True
                    break
                elif type_after and line.startswith(type_after[0]):
                    p.stdin.write(type_after[1].encode())
                    p.stdin.flush()
                elif line.startswith("LINUX "):
                    key, _, text = line[6:].partition(" ")
                    info[key] = text
                elif any(s in line for s in stop_on):
                    break
        finally:
            timer.cancel()
            p.kill()
            p.wait()
    print(f"bench: the {label} run took {time.monotonic() - start:.1f} s", file=sys.stderr)
    if not done:
        sys.exit(f"bench: the {label} benchmark run did not finish; see {log_path}")
    if failed:
        sys.exit(f"bench: {label} benchmarks failed:\n  " + "\n  ".join(failed))
    return results, info


def run_pecan(args, general=False, smp=False, lock_cost=False):
    """The kernel's benchmarks; `general`: the IPC round trips again with
    the fast path off (kernel option nofastpath), named *_general; `smp`:
    the benchmarks of several processors on -smp 4 (user/bench/smp.c),
    with their SCALING lines as results["scaling"]; `lock_cost`: the
    one-processor benchmarks booted on -smp 4, the LOCK_COST rows named
    *_4cpus."""
    build = args.build
    word = " general" if general else " smp" if smp else ""
    bench = os.path.join(build, "user", "bench.elf") + word
    cmd = qemu_machine(args, SMP_CPUS if smp or lock_cost else 1) + [
        "-kernel", os.path.join(build, "kernel", "pecan.elf32"),
        "-initrd", ",".join([os.path.join(build, "user", "sigma0.elf"), bench])]
    if general:
        cmd += ["-append", "nofastpath"]
    label = "Pecan (nofastpath)" if general else f"Pecan (-smp {SMP_CPUS})" if smp else \
        f"Pecan (one-processor benchmarks, -smp {SMP_CPUS})" if lock_cost else "Pecan"
    log = "serial-general.log" if general else "serial-smp.log" if smp else \
        "serial-4cpus.log" if lock_cost else "serial.log"
    results, info = run(label, cmd, os.path.join(build, "bench", log), ["PANIC"])
    if lock_cost:
        return {n + "_4cpus": results[n] for n in LOCK_COST if n in results}
    if smp:
        results["scaling"] = info.get("scaling", {})
    elif not general:
        results["kmem"] = info.get("kmem", {})
    return results


OS_PROGRAMS = ["console", "shell", "pipe", "pipebench", "benchpeer"]


def run_pecan_os(args):
    """The operating system on Pecan (user/os): its shell runs pipebench,
    seed 001's pipes against RPC between tasks."""
    build = args.build
    modules = [os.path.join(build, "user", "sigma0.elf"), os.path.join(build, "user", "os.elf")]
    modules += [os.path.join(build, "user", "os", p + ".elf") for p in OS_PROGRAMS]
    cmd = qemu_machine(args) + ["-kernel", os.path.join(build, "kernel", "pecan.elf32"),
                                "-initrd", ",".join(modules)]
    results, _ = run("Pecan OS", cmd, os.path.join(build, "bench", "serial-os.log"),
                     ["PANIC", "pecan: thread"], type_after=("Pecan shell.", "pipebench\r"))
    return results


def run_pecan_unix(args):
    """lxbench (tools/linux-bench/lxbench.c) on the Unix server of the
    operating system on Pecan: the OS shell's `sh` runs the binary that
    Linux runs in run_linux()."""
    build = args.build
    modules = [os.path.join(build, "user", "sigma0.elf"), os.path.join(build, "user", "os.elf")]
    modules += [os.path.join(build, "user", "os", p + ".elf") for p in OS_PROGRAMS + ["sh", "unix"]]
    cmd = qemu_machine(args) + ["-kernel", os.path.join(build, "kernel", "pecan.elf32"),
                                "-initrd", ",".join(modules)]
    results, _ = run("Pecan Unix", cmd, os.path.join(build, "bench", "serial-unix.log"),
                     ["PANIC", "pecan: thread"], type_after=("Pecan shell.", "sh /bench/lxbench\r"),
                     done_line="LXBENCH DONE")
    return results


def version_key(path):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path)]


def find_linux_kernel(args):
    """The kernel image `make bench-deps` installed: the newest
    /boot/vmlinuz-*, else one tools/deps.sh extracted under BUILD."""
    if args.linux_kernel:
        candidates = [args.linux_kernel]
    else:
        candidates = sorted(glob.glob("/boot/vmlinuz-*"), key=version_key, reverse=True)
        candidates += sorted(glob.glob(os.path.join(args.build, "linux-kernel", "boot",
                                                    "vmlinuz-*")), key=version_key, reverse=True)
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.R_OK):
            return path
    if candidates:
        sys.exit(f"bench: cannot read the Linux kernel image {candidates[0]}; "
                 "give a readable one with LINUX_KERNEL=/path/to/vmlinuz")
    sys.exit("bench: no Linux kernel image found (/boot/vmlinuz-*) for the Linux comparison; "
             "`make bench-deps` installs Debian's linux-image-amd64, or give one with "
             "LINUX_KERNEL=/path/to/vmlinuz")


def run_linux(args):
    kernel = find_linux_kernel(args)
    if not os.path.isfile(args.linux_initramfs):
        sys.exit(f"bench: {args.linux_initramfs} is missing (make builds it)")
    print(f"bench: booting Linux {kernel}", file=sys.stderr, flush=True)
    cmd = qemu_machine(args) + ["-kernel", kernel, "-initrd", args.linux_initramfs,
                                "-append", LINUX_CMDLINE]
    results, info = run("Linux", cmd, os.path.join(args.build, "bench", "linux-serial.log"),
                        ["Kernel panic"])
    info["vmlinuz"] = kernel
    return results, info


def ratio(linux, pecan):
    return f"{linux / pecan:.1f}x" if pecan else "-"


def print_tables(pecan, linux, info):
    w = 22

    def row(name, r):
        return f"{name:<{w}} {r['median']:>8} {r['min']:>8} {r['overhead']:>4}"

    head = f"{'':<{w}} {'median':>8} {'min':>8} {'ovh':>4}"
    print("Instructions per operation (QEMU TCG -icount shift=0); median and minimum "
          "with the timing overhead (ovh) subtracted.")
    print(f"Linux: {info.get('release', '?')}, command line \"{info.get('cmdline', '?')}\"")
    print()
    print(f"{'Pecan':<{w}} {'median':>8} {'min':>8} {'ovh':>4}   "
          f"{'Linux':<{w}} {'median':>8} {'min':>8} {'ovh':>4}   {'Linux/Pecan':>11}")
    shown_p, shown_l = set(), set()
    for p, l in EQUIVALENTS:
        if p not in pecan or l not in linux:
            continue
        shown_p.add(p)
        shown_l.add(l)
        print(f"{row(p, pecan[p])}   {row(l, linux[l])}   "
              f"{ratio(linux[l]['median'], pecan[p]['median']):>11}")
    rest_p = [n for n in pecan if n not in shown_p]
    rest_l = [n for n in linux if n not in shown_l]
    if rest_p:
        print()
        print(f"{'Pecan only':<{w}}" + head[w:])
        for n in rest_p:
            print(row(n, pecan[n]))
    if rest_l:
        print()
        print(f"{'Linux only':<{w}}" + head[w:])
        for n in rest_l:
            print(row(n, linux[n]))


def print_lxbench(pecan_unix, linux):
    """lxbench's rows: the same binary on Linux and on Pecan's Unix server,
    and each row's goal (issue 14, tools/lxbench_rows.py)."""
    w = 36
    print()
    print("lxbench (tools/linux-bench/lxbench.c): the same static binary on Linux and on "
          "Pecan's Unix server")
    print(f"{'':<{w}} {'Linux':>9} {'Pecan':>9} {'Linux/Pecan':>11}  {'goal':<24} {'L4Linux':>7}")
    for name, label, goal, l4linux in LX_ROWS:
        lx, px = linux[name]["median"], pecan_unix[name]["median"]
        want = "at most Linux" if goal == "linux" else "within 2x Linux"
        met = "met" if goal_met(goal, px, lx) else "MISSED"
        seed = f"{1 / l4linux:.2f}" if l4linux else "-"
        print(f"{label:<{w}} {lx:>9} {px:>9} {lx / px:>10.2f}x  {want + ': ' + met:<24} {seed:>7}")
    print("(Linux/Pecan above 1: Pecan needs fewer instructions. L4Linux: Linux/L4Linux from "
          "seed 001's Tables 2 and 4.)")


def smp_goals(pecan, scaling):
    """Issue 15's goals for the -smp 4 boot, from its figures and the
    one-processor boot's: {"same_cpu": {name: {"one_cpu", "smp",
    "difference", "met"}}, "scaling": {name: {"figure", "vs_one_pair",
    "per_cpu": [{"cpu", "rounds", "rtt", "at_least", "vs_one_pair"}],
    "met"}}, "slack": ...}. A scaling run meets its goal if its figure and
    every processor's median round trip are within the slack of one
    pair's."""
    same = {}
    for name in SAME_CPU:
        one, smp = pecan[name]["median"], pecan[name + "_smp"]["median"]
        same[name] = {"one_cpu": one, "smp": smp, "difference": smp - one,
                      "met": abs(smp - one) <= SAME_CPU_SLACK}
    present = lambda names: names if all(scaling.get(n, {}).get("cpus") for n in names) else []
    lock = {n: {"one_cpu": pecan[n]["median"], "smp": pecan[n + "_4cpus"]["median"],
                "difference": pecan[n + "_4cpus"]["median"] - pecan[n]["median"]}
            for n in LOCK_COST if n in pecan and n + "_4cpus" in pecan}
    return {"same_cpu": same, "scaling": scaling_rows(pecan, scaling, SCALING),
            "scaling_general": scaling_rows(pecan, scaling, present(SCALING_GENERAL)),
            "scaling_xcpu": scaling_rows(pecan, scaling, present(SCALING_XCPU)),
            "lock_cost": lock,
            "slack": {"same_cpu_instructions": SAME_CPU_SLACK, "scaling": SCALING_SLACK}}


def scaling_rows(pecan, scaling, names):
    """{name: {"figure", "vs_one_pair", "per_cpu", "met"}} for a series of
    scaling runs, each against the first (one pair)."""
    if not names:
        return {}
    base = pecan[names[0]]["median"]
    base_rtt = scaling[names[0]]["cpus"][0]["rtt"]
    rows = {}
    for name in names:
        fig = pecan[name]["median"]
        cpus = [{"cpu": c["cpu"], "rounds": c["rounds"], "rtt": c["rtt"],
                 "at_least": c["rtt_at_least"], "vs_one_pair": round(c["rtt"] / base_rtt - 1, 4)}
                for c in scaling[name]["cpus"]]
        ok = abs(fig / base - 1) <= SCALING_SLACK and all(
            not c["at_least"] and abs(c["vs_one_pair"]) <= SCALING_SLACK for c in cpus)
        rows[name] = {"figure": fig, "vs_one_pair": round(fig / base - 1, 4),
                      "per_cpu": cpus, "met": ok}
    return rows


def print_smp(pecan, goals):
    """The -smp 4 boot's figures beside issue 15's goals; a WARNING line
    for each goal missed (make bench goes on)."""
    print(f"Several processors (-smp {SMP_CPUS}, user/bench/smp.c; docs/benchmarking.md, "
          "\"Several processors\")")
    print(f"  {'same processor':<20} {'one CPU':>8} {'-smp 4':>8} {'diff':>6}   "
          f"goal: within {SAME_CPU_SLACK} instructions")
    warnings = []
    for name, g in goals["same_cpu"].items():
        print(f"  {name:<20} {g['one_cpu']:>8} {g['smp']:>8} {g['difference']:>+6}   "
              f"{'met' if g['met'] else 'MISSED'}")
        if not g["met"]:
            warnings.append(f"{name} is {g['smp']} on -smp {SMP_CPUS}, {g['difference']:+} "
                            f"against one processor's {g['one_cpu']} (goal: within "
                            f"{SAME_CPU_SLACK})")
    print(f"  {'between processors':<20} {'median':>8}")
    for name in ("ipc_rtt_xcpu_0", "ipc_rtt_xcpu_8", "ipc_rtt_xcpu_queued", "unmap_shootdown_4k",
                 "unmap_idle_4k"):
        if name in pecan:
            print(f"  {name:<20} {pecan[name]['median']:>8}")
    print(f"  {'scaling (N pairs)':<20} {'per rtt':>8} {'vs N=1':>8}   "
          f"{'each CPU: median rtt (round trips)':<48} goal: within {SCALING_SLACK:.0%}")
    for name, g in goals["scaling"].items():
        per_cpu = " ".join(f"{c['rtt']}{'+' if c['at_least'] else ''} ({c['rounds']})"
                           for c in g["per_cpu"])
        print(f"  {name:<20} {g['figure']:>8} {g['vs_one_pair']:>+8.1%}   {per_cpu:<48} "
              f"{'met' if g['met'] else 'MISSED'}")
        if not g["met"]:
            warnings.append(f"{name}: {g['figure']} instructions per round trip, "
                            f"{g['vs_one_pair']:+.1%} against one pair; each processor's median "
                            f"round trip: {per_cpu} (goal: within {SCALING_SLACK:.0%})")
    for kind, note in (("scaling_general", "(the kernel lock: no goal)"),
                       ("scaling_xcpu", "(between processors, requests: no goal)")):
        for name, g in goals[kind].items():
            per_cpu = " ".join(f"{c['rtt']}{'+' if c['at_least'] else ''} ({c['rounds']})"
                               for c in g["per_cpu"])
            print(f"  {name:<20} {g['figure']:>8} {g['vs_one_pair']:>+8.1%}   {per_cpu:<48} "
                  + note)
    print("  (per rtt: all processors' instructions in the window less the client loops', "
          "over all pairs' round trips; + : at least)")
    print(f"  {'one-processor runs':<20} {'one CPU':>8} {'-smp 4':>8} {'diff':>6}   "
          "(three processors idle: the kernel lock's cost; no goal)")
    for name, g in goals["lock_cost"].items():
        print(f"  {name:<20} {g['one_cpu']:>8} {g['smp']:>8} {g['difference']:>+6}")
    for w in warnings:
        print(f"bench: WARNING: goal missed: {w}")


def kernel_memory(kmem):
    """The KMEM lines of the benchmark run: kernel bytes a space is charged
    per 4 KB mapping it receives and for one 1 GB mapping."""
    out = {}
    for name, key in (("kmem_4k_pages", "bytes_per_4k_page"),
                      ("kmem_1g_mappings", "bytes_per_1g_mapping")):
        if name in kmem:
            out[key] = round(kmem[name]["bytes"] / kmem[name]["mappings"], 1)
    if "bytes_per_4k_page" not in out:
        sys.exit("bench: the Pecan run reported no kmem_4k_pages")
    return out


def print_kernel_memory(kmem):
    print("Kernel memory a space is charged for the mappings it receives (nodes, node "
          "tables, page tables):")
    print(f"  per 4 KB page mapped          {kmem['bytes_per_4k_page']:>12} bytes")
    giga = kmem.get("bytes_per_1g_mapping")
    print(f"  per 1 GB mapping              {giga if giga is not None else '-':>12} bytes")


def make_plot(results_json, png, script_name="bench_plot.py"):
    """A plot script of tools/ with a Python that has matplotlib: this one,
    or Debian's (python3-matplotlib), if python3 is another installation."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), script_name)
    for py in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(py) and subprocess.run([py, "-c", "import matplotlib"],
                                                 capture_output=True).returncode == 0:
            subprocess.run([py, script, results_json, png], check=True, stdout=subprocess.DEVNULL)
            return
    sys.exit("bench: python3-matplotlib is missing for the plot; `make bench-deps` installs it")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--linux-kernel", default="",
                    help="Linux kernel image (default: the newest /boot/vmlinuz-*)")
    ap.add_argument("--linux-initramfs", default="",
                    help="default: BUILD/bench/linux-initramfs.cpio.gz")
    ap.add_argument("--cache-plugin", default="",
                    help="default: BUILD/tools/cacheplugin/lines.so")
    ap.add_argument("--cache-verbose", action="store_true",
                    help="list the cache lines of each round trip")
    ap.add_argument("--smp-only", action="store_true",
                    help="only the kernel's benchmarks on one processor and on -smp 4, and "
                         "the goals of several processors (nothing written but the logs)")
    args = ap.parse_args()
    bench_dir = os.path.join(args.build, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    if not args.linux_initramfs:
        args.linux_initramfs = os.path.join(bench_dir, "linux-initramfs.cpio.gz")

    pecan = run_pecan(args)
    kmem = kernel_memory(pecan.pop("kmem"))
    smp = run_pecan(args, smp=True)
    scaling = smp.pop("scaling")
    pecan.update(smp)
    pecan.update(run_pecan(args, lock_cost=True))
    missing = [n for n in [s + "_smp" for s in SAME_CPU] + SCALING if n not in pecan]
    missing += [n for n in SCALING if not scaling.get(n, {}).get("cpus")]
    missing += [n + "_4cpus" for n in LOCK_COST if n + "_4cpus" not in pecan]
    if missing:
        sys.exit(f"bench: the -smp {SMP_CPUS} run reported no {', '.join(missing)}")
    goals = smp_goals(pecan, scaling)
    if args.smp_only:
        print_smp(pecan, goals)
        return
    pecan.update(run_pecan(args, general=True))
    cache = cachelines.measure(qemu_machine(args), args.build, args.cache_plugin or
                               os.path.join(args.build, "tools", "cacheplugin", "lines.so"))
    print("bench: the cache-line run done", file=sys.stderr, flush=True)
    pecan.update(run_pecan_os(args))
    pecan_unix = run_pecan_unix(args)
    linux, info = run_linux(args)
    for side, got, wanted in (("Pecan", pecan, {b[0] for b in EQUIVALENTS}),
                              ("Linux", linux, {b[1] for b in EQUIVALENTS} | set(LX_NAMES)),
                              ("Pecan Unix", pecan_unix, set(LX_NAMES))):
        missing = sorted(wanted - set(got))
        if missing:
            sys.exit(f"bench: the {side} runs reported no {', '.join(missing)}")

    lx_linux = {k: v for k, v in linux.items() if k in LX_NAMES}
    print_tables(pecan, {k: v for k, v in linux.items() if k not in LX_NAMES}, info)
    print_lxbench(pecan_unix, lx_linux)
    print()
    cachelines.print_counts(cache)
    if args.cache_verbose:
        cachelines.print_lines(cache, args.build)
    kernel_elf = os.path.join(args.build, "kernel", "pecan.elf")
    sizes = kernel_sections.sizes(kernel_elf)
    print()
    kernel_sections.print_sizes(kernel_elf)
    print()
    print_kernel_memory(kmem)
    print()
    print_smp(pecan, goals)

    out = os.path.join(bench_dir, "results.json")
    with open(out, "w") as f:
        json.dump({"pecan": {k: v["median"] for k, v in pecan.items()},
                   "linux": {k: v["median"] for k, v in linux.items()},
                   "pecan_unix": {k: v["median"] for k, v in pecan_unix.items()},
                   "cache_lines": cachelines.json_counts(cache),
                   "kernel_size": {k: sizes[k] for k in ("runtime_text", "boot_text",
                                                         "debug_text")},
                   "kernel_memory": kmem, "smp_goals": goals}, f, indent=2)
        f.write("\n")
    details = os.path.join(bench_dir, "details.json")
    with open(details, "w") as f:
        json.dump({"pecan": pecan, "linux": linux, "pecan_unix": pecan_unix,
                   "linux_kernel": info, "qemu": " ".join(qemu_machine(args)),
                   "qemu_smp": " ".join(qemu_machine(args, SMP_CPUS)),
                   "cache_lines": cachelines.json_lines(cache), "smp_scaling": scaling}, f,
                  indent=2)
        f.write("\n")

    png = os.path.join(bench_dir, "ipc_rtt.png")
    make_plot(out, png)
    lx_png = os.path.join(bench_dir, "lxbench.png")
    make_plot(out, lx_png, "lxbench_plot.py")

    print()
    print(f"results written to {out} ({details}), plots {png}, {lx_png}")


if __name__ == "__main__":
    main()
