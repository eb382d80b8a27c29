#!/usr/bin/env python3
"""Plot lxbench's rows as seed 001's figure 6 does: each row's cost on
Pecan's Unix server relative to native Linux (instructions on Pecan over
instructions on Linux: a slowdown above 1, a speed-up below), one bar per
row, with L4Linux's slowdown from the seed where it gives a number.

    lxbench_plot.py [BUILD/bench/results.json [OUTPUT.png]]

Reads the keys "linux" and "pecan_unix" of results.json (make bench).
Uses matplotlib (Debian's python3-matplotlib; make bench-deps).
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_plot import command_line, pyplot   # noqa: E402
from lxbench_rows import ROWS                   # noqa: E402


def plot(results_json, png):
    plt = pyplot()
    with open(results_json) as f:
        res = json.load(f)
    pecan, linux = res.get("pecan_unix", {}), res.get("linux", {})
    rows = [r for r in ROWS if r[0] in pecan and r[0] in linux]
    if not rows:
        sys.exit(f"bench: no lxbench rows in {results_json}")

    fig, ax = plt.subplots(figsize=(9, 7), dpi=100)
    ys = range(len(rows))[::-1]
    ratios = [pecan[n] / linux[n] for n, *_ in rows]
    colors = ["tab:green" if r <= 1 else "tab:orange" for r in ratios]
    ax.barh(list(ys), ratios, color=colors, label="Pecan's Unix server (measured)")
    for y, r in zip(ys, ratios):
        ax.annotate(f"{r:.2f}", (r, y), textcoords="offset points", xytext=(4, -3), fontsize=8)
    seed = [(y, row[3]) for y, row in zip(ys, rows) if row[3]]
    if seed:
        ax.scatter([s for _, s in seed], [y for y, _ in seed], marker="D", color="tab:red",
                   zorder=3, label="L4Linux, seed 001 (Tables 2 and 4)")
    ax.axvline(1, color="black", linewidth=1)
    ax.set_yticks(list(ys))
    ax.set_yticklabels([label for _, label, *_ in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("instructions on Pecan / instructions on native Linux "
                  "(log scale; below 1: Pecan is faster)")
    ax.set_title("lxbench: the same static binary on Linux 6.1 and on Pecan's Unix server\n"
                 "QEMU TCG -icount shift=0, medians (as seed 001's figure 6: shorter is better)")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


if __name__ == "__main__":
    command_line(plot, "lxbench.png")
