#!/usr/bin/env python3
"""The kernel's sections apart (kernel/include/section.h, kernel.ld).

  kernel_sections.py size ELF        make size: run-time, boot and debugger
                                     text in bytes, from the section headers
  kernel_sections.py check OBJ...    make's kernel link: fail when a section
                                     other than the boot sections refers to
                                     boot code or data, which the kernel
                                     pool takes over after boot

The check reads the relocations of the object files (readelf), as Linux's
modpost does for __init: a call, jump, address or pointer from run-time
code or data into a boot section is a reference into memory that is
reused once the first thread runs.
"""
import re
import subprocess
import sys

# the low 32-bit entry, boot code, boot data (kernel.ld)
BOOT_SECTIONS = {".multiboot", ".boot.entry.text", ".boot.entry.data", ".boot.text", ".bss.boot"}


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True,
                          check=True).stdout


def section_headers(path):
    """name -> (address, size, flags)"""
    out = {}
    for line in readelf("-S", path).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)"
                     r"\s+[0-9a-f]+\s+(\S*)", line)
        if m:
            out[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16), m.group(4))
    return out


def symbols(path):
    """[(name, value, section index or UND/ABS, binding)]"""
    out = []
    for line in readelf("-s", path).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[0][:-1].isdigit():
            out.append((f[7], int(f[1], 16), f[6], f[4]))
    return out


def section_names(path):
    """section index -> name"""
    out = {}
    for line in readelf("-S", path).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def relocations(path):
    """[(section the relocation patches, symbol or section name, offset)]"""
    out, patched = [], None
    for line in readelf("-r", path).splitlines():
        m = re.match(r"Relocation section '\.rela(\S+)'", line)
        if m:
            patched = m.group(1)
            continue
        f = line.split()
        if patched and len(f) >= 5 and f[2].startswith("R_X86_64_"):
            out.append((patched, f[4], f[0]))
    return out


def check(objects):
    defined = {}                                # global symbol -> section
    local = {}                                  # object -> {symbol: section}
    for obj in objects:
        names = section_names(obj)
        local[obj] = {}
        for name, _, ndx, bind in symbols(obj):
            if ndx in names:
                local[obj][name] = names[ndx]
                if bind in ("GLOBAL", "WEAK"):
                    defined[name] = names[ndx]
    bad = []
    for obj in objects:
        headers = section_headers(obj)
        for patched, target, offset in relocations(obj):
            if patched in BOOT_SECTIONS or "A" not in headers.get(patched, (0, 0, ""))[2]:
                continue                        # boot itself, or debugging information
            where = target if target in headers else local[obj].get(target, defined.get(target))
            if where in BOOT_SECTIONS:
                bad.append(f"{obj}: {patched}+0x{int(offset, 16):x} refers to {target} "
                           f"(in {where}), which is released after boot")
    for b in bad:
        print(b, file=sys.stderr)
    if bad:
        print("kernel_sections.py: run-time code or data must not refer to __boot code or "
              "__bootdata (kernel/include/section.h)", file=sys.stderr)
    return 1 if bad else 0


def sizes(elf):
    """The kernel's text in bytes: run-time, boot, debugger; and the rest."""
    h = section_headers(elf)
    size = lambda name: h.get(name, (0, 0, ""))[1]
    syms = {name: value for name, value, _, _ in symbols(elf)}
    released = syms["_boot_end"] - 0xFFFFFFFF80000000 - syms["_kernel_phys_start"]
    return {
        "runtime_text": size(".text"),
        "boot_text": size(".boot.entry") + size(".boot.text"),
        "debug_text": size(".kdb.text"),
        "stub_page": size(".user_stubs"),
        "rodata": size(".rodata"),
        "data": size(".data"),
        "bss": size(".bss"),
        "released_after_boot": released,
    }


def print_sizes(elf):
    s = sizes(elf)
    print(f"kernel text in bytes ({elf}, from its section headers):")
    print(f"  run-time  {s['runtime_text']:6}  .text: what runs after boot, the debugger apart")
    print(f"  boot      {s['boot_text']:6}  .boot.entry .boot.text: start-up only, "
          "released after boot")
    print(f"  debugger  {s['debug_text']:6}  .kdb.text: kdb, the KDB interface (spec 11), "
          "register dumps")
    print(f"not counted: the system-call stub page {s['stub_page']} (user code), "
          f"rodata {s['rodata']}, data {s['data']}, bss {s['bss']}")
    print(f"after boot the kernel pool takes over {s['released_after_boot']} bytes "
          f"({s['released_after_boot'] // 4096} pages: boot text, boot data, boot stack)")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "size":
        print_sizes(sys.argv[2])
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        return check(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
