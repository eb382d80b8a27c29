#!/usr/bin/env python3
"""Pack a Linux initramfs: a gzipped cpio archive in the "newc" format.

    mkinitramfs.py OUTPUT.cpio.gz INIT

The archive holds /init (the given static program), /dev/console (so the
kernel can give init its console before anything is mounted), and empty
/dev, /proc and /sys. Owners are root, times zero: the same input gives the
same bytes. Needs no cpio tool and no root privileges (tools/cpio.py).
"""
import gzip
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cpio import Entry, pack    # noqa: E402  (tools/cpio.py)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    output, init = sys.argv[1], sys.argv[2]
    with open(init, "rb") as f:
        init_data = f.read()
    archive = pack([
        Entry("dev", 0o040755),
        Entry("dev/console", 0o020600, rdev=(5, 1)),
        Entry("proc", 0o040755),
        Entry("sys", 0o040755),
        Entry("init", 0o100755, init_data),
    ])
    with open(output, "wb") as f:
        f.write(gzip.compress(archive, compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()
