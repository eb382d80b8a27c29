#!/usr/bin/env python3
"""Pack a Linux initramfs: a gzipped cpio archive in the "newc" format.

    mkinitramfs.py OUTPUT.cpio.gz INIT [PATH=FILE ...]

The archive holds /init (the given static program), /dev/console (so the
kernel can give init its console before anything is mounted), /dev/null
and /dev/zero, empty /proc, /sys and /tmp, and each FILE at PATH (with its directories; a FILE
that is busybox also gets /bin/sh as a link to it when PATH is
bin/busybox). Owners are root, times zero: the same input gives the same
bytes. Needs no cpio tool and no root privileges (tools/cpio.py).
"""
import gzip
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cpio import Entry, pack    # noqa: E402  (tools/cpio.py)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    if len(sys.argv) < 3 or any("=" not in a for a in sys.argv[3:]):
        sys.exit(__doc__)
    output, init = sys.argv[1], sys.argv[2]
    entries = [
        Entry("dev", 0o040755),
        Entry("dev/console", 0o020600, rdev=(5, 1)),
        Entry("dev/null", 0o020666, rdev=(1, 3)),
        Entry("dev/zero", 0o020666, rdev=(1, 5)),
        Entry("proc", 0o040755),
        Entry("sys", 0o040755),
        Entry("tmp", 0o041777),
        Entry("init", 0o100755, read(init)),
    ]
    dirs = set()
    for arg in sys.argv[3:]:
        path, _, host = arg.partition("=")
        parent = os.path.dirname(path)
        while parent and parent not in dirs:
            dirs.add(parent)
            entries.append(Entry(parent, 0o040755))
            parent = os.path.dirname(parent)
        entries.append(Entry(path, 0o100755, read(host)))
        if path == "bin/busybox":
            entries.append(Entry("bin/sh", 0o120777, b"busybox"))
    entries.sort(key=lambda e: e.name)   # directories before what they hold
    with open(output, "wb") as f:
        f.write(gzip.compress(pack(entries), compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()
