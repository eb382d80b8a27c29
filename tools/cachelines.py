#!/usr/bin/env python3
"""Cache lines and pages of one IPC round trip, counted by a QEMU plugin.

Boots the benchmark root task with "cache" on its command line under
QEMU TCG (-icount shift=0, the machine make bench uses) with our plugin
tools/cacheplugin/lines.c loaded. The root task runs ipc_rtt_inter_0,
ipc_rtt_intra_0 and ipc_rtt_inter_8 as make bench does and marks one round
trip of each, in the middle of the timed ones (user/bench/ipc.c); the
plugin counts the distinct 64-byte lines and 4 KB pages that round trip
touches, kernel and user, instructions and data apart. The plugin must see
exactly the instructions the benchmark timed for that round trip, or this
fails.

    tools/cachelines.py [--build build] [--verbose]     (make cache-lines)

--verbose lists every line: its address, what it holds (kernel and
bench.elf symbols from nm, TCB slots, the direct map) and the first
instruction that touched it. make bench runs the same measurement
(tools/bench.py) and records the counts in results.json.
"""
import argparse
import bisect
import os
import re
import subprocess
import sys

TIMEOUT = 300           # seconds of wall clock for the QEMU run

# Pecan's kernel layout (kernel/include/config.h)
KERNEL_START = 0xFFFF800000000000       # PHYS_MAP_BASE: the kernel half
PHYS_MAP_BASE = 0xFFFF800000000000
TCB_AREA_BASE = 0xFFFFC00000000000
KERNEL_VMA = 0xFFFFFFFF80000000         # the kernel image
KTCB_SIZE = 4096
USER_PAGE_BASE = 0xFFFFFFFFFFE00000     # system-call stub page, then the GS page
STUB_PAGE = USER_PAGE_BASE
GS_PAGE = USER_PAGE_BASE + 0x1000
# struct tcb's first lines (kernel/include/tcb_offsets.h)
TCB_FIELDS = [(0x00, "global_id"), (0x08, "local_id"), (0x10, "listed_with"), (0x18, "root"),
              (0x20, "ksp"), (0x28, "state"), (0x2C, "priority"), (0x30, "rcv_from"),
              (0x38, "sendq"), (0x40, "ipc_from"), (0x48, "utcb_mr8"), (0x50, "utcb"),
              (0x58, "space"), (0x60, "kcall_depth")]

COUNTS = ("kernel_insn_lines", "kernel_data_lines", "user_insn_lines", "user_data_lines",
          "kernel_pages", "user_pages", "lines", "pages")
CACHE_RE = re.compile(r"CACHE (\S+) iteration=(\d+) sample=(\d+)")
BENCH_RE = re.compile(r"BENCH (\S+) median=(\d+) min=\d+ overhead=(\d+)")
REGION_RE = re.compile(r"region (\d+) instructions=(\d+) (.*)")
LINE_RE = re.compile(r"line (\d+) (kernel|user) (insn|data) 0x([0-9a-f]+) (\S+) "
                     r"0x([0-9a-f]+) 0x([0-9a-f]+)")


def fail(msg):
    sys.exit("cache lines: " + msg)


def measure(machine, build, plugin):
    """Run the marked boot; return [{name, sample, instructions, counts...,
    lines: [(class, line, access, first address, its pc)]}], one per marked
    round trip. Exits with a message if anything does not add up."""
    bench_dir = os.path.join(build, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    serial = os.path.join(bench_dir, "serial-cache.log")
    log = os.path.join(bench_dir, "cachelines.log")
    if not os.path.isfile(plugin):
        fail(f"{plugin} is missing (make {plugin} builds it)")
    if os.path.exists(log):
        os.unlink(log)
    cmd = machine + [
        "-kernel", os.path.join(build, "kernel", "pecan.elf32"),
        "-initrd", os.path.join(build, "user", "sigma0.elf") + ","
        + os.path.join(build, "user", "bench.elf") + " cache",
        "-plugin", plugin, "-d", "plugin", "-D", log]
    # The guest ends QEMU itself (isa-debug-exit) after its last line, so
    # the plugin's exit callback gets to write its summary.
    with open(serial, "w") as out:
        try:
            p = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            fail(f"the marked boot did not end within {TIMEOUT} s; see {serial}")
    with open(serial, errors="replace") as f:
        console = f.read()
    marked = [(m.group(1), int(m.group(3))) for m in CACHE_RE.finditer(console)]
    if "BENCH DONE" not in console or p.returncode != 1 or "FAILED" in console:
        last = console.strip().splitlines()[-1:] or ["(no output)"]
        fail(f"the marked boot failed (QEMU status {p.returncode}): {last[0]} ({serial})")
    if not os.path.exists(log):
        fail(f"the plugin wrote nothing ({log} missing); see {serial}")

    regions, total = {}, None
    with open(log) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("error"):
                fail(f"the plugin reports: {line} ({log})")
            m = REGION_RE.match(line)
            if m:
                counts = dict(kv.split("=") for kv in m.group(3).split() if "=" in kv)
                if "overflow" in m.group(3).split():
                    fail(f"region {m.group(1)} overflowed the plugin's table ({log})")
                regions[int(m.group(1))] = dict(
                    instructions=int(m.group(2)), line_list=[],
                    **{k: int(counts[k]) for k in COUNTS})
                continue
            m = LINE_RE.match(line)
            if m:
                regions[int(m.group(1))]["line_list"].append(
                    (m.group(2) + " " + m.group(3), int(m.group(4), 16), m.group(5),
                     int(m.group(6), 16), int(m.group(7), 16)))
                continue
            if line.startswith("regions "):
                total = int(line.split()[1])
    if total is None:
        fail(f"the plugin did not finish (no summary in {log})")
    if total == 0:
        fail(f"the plugin saw no marked round trip ({log}; the guest printed "
             f"{len(marked)} CACHE lines, see {serial})")
    if total != len(marked) or sorted(regions) != list(range(1, total + 1)):
        fail(f"the plugin counted {total} regions, the guest marked {len(marked)} "
             f"round trips ({log}, {serial})")
    # (the benchmark's figure is its median less the timing overhead)
    typical = {m.group(1): int(m.group(2)) + int(m.group(3)) for m in BENCH_RE.finditer(console)}
    results = []
    for i, (name, sample) in enumerate(marked, 1):
        r = regions[i]
        if r["instructions"] != sample:
            fail(f"{name}: the plugin saw {r['instructions']} instructions, the benchmark "
                 f"timed {sample} for that round trip: not the same stretch")
        if typical.get(name) != sample:
            print(f"cache lines: warning: the marked round trip of {name} took {sample} "
                  f"instructions, its median {typical.get(name)} (an interrupt in it?)",
                  file=sys.stderr)
        results.append(dict(name=name, sample=sample, **r))
    return results


def print_counts(results, out=sys.stdout):
    print("Cache working set of one round trip (tools/cacheplugin/lines.c): distinct 64-byte "
          "lines and 4 KB pages,", file=out)
    print("by who touched them (kernel or user mode), instructions and data apart; "
          "virtual addresses.", file=out)
    print(f"{'':<18} {'instr':>5}   {'kernel lines':^17}   {'user lines':^17}   "
          f"{'all':>5}   {'pages':^19}", file=out)
    print(f"{'':<18} {'':>5}   {'insn':>5} {'data':>5} {'sum':>5}   {'insn':>5} {'data':>5} "
          f"{'sum':>5}   {'lines':>5}   {'kernel':>6} {'user':>5} {'all':>5}", file=out)
    for r in results:
        k = r["kernel_insn_lines"] + r["kernel_data_lines"]
        u = r["user_insn_lines"] + r["user_data_lines"]
        print(f"{r['name']:<18} {r['instructions']:>5}   {r['kernel_insn_lines']:>5} "
              f"{r['kernel_data_lines']:>5} {k:>5}   {r['user_insn_lines']:>5} "
              f"{r['user_data_lines']:>5} {u:>5}   {r['lines']:>5}   {r['kernel_pages']:>6} "
              f"{r['user_pages']:>5} {r['pages']:>5}", file=out)


def json_counts(results):
    """What results.json records: {benchmark: {count: n}}."""
    return {r["name"]: {k: r[k] for k in ("instructions",) + COUNTS} for r in results}


def json_lines(results):
    """What details.json records: every line of every round trip."""
    return {r["name"]: [{"class": c, "line": hex(l), "access": a, "first": hex(f), "pc": hex(pc)}
                        for c, l, a, f, pc in r["line_list"]] for r in results}


class Namer:
    """Addresses to names: nm's symbols of the kernel and bench.elf,
    addr2line for the instructions, and Pecan's fixed kernel areas."""

    def __init__(self, build):
        self.elf = {"kernel": os.path.join(build, "kernel", "pecan.elf"),
                    "user": os.path.join(build, "user", "bench.elf")}
        self.syms = {side: self._nm(path) for side, path in self.elf.items()}
        self.src = {}

    @staticmethod
    def _nm(elf):
        syms = []
        out = subprocess.run(["nm", "-n", "-S", elf], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 4 and p[2] in "tTdDbBrRwWvV":
                syms.append((int(p[0], 16), int(p[1], 16), p[3]))
            elif len(p) == 3 and p[1] in "tTdDbBrRwWvV":
                syms.append((int(p[0], 16), 0, p[2]))
        syms.sort()
        return syms

    @staticmethod
    def side(addr):
        return "kernel" if addr >= KERNEL_START else "user"

    def symbol(self, addr):
        """sym+off for an address inside an ELF symbol, else None."""
        syms = self.syms[self.side(addr)]
        i = bisect.bisect_right(syms, (addr, float("inf"), "")) - 1
        for start, size, name in reversed(syms[max(i - 50, 0):i + 1]):
            if start + size > addr:
                return name if addr == start else f"{name}+{addr - start:#x}"
        if i >= 0 and syms[i][1] == 0 and addr - syms[i][0] < 64:
            return f"{syms[i][2]}+{addr - syms[i][0]:#x}"     # (an assembly label)
        if i + 1 < len(syms) and syms[i + 1][0] - addr <= 0x4000:
            return f"{syms[i + 1][2]}-{syms[i + 1][0] - addr:#x}"   # (as stack_top)
        return None

    def held(self, line):
        """The symbols a line holds part of (what shares it)."""
        names = []
        for start, size, name in self.syms[self.side(line)]:
            if start < line + 64 and start + max(size, 1) > line:
                names.append(name)
        return names

    def place(self, addr):
        """What an address is."""
        if STUB_PAGE <= addr < STUB_PAGE + 4096:
            return f"system-call stub page+{addr - STUB_PAGE:#x}"
        if GS_PAGE <= addr < GS_PAGE + 4096:
            return f"GS page (user view)+{addr - GS_PAGE:#x}"
        if TCB_AREA_BASE <= addr < TCB_AREA_BASE + (KTCB_SIZE << 18):
            n, off = divmod(addr - TCB_AREA_BASE, KTCB_SIZE)
            field = ""
            for o, f in TCB_FIELDS:
                if o <= off:
                    field = f" ({f}{'+%#x' % (off - o) if off > o else ''})" if off < 0x50 else ""
            part = field or (" (kernel stack / trap frame)" if off >= 0x800 else "")
            return f"tcb[{n}]+{off:#x}{part}"
        if PHYS_MAP_BASE <= addr < TCB_AREA_BASE:
            return f"direct map, phys {addr - PHYS_MAP_BASE:#x} (kernel pool)"
        name = self.symbol(addr)
        if name:
            return name
        return f"{addr:#x} (outside the {'kernel' if addr >= KERNEL_START else 'bench.elf'} image)"

    def sources(self, pcs):
        """addr2line for the kernel's and bench.elf's instructions, batched."""
        for side in ("kernel", "user"):
            want = sorted({pc for pc in pcs if self.side(pc) == side and pc not in self.src
                           and not STUB_PAGE <= pc < STUB_PAGE + 4096})
            if not want:
                continue
            out = subprocess.run(["addr2line", "-f", "-s", "-e", self.elf[side]]
                                 + [hex(pc) for pc in want],
                                 capture_output=True, text=True, check=True).stdout.splitlines()
            for pc, fn, loc in zip(want, out[0::2], out[1::2]):
                self.src[pc] = f"{fn} ({loc.split(' ')[0]})"

    def code(self, pc):
        if STUB_PAGE <= pc < STUB_PAGE + 4096:
            return f"stub page+{pc - STUB_PAGE:#x}"
        return self.src.get(pc) or self.symbol(pc) or hex(pc)


def in_image(addr):
    """In the kernel's or bench.elf's image, where nm names what a line holds."""
    return addr < KERNEL_START or KERNEL_VMA <= addr < USER_PAGE_BASE


def print_lines(results, build, out=sys.stdout):
    namer = Namer(build)
    namer.sources([a for r in results for (_, _, _, first, pc) in r["line_list"]
                   for a in (first, pc)])
    for r in results:
        print(f"\n{r['name']}: the lines of one round trip ({r['instructions']} instructions)",
              file=out)
        for cls, line, acc, first, pc in r["line_list"]:
            what = namer.code(first) if cls.endswith("insn") else namer.place(first)
            shared = [n for n in namer.held(line) if n != re.split(r"[ +-]", what)[0]] \
                if in_image(line) else []
            also = f"; line also holds {', '.join(shared[:6])}" if shared else ""
            by = "" if cls.endswith("insn") else f"  by {namer.code(pc)}"
            print(f"  {cls:<11} {line:#018x} {acc:<2} {what}{also}{by}", file=out)


def main():
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench import qemu_machine                      # the machine make bench uses

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--plugin", default="", help="default: BUILD/tools/cacheplugin/lines.so")
    ap.add_argument("--verbose", action="store_true", help="list every line")
    args = ap.parse_args()
    plugin = args.plugin or os.path.join(args.build, "tools", "cacheplugin", "lines.so")
    results = measure(qemu_machine(args), args.build, plugin)
    print_counts(results)
    if args.verbose:
        print_lines(results, args.build)


if __name__ == "__main__":
    main()
