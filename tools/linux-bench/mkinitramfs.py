#!/usr/bin/env python3
"""Pack a Linux initramfs: a gzipped cpio archive in the "newc" format.

    mkinitramfs.py OUTPUT.cpio.gz INIT

The archive holds /init (the given static program), /dev/console (so the
kernel can give init its console before anything is mounted), and empty
/dev, /proc and /sys. Owners are root, times zero: the same input gives the
same bytes. Needs no cpio tool and no root privileges.
"""
import gzip
import sys

ALIGN = 4


def entry(ino, name, mode, data=b"", rdev=(0, 0), nlink=1):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = hdr + name_b
    out += b"\0" * (-len(out) % ALIGN)
    out += data
    out += b"\0" * (-len(out) % ALIGN)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    output, init = sys.argv[1], sys.argv[2]
    with open(init, "rb") as f:
        init_data = f.read()
    archive = b"".join([
        entry(1, "dev", 0o040755, nlink=2),
        entry(2, "dev/console", 0o020600, rdev=(5, 1)),
        entry(3, "proc", 0o040755, nlink=2),
        entry(4, "sys", 0o040755, nlink=2),
        entry(5, "init", 0o100755, init_data),
        entry(0, "TRAILER!!!", 0),
    ])
    archive += b"\0" * (-len(archive) % 512)
    with open(output, "wb") as f:
        f.write(gzip.compress(archive, compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()
