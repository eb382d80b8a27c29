#!/usr/bin/env python3
"""Which kernel functions the benchmarks run, and how much.

Boots the kernel's benchmark root task as make bench does (one processor;
again with the fast path off; on -smp 4), each under QEMU TCG with
-icount and our plugin tools/cacheplugin/execcount.c loaded, which counts
how often each translated block of kernel code runs. Prints every
function of the run-time text (.text) with its size, the instructions
it executed in all three boots and how many of its bytes ran at all, and says how it is compiled: `small` for
the files make compiles for size (KSMALL in the Makefile), `cold` for
functions marked COLD (kernel/include/types.h), which GCC also compiles
for size and puts in .text.unlikely.

The benchmarks time loops of 100 to 1000 iterations, so a function on a
timed path runs at least some ten thousand instructions; most set-up runs
a few hundred. The functions compiled for size that ran at least --loop
instructions are listed at the end: each is either set-up that loops
(printing the results, freeing a space's page tables) or a mistake the
benchmarks' figures show. The counts are of whole boots, not of the timed
loops alone. (docs/performance.md, "Kernel size")

    tools/hotcode.py --build build --small "FILES..."      (make hotcode)
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

TIMEOUT = 600           # seconds of wall clock per QEMU run
MACHINE = ["qemu-system-x86_64", "-machine", "pc", "-cpu", "max", "-m", "256M",
           "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "null",
           "-serial", "null", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
# (the bench root task's argument, kernel command line, processors, -icount)
BOOTS = [("", "", 1, "shift=0"), ("general", "nofastpath", 1, "shift=0"),
         ("smp", "", 4, "shift=0,sleep=off")]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def text_functions(elf):
    """[(start, size, name)] of the functions in .text, sorted."""
    m = re.search(r"\]\s+\.text\s+PROGBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)",
                  run(["readelf", "-SW", elf]))
    lo = int(m.group(1), 16)
    hi = lo + int(m.group(2), 16)
    funcs = []
    for line in run(["nm", "-S", "--defined-only", elf]).splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW" and lo <= int(p[0], 16) < hi:
            funcs.append((int(p[0], 16), int(p[1], 16), p[3]))
    return sorted(funcs)


def compiled_for_size(build, small):
    """{function name: 'small' | 'cold'} from the kernel's objects."""
    how = {}
    for src in small:
        for line in run(["nm", "--defined-only", os.path.join(build, src + ".o")]).splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "tT":
                how[p[2]] = "small"
    for root, _, files in os.walk(os.path.join(build, "kernel")):
        for f in files:
            if f.endswith(".o"):
                for line in run(["objdump", "-t", os.path.join(root, f)]).splitlines():
                    p = line.split()
                    if len(p) >= 6 and p[-3].startswith(".text.unlikely") and "F" in p:
                        how.setdefault(p[-1], "cold")
    return how


def count(build, plugin):
    """({block start: instructions executed}, {block start: bytes}) over
    the three boots."""
    executed, length = collections.Counter(), {}
    kernel = os.path.join(build, "kernel", "pecan.elf32")
    for arg, cmdline, cpus, icount in BOOTS:
        with tempfile.NamedTemporaryFile(suffix=".txt") as out:
            cmd = MACHINE + ["-smp", str(cpus), "-accel", "tcg", "-icount", icount,
                             "-kernel", kernel, "-append", cmdline, "-initrd",
                             os.path.join(build, "user", "sigma0.elf") + ","
                             + os.path.join(build, "user", "bench.elf") + (" " + arg if arg else ""),
                             "-plugin", f"{plugin},out={out.name}"]
            print(f"hotcode: bench.elf {arg or '(one processor)'} on {cpus} processor(s)",
                  file=sys.stderr)
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=TIMEOUT)
            if p.returncode != 1:           # isa-debug-exit after BENCH DONE
                sys.exit(f"hotcode: the boot ended with QEMU status {p.returncode}, "
                         f"expected 1 (the benchmarks' exit): {p.stderr.decode()[-300:]}")
            for line in open(out.name):
                start, runs, insns, size = line.split()
                executed[int(start, 16)] += int(runs) * int(insns)
                length[int(start, 16)] = max(length.get(int(start, 16), 0), int(size))
    return executed, length


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--plugin", default="")
    ap.add_argument("--small", default="", help="the files compiled for size (KSMALL)")
    ap.add_argument("--loop", type=int, default=20000,
                    help="instructions from which a function counts as on a timed path")
    args = ap.parse_args()
    plugin = args.plugin or os.path.join(args.build, "tools", "cacheplugin", "execcount.so")
    funcs = text_functions(os.path.join(args.build, "kernel", "pecan.elf"))
    how = compiled_for_size(args.build, args.small.split())
    starts = [f[0] for f in funcs]
    per_func = collections.Counter()
    executed, length = count(args.build, plugin)
    ran = set()                         # the addresses of every byte that ran
    for start, n in executed.items():
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and start < funcs[i][0] + max(funcs[i][1], 1):
            per_func[funcs[i][2]] += n
            ran.update(range(start, start + length[start]))
    ran_bytes = {f[2]: sum(1 for a in range(f[0], f[0] + f[1]) if a in ran) for f in funcs}
    name = lambda f: f[2].split(".")[0]     # (GCC's .part/.cold/.isra pieces)
    print(f"{'instructions':>14} {'bytes':>6} {'ran':>6}  function")
    for f in sorted(funcs, key=lambda f: (-per_func[f[2]], f[2])):
        print(f"{per_func[f[2]]:14} {f[1]:6} {ran_bytes[f[2]]:6}  {f[2]} {how.get(name(f), '')}")
    total = sum(f[1] for f in funcs)
    sized = sum(f[1] for f in funcs if name(f) in how)
    busy = sum(f[1] for f in funcs if per_func[f[2]] >= args.loop)
    print(f"hotcode: {total} bytes of functions, of which {sum(ran_bytes.values())} ran; "
          f"{busy} in functions that ran at least {args.loop} instructions; "
          f"{sized} compiled for size")
    much = [f"{f[2]} ({per_func[f[2]]})" for f in funcs
            if name(f) in how and per_func[f[2]] >= args.loop]
    print("hotcode: compiled for size and ran at least %d instructions: %s"
          % (args.loop, " ".join(much) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
