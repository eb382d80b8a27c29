#!/usr/bin/env python3
"""Plot IPC round trip against message length from a results.json.

    bench_plot.py [BUILD/bench/results.json [OUTPUT.png]]

Pecan's ipc_rtt_inter_{0,8,63} (0, 8, 63 untyped words each way = 0, 64,
504 bytes) and Linux's pipe_rtt, pipe_rtt_64, pipe_rtt_504 (1, 64, 504
bytes each way) and futex_rtt (no payload), all measured by `make bench`,
with seL4 and Pistachio as reference points: instruction counts of their
own benchmarks (seL4's sel4bench Call + ReplyRecv, Pistachio's pingpong)
taken on the same emulator setup (QEMU TCG, -icount shift=0), given in the
issue that set Pecan's targets (docs/performance.md); this tool does not
run them. seL4's 0-word figure is its fast path, its 10-word figure its
slow path: two different code paths, so they are drawn as two points, not
joined. Uses matplotlib (Debian's python3-matplotlib, which
`make bench-deps` installs).
"""
import json
import os
import sys

# Reference round trips, instructions under -icount shift=0, from the
# issue that set the targets (not run by make bench).
SEL4_FAST = (0, 199 + 226)      # sel4bench Call + ReplyRecv, 0 words: fast path
SEL4_SLOW = (80, 879 + 805)     # 10 words: slow path
PISTACHIO = [(0, 200), (56, 200), (64, 224)]   # pingpong: 100 per one-way IPC
                                               # with 0-7 words, 112 with 8

PECAN = [(0, "ipc_rtt_inter_0"), (64, "ipc_rtt_inter_8"), (504, "ipc_rtt_inter_63")]
LINUX_PIPE = [(1, "pipe_rtt"), (64, "pipe_rtt_64"), (504, "pipe_rtt_504")]


def series(results, points):
    return [(x, results[name]) for x, name in points if name in results]


def pyplot():
    """matplotlib's pyplot, drawing to files (Agg), or exit saying what is
    missing. (Shared with tools/lxbench_plot.py.)"""
    try:
        import matplotlib
    except ImportError:
        sys.exit("bench: python3-matplotlib is missing for the plot; `make bench-deps` installs it")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def command_line(plot, png_name):
    """The plot scripts' arguments: [results.json [output.png]]."""
    results_json = sys.argv[1] if len(sys.argv) > 1 else os.path.join("build", "bench",
                                                                       "results.json")
    png = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(results_json),
                                                             png_name)
    plot(results_json, png)
    print(png)


def plot(results_json, png):
    plt = pyplot()
    with open(results_json) as f:
        res = json.load(f)
    pecan, linux = res.get("pecan", {}), res.get("linux", {})

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=100)

    def line(points, label, **kw):
        if points:
            ax.plot([x for x, _ in points], [y for _, y in points], label=label, **kw)

    p = series(pecan, PECAN)
    line(p, "Pecan ipc_rtt_inter (L4 Call + ReplyWait, other space)",
         marker="o", color="tab:green", linewidth=2)
    for (x, y), words in zip(p, (0, 8, 63)):
        ax.annotate(f"{y} ({words} words)", (x, y), textcoords="offset points",
                    xytext=(6, -12), fontsize=8, color="tab:green")
    lp = series(linux, LINUX_PIPE)
    line(lp, "Linux pipe_rtt (two processes, measured)", marker="s", color="tab:red")
    for x, y in lp:
        ax.annotate(str(y), (x, y), textcoords="offset points", xytext=(6, 6),
                    fontsize=8, color="tab:red")
    if "futex_rtt" in linux:
        ax.axhline(linux["futex_rtt"], color="tab:orange", linestyle=":",
                   label=f"Linux futex_rtt, no payload (measured): {linux['futex_rtt']}")
    for (x, y), what, marker in ((SEL4_FAST, "fast path, 0 words", "^"),
                                 (SEL4_SLOW, "slow path, 10 words", "<")):
        ax.plot([x], [y], marker=marker, color="tab:blue", linestyle="none",
                label=f"seL4 sel4bench Call + ReplyRecv, {what}")
        ax.annotate(str(y), (x, y), textcoords="offset points", xytext=(6, 2),
                    fontsize=8, color="tab:blue")
    line(PISTACHIO, "L4Ka::Pistachio pingpong",
         marker="v", color="tab:purple", linestyle="--")
    ax.annotate(f"{PISTACHIO[0][1]} (0-7 words), {PISTACHIO[-1][1]} (8 words)", PISTACHIO[-1],
                textcoords="offset points", xytext=(8, -2), fontsize=8, color="tab:purple")

    ax.set_yscale("log")
    ax.set_xlim(-20, 600)
    ax.set_xlabel("message length each way (bytes; 1 word = 8 bytes)")
    ax.set_ylabel("round trip (instructions, log scale)")
    ax.set_title("IPC round trip against message length\n"
                 "QEMU TCG -icount shift=0: instructions, user and kernel")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    fig.text(0.01, 0.01, "Pecan and Linux: make bench (medians). seL4 and Pistachio: "
             "instruction counts of their own benchmarks on the same\nemulator setup "
             "(-icount shift=0), from the issue that set Pecan's targets; not run by make bench.",
             fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(png)
    plt.close(fig)


if __name__ == "__main__":
    command_line(plot, "ipc_rtt.png")
