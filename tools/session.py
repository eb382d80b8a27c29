"""The interactive system (make run), driven through its serial console.

Three kinds of runs, each a fresh boot of the operating system:
  readme   types the commands of README.md's session transcript and checks
           that the system answers exactly so (fields that differ from boot
           to boot masked), so the transcript cannot go stale;
           --update-readme writes this run's answers into README.md instead
  session  a scripted session: each step types a line and expects an answer
           (a regex), some check more; steps after a failure still run,
           each test reported on its own
  soak     rounds of programs, pipelines, Ctrl-C and killed servers; ps, mem
           and the kernel's free frames must be the same after them as before
  smp      the system on four processors: how it spreads its tasks, and
           pipelines, Ctrl-C and kill across processors (session_cpus.py)
"""
import difflib
import os
import re
import signal
import subprocess
import time

from lxbench_rows import NAMES as LXBENCH_ROWS
from qemu_serial import Qemu
from session_cpus import ONE_PROCESSOR_STEPS, SMP_SESSION

BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", "180"))
PROMPT = "pecan> "
README_MARK = "<!-- session transcript: make test checks it against a real run -->"


def boot(args, logname, accel=None, extra=()):
    q = Qemu(args, args.build, accel or args.accel, args.mem, args.os_modules, logname, "kdb",
             extra)
    return q, q.expect(PROMPT, BOOT_TIMEOUT)


def keys(typed):
    """What to send for a step: a single key (for kdb, or a control key),
    an escape sequence or a line that ends in Enter as it is; other text
    with Enter after it."""
    return typed if len(typed) == 1 or typed < " " or typed.endswith("\r") else typed + "\r"


APPLETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "user", "unix",
                       "rootfs", "usr", "lib", "pecan-tests", "applets.sh")


def same_as_host_busybox(got, v):
    """The applet script's output on Pecan against the same busybox here
    (its applets first in PATH, as on Pecan)."""
    import subprocess
    import tempfile
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", got).replace("\r", "")
    text = text[text.index("\n", text.index("applets.sh")) + 1:]
    status = re.search(r"== (\d+)$", text)
    text = text[:status.start()]
    with tempfile.TemporaryDirectory() as bindir:
        names = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True,
                               check=True).stdout.split()
        for name in names:
            os.symlink("/bin/busybox", os.path.join(bindir, name))
        host = subprocess.run(["/bin/busybox", "sh", APPLETS], capture_output=True, text=True,
                              env={"PATH": bindir})
    if status.group(1) != str(host.returncode) or text != host.stdout:
        diff = "\n".join(difflib.unified_diff(host.stdout.split("\n"), text.split("\n"),
                                               "build machine", "Pecan", lineterm="", n=1))
        return (f"status {status.group(1)} on Pecan, {host.returncode} here; "
                f"the outputs differ:\n{diff[:3000]}")
    return None


# ---- the scripted session ------------------------------------------------------
# (test name or None: a further step of the test before, typed, answer regex,
#  check or None). A check gets the answer and the variables the answers
# captured with named groups so far; it returns what is wrong, or None.

def absent(text, why):
    return lambda got, v: f"{why}: {text!r} in the answer" if text in got else None


def all_passed(got, v):
    m = re.search(r"test: (\d+) passed, (\d+) failed", got)
    if m and int(m.group(1)) > 0 and m.group(2) == "0":
        return None
    fails = [l for l in got.splitlines() if re.match(r"TEST \S+ FAIL", l)]
    return "expected 'test: N passed, 0 failed' with N > 0:\n" + "\n".join(fails)


def same_frames(got, v):
    if v["frames_second"] != v["frames_third"]:
        return (f"expected the same free kernel frames after the second and the third run, "
                f"got {v['frames_second']} and {v['frames_third']}")
    return None


def kdb_frames(name):
    """Steps: enter kdb, capture its free frames as `name`, continue."""
    return [(None, "kdb", r"kdb> ", None),
            (None, "i", r"free kernel frames (?P<" + name + r">\d+)[\s\S]*kdb> ", None),
            (None, "g", r"kdb: continuing", None)]


SPINS = " | ".join(["spin"] * 8)        # tasks 43..4A; then echo 4B, shell 4C
LONG = "".join(f"{i:04d} " for i in range(200))     # 1000 characters

# (the end of input went to the shell's line read: it ended, and came back)
SHELL_READ_NOT_ENDED = absent("the shell server", "the end of /bin/true's session ended a later "
                              "read, the shell's")

SESSION = [
    ("help_lists_the_programs_there_are", "help",
     r"commands:[\s\S]*programs:[^\n]*benchpeer[^\n]*crash[^\n]*wc", None),
    ("program_with_arguments", "hello big world", r"argument 1: big\r?\nargument 2: world", None),
    ("no_such_program", "nosuch", r"nosuch: no such program", None),
    # Backspace (DEL) takes back one character, Ctrl-U the whole line
    ("line_editing", "hellx\x7fo edited", r"argument 1: edited", None),
    (None, "nonsense\x15hello again", r"argument 1: again", None),
    ("ps_lists_the_servers", "ps", r"console[\s\S]*shell[\s\S]*pipe[\s\S]*pecan> ", None),
    ("mem_per_task", "mem", r"shell +\d+[\s\S]*free +\d+", None),
    *ONE_PROCESSOR_STEPS,
    ("pipeline", "count 3 | upper", r"1\r?\n2\r?\n3\r?\n[\s\S]*pecan> ", None),
    # (hello b ends without reading: hello a may write before that or find
    # its reader gone and say so; both are right, whichever runs first)
    ("pipeline_of_three_stages", "hello a | hello b | upper",
     r"ARGUMENT 1: B\r?\n(hello: ended: the program reading its output had ended\r?\n)?pecan> ",
     absent("ARGUMENT 1: A", "hello a's output goes into hello b, which does not read it")),
    (None, "count 12 | sort -n -r | wc", r"\n12 12 27\r?\n", None),
    ("pipeline_syntax_errors", "hello |", r"syntax error: a command is missing after '\|'", None),
    (None, "| hello", r"syntax error: a command is missing before '\|'", None),
    (None, "hello || upper", r"syntax error: a command is missing before '\|'", None),
    ("memory_limit_is_an_error_for_the_task", "memhog", r"memhog: out of memory after \d+ KB", None),
    # a write naming more bytes than it carries gets none of the server's
    # stale registers in: the pipe's reader and the console see 8 bytes
    ("servers_take_only_the_bytes_a_write_carries", "badclient",
     r"badclient: a pipe write carrying 8 bytes, naming 472: taken 8, read back 8\r?\n"
     r"badclient: a console write carrying 8 bytes, naming 472:\r?\n\[eight\]\r?\n"
     r"badclient: taken 8\r?\n", None),
    ("ctrl_c_ends_the_foreground_program", "spin", r"spinning", None),
    (None, "\x03", r"spin: killed[\s\S]*pecan> ", None),
    ("ctrl_c_ends_a_program_reading_the_keyboard", "upper", r"upper\r?\n", None),
    (None, "abc", r"ABC", None),
    (None, "\x03", r"upper: killed[\s\S]*pecan> ", None),
    (None, "hello", r"Hello from task", None),
    ("ctrl_c_ends_the_whole_pipeline", "spin | upper", r"SPINNING", None),
    (None, "\x03", r"spin: killed\r?\nupper: killed\r?\npecan> ", None),
    # (to the prompt: a Ctrl-C typed while hello is still exiting ends hello)
    (None, "hello", r"Hello from task[\s\S]*?pecan> ", None),
    ("ctrl_c_at_the_prompt_prompts_again", "\x03", r"\^C\r?\npecan> ", None),
    ("a_second_console_is_refused", "console", r"console: a system server", None),
    (None, "spin", r"spinning", None),
    (None, "\x03", r"spin: killed[\s\S]*pecan> ", None),
    ("root_server_and_sigma0_cannot_be_killed", "kill 32", r"32 belongs to the kernel, sigma0 "
     r"or the root server, which cannot be killed", None),
    (None, "kill 30", r"30 belongs to the kernel", None),
    ("killed_shell_is_restarted", "kill 41",
     r"os: the shell server \(task 41\) was killed; restarting it[\s\S]*pecan> ", None),
    (None, "hello", r"Hello from task", None),
    ("killed_console_is_restarted", "kill 40",
     r"os: the console server \(task 40\) was killed; restarting it[\s\S]*pecan> ", None),
    (None, "hello", r"hello\r?\nHello from task", None),
    ("console_output_survives_its_restart", "crash console",
     r"this line began before the console was killed and ends after its restart", None),
    ("stack_overflow_hits_the_guard_page", "crash stack",
     r"ended: page fault: write at 3be[0-9a-f]{3}, stack overflow[\s\S]*pecan> ", None),
    ("fault_reports_name_program_exception_access_and_symbol", "crash ud",
     r"os: task \w+ \(crash, thread \w+\) ended: #UD invalid opcode \(vector 6\) at ip "
     r"[0-9a-f]+ <app_main\+0x[0-9a-f]+>\r?\n +rax +[0-9a-f]{16}[\s\S]*rflags", None),
    (None, "crash write", r"page fault: write at 4[0-9a-f]{5}, its memory there does not "
     r"allow that; at ip [0-9a-f]+ <app_main\+", None),
    (None, "crash read", r"page fault: read at 10, nothing is mapped there", None),
    (None, "crash execute", r"page fault: execute at [0-9a-f]+, its memory there", None),
    ("utf8_and_tab_are_kept", "echo café", r"\ncafé\r?\n", None),
    (None, "upper", r"upper\r?\n", None),
    (None, "a\tb", r"A\tB", None),
    (None, "\x04", r"pecan> ", None),
    ("long_lines_are_kept", "upper", r"upper\r?\n", None),
    (None, LONG, re.escape(LONG.strip()) + r"\s*\r?\n" + re.escape(LONG.strip()), None),
    (None, "\x04", r"pecan> ", None),
    (None, "echo " + LONG, r"echo: command line too long", None),
    ("type_ahead_is_kept", "spin", r"spinning", None),
    (None, "".join(f"echo ahead{i}\r" for i in range(1, 13)), r"echo ahead12\r?\n", None),
    (None, "\x03", r"pecan> [\s\S]*\nahead1\r?\n[\s\S]*\nahead12\r?\npecan> ", None),
    ("arrow_keys_give_history_and_cursor_movement", "echo abc", r"\nabc\r?\n", None),
    (None, "\x1b[A\r", r"\nabc\r?\npecan> ", None),
    (None, "echo abc\x1b[D\x1b[DX\x1b[C\x1b[CY\r", r"\naXbcY\r?\n", None),
    ("kill_takes_hex_of_either_case_and_rejects_flags", "kill", r"usage: kill TASK", None),
    (None, "kill -9 42", r"kill: no options here \(got '-9'\)[\s\S]*pecan> ",
     absent("restarting", "kill with an option killed something")),
    (None, f"{SPINS} | echo kill 4A | shell", r"task 4A killed", None),
    (None, "\x03", r"spin: killed[\s\S]*pecan> ", None),
    (None, "kill 4200000001", r"task 4200000001 killed", None),
    ("kdb_lists_threads_by_name", "kdb", r"kdb> ", None),
    (None, "t", r"4000000001 +console[\s\S]*4100000001 +shell[\s\S]*kdb> ", None),
    (None, "g\r", r"kdb: continuing\r?\n[\s\S]*pecan> [\s\S]*pecan> ",
     absent("pecan> pecan> ", "the Enter after g gave a second prompt on the same line")),
    ("test_runs_the_suite_again_and_again", "test", r"test: \d+ passed, \d+ failed", all_passed),
    (None, "test", r"test: \d+ passed, \d+ failed", all_passed),
    *kdb_frames("frames_second"),
    (None, "test", r"test: \d+ passed, \d+ failed", all_passed),
    *kdb_frames("frames_third"),
    (None, "hello", r"Hello from task", same_frames),
    ("bench_says_its_unit_and_fails_nothing", "bench",
     r"timestamp-counter ticks[\s\S]*ipc_rtt_inter_0 +\d+ +\d+[\s\S]*bench: every benchmark ran",
     absent("FAILED", "a benchmark failed")),
    ("kdb_command_and_back", "kdb", r"kdb> ", None),
    (None, "t", r"sigma0[\s\S]*kdb> ", None),
    (None, "g", r"kdb: continuing", None),
    (None, "hello", r"Hello from task", None),
    # Linux programs: busybox on the Unix server (docs/unix.md)
    ("unix_sh_starts_busybox", "sh", r"built-in shell \(ash\)[\s\S]*/ # ", None),
    ("unix_pipeline_of_linux_programs", "echo hello | sed s/hello/world/", r"\nworld\r?\n", None),
    ("unix_files_from_the_image", "cat /etc/motd | wc -c", r"\n\s*%d\r?\n" % os.path.getsize(os.path.join(os.path.dirname(__file__), '..', 'user', 'unix', 'rootfs', 'etc', 'motd')), None),
    ("unix_ls_lists_the_applets", "ls -l /bin | head -3", r"-> /bin/busybox\r?\n", None),
    ("unix_shell_loop", "for i in 1 2 3; do echo $i; done", r"\n1\r?\n2\r?\n3\r?\n", None),
    ("unix_write_a_file_and_read_it_back", "echo pecan > /tmp/f; cat /tmp/f; rm /tmp/f; ls /tmp",
     r"\npecan\r?\n/ # ", None),
    ("unix_exit_status", "false; echo status $?", r"\nstatus 1\r?\n", None),
    ("unix_ps_free_and_uptime_read_proc", "ps; free; uptime",
     r"PID +USER +COMMAND[\s\S]*\n +1 root +/bin/sh\r?\n[\s\S]*\nMem: +\d+ +\d+ +\d+[\s\S]* up +\d+ min", None),
    ("unix_ctrl_c_ends_the_foreground_job", "(sleep 1; echo started; yes > /dev/null)",
     r"\nstarted\r?\n", None),
    (None, "\x03", r"\^C[\s\S]*/ # ", None),
    (None, "echo still here", r"\nstill here\r?\n", None),
    ("unix_a_fatal_signal_gives_the_status_and_the_shell_goes_on", "sh -c 'kill -SEGV $$'; echo after $?",
     r"\nafter 139\r?\n", None),
    ("unix_applets_match_the_build_machine",
     'sh /usr/lib/pecan-tests/applets.sh; echo "== $?"', r"\n== \d+", same_as_host_busybox),
    ("unix_exit_returns_to_the_pecan_shell", "exit", r"\npecan> ", None),
    (None, "hello", r"Hello from task", None),
    ("unix_server_killed_is_restarted_and_serves_again", "kill 43",
     r"os: the unix server \(task 43\) was killed; restarting it[\s\S]*pecan> ", None),
    (None, "sh", r"built-in shell \(ash\)[\s\S]*/ # ", None),
    (None, "echo served again", r"\nserved again\r?\n", None),
    (None, "exit", r"\npecan> ", None),
    # a client that starts a session and leaves without OS_UNIX_WAIT (or is
    # killed) locks nobody out: the next session hangs its processes up and
    # starts; the end of a session nobody waits for ends no other read
    # (last: a wedged console would fail the steps after it)
    ("unix_a_client_that_leaves_locks_no_session", "badclient session /bin/sh",
     r"badclient: started /bin/sh \(ok\); leaving without waiting[\s\S]*pecan> ", None),
    (None, "sh /bin/echo next session",
     r"client \(\w+\) is gone: its session hangs up[\s\S]*\nnext session\r?\n[\s\S]*pecan> ",
     None),
    (None, "sh /bin/ps", r"PID +USER +COMMAND[\s\S]*/bin/ps\r?\n[\s\S]*pecan> ",
     absent("/bin/sh", "the left session's shell did not hang up")),
    ("unix_a_session_nobody_waits_for_ends_no_other_read", "badclient session /bin/true",
     r"badclient: started /bin/true \(ok\); leaving without waiting\r?\npecan> ", None),
    (None, "hello", r"Hello from task[\s\S]*?pecan> ", SHELL_READ_NOT_ENDED),
    (None, "sh /bin/echo after true", r"\nafter true\r?\n[\s\S]*?pecan> ", SHELL_READ_NOT_ENDED),
    (None, "hello", r"Hello from task[\s\S]*?pecan> ", SHELL_READ_NOT_ENDED),
]


def run_steps(q, steps, result, prefix):
    """Type the steps; record each test (prefix + its name). After an
    answer that did not come, the test's further steps are left out; after
    a check that failed they are typed all the same (a Ctrl-C that ends
    what the test started), and the test stays failed."""
    name, why, stuck, v = None, "", False, {}
    for step, typed, answer, check in steps:
        if step:
            if name:
                result.record(prefix + name, not why, why)
            name, why, stuck = step, "", False
        if stuck:
            continue
        q.type(keys(typed), fast=len(typed) > 100 or "\r" in typed[:-1])
        got = q.expect(answer, 600 if typed in ("test", "bench") else 60)
        if got is None:
            why = why or (f"typed {typed[:80]!r}, expected /{answer[:200]}/ in the answer; "
                          f"log {q.log_path}:\n{q.tail()}")
            stuck = True
            continue
        v.update({k: x for k, x in re.search(answer, got).groupdict().items() if x})
        problem = check and check(got, v)
        if problem and not why:
            why = f"typed {typed[:80]!r}: {problem}; log {q.log_path}"
    if name:
        result.record(prefix + name, not why, why)


def run_session(args, result):
    print("harness: booting the interactive system for a session", flush=True)
    q, ok = boot(args, "session.log")
    try:
        result.record("session.boot_to_the_prompt", ok is not None,
                      f"expected the shell's prompt '{PROMPT}'; log {q.log_path}:\n{q.tail()}")
        run_steps(q, SESSION, result, "session.")
    finally:
        q.close()


def run_smp_session(args, result):
    """The operating system on four processors (multi-threaded TCG, as the
    suite's -smp 4 boot): session_cpus.SMP_SESSION."""
    print("harness: booting the interactive system on four processors", flush=True)
    accel = args.accel + ",thread=multi" if args.accel == "tcg" else args.accel
    q, ok = boot(args, "session-smp.log", accel, ["-smp", "4"])
    try:
        result.record("session.smp.boot_to_the_prompt", ok is not None,
                      f"expected the shell's prompt '{PROMPT}'; log {q.log_path}:\n{q.tail()}")
        run_steps(q, SMP_SESSION, result, "session.smp.")
        check_stall_report(q, result)
    finally:
        q.close()


def check_stall_report(q, result):
    """A boot that stalls shows where each processor is (qemu_monitor.py).
    The kernel debugger (the shell's kdb command) makes a stall on
    purpose: it claims every processor and waits for a key. Where each
    processor is must resolve to kernel functions, the debugger's wait
    among them."""
    q.type(keys("kdb"))
    at_prompt = q.expect(r"kdb> ", 30) is not None
    report = q.stall_report() if at_prompt else ""
    q.type("g")
    q.expect(r"kdb: continuing", 30)
    cpus = re.findall(r"^  cpu (\d+): RIP 0x[0-9a-f]+ (.*)$", report, re.M)
    unresolved = [c for c, where in cpus if where.startswith("?") or " ?," in where]
    # (the debugger's wait: kdb_console, or, when the look finds it in a
    # function that keeps no frame of its own, console_getc, say, whose
    # caller's frames the walk skips, what called the debugger: kdb_enter,
    # from kdebug_trap, the trap of the shell's KDB Enter)
    in_kdb = re.search(r"\b(kdb_console|kdb_enter|kdebug_trap)\b", report)
    result.record("session.smp.a_stall_report_shows_every_processor",
                  at_prompt and len(cpus) == 4 and in_kdb and not unresolved,
                  f"expected the debugger's prompt, then 4 processors each at a resolved kernel "
                  f"address, one in the debugger (kdb_console, kdb_enter or kdebug_trap); got "
                  f"{'the prompt' if at_prompt else 'no prompt'}, {len(cpus)} processors, "
                  f"unresolved: {unresolved or 'none'}:\n{report}")


# ---- README.md's transcript ------------------------------------------------------

# Fields that differ from boot to boot (or build to build).
MASKS = [(r"built \w{3} [ \d]\d \d{4} \d\d:\d\d:\d\d", "built <date>"),
         (r'command line "[^"]*"', 'command line "<...>"'),
         (r"\(\d+ counts per ms\)", "(<n> counts per ms)"),
         (r"TSC \d+ kHz", "TSC <n> kHz"),
         (r"at [0-9a-f]+ and the root task at [0-9a-f]+", "at <ip> and the root task at <ip>"),
         (r"at ip [0-9a-f]+ <\w+\+0x[0-9a-f]+>", "at ip <ip> <function+offset>"),
         # where the loader put the modules depends on their sizes
         (r"boot: module \d+ moved from [0-9a-f]+ to [0-9a-f]+",
          "boot: module <n> moved from <address> to <address>"),
         (r"kernel pool [0-9a-f]+-[0-9a-f]+", "kernel pool <start>-<end>"),
         # the Unix server loads its file-system image while the transcript
         # runs: its pages, and so the free ones, depend on how far it got
         (r"unix +\d+ +\d+ +65536", "unix <pages> <KB> 65536"),
         (r"(4300000001 +)\w+( +100 +\d+  unix)", r"\1<state>\2"),
         # cpus: the KIP's internal frequency, the TSC's rate the kernel measured
         (r"\d+ MHz", "<n> MHz"),
         (r"free +\d+ +\d+", "free <pages> <KB>")]


def masked(text):
    for pattern, repl in MASKS:
        text = re.sub(pattern, repl, text)
    return text


def readme_transcript(path):
    """The transcript block of README.md: (lines before, its lines, lines after)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    start = lines.index(README_MARK) + 2           # the mark, then the ``` line
    end = lines.index("```", start)
    return lines[:start], lines[start:end], lines[end:]


def transcript_steps(lines):
    """Cut a transcript into (output up to an input, the keys typed there):
    'pecan> X' is a prompt where X was typed, 'kdb> c' the debugger taking
    key c, '^C' Ctrl-C; the last step is the output after the last input
    (keys None), ending in a prompt where nothing was typed."""
    steps, text = [], ""
    if lines and lines[-1] == PROMPT:
        lines = lines[:-1]
    for line in lines:
        for prompt, enter in (("pecan> ", "\r"), ("kdb> ", "")):
            if line.startswith(prompt):
                steps.append((text + prompt, line[len(prompt):] + enter))
                text = line[len(prompt):] + "\n"
                break
        else:
            if line == "^C":
                steps.append((text, "\x03"))
                text = "^C\n"
            else:
                text += line + "\n"
    return steps + [(text + PROMPT, None)]


def run_readme(args, result, update=False):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")
    before, lines, after = readme_transcript(path)
    print("harness: booting the interactive system for README.md's transcript", flush=True)
    q = Qemu(args, args.build, args.accel, args.mem, args.os_modules, "readme.log", "kdb")
    seen, why = [], ""
    try:
        for i, (expected, typed) in enumerate(transcript_steps(lines)):
            tail = expected.rstrip("\n").split("\n")[-1]
            got = q.expect(re.escape(tail) + ("\r?\n" if expected.endswith("\n") else ""),
                           BOOT_TIMEOUT if i == 0 else 60)
            if got is None:
                why = f"expected {tail!r} (step {i + 1}); log {q.log_path}:\n{q.tail()}"
                break
            got = got.replace("\r", "")
            seen.append(got if i else got.lstrip("\n"))
            if not update and masked(seen[-1]) != masked(expected):
                diff = difflib.unified_diff(masked(expected).split("\n"),
                                            masked(seen[-1]).split("\n"), "README.md", "this run",
                                            lineterm="")
                why = ("README.md's transcript differs from this run (tools/harness.py "
                       "--update-readme writes this run's):\n" + "\n".join(diff))
                break
            if typed:
                q.type(typed)
    finally:
        q.close()
    if update and not why:
        new = "".join(seen).split("\n")
        kept = [l.rstrip("\n") for l in lines]
        same = difflib.SequenceMatcher(None, [masked(l) for l in kept], [masked(l) for l in new])
        out = []                            # (lines that differ only in masked fields stay)
        for op, i1, i2, j1, j2 in same.get_opcodes():
            out += kept[i1:i2] if op == "equal" else new[j1:j2]
        open(path, "w", encoding="utf-8").write("\n".join(before + out + after))
        print(f"harness: wrote this run's transcript into {path}")
    result.record("session.readme_transcript_is_what_the_system_answers", not why, why)


# ---- the soak test -----------------------------------------------------------------

# Rounds before the first snapshot: the kernel's object caches (slabs) keep
# what they grow to, and reach their size within some 30 rounds.
WARM_UP = 50

# One round: (typed, answer, whether a prompt follows). Every round kills
# each server once and ends with the same commands, so that the servers
# are in the same state after every round.
def soak_round(i):
    return [
        (f"hello r{i}", rf"argument 1: r{i}\r?\n", True),
        ("count 3 | upper | wc", r"3 3 6", True),
        ("nosuch | upper", r"nosuch: no such program", True),
        ("upper | nosuch", r"nosuch: no such program", True),
        ("spin | upper", r"SPINNING", False),
        ("\x03", r"upper: killed", True),
        ("upper", r"upper\r?\n", False),
        ("x\r", r"X", False),
        ("\x03", r"upper: killed", True),
        ("crash read", r"crash: ended by a fault", True),
        ("count 1 | upper", r"1\r?\n", True),
        ("kill 42", r"pipe server \(task 42\) was killed; restarting it", True),
        ("kill 41", r"shell server \(task 41\) was killed; restarting it", True),
        ("kill 40", r"console server \(task 40\) was killed; restarting it", True),
        ("count 2 | sort -r", r"2\r?\n1\r?\n", True),
    ]


def snapshot(q):
    """ps, mem and the kernel's free frames, as text (None: no answer)."""
    text = ""
    for typed, answer in (("ps", r"TASK[\s\S]*pecan> "), ("mem", r"NAME[\s\S]*pecan> "),
                          ("kdb", r"kdb> "), ("i", r"free kernel frames \d+\r?\n"),
                          ("g", r"continuing[\s\S]*pecan> ")):
        q.type(keys(typed), fast=True)
        got = q.expect(answer, 60)
        if got is None:
            return None
        if typed in ("ps", "mem"):
            text += got[got.index("\n") + 1:got.rindex("\n")].replace("\r", "") + "\n"
        elif typed == "i":
            text += "kernel: " + re.search(r"free kernel frames \d+", got).group(0) + "\n"
    return text


def play(q, rounds):
    """Type the soak rounds; what went wrong, or ""."""
    for i in rounds:
        for typed, answer, prompt in soak_round(i):
            q.type(keys(typed), fast=True)
            if q.expect(answer, 60) is None or (prompt and q.expect(PROMPT, 60) is None):
                return (f"round {i}: typed {typed!r}, expected /{answer}/"
                        f"{' and a prompt' if prompt else ''}; log {q.log_path}:\n{q.tail()}")
        if i >= 0 and (i + 1) % 100 == 0:
            print(f"harness: soak round {i + 1}", flush=True)
    return ""


def changed(before, after):
    return "\n".join(difflib.unified_diff(before.split("\n"), after.split("\n"), "before",
                                          "after", lineterm=""))


def run_soak(args, result, rounds):
    """ps, mem and the kernel's free frames after `rounds` rounds must be as
    before them. The kernel's object caches keep every page they grow to,
    and how far they grow depends on how the tasks' lives happened to
    overlap: if only the free frames fell, as many rounds again must not
    lower them further (a leak would)."""
    print(f"harness: booting the interactive system for {rounds} soak rounds", flush=True)
    q, ok = boot(args, f"soak-{rounds}.log")
    name = f"session.soak_{rounds}_rounds_leave_ps_mem_and_kernel_memory_as_they_were"
    why = "" if ok is not None else f"no prompt; log {q.log_path}:\n{q.tail()}"
    try:
        why = why or play(q, range(-WARM_UP, 0))
        first = None if why else snapshot(q)
        why = why or play(q, range(rounds))
        last = None if why else snapshot(q)
        if not why and (first is None or last is None):
            why = f"no answer to ps, mem or kdb's i; log {q.log_path}:\n{q.tail()}"
        elif not why and first != last and first.split("kernel:")[0] == last.split("kernel:")[0]:
            print(f"harness: the kernel's free frames fell in {rounds} rounds; {rounds} more "
                  "to tell a cache's growth from a leak", flush=True)
            why = play(q, range(rounds, 2 * rounds))
            again = None if why else snapshot(q)
            if not why and again != last:
                why = f"the kernel's free frames fell again in {rounds} more rounds:\n" + \
                      changed(last, again or "")
        elif not why and first != last:
            why = "ps, mem or the kernel's free frames changed:\n" + changed(first, last)
    finally:
        q.close()
    result.record(name, not why, why)


# ---- Linux programs on the Unix server: the differential tests --------------------
# The programs of tests/linux, built with musl (NAME) and with glibc
# (NAME.glibc) into BUILD/unix/tests/test/ and packed into the Unix
# server's image as /test/: each runs here, on this machine's Linux, and
# on Pecan from busybox's shell, and the two outputs must be the same,
# line by line, as must the exit status. Linux's answer comes from this
# run, never from a file; a program whose output differs between two runs
# on Linux is a failure of the test itself.

SH_PROMPT = r"\n[^\n]*[#$] "         # busybox ash's, "/ # "
END_MARK = "== lt-end"
UNIX_PROGRAM_TIMEOUT = 90               # seconds on Pecan (TCG), per program
LXBENCH_TIMEOUT = 300                   # all its rows (a few seconds when alone)


# Differences from Linux that make test accepts for now: Pecan's known
# shortcomings, each an exact (Linux's line, Pecan's line, why) of a
# program (either libc's build). Any other difference fails the test, and
# so does an entry that no longer occurs (remove it when it is fixed).
# (Not a place for lines that differ between runs of Linux: such a test is
# wrong and fails as such.)
# An entry: "proc": [("Linux's line", "Pecan's line", "why")].
KNOWN_DIFFERENCES = {}


def known_differences(name, expected, got):
    """got with the known differences of program `name` taken back, and
    the entries that did not occur."""
    known = KNOWN_DIFFERENCES.get(name.split(".")[0], [])
    unused = list(known)
    got = list(got)
    if len(got) == len(expected):
        for i, (e, g) in enumerate(zip(expected, got)):
            for k in known:
                if e != g and (e, g) == k[:2]:
                    got[i] = e
                    if k in unused:
                        unused.remove(k)
    return got, unused


def unix_programs(build):
    top = os.path.join(build, "unix", "tests", "test")
    names = sorted(os.listdir(top)) if os.path.isdir(top) else []
    # musl's then glibc's build of each program
    return top, sorted(names, key=lambda n: (n.split(".")[0], n.endswith(".glibc")))


def shell_status(returncode):
    """A subprocess's return code as the shell's $? (128 + signal)."""
    return 128 - returncode if returncode < 0 else returncode


def default_signals():
    """In the child before exec: every signal's default action and none
    blocked, as a program started by Pecan's shell has them. (make test
    started in the background by a shell without job control inherits
    SIGINT and SIGQUIT ignored, which the programs would inherit too.)"""
    for s in range(1, signal.NSIG):
        if s not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(s, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def linux_output(path):
    """(lines, exit status as $?) of the program at path on this machine:
    started by its absolute path from /, stdin empty, stderr with stdout
    (as on Pecan's console), the environment of Pecan's shell, default
    signal actions."""
    env = {"PATH": "/bin:/sbin:/usr/bin:/usr/sbin", "HOME": "/root", "PWD": "/"}
    p = subprocess.run([os.path.abspath(path)], cwd="/", env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
                       preexec_fn=default_signals)
    return p.stdout.decode("utf-8", "replace").splitlines(), shell_status(p.returncode)


def first_difference(expected, got, context=3, names=("Linux", "Pecan")):
    """The lines around the first line that differs, as text."""
    i = 0
    while i < len(expected) and i < len(got) and expected[i] == got[i]:
        i += 1
    lo = max(0, i - context)
    show = lambda lines: "\n".join(f"    {j + 1:4} | {lines[j]}" for j in
                                   range(lo, min(len(lines), i + context + 1))) or "    (nothing)"
    a, b = names
    diff = list(difflib.unified_diff(expected, got, a, b, lineterm="", n=0))[2:]
    more = f"\n    ({len(diff) - 40} more lines of diff)" if len(diff) > 40 else ""
    return (f"first difference at line {i + 1} (of {len(expected)} and {len(got)} lines)\n"
            f"  {a}:\n{show(expected)}\n  {b}:\n{show(got)}\n"
            f"  every difference (-{a} +{b}):\n" + "\n".join("    " + l for l in diff[:40]) + more)


def pecan_output(q, typed, got):
    """The program's lines and status from what the console showed after
    `typed`: its echo, the output, the end mark."""
    lines = got.replace("\r", "").split("\n")
    start = max(i for i, l in enumerate(lines) if l.endswith(typed)) + 1   # after the echo
    end = max(i for i, l in enumerate(lines) if l.startswith(END_MARK + " "))
    return lines[start:end], int(lines[end].split()[-1])


def run_unix(args, result):
    build = args.build
    top, names = unix_programs(build)
    if not names:
        result.record("unix.differential.built", False,
                      f"expected the programs of tests/linux in {top} (make linux-tests)")
        return
    print("harness: booting the interactive system for the differential tests of the Unix "
          "server", flush=True)
    q, ok = boot(args, "unix.log")
    try:
        started = ok is not None and (q.type("sh\r") or True) and q.expect(SH_PROMPT, 60)
        result.record("unix.sh_starts_busybox_sh", bool(started),
                      f"expected, after typing 'sh', busybox's prompt; "
                      f"log {q.log_path}:\n{q.tail()}")
        alive = bool(started)
        for name in names:
            record = f"unix.differential.{name}"
            if not alive:
                result.record(record, False, f"not run: the shell does not answer; log {q.log_path}")
                continue
            try:
                expected, expected_status = linux_output(os.path.join(top, name))
                again, again_status = linux_output(os.path.join(top, name))
            except subprocess.TimeoutExpired:
                result.record(record, False, f"{name} did not end in 120 s on this machine")
                continue
            if (again, again_status) != (expected, expected_status):
                result.record(record, False, f"Linux's output differs between two runs of {top}/"
                              f"{name} (the test is wrong):\n" + first_difference(
                                  expected, again, names=("Linux, first run", "Linux, second run")))
                continue
            typed = f'/test/{name}; echo "{END_MARK} $?"'
            q.type(typed + "\r", fast=True)
            got = q.expect(rf"\n{END_MARK} \d+\r?\n", UNIX_PROGRAM_TIMEOUT)
            if got is None:
                q.type("\x03")                              # the shell back?
                q.type(f'echo "{END_MARK} alive"\r', fast=True)
                alive = q.expect(rf"\n{END_MARK} alive\r?\n", 30) is not None
                result.record(record, False, f"typed {typed!r}, no end mark in "
                              f"{UNIX_PROGRAM_TIMEOUT} s (then Ctrl-C: the shell "
                              f"{'answered' if alive else 'did not answer'}); log {q.log_path}:\n"
                              f"{q.tail()}")
                continue
            lines, status = pecan_output(q, typed, got)
            accepted, unused = known_differences(name, expected, lines)
            why = ""
            if accepted != expected:
                why = first_difference(expected, lines, names=("expected (Linux)", "got (Pecan)"))
            elif status != expected_status:
                why = f"exit status {status}, on Linux {expected_status}"
            elif unused:
                why = ("a known difference (tools/session.py, KNOWN_DIFFERENCES) no longer "
                       "occurs; remove it:\n" + "\n".join(f"    {k[2]}: Pecan now prints "
                                                           f"Linux's {k[0]!r}" for k in unused))
            elif accepted != lines:
                print(f"harness: {record}: accepted known differences: "
                      + "; ".join(k[2] for k in KNOWN_DIFFERENCES[name.split('.')[0]]), flush=True)
            result.record(record, not why, f"{why}\n  log {q.log_path}")
        # make bench's lxbench (tools/linux-bench/lxbench.c): every row
        # checks what it measured; here the checks count, not the figures
        ran = None
        if alive:
            typed = f'/bench/lxbench; echo "{END_MARK} $?"'
            q.type(typed + "\r", fast=True)
            ran = q.expect(rf"\n{END_MARK} \d+\r?\n", LXBENCH_TIMEOUT)
            alive = ran is not None
        if ran:
            lines, status = pecan_output(q, typed, ran)
            rows = [m.group(1) for m in map(re.compile(r"BENCH (\S+) median=\d+").match, lines) if m]
            failed = [line for line in lines if "FAILED" in line]
            why = (f"exit status {status}" if status else
                   "rows failed:\n  " + "\n  ".join(failed) if failed else
                   f"rows reported {rows}, expected {LXBENCH_ROWS}" if rows != LXBENCH_ROWS else
                   "no 'LXBENCH DONE' line" if "LXBENCH DONE" not in lines else "")
        else:
            why = f"typed '/bench/lxbench', no end mark in {LXBENCH_TIMEOUT} s"
        result.record("unix.lxbench_rows_check_their_work", not why,
                      f"{why}; log {q.log_path}:\n{q.tail()}")
        # the terminal's Ctrl-C (SIGINT from the server's tty) ends the
        # foreground program, and the shell goes on
        stopped = False
        if alive:
            q.type("sleep 100\r")
            time.sleep(2)
            q.type("\x03")
            q.type(f'echo "{END_MARK} $?"\r', fast=True)
            stopped = q.expect(rf"\n{END_MARK} (\d+)\r?\n", 30)
            alive = stopped is not None
        result.record("unix.ctrl_c_ends_a_program_of_sh", bool(stopped) and
                      stopped.rstrip().endswith(f"{END_MARK} 130"),
                      f"typed 'sleep 100', Ctrl-C, then echo $?: expected '{END_MARK} 130'; "
                      f"log {q.log_path}:\n{q.tail()}")
        ended = alive and (q.type("exit\r") or True) and q.expect(PROMPT, 60)
        result.record("unix.exit_returns_to_the_pecan_prompt", bool(ended),
                      f"typed 'exit' in busybox sh, expected '{PROMPT}'; log {q.log_path}:\n"
                      f"{q.tail()}")
    finally:
        q.close()
