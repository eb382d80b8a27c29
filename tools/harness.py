#!/usr/bin/env python3
"""Pecan test harness.

Runs the host unit tests, boots the operating system and types into its
shell (tools/session.py), then boots the in-system suite in QEMU and reads
its serial log. Every test reports one line, "TEST <name> PASS" or
"TEST <name> FAIL: <what was expected, what happened>". The harness fails on
any failed test, kernel panic, unexpected stopped thread, QEMU exit before
the suite finished (triple fault, reset) or timeout, and ends with the line
"N passed, N failed". Tests marked fatal (the kernel must stop the thread)
each get a boot of their own, after which the harness checks the kernel's
report and that the kernel debugger still answers.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import time

from qemu_serial import Qemu, Result
import session

BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", "180"))  # seconds per boot (TCG)
KDB_TIMEOUT = 30
# Tests that need a 3 GB machine: skipped in the other boots.
BIG_MACHINE = "largepage.gigabyte_block_then_one_page_revoked"
SHORT_SOAK = 100        # rounds in make test (a few seconds); make soak runs a thousand


def run_host_tests(build, only, result):
    binaries = sorted(glob.glob(os.path.join(build, "host", "test_*")))
    if not binaries:
        result.record("host.build", False, "expected host test binaries in "
                      f"{build}/host, found none")
    for b in binaries:
        args = [b] + ([only] if only else [])
        p = subprocess.run(args, capture_output=True, text=True, timeout=300)
        seen = 0
        for line in p.stdout.splitlines():
            m = re.match(r"TEST (\S+) (PASS|FAIL)(?:: (.*))?$", line)
            if m:
                seen += 1
                result.record(m.group(1), m.group(2) == "PASS", m.group(3) or "")
        if p.returncode != 0 and (seen == 0 or result.failed == 0):
            result.record(os.path.basename(b), False,
                          f"expected exit status 0, got {p.returncode}; stderr:\n{p.stderr}")


def symbolize(build, lines):
    """Resolve the kernel backtrace addresses of a panic with addr2line."""
    elf = os.path.join(build, "kernel", "pecan.elf")
    addrs = [l.strip() for l in lines if re.fullmatch(r"\s+[0-9a-f]{16}", l)]
    if not addrs:
        return ""
    p = subprocess.run(["addr2line", "-f", "-p", "-e", elf] + addrs,
                       capture_output=True, text=True)
    return "\n".join("    " + l for l in p.stdout.splitlines())


def kernel_trouble(line):
    if line.startswith("PANIC"):
        return "kernel panic"
    if re.search(r"pecan: thread \S+ stopped:", line):
        return "a thread was stopped by the kernel"
    return None


def follow(q, result, deadline, prefix="", hook=None):
    """Read a boot of the suite until SUITE DONE, kernel trouble, the
    deadline (see lines_until) or QEMU's end, recording each test's
    result; `hook` sees every line first. Returns (done, trouble)."""
    expected_stops, stops_allowed = 0, False
    for line in q.lines_until(deadline):
        if hook:
            hook(line)
        m = re.match(r"TEST (\S+) (PASS|FAIL)(?:: (.*))?$", line)
        if m:
            result.record(prefix + m.group(1), m.group(2) == "PASS", m.group(3) or "")
        elif line.startswith("SUITE DONE"):
            return True, None
        elif line.startswith("EXPECT-THREAD-STOPS"):
            stops_allowed = True            # any number, until END-THREAD-STOPS
        elif line.startswith("END-THREAD-STOPS"):
            stops_allowed = False
        elif line.startswith("EXPECT-THREAD-STOP"):
            expected_stops += 1             # a test provokes an unhandled fault
        elif line.startswith("HARNESS-TYPE "):
            q.send(line[len("HARNESS-TYPE "):].encode())    # console input for a test
        elif line.startswith("PRINTCAP ["):
            # security.kdb_print_string_stops_after_256_bytes: one KDB
            # PrintString of 1010 bytes, then "]"
            got = len(line) - 1
            result.record(prefix + "security.kdb_print_string_prints_256_bytes_per_call",
                          got == 256 and line.endswith("]"),
                          f"expected 256 bytes before ']', got {got}: {line[:40]}...")
        elif (expected_stops or stops_allowed) and \
                kernel_trouble(line) == "a thread was stopped by the kernel":
            expected_stops -= not stops_allowed
        elif kernel_trouble(line):
            for _ in q.lines_until(time.monotonic() + 2):
                pass
            return False, kernel_trouble(line)
    return False, None


def not_done(q, build, result, name, trouble, why, stall=""):
    """Record that the boot did not reach SUITE DONE, with the log's tail
    and, after a panic, its backtrace resolved; after a stall, where the
    processors were (Qemu.stall_report)."""
    result.record(name, False,
                  f"expected 'SUITE DONE', got {trouble or why}; serial log {q.log_path}:\n{q.tail()}"
                  + ("\n" + symbolize(build, q.lines) if trouble == "kernel panic" else "")
                  + ("\n" + stall if stall else ""))


# The random tests' options (test_fuzz.c, test_hostile.c), from the
# environment to the tests' command line.
FUZZ_OPTIONS = {"FUZZ_SEED": "fuzzseed", "FUZZ_CALLS": "fuzzcalls", "FUZZ_OPS": "fuzzops",
                "FUZZ_TRACE": "fuzztrace", "FUZZ_ROUNDS": "fuzzrounds"}


# On four processors the hostile fuzzer's calls cost about ten times
# more host time (kernel entries take turns with one lock: docs/testing.md);
# the -smp boot makes fewer unless FUZZ_CALLS says otherwise.
SMP_FUZZ_CALLS = 3000


def fuzz_options(defaults=None):
    values = dict(defaults or {})
    values.update((var, os.environ[var]) for var in FUZZ_OPTIONS if os.environ.get(var))
    return "".join(f" {FUZZ_OPTIONS[var]}={int(str(v), 0):#x}" for var, v in values.items())


def run_suite(args, result, general=False, option=None, only=None, machine=None, mem=None,
              accel=None, fuzz_defaults=None):
    """One boot of the suite. `general`: with the IPC fast path off
    (kernel option nofastpath), test names prefixed 'general:'. `option`:
    another kernel option, passed to the tests too (names prefixed with
    it), for the tests selected by `only`."""
    build = args.build
    only = only if only is not None else args.only
    only = f" only={only}" if only else ""
    flag = " nofastpath" if general else f" {option}" if option else ""
    extra = "" if mem else f" skip={BIG_MACHINE}"
    extra += fuzz_options(fuzz_defaults)
    modules = [os.path.join(build, "user", "sigma0.elf"),
               os.path.join(build, "user", "tests.elf") + only + flag + extra]
    where = f"{accel or args.accel}{' ' + ' '.join(machine) if machine else ''}"
    print(f"harness: booting the in-system suite ({where}){only}{flag}", flush=True)
    label = "general" if general else option or (machine and machine[0]) or (mem and "ram=" + mem) or ""
    q = Qemu(args, build, accel or args.accel, mem or args.mem, modules,
             f"suite-{label.strip('-')}.log" if label else "suite.log", flag.strip(),
             machine or ())
    prefix = f"{label.strip('-')}:" if label else ""
    fatal = []
    heard = [time.monotonic()]

    def note_fatal(line):
        heard[0] = time.monotonic()     # the limit is on silence, not on the whole suite
        if line.startswith("FATALTEST "):
            fatal.append(line.split()[1])
    try:
        done, trouble = follow(q, result, lambda: heard[0] + BOOT_TIMEOUT, prefix, note_fatal)
        stall = "" if done or trouble else q.stall_report()
    finally:
        q.close()
    if not done:
        not_done(q, build, result, prefix + "suite.completed", trouble,
                 "QEMU exited (reset or triple fault?)" if q.proc.returncode is not None
                 and q.proc.returncode not in (-9,) else f"no output for {BOOT_TIMEOUT} s", stall)
    if not label:
        for name in fatal:
            run_fatal(args, name, result)
    return q.log_path


# The test that prints how many processors the KIP reports (test_smp.c).
KIP_PROCESSORS_TEST = "mp.kip_reports_the_processors"


def selects(only, name):
    """Does ONLY=only select the test `name` (a prefix at a dot boundary)?"""
    return not only or name == only or name.startswith(only + ".")


def run_smp_suite(args, result, only):
    """The suite on four processors, run truly in parallel (multi-threaded
    TCG): the kernel starts the other three (smp.c); the mp tests and
    the fuzzers spread their threads over them. ONLY=smp[.<check>] runs
    the one test whose line a check reads."""
    accel = args.accel + ",thread=multi" if args.accel == "tcg" else args.accel
    smp_only = only.startswith("smp")
    log = run_suite(args, result, only=KIP_PROCESSORS_TEST if smp_only else only,
                    machine=["-smp", "4"], accel=accel,
                    fuzz_defaults={"FUZZ_CALLS": SMP_FUZZ_CALLS})
    with open(log, errors="replace") as f:
        text = f.read()
    if smp_only or selects(only, KIP_PROCESSORS_TEST):
        m = re.search(r"mp: the KIP reports (\d+) processors", text)
        result.record("smp.the_kip_reports_four_processors", bool(m) and m.group(1) == "4",
                      f"expected 'mp: the KIP reports 4 processors' in {log}, "
                      f"got {m.group(0) if m else 'no such line'}")
    if smp_only and selects(only, "smp.benchmarks_check_their_work"):
        run_smp_bench(args, result)
    if only and not smp_only:
        return                          # (a selection: its tests only)
    m = re.search(r"smp: (\d+) processors, (\d+) running(, each on its own pages)?", text)
    got = f"{m.group(1)} found, {m.group(2)} running" if m else "no 'smp:' line"
    result.record("smp.every_processor_starts", bool(m) and m.group(1) == m.group(2) == "4",
                  f"expected 'smp: 4 processors, 4 running' in {log}, got {got}")
    # each reads its own index at the address of cpu_pages (percpu.h)
    result.record("smp.every_processor_has_its_own_pages", bool(m) and bool(m.group(3)),
                  f"expected 'smp: 4 processors, 4 running, each on its own pages' in {log}, "
                  f"got {m.group(0) if m else 'no smp: line'}")
    if not only:
        run_smp_bench(args, result)


def run_smp_bench(args, result):
    """The benchmarks of several processors (user/bench/smp.c) once, on
    the machine make bench runs them on (-smp 4, -icount: about 15 s):
    each must run and find that it measured what it claims, no 'BENCH
    ... FAILED'. Their figures and goals are make bench's business."""
    modules = [os.path.join(args.build, "user", "sigma0.elf"),
               os.path.join(args.build, "user", "bench.elf") + " smp"]
    print("harness: booting the benchmarks of several processors (tcg -smp 4 -icount)", flush=True)
    q = Qemu(args, args.build, "tcg", args.mem, modules, "bench-smp.log", "",
             ["-smp", "4", "-icount", "shift=0,sleep=off"])
    bad, done = [], False
    try:
        for line in q.lines_until(time.monotonic() + BOOT_TIMEOUT):
            if re.match(r"BENCH (\S+ FAILED|set-up failed)", line) or kernel_trouble(line):
                bad.append(line)
            elif line == "BENCH DONE":
                done = True
                break
        else:
            stall = q.stall_report()
            bad += [stall] if stall else []
    finally:
        q.close()
    result.record("smp.benchmarks_check_their_work", done and not bad,
                  f"expected every benchmark to run and 'BENCH DONE', got "
                  f"{'; '.join(bad) if bad else 'no BENCH DONE'}; serial log {q.log_path}:\n"
                  f"{q.tail()}")


def run_fuzz(args, result):
    """make fuzz: the hostile fuzzer (test_hostile.c) alone, in one boot,
    with the FUZZ_* options. Its lines go to stdout as they come; the boot
    may take as long as it likes while it reports progress (BOOT_TIMEOUT
    seconds without fail it). The host's clock gives calls per second,
    for the report only."""
    build = args.build
    kernel = os.environ.get("FUZZ_KERNEL", "")         # kernel options, e.g. nofastpath
    modules = [os.path.join(build, "user", "sigma0.elf"),
               os.path.join(build, "user", "tests.elf") + " only=hostile" + fuzz_options()]
    print(f"harness: booting the hostile fuzzer ({args.accel}){fuzz_options()}"
          + (f", kernel: {kernel}" if kernel else ""), flush=True)
    q = Qemu(args, build, args.accel, args.mem, modules, "fuzz.log", kernel)
    heard, start = [time.monotonic()], [None]

    def progress(line):
        ours = re.search(r"(  )?hostile: .*", line)     # (after what fuzz threads print)
        if not ours:
            return
        line = ours.group(0)
        if re.match(r"hostile: (\d+ calls|seed|done)", line):
            heard[0] = time.monotonic()                 # progress, not its absence
        print(line, flush=True)
        if line.startswith("hostile: seed"):
            start[0] = heard[0]
        m = re.match(r"hostile: done: (\d+) calls", line)
        if m and start[0]:
            calls, elapsed = int(m.group(1)), heard[0] - start[0]
            print(f"harness: {calls} calls in {elapsed:.1f} s: "
                  f"{calls / max(elapsed, 1e-3):.0f} calls per second", flush=True)
    try:
        done, trouble = follow(q, result, lambda: heard[0] + BOOT_TIMEOUT, hook=progress)
        stall = "" if done or trouble else q.stall_report()
    finally:
        q.close()
    if not done:
        not_done(q, build, result, "hostile.completed", trouble,
                 "QEMU exited" if q.proc.returncode not in (None, -9)
                 else f"no progress for {BOOT_TIMEOUT} s", stall)


def run_fatal(args, name, result):
    """Boot the suite with only this test; the kernel must stop the thread
    with the expected report, and the kernel debugger must still answer."""
    build = args.build
    modules = [os.path.join(build, "user", "sigma0.elf"),
               os.path.join(build, "user", "tests.elf") + f" fatal={name}"]
    q = Qemu(args, build, args.accel, args.mem, modules, f"fatal-{name}.log")
    expect, phase, ok, why = None, "start", False, ""
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        for line in q.lines_until(deadline):
            if line.startswith("PANIC"):
                why = "kernel panic"
                break
            m = re.match(r"EXPECT-STOP (\S+): (.*)$", line)
            if m and phase == "start":
                expect, phase = m.group(2), "fault"
            elif re.match(r"TEST \S+ FAIL", line):
                why = line
                break
            elif phase == "fault" and expect in line:
                phase = "report"
            elif phase == "report" and re.search(r"pecan: thread \S+ stopped:", line):
                phase = "kdb"
                q.send(b"\x1b")
                deadline = time.monotonic() + KDB_TIMEOUT
            elif phase == "kdb" and line.startswith("kdb:") and "break-in" in line:
                q.send(b"t")
                phase = "threads"
            elif phase == "threads" and re.search(r"\broot\b.*\bhalted\b", line):
                q.send(b"g")
                phase = "continue"
            elif phase == "continue" and "kdb: continuing" in line:
                ok = True
                break
        else:
            why = f"stopped in phase '{phase}' (timeout or QEMU exit)"
            stall = q.stall_report()
            why += "\n" + stall if stall else ""
    finally:
        q.close()
    want = {"start": "the test to announce itself",
            "fault": f"a kernel report containing '{expect}'",
            "report": "'pecan: thread ... stopped:'",
            "kdb": "the kernel debugger to answer ESC",
            "threads": "the debugger to list the root thread as halted",
            "continue": "the debugger to continue"}[phase]
    result.record(name, ok, f"expected {want}; got {why}; serial log {q.log_path}:\n{q.tail()}")


# Boots in which the kernel, on a test option (kernel/core/selftest.c), does
# what the CPU's protection must stop: each must end in a panic that names
# the protection. Without it the boot goes on and the test fails.
FATAL_BOOTS = [
    ("security.smap_stops_a_kernel_read_of_user_memory", "selftest=smap",
     r"PANIC: SMAP: the kernel touched user memory"),
    ("security.smep_stops_the_kernel_executing_user_memory", "selftest=smep",
     r"PANIC: SMEP: the kernel executed user memory"),
    ("security.kernel_memory_is_not_code_in_the_image_window", "selftest=wx",
     r"PANIC: kernel #PF page fault \(vector 14, error 0x10\)"),
]


def run_fatal_boot(args, result, name, option, expect):
    modules = [os.path.join(args.build, "user", "sigma0.elf"),
               os.path.join(args.build, "user", "tests.elf") + " only=boot.kip_fixed_fields"]
    q = Qemu(args, args.build, args.accel, args.mem, modules, f"fatal-{name}.log", option)
    got = None
    try:
        for line in q.lines_until(time.monotonic() + BOOT_TIMEOUT):
            if line.startswith("PANIC") or line.startswith("SUITE DONE"):
                got = line
                break
    finally:
        q.close()
    result.record(name, got is not None and re.search(expect, got) is not None,
                  f"expected /{expect}/, got {got or 'no panic (timeout or exit)'}; "
                  f"serial log {q.log_path}:\n{q.tail()}")


def run_selected(args, only, result):
    """Every test, or those whose name starts with `only`."""
    host_only = only == "host" or only.startswith("host.")      # (not "hostile")
    if not only or host_only:
        run_host_tests(args.build, only, result)
    if not only or only.startswith("session"):
        if not only.startswith("session.smp"):     # (ONLY=session.smp: that boot alone)
            session.run_readme(args, result)
            session.run_session(args, result)
            session.run_soak(args, result, SHORT_SOAK)
        session.run_smp_session(args, result)
    unix_only = only == "unix" or only.startswith("unix.")      # (not "unix_abi")
    if not only or unix_only:
        session.run_unix(args, result)
    if host_only or only.startswith("session") or unix_only:
        return
    run_suite(args, result, only=only)
    run_suite(args, result, general=True, only=only)     # every test through the general path
    run_smp_suite(args, result, only)
    group = only.split(".")[0]
    for g in ("io", "boot", "unix_abi"):
        # Pistachio's port model (spec 11.3): every thread has every port
        # (but those of Unix-ABI spaces: docs/unix.md)
        if not only or group == g:
            run_suite(args, result, option="ioports=all", only=only or g)
    if not only or group == "security":
        # "kdb": KDB Enter of privileged spaces opens the debugger, of
        # others still halts only the caller
        run_suite(args, result, option="kdb", only=only or "security")
        for name, option, expect in FATAL_BOOTS:
            if not only or name.startswith(only):
                run_fatal_boot(args, result, name, option, expect)
    if not only or group == "irq":
        # a machine without ACPI: the 8259 PICs instead of the I/O APIC
        run_suite(args, result, only=only or "irq", machine=["-no-acpi"])
    if not only or group == "largepage":
        # room for a free, aligned gigabyte of RAM: 1 GB pages
        run_suite(args, result, only=only or "largepage", mem="3G")


def check_only(args, result):
    """ONLY selects a fatal test alone correctly: it passes by itself as in
    the full run (it once failed as 'a thread was stopped by the kernel')."""
    alone = Result(quiet=True)
    run_selected(args, "fault.page_fault_stops_thread", alone)
    result.record("harness.only_runs_a_fatal_test_alone", alone.passed == 1 and not alone.failed,
                  "expected 'make test ONLY=fault.page_fault_stops_thread' to give 1 passed, "
                  f"0 failed, got {alone.passed} passed, {alone.failed} failed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--only", default="", help="run only tests whose name starts with this "
                    "(host.* for host tests, session for the shell session, e.g. boot or "
                    "boot.kip_fixed_fields)")
    ap.add_argument("--os-modules", default="", help="the operating system's boot modules, "
                    "comma-separated, as make run boots them")
    ap.add_argument("--soak", type=int, default=0, help="only the soak test, with this many rounds")
    ap.add_argument("--fuzz", action="store_true", help="run the hostile fuzzer alone "
                    "(make fuzz; options FUZZ_CALLS, FUZZ_SEED, FUZZ_OPS from the environment)")
    ap.add_argument("--update-readme", action="store_true",
                    help="write a real run's session into README.md's transcript")
    args = ap.parse_args()
    args.os_modules = [m for m in args.os_modules.split(",") if m]

    result = Result()
    only = args.only
    if args.update_readme or args.soak or args.fuzz:
        if args.update_readme:
            session.run_readme(args, result, update=True)
        elif args.soak:
            session.run_soak(args, result, args.soak)
        else:
            run_fuzz(args, result)
        result.summary()
        sys.exit(1 if result.failed or result.passed == 0 else 0)
    run_selected(args, only, result)
    if not only:
        check_only(args, result)
    if not result.passed and not result.failed:
        print(f"harness: no test matches ONLY={only} (a group, group.test, host[.file] or "
              "session)", flush=True)
    result.summary()
    sys.exit(1 if result.failed or result.passed == 0 else 0)


if __name__ == "__main__":
    main()
