"""Pecan's test harness, its common parts: test results, and a QEMU boot
with the serial console on a pipe."""
import os
import re
import select
import shutil
import subprocess
import tempfile
import time

import qemu_monitor


class Result:
    """Counts of passed and failed tests; each also printed (unless quiet)."""

    def __init__(self, quiet=False):
        self.passed = 0
        self.failed = 0
        self.failures = []          # (name, detail), repeated in the summary
        self.quiet = quiet

    def record(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append((name, detail))
        if not self.quiet:
            print(f"TEST {name} PASS" if ok else f"TEST {name} FAIL: {detail}", flush=True)

    def summary(self):
        """The closing line, after the failures again, so that a log's tail
        (all CI shows) names them; a failure's detail up to 60 lines (a
        panic's reason, registers and backtrace)."""
        for name, detail in self.failures:
            lines = str(detail).splitlines() or [""]
            print(f"FAILED {name}: " + "\n".join(line[:300] for line in lines[:60]), flush=True)
        print(f"{self.passed} passed, {self.failed} failed", flush=True)



class Qemu:
    """One boot: QEMU with the serial console on a pipe, and its monitor
    on a Unix socket (stall_report)."""

    def __init__(self, args, build, accel, mem, modules, logname, append="", extra=()):
        self.elf = os.path.join(build, "kernel", "pecan.elf")
        self.log_path = os.path.join(build, "test", logname)
        self.mon_dir = tempfile.mkdtemp(prefix="pecan-mon-")   # (a short path: sockets' limit)
        self.mon_path = os.path.join(self.mon_dir, "monitor")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.log = open(self.log_path, "w")
        initrd = ",".join(modules)
        cmd = [args.qemu, "-machine", "pc", "-cpu", "max", "-m", mem,
               "-display", "none", "-no-reboot", "-accel", accel,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-serial", "stdio", "-serial", "null",                       # COM2 for tests
               "-monitor", f"unix:{self.mon_path},server,nowait",
               "-kernel", os.path.join(build, "kernel", "pecan.elf32"),
               "-append", append, "-initrd", initrd] + list(extra)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.buf = b""
        self.lines = []

    def lines_until(self, deadline):
        """Yield serial lines as they arrive; stop at deadline (a time, or
        a function giving it: it may move) or exit."""
        while True:
            while b"\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                self.log.write(line + "\n")
                self.log.flush()
                self.lines.append(line)
                yield line
            left = (deadline() if callable(deadline) else deadline) - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    if self.buf:
                        self.buf += b"\n"
                        continue
                    return
                self.buf += chunk

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def expect(self, pattern, seconds):
        """Wait for `pattern` (a regex) in the output since the last
        expect, partial lines included. Returns the text read, or None.
        (Bytes that are no UTF-8, or not yet all of a character, decode
        to surrogates and go back unchanged.)"""
        deadline = time.monotonic() + seconds
        while True:
            seen = self.buf.decode("utf-8", "surrogateescape")
            m = re.search(pattern, seen)
            if m:
                self.buf = seen[m.end():].encode("utf-8", "surrogateescape")
                self._log(seen[:m.end()])
                return seen[:m.end()]
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self._log(seen)
                self.buf = b""
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if chunk:
                    self.buf += chunk

    def type(self, text, fast=False):
        """Type like a user: a character at a time (fast: all at once;
        QEMU hands the UART no more than it takes, so nothing is lost)."""
        if fast:
            self.send(text.encode("utf-8"))
            return
        for ch in text:
            self.send(ch.encode("utf-8"))
            time.sleep(0.01)

    def _log(self, text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        self.log.write(text.replace("\r", ""))
        self.log.flush()
        self.lines.extend(text.replace("\r", "").split("\n"))

    def stall_report(self):
        """For a boot that stopped making progress, before it is killed:
        where each processor is (qemu_monitor.py). Empty if QEMU is gone."""
        if self.proc.poll() is not None:
            return ""
        return qemu_monitor.stall_report(self.mon_path, self.elf)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.mon_dir, ignore_errors=True)

    def tail(self, n=25):
        return "\n".join("    | " + l for l in self.lines[-n:])
