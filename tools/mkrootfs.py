#!/usr/bin/env python3
"""Pack the Unix server's file-system image (docs/unix.md): a cpio
archive in the "newc" format that the server loads into its in-memory
file system at boot.

    mkrootfs.py OUTPUT.cpio --busybox BUSYBOX DIR [DIR...]

The archive holds busybox as /bin/busybox with a symbolic link for each
of its applets (the list comes from running it with --list-full), the
usual empty directories, and every file of each DIR (later ones win),
with its mode but root as owner and time zero: the same inputs give the
same bytes (tools/cpio.py).
"""
import argparse
import os
import stat
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpio import Entry, pack    # noqa: E402

DIRS = {"bin": 0o755, "sbin": 0o755, "usr": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755,
        "etc": 0o755, "dev": 0o755, "proc": 0o555, "tmp": 0o1777, "root": 0o700,
        "home": 0o755, "var": 0o755}


def tree(top):
    """(name in the archive, Entry) for every file under top."""
    for here, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(here, name)
            rel = os.path.relpath(path, top)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                yield rel, Entry(rel, 0o120777, os.readlink(path).encode())
            elif stat.S_ISDIR(st.st_mode):
                yield rel, Entry(rel, stat.S_IFDIR | (st.st_mode & 0o7777))
            else:
                with open(path, "rb") as f:
                    yield rel, Entry(rel, stat.S_IFREG | (st.st_mode & 0o7777), f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output")
    ap.add_argument("--busybox", required=True)
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_intermixed_args()
    entries = {name: Entry(name, stat.S_IFDIR | mode) for name, mode in DIRS.items()}
    with open(args.busybox, "rb") as f:
        entries["bin/busybox"] = Entry("bin/busybox", 0o100755, f.read())
    applets = subprocess.run([args.busybox, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    for path in applets:
        if path != "bin/busybox":
            entries[path] = Entry(path, 0o120777, b"/bin/busybox")
    for top in args.dirs:
        for name, e in tree(top):
            entries[name] = e
    # parents before children
    archive = pack(sorted(entries.values(), key=lambda e: e.name))
    with open(args.output, "wb") as f:
        f.write(archive)


if __name__ == "__main__":
    main()
