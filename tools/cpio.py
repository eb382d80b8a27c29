"""Reading and writing cpio archives in the "newc" format (the one Linux's
initramfs and Pecan's Unix server read), without a cpio tool or root.

An archive is a sequence of entries, each a 110-byte header of ASCII hex
fields, the NUL-terminated name and the data, name and data each padded
to 4 bytes, ended by the entry "TRAILER!!!":

    magic "070701", then 13 fields of 8 hex digits:
    ino mode uid gid nlink mtime filesize devmajor devminor
    rdevmajor rdevminor namesize check(0)

Names have no leading "/". A symbolic link's data is its target. The
writer takes no times or inode numbers from the host, so the same entries
give the same bytes.
"""
import stat

MAGIC = b"070701"
HEADER = 110
TRAILER = "TRAILER!!!"


class Entry:
    """One file, directory, symbolic link or device node."""

    def __init__(self, name, mode, data=b"", uid=0, gid=0, nlink=None, mtime=0,
                 rdev=(0, 0)):
        self.name = name.lstrip("/") or "."
        self.mode = mode
        self.data = data
        self.uid, self.gid, self.mtime, self.rdev = uid, gid, mtime, rdev
        self.nlink = nlink if nlink is not None else (2 if stat.S_ISDIR(mode) else 1)

    def __repr__(self):
        return f"Entry({self.name!r}, {self.mode:#o}, {len(self.data)} bytes)"


def _pad(n):
    return b"\0" * (-n % 4)


def pack_entry(e, ino):
    name = e.name.encode() + b"\0"
    fields = [ino, e.mode, e.uid, e.gid, e.nlink, e.mtime, len(e.data), 0, 0,
              e.rdev[0], e.rdev[1], len(name), 0]
    head = MAGIC + b"".join(b"%08X" % f for f in fields) + name
    return head + _pad(len(head)) + e.data + _pad(len(e.data))


def pack(entries, block=512):
    """The archive of `entries`, in the order given, inode numbers from 1
    (0 for the trailer), padded to a multiple of `block` bytes."""
    out = [pack_entry(e, i) for i, e in enumerate(entries, 1)]
    out.append(pack_entry(Entry(TRAILER, 0, nlink=1), 0))
    data = b"".join(out)
    return data + b"\0" * (-len(data) % block)


def unpack(data):
    """The entries of an archive (to check one); ValueError if malformed."""
    entries, pos = [], 0
    while True:
        head = data[pos:pos + HEADER]
        if len(head) < HEADER or head[:6] != MAGIC:
            raise ValueError(f"no newc header at offset {pos}")
        f = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        size, namesize = f[6], f[11]
        name_end = pos + HEADER + namesize
        name = data[pos + HEADER:name_end - 1].decode()
        start = name_end + (-name_end % 4)
        if start + size > len(data):
            raise ValueError(f"{name}: data beyond the end of the archive")
        if name == TRAILER:
            return entries
        entries.append(Entry(name, f[1], data[start:start + size], uid=f[2], gid=f[3],
                             nlink=f[4], mtime=f[5], rdev=(f[9], f[10])))
        pos = start + size + (-(start + size) % 4)
