#!/usr/bin/env python3
"""Where the instructions of an IPC go, function by function.

Runs the pingpong benchmark (bench.elf, as make bench does) under QEMU TCG
with -singlestep, so that every translation block is one instruction, and
-d exec, which logs the address of every block executed: a list of every
instruction the guest runs. One round trip from the middle of the chosen
benchmark is cut out: from the client's `syscall` (its kernel entry after
user code of the function `rtt`) to its next one. Its instructions are
counted per function, in the order they run, for the call (client to
server) and the reply (server to client) separately.

    tools/ipc_trace.py [--general] [--words 0|8|63 | --unix | --pagefault]
                                                                (make ipc-trace)

--general traces the nofastpath boot (the general path). --unix traces
unix_getpid instead (user/bench/unix.c, alone: bench.elf's "unix"): from
the Linux thread's `syscall` to its next one, the message to its handler
and the answer; with --general, through the general path. --pagefault
traces pagefault_user_pager (user/bench/memory.c): from the faulting
thread's page fault (its entry at the #PF stub) to its return, the fault
message to the pager and the pager's answer.
The counts are of instructions executed, as -icount counts them; the
benchmark's own figure is the same round trip less the timing overhead.
"""
import argparse
import bisect
import os
import subprocess
import sys
import tempfile

KIP_STUB_PAGE = 0xFFFFFFFFFFE00000     # where user code sees the Ipc stub (config.h)
KERNEL_START = 0xFFFF800000000000
ENTRIES = ("syscall_entry", "syscall_fast_entry")
UNIX_ENTRIES = ("unix_syscall_entry", "unix_syscall_fast_entry")
WARMUP, ITERATIONS = 100, 1000         # user/bench/bench.h
PF_VECTOR, STUB_SIZE = 14, 16          # kernel/arch/x86_64/entry.S
# The round-trip benchmarks in the order bench.elf runs them (user/bench/ipc.c)
ORDER = {False: [0, "intra", 8, 63], True: [0, 8, 63]}


def symbols(elf):
    addrs, names = [], []
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            addrs.append(int(p[0], 16))
            names.append(p[2])
    return addrs, names


class Namer:
    def __init__(self, build):
        self.k = symbols(os.path.join(build, "kernel", "pecan.elf"))
        self.u = symbols(os.path.join(build, "user", "bench.elf"))

    def __call__(self, pc):
        if KIP_STUB_PAGE <= pc < KIP_STUB_PAGE + 4096:
            return "user: system-call stub (KIP)"
        addrs, names = self.k if pc >= KERNEL_START else self.u
        i = bisect.bisect_right(addrs, pc) - 1
        name = names[i] if i >= 0 else hex(pc)
        return name if pc >= KERNEL_START else "user: " + name


def trace(args, namer):
    """The pcs of one round trip: the skip-th client entry to the next."""
    if args.unix:                       # the Linux thread's system calls
        client, entries, skip = "user: linux_getpid_loop", UNIX_ENTRIES, WARMUP + ITERATIONS // 2
    elif args.pagefault:                # memory.c's faulter, at the #PF stub
        client, entries, skip = "user: faulter", (), WARMUP + ITERATIONS // 2
    else:
        index = ORDER[args.general].index(args.words)
        client, entries = "user: rtt", ENTRIES
        skip = index * (WARMUP + ITERATIONS) + WARMUP + ITERATIONS // 2
    tmp = tempfile.mkdtemp()
    fifo = os.path.join(tmp, "exec.log")
    os.mkfifo(fifo)
    bench = os.path.join(args.build, "user", "bench.elf") + (" general" if args.general else "") \
        + (" unix" if args.unix else "")
    cmd = [args.qemu, "-machine", "pc", "-cpu", "max", "-m", "256M", "-smp", "1",
           "-accel", "tcg", "-icount", "shift=0", "-singlestep", "-display", "none",
           "-no-reboot", "-monitor", "none", "-serial", "null",
           "-kernel", os.path.join(args.build, "kernel", "pecan.elf32"),
           "-initrd", os.path.join(args.build, "user", "sigma0.elf") + "," + bench,
           "-d", "exec,nochain", "-D", fifo]
    if args.general:
        cmd += ["-append", "nofastpath"]
    q = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    entry_pcs = {a for a, n in zip(*namer.k) if n in entries}
    if args.pagefault:
        entry_pcs = {a + PF_VECTOR * STUB_SIZE for a, n in zip(*namer.k) if n == "vector_stubs"}
    seen, last_user, pcs, recording = 0, "", [], False
    try:
        with open(fifo) as log:
            for line in log:
                # "Trace 0: 0x... [cs_base/pc/flags/cflags] ..."
                f = line.partition("[")[2].split("/")
                if len(f) < 2:
                    continue
                pc = int(f[1], 16)
                if pc in entry_pcs and last_user == client:
                    seen += 1
                    if recording:
                        return pcs
                    recording = seen == skip
                if pc < KERNEL_START:
                    last_user = namer(pc)
                    if recording and args.pagefault and last_user == client:
                        return pcs              # back at the faulting instruction
                if recording:
                    pcs.append(pc)
    finally:
        q.kill()
        q.wait()
        os.unlink(fifo)
        os.rmdir(tmp)
    sys.exit(f"ipc_trace: QEMU ended after {seen} client IPCs, expected more than {skip}")


def report(pcs, namer, unix, pagefault):
    runs = []                           # [name, count] in execution order
    for pc in pcs:
        n = namer(pc)
        if runs and runs[-1][0] == n:
            runs[-1][1] += 1
        else:
            runs.append([n, 1])
    # The call ends where the server's kernel entry begins.
    client, server = ("user: linux_getpid_loop", "user: bench_unix") if unix \
        else ("user: faulter", "user: pager_loop") if pagefault else ("user: rtt", "user: server")
    half = next(i for i in range(1, len(runs))
                if runs[i][0] in ENTRIES and runs[i - 1][0] != client
                and any(r[0] == server for r in runs[:i]))
    titles = ("fault (thread to pager)", "answer (pager to thread)") if pagefault \
        else ("call (client to server)", "reply (server to client)")
    for title, part in zip(titles, (runs[:half], runs[half:])):
        kernel = sum(c for n, c in part if not n.startswith("user"))
        print(f"{title}: {sum(c for _, c in part)} instructions, {kernel} in the kernel")
        for n, c in part:
            print(f"  {c:5d}  {n}")
    print(f"{'fault' if pagefault else 'round trip'}: {len(pcs)} instructions")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--general", action="store_true", help="the nofastpath boot")
    ap.add_argument("--words", type=int, default=0, choices=(0, 8, 63))
    ap.add_argument("--unix", action="store_true", help="unix_getpid instead")
    ap.add_argument("--pagefault", action="store_true", help="pagefault_user_pager instead")
    args = ap.parse_args()
    namer = Namer(args.build)
    report(trace(args, namer), namer, args.unix, args.pagefault)


if __name__ == "__main__":
    main()
