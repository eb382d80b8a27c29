"""The rows of lxbench (tools/linux-bench/lxbench.c), the lmbench-style
comparison of Pecan's Unix server with Linux (issue 14), for make bench's
table (tools/bench.py) and plot (tools/lxbench_plot.py).

Each row: its name in BENCH lines; what it measures (the label of
seed 001's figure 6 where that figure has the row); its goal, "linux"
(at most native Linux's instructions) or "2x" (within twice them); and
L4Linux's slowdown against native Linux where seed 001 gives it as a
number: Table 2 (getpid, 526 against 223 cycles) and Table 4 (pipe
latency 46 against 29 us, bandwidth 40 against 41 MB/s). The other bars
of its figure 6 (write /dev/null, null, simple and /bin/sh process,
mmap, 2- and 8-process context switch, file reread) are not legible in
the seed's text, so no number is given for them.
"""

ROWS = [
    ("lx_getpid", "null call (getpid)", "linux", 526 / 223),
    ("lx_read_zero", "read 1 byte of /dev/zero", "2x", None),
    ("lx_write_null", "write /dev/null", "2x", None),
    ("lx_stat", "stat", "2x", None),
    ("lx_open_close", "open + close", "2x", None),
    ("lx_fork_exit", "null process (fork, exit, wait)", "2x", None),
    ("lx_fork_exec", "simple process (fork, exec, wait)", "2x", None),
    ("lx_fork_sh", "/bin/sh process (sh -c true)", "2x", None),
    ("lx_mmap_1m", "mmap 1 MB file, touch, munmap", "2x", None),
    ("lx_pagefault", "first touch of an anonymous page", "2x", None),
    ("lx_pipe_rtt", "pipe latency (round trip)", "linux", 46 / 29),
    ("lx_ctx_2", "2-process context switch", "linux", None),
    ("lx_ctx_8", "8-process context switch", "linux", None),
    ("lx_pipe_bw_64k", "pipe bandwidth (per 64 KB)", "2x", 41 / 40),
    ("lx_file_reread_1m", "file reread (per 1 MB)", "2x", None),
    ("lx_sig_install", "signal handler installation", "2x", None),
    ("lx_sig_deliver", "signal delivery to oneself", "2x", None),
]

NAMES = [r[0] for r in ROWS]


def goal_met(goal, pecan, linux):
    """Whether Pecan's instructions meet the row's goal."""
    return pecan <= linux if goal == "linux" else pecan <= 2 * linux
