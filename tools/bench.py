#!/usr/bin/env python3
"""Pecan benchmarks.

Boots the benchmark root task under QEMU TCG with -icount shift=0, where the
guest TSC advances by exactly one per executed instruction, so every figure
is an exact, repeatable instruction count. Prints a table and writes
build/bench/results.json as {"pecan": {"<benchmark>": <instructions>}}
(the median per operation, timing overhead subtracted).
"""
import argparse
import json
import os
import re
import subprocess
import sys

TIMEOUT = 600


def run_pecan(args):
    build = args.build
    cmd = [args.qemu, "-machine", "pc", "-cpu", "max", "-m", args.mem,
           "-accel", "tcg", "-icount", "shift=0",
           "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "stdio", "-serial", "null",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", os.path.join(build, "kernel", "pecan.elf32"),
           "-initrd", ",".join([os.path.join(build, "user", "sigma0.elf"),
                                os.path.join(build, "user", "bench.elf")])]
    log_path = os.path.join(build, "bench", "serial.log")
    results, done, failed = {}, False, []
    with open(log_path, "w") as log:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        try:
            for raw in p.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                log.write(line + "\n")
                m = re.match(r"BENCH (\S+) median=(\d+) min=(\d+) overhead=(\d+)", line)
                if m:
                    results[m.group(1)] = {k: int(m.group(i)) for i, k in
                                           enumerate(["median", "min", "overhead"], 2)}
                    print(f"bench: {m.group(1)} done", file=sys.stderr, flush=True)
                elif line.startswith("BENCH") and "FAILED" in line:
                    failed.append(line)
                elif line == "BENCH DONE":
                    done = True
                    break
                elif line.startswith("PANIC"):
                    break
        finally:
            p.kill()
            p.wait()
    if not done:
        sys.exit(f"bench: the benchmark run did not finish; see {log_path}")
    if failed:
        sys.exit("bench: benchmarks failed:\n  " + "\n  ".join(failed))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.build, "bench"), exist_ok=True)

    pecan = run_pecan(args)
    print(f"{'benchmark':<24} {'median':>10} {'min':>10} {'overhead':>10}   (instructions)")
    for name, r in pecan.items():
        print(f"{name:<24} {r['median']:>10} {r['min']:>10} {r['overhead']:>10}")
    out = os.path.join(args.build, "bench", "results.json")
    with open(out, "w") as f:
        json.dump({"pecan": {k: v["median"] for k, v in pecan.items()}}, f, indent=2)
        f.write("\n")
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
