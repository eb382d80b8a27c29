"""What every emulated processor was doing when a boot stopped making
progress, read through QEMU's monitor (a Unix socket each boot has).

A boot that says nothing for BOOT_TIMEOUT seconds may be a deadlock, a
processor spinning with interrupts off, or only a slow host. The serial
log cannot tell: the kernel that hangs prints nothing. So before the
harness kills such a boot it looks at every processor twice, a second
apart: where it is (RIP, privilege, interrupt flag, halted), the kernel
backtrace along its frame pointers (the kernel keeps them), and whether
it moved between the two looks. The addresses are resolved with
addr2line against the kernel's ELF file."""
import re
import socket
import subprocess
import time

PROMPT = b"(qemu) "
KERNEL_BASE = 0xffffffff80000000    # the kernel image (its text) lies above
MAX_FRAMES = 16


class Monitor:
    """One connection to a QEMU human monitor on a Unix socket."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self._read_to_prompt()          # (the greeting)

    def _read_to_prompt(self):
        data = b""
        while not data.endswith(PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")

    def command(self, line):
        """The command's output: the lines between its echo and the prompt,
        terminal escapes removed."""
        self.sock.sendall(line.encode() + b"\n")
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\x1b[=>]", "", self._read_to_prompt())
        lines = text.replace("\r", "").split("\n")
        return "\n".join(l for l in lines[1:-1] if l.strip())

    def close(self):
        self.sock.close()


def registers(mon, cpu):
    """Processor cpu's RIP, RBP, RSP, RFLAGS, CPL and HLT, as numbers."""
    mon.command(f"cpu {cpu}")
    text = mon.command("info registers")
    regs = {}
    for name in ("RIP", "RBP", "RSP", "RFL", "CPL", "HLT"):
        m = re.search(rf"\b{name}=([0-9a-fA-F]+)", text)
        regs[name] = int(m.group(1), 16) if m else None
    return regs


def frames(mon, rbp):
    """Return addresses along the frame-pointer chain from rbp, read in
    the selected processor's address space, within one 4 KB stack (as
    the kernel's own panic backtrace walks it)."""
    out, page = [], rbp & ~4095
    while len(out) < MAX_FRAMES and rbp and rbp % 8 == 0 and rbp & ~4095 == page \
            and rbp % 4096 <= 4096 - 16:
        words = re.findall(r"0x([0-9a-f]{16})", mon.command(f"x /2gx {rbp:#x}"))
        if len(words) < 2:
            break
        up, ret = int(words[0], 16), int(words[1], 16)
        if ret < KERNEL_BASE or up <= rbp:
            break
        out.append(ret)
        rbp = up
    return out


def resolve(elf, addrs):
    """"function file:line" for each address (and those it is inlined in),
    by addr2line."""
    if not addrs:
        return {}
    p = subprocess.run(["addr2line", "-f", "-p", "-s", "-i", "-e", elf] + [f"{a:#x}" for a in addrs],
                       capture_output=True, text=True)
    names = []
    for line in p.stdout.replace(" at ", " ").splitlines():
        if line.startswith(" (inlined by) ") and names:
            names[-1] += " in " + line[len(" (inlined by) "):]
        else:
            names.append(line)
    return dict(zip(addrs, names + ["?"] * (len(addrs) - len(names))))


def processor_count(mon):
    return max(1, len(re.findall(r"CPU #\d+", mon.command("info cpus"))))


def stall_report(socket_path, elf):
    """Text for a failure message: every processor, looked at twice."""
    try:
        mon = Monitor(socket_path)
    except OSError as e:
        return f"(no QEMU monitor to look at the processors: {e})"
    try:
        cpus = processor_count(mon)
        mon.command("stop")             # (one consistent picture per look)
        first = [registers(mon, c) for c in range(cpus)]
        mon.command("cont")
        time.sleep(1.0)
        mon.command("stop")
        second, stacks = [], []
        for c in range(cpus):
            r = registers(mon, c)       # (selects c for the reads of its stack)
            second.append(r)
            stacks.append(frames(mon, r["RBP"]) if r["CPL"] == 0 and r["RBP"] else [])
        mon.command("cont")
    except (OSError, TypeError) as e:
        return f"(the QEMU monitor stopped answering: {e})"
    finally:
        mon.close()
    kernel = [r["RIP"] for r in first + second if r["CPL"] == 0 and r["RIP"]]
    names = resolve(elf, kernel + [a for s in stacks for a in s])

    def state(r):
        where = "user mode" if r["CPL"] == 3 else names.get(r["RIP"], "?")
        return f"RIP {r['RIP']:#x} {where}, IF {r['RFL'] >> 9 & 1}" + (", halted" if r["HLT"] else "")

    lines = ["the processors when the boot stalled (QEMU monitor, two looks 1 s apart):"]
    for c in range(cpus):
        a, b = first[c], second[c]
        moved = "the same" if (a["RIP"], a["RSP"]) == (b["RIP"], b["RSP"]) else state(b)
        lines.append(f"  cpu {c}: {state(a)}; 1 s later: {moved}")
        lines += [f"      called from {names.get(ret, '?')}" for ret in stacks[c]]
    return "\n".join(lines)
