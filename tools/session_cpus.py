"""The processors as the operating system shows them: ps's CPU column and
the cpus command (docs/os.md), read from the console, and the session
steps that check them, on one processor (in the scripted session) and on
four (the smp session, booted with -smp 4).

A step is (test name or None for a further step of the test before,
typed, answer regex, check or None), as in session.py; here `typed` may
be a function of the variables too. A check gets the answer and those
variables, may add to them, and returns what is wrong or None.
"""
import re

PS_HEADER = r"TASK +THREAD +STATE +PRIO +CPU +NAME\r?\n"
PS_ANSWER = PS_HEADER + r"(?:  .*\r?\n)+pecan> "
CPUS_ANSWER = r"CPU +TASKS +THREADS +FREQUENCY\r?\n(?:  .*\r?\n)*pecan> "
SERVERS = ("console", "shell", "pipe", "unix")
PORT_USERS = ("console", "unix")    # COM1 and its interrupt; the CMOS clock


def ps_rows(text):
    """ps's rows in text (any case: a listing may have gone through
    upper): dicts of task, thread, state, prio, cpu (a string: '-' for an
    ended task), name; lower case."""
    rows = []
    for m in re.finditer(r"(?m)^  ([0-9a-f]+) +([0-9a-f]+) +([a-z]+) +(\d+) +(\d+|-)  (\S+)\r?$",
                         text, re.I):
        task, thread, state, prio, cpu, name = (g.lower() for g in m.groups())
        rows.append(dict(task=task, thread=thread, state=state, prio=prio, cpu=cpu, name=name))
    return rows


def cpus_rows(text):
    """cpus's rows in text: [(processor, tasks, threads)] as integers."""
    return [tuple(int(g) for g in m.groups()) for m in
            re.finditer(r"(?m)^ +(\d+) +(\d+) +(\d+) +\d+ MHz\r?$", text)]


def show(rows):
    return "; ".join(f"{r['name']} (task {r['task']}) on {r['cpu']}" for r in rows) \
        if rows and isinstance(rows[0], dict) else \
        "; ".join(f"processor {c}: {t} tasks, {th} threads" for c, t, th in rows) or "no rows"


# ---- checks ----------------------------------------------------------------------

def all_on_processor_0(got, v):
    rows = ps_rows(got)
    off = [r for r in rows if r["cpu"] != "0"]
    if not rows or off:
        return f"expected every task of ps on processor 0 (one processor), got: {show(rows)}"
    return None


def processors(n):
    """cpus lists processors 0..n-1, and the loads add up to the four
    servers (the boot's: nothing else runs yet); the rows are kept as
    v['boot_load']."""
    def check(got, v):
        rows = cpus_rows(got)
        if [r[0] for r in rows] != list(range(n)):
            return (f"expected cpus to list processors {list(range(n))}, it listed "
                    f"{[r[0] for r in rows]}: {show(rows)}")
        tasks, threads = sum(r[1] for r in rows), sum(r[2] for r in rows)
        if (tasks, threads) != (4, 4):
            return (f"expected the four servers' 4 tasks and 4 threads on them in all, got "
                    f"{tasks} tasks and {threads} threads: {show(rows)}")
        v["boot_load"] = rows
        return None
    return check


def servers_placed(got, v):
    """Console and unix (ports, an interrupt) on 0; the others spread."""
    rows = {r["name"]: r for r in ps_rows(got)}
    missing = [s for s in SERVERS if s not in rows]
    if missing:
        return f"expected the servers {SERVERS} in ps, {missing} missing: {show(list(rows.values()))}"
    moved = [f"{s} on {rows[s]['cpu']}" for s in PORT_USERS if rows[s]["cpu"] != "0"]
    if moved:
        return ("expected the servers with I/O ports or an interrupt on processor 0, got "
                + ", ".join(moved))
    if len({rows[s]["cpu"] for s in SERVERS}) < 2:
        return ("expected the servers on more than one processor (shell and pipe need no "
                f"processor 0), got: {show([rows[s] for s in SERVERS])}")
    return None


def console_on_0(got, v):
    rows = [r for r in ps_rows(got) if r["name"] == "console"]
    if [r["cpu"] for r in rows] != ["0"]:
        return f"expected the restarted console on processor 0 (its port and interrupt), got: {show(rows)}"
    return None


def readers_spread(got, v):
    """The three uppers of `upper | upper | upper | echo ps | shell`,
    started one after the other, each on the least loaded processor:
    three processors. Their processors are kept as v['reader_cpu'] (for
    the checks after this one, whatever it finds)."""
    rows = ps_rows(got)
    readers = [r for r in rows if r["name"] == "upper"]
    v["reader_cpu"] = {r["task"]: r["cpu"] for r in readers}
    live = {r["cpu"] for r in rows if r["cpu"] != "-"}
    if len(readers) != 3:
        return f"expected 3 uppers in ps, got {len(readers)}: {show(rows)}"
    if len(live) < 2:
        return f"expected tasks on more than one processor, got all on {live}: {show(rows)}"
    if len({r["cpu"] for r in readers}) != 3:
        return f"expected the 3 uppers on 3 different processors, got: {show(readers)}"
    if any(r["cpu"] == "-" or int(r["cpu"]) >= 4 for r in rows if r["state"] != "ended"):
        return f"expected every live task on a processor 0-3, got: {show(rows)}"
    return None


def loads_rose(got, v):
    """With the three uppers and the inner shell (and perhaps echo) alive:
    at least 4 tasks more than at boot, and more on each upper's processor."""
    rows, boot = cpus_rows(got), v.get("boot_load", [])
    if len(rows) != len(boot):
        return f"expected {len(boot)} processors, got {show(rows)}"
    more = sum(r[1] for r in rows) - sum(b[1] for b in boot)
    if more < 4:
        return (f"expected at least 4 tasks more than at boot (3 uppers and a shell), got {more} "
                f"more: {show(rows)}, at boot {show(boot)}")
    flat = [c for c in map(int, v.get("reader_cpu", {}).values())
            if c < len(rows) and rows[c][1] <= boot[c][1]]
    if flat:
        return (f"expected more tasks than at boot on the uppers' processors, not so on {flat}: "
                f"{show(rows)}, at boot {show(boot)}")
    return None


def loads_as_at_boot(got, v):
    rows, boot = cpus_rows(got), v.get("boot_load")
    if rows != boot:
        return (f"expected each processor's tasks and threads back to the boot's once the "
                f"pipeline was killed: {show(boot or [])}; got {show(rows)}")
    return None


def spin_killed_elsewhere(got, v):
    """`spin | upper | echo kill 44 | shell`: the inner shell killed task
    44, the spin (the first stage), and the pipeline ended. The first
    task after boot goes to the least loaded processor, never 0 with its
    two servers: the ps of `upper | upper | upper | ...` showed where."""
    cpu = v.get("reader_cpu", {}).get("44")
    if cpu in (None, "0"):
        return (f"expected the first stage, task 44, on a processor other than 0, as the ps "
                f"of the uppers showed; it showed {cpu or 'no task 44'}")
    for line in ("task 44 killed", "spin: killed"):
        if line not in got:
            return f"expected '{line}' before the pipeline's end, got {got!r}"
    return None


def pipeline_listing(got, v):
    """echo ps | shell | upper: the inner shell's ps, uppercased by upper on
    another processor, whole: the four servers, the inner shell and upper
    (and echo, if the outer shell has not waited for it yet)."""
    rows = ps_rows(got)
    names = sorted(r["name"] for r in rows if r["state"] != "ended")
    want = sorted(SERVERS + ("shell", "upper"))
    if names != want:
        return f"expected ps's rows for {want}, got {names}: {show(rows)}"
    listing = re.search(PS_HEADER + r"[\s\S]*PECAN> ", got).group(0)
    if listing != listing.upper():
        return "expected the listing uppercased by upper, it has lower case letters"
    inner = [r for r in rows if r["name"] == "shell" and r["task"] != "41"]
    upper = [r for r in rows if r["name"] == "upper"]
    if inner[0]["cpu"] == upper[0]["cpu"]:
        return (f"expected the pipeline's shell and upper on different processors, both on "
                f"{upper[0]['cpu']}: {show(rows)}")
    return None


def ended_by_ctrl_c(n):
    """Ctrl-C: the outer shell reports its n uppers killed (and the inner
    shell, when it had not ended yet after the end of its input: on four
    processors that may take a while)."""
    def check(got, v):
        killed = re.findall(r"upper: killed", got)
        if len(killed) != n:
            return f"expected {n} lines 'upper: killed', got {len(killed)}: {got!r}"
        return None
    return check


CTRL_C_ANSWER = r"\^C\r?\n(?:(?:upper|shell): killed\r?\n)+pecan> "


# ---- the steps ----------------------------------------------------------------------

CPUS_USAGE = r"usage: cpus \(no arguments\)[^\n]*\r?\npecan> "

# In the scripted session (one processor)
ONE_PROCESSOR_STEPS = [
    ("ps_shows_each_task_on_processor_0", "ps", PS_ANSWER, all_on_processor_0),
    ("cpus_lists_one_processor", "cpus", CPUS_ANSWER, processors(1)),
    ("cpus_refuses_arguments", "cpus all", CPUS_USAGE, None),
]

# Three tasks that wait, the first for the keyboard, the others for the
# one before: none writes, so none ends by itself (a broken pipe) before
# Ctrl-C. A shell inside the pipeline looks at them while they wait.
READERS = "upper | upper | upper"
SMP_SESSION = [
    ("cpus_lists_four_processors", "cpus", CPUS_ANSWER, processors(4)),
    ("servers_with_ports_or_an_interrupt_stay_on_processor_0", "ps", PS_ANSWER, servers_placed),
    # (the inner shell's last prompt ends with the end of its input)
    ("tasks_spread_over_the_processors", f"{READERS} | echo ps | shell",
     PS_HEADER + r"(?:  .*\r?\n)+pecan> \r?\n", readers_spread),
    (None, "\x03", CTRL_C_ANSWER, ended_by_ctrl_c(3)),
    ("killed_tasks_leave_their_processors", f"{READERS} | echo cpus | shell",
     r"CPU +TASKS +THREADS +FREQUENCY\r?\n(?:  .*\r?\n)+pecan> \r?\n", loads_rose),
    (None, "\x03", CTRL_C_ANSWER, ended_by_ctrl_c(3)),
    (None, "cpus", CPUS_ANSWER, loads_as_at_boot),
    # a running thread on another processor: the spin's one line goes to
    # upper, which is there to take it; once the spin is killed the
    # pipeline ends by itself, and the line typed ahead runs
    ("kill_ends_a_task_on_another_processor", "spin | upper | echo kill 44 | shell\recho synced",
     r"\nsynced\r?\npecan> ", spin_killed_elsewhere),
    (None, "cpus", CPUS_ANSWER, loads_as_at_boot),
    ("a_pipeline_across_processors_gives_the_right_output", "echo ps | shell | upper",
     PS_HEADER + r"(?:  .*\r?\n)+PECAN> \r?\npecan> ", pipeline_listing),
    (None, "count 12 | sort -n -r | wc", r"\n12 12 27\r?\npecan> ", None),
    (None, "count 100 | sort -n -r | wc", r"\n100 100 292\r?\npecan> ", None),
    ("a_restarted_console_stays_on_processor_0", "kill 40",
     r"os: the console server \(task 40\) was killed; restarting it[\s\S]*pecan> ", None),
    (None, "ps", PS_ANSWER, console_on_0),
    (None, "hello typed", r"argument 1: typed\r?\npecan> ", None),
    ("cpus_refuses_arguments", "cpus 4", CPUS_USAGE, None),
]
