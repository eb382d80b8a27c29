/* The shell: reads command lines from the console and runs them.
 *
 *   help            the commands
 *   ps              tasks with their thread, state and priority
 *   mem             memory per task, and what is free
 *   kill ID         end a task (its threads, space and memory go)
 *   test, bench     run the in-system suite / the benchmarks (programs)
 *   kdb             enter the kernel debugger ('g' comes back)
 *   NAME ARGS...    run a program from the boot modules and wait for it
 *   A | B           run two programs, A's output into B's input (a pipe) */
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <os/os.h>

static const char *state_name(L4_Word_t s)
{
    static const char *const names[] = { "?", "dead", "halted", "running", "sending",
                                         "sending", "waiting", "receiving" };
    return s < 8 ? names[s] : "?";
}

static void ps(void)
{
    printf("  TASK              THREAD            STATE      PRIO  NAME\n");
    for (L4_Word_t i = 0;; i++) {
        __L4_Utcb()[1] = i;
        L4_MsgTag_t tag = os_call(os_root(), OS_TASK_INFO, 1);
        if (L4_Label(tag) != OS_OK)
            break;
        L4_Word_t *mr = __L4_Utcb();
        char name[32];
        L4_Word_t id = mr[1], state = mr[2], prio = mr[3];
        os_get_string(6, name, sizeof name);
        printf("  %-16lx  %-16lx  %-9s  %4lu  %s\n", id >> 32, id, state_name(state), prio,
               name);
    }
}

static void mem(void)
{
    printf("  NAME          PAGES    KB  LIMIT KB\n");
    L4_Word_t free = 0;
    for (L4_Word_t i = 0;; i++) {
        __L4_Utcb()[1] = i;
        L4_MsgTag_t tag = os_call(os_root(), OS_TASK_INFO, 1);
        L4_Word_t *mr = __L4_Utcb();
        if (L4_Label(tag) != OS_OK) {
            free = mr[1];
            break;
        }
        char name[32];
        L4_Word_t pages = mr[4], limit = mr[5];
        os_get_string(6, name, sizeof name);
        printf("  %-12s %6lu %5lu %9lu\n", name, pages, pages * 4, limit * 4);
    }
    printf("  free         %6lu %5lu\n", free, free * 4);
}

/* Parse a task id: the thread number (as ps shows it) or the whole id. */
static L4_ThreadId_t parse_id(const char *s)
{
    L4_Word_t v = 0;
    for (; *s; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0)
            return L4_nilthread;
        v = v * 16 + (L4_Word_t)d;
    }
    return (L4_ThreadId_t){ .raw = v >> 32 ? v : v << 32 | 1 };
}

static void report(const char *name, int status, int how)
{
    if (how == OS_END_KILLED)
        printf("%s: killed\n", name);
    else if (how == OS_END_FAULT)
        printf("%s: ended by a fault\n", name);
    else if (status)
        printf("%s: exit status %d\n", name, status);
}

/* Run one command line as a program; in/out are its streams. Returns the
 * task (nil on error, reported). */
static L4_ThreadId_t start(const char *cmd, struct os_stream in, struct os_stream out)
{
    int err;
    L4_ThreadId_t t = os_spawn(cmd, in, out, &err);
    if (L4_IsNilThread(t))
        printf("%s: %s\n", cmd, err == OS_ENOENT ? "no such program" : "cannot start it");
    return t;
}

static void set_foreground(L4_ThreadId_t t)
{
    __L4_Utcb()[1] = t.raw;
    os_call(os_stdin.server, OS_FOREGROUND, 1);
}

static void run(char *cmd)
{
    char *bar = strchr(cmd, '|');
    if (!bar) {
        L4_ThreadId_t t = start(cmd, os_stdin, (struct os_stream){ os_stdout.server, 0 });
        if (L4_IsNilThread(t))
            return;
        set_foreground(t);
        int how, status = os_wait(t, &how);
        set_foreground(L4_nilthread);
        report(cmd, status, how);
        return;
    }
    /* a | b: a pipe from the pipe server */
    *bar = '\0';
    char *a = cmd, *b = bar + 1;
    while (*b == ' ')
        b++;
    for (char *e = bar - 1; e >= a && *e == ' '; e--)
        *e = '\0';
    L4_ThreadId_t pipes = os_lookup("pipe");
    if (L4_IsNilThread(pipes)) {
        L4_ThreadId_t p = start("pipe", (struct os_stream){ L4_nilthread, 0 },
                                (struct os_stream){ os_stdout.server, 0 });
        for (int i = 0; i < 100 && L4_IsNilThread(pipes) && !L4_IsNilThread(p); i++) {
            L4_Sleep(L4_TimePeriod(2000));
            pipes = os_lookup("pipe");
        }
    }
    if (L4_IsNilThread(pipes)) {
        printf("no pipe server\n");
        return;
    }
    L4_MsgTag_t tag = os_call(pipes, OS_PIPE_CREATE, 0);
    if (L4_Label(tag) != OS_OK) {
        printf("cannot make a pipe\n");
        return;
    }
    struct os_stream p = { pipes, __L4_Utcb()[1] };
    L4_ThreadId_t ta = start(a, os_stdin, p);
    L4_ThreadId_t tb = start(b, p, (struct os_stream){ os_stdout.server, 0 });
    if (L4_IsNilThread(ta) || L4_IsNilThread(tb)) {
        if (!L4_IsNilThread(ta))
            os_kill(ta);
        if (!L4_IsNilThread(tb))
            os_kill(tb);
        return;
    }
    set_foreground(tb);
    int how, status = os_wait(ta, &how);
    report(a, status, how);
    status = os_wait(tb, &how);
    set_foreground(L4_nilthread);
    report(b, status, how);
}

static void help(void)
{
    printf("commands:\n"
           "  help            this list\n"
           "  ps              tasks, their threads, states and priorities\n"
           "  mem             memory per task\n"
           "  kill TASK       end a task (TASK as ps shows it)\n"
           "  test            run the in-system test suite\n"
           "  bench           run the benchmarks\n"
           "  kdb             enter the kernel debugger ('g' continues)\n"
           "  PROGRAM ARGS    run a program, e.g. hello world\n"
           "  A | B           pipe A's output into B, e.g. count 5 | upper\n"
           "programs: hello, count, upper, spin, memhog, pipebench\n");
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("\nPecan shell. Type 'help' for the commands.\n");
    char line[256];
    for (;;) {
        printf("pecan> ");
        fflush_stdout();
        long n = os_read(os_stdin, line, sizeof line - 1);
        if (n < 0)
            break;
        if (n == 0) {                       /* Ctrl-D */
            printf("\n");
            continue;
        }
        line[n] = '\0';
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        char *cmd = line;
        while (*cmd == ' ')
            cmd++;
        if (!*cmd)
            continue;
        if (!strcmp(cmd, "help"))
            help();
        else if (!strcmp(cmd, "ps"))
            ps();
        else if (!strcmp(cmd, "mem"))
            mem();
        else if (!strncmp(cmd, "kill ", 5)) {
            L4_ThreadId_t t = parse_id(cmd + 5);
            if (L4_IsNilThread(t) || os_kill(t) != OS_OK)
                printf("kill: no task %s\n", cmd + 5);
            else
                printf("task %s killed\n", cmd + 5);
        } else if (!strcmp(cmd, "kdb")) {
            os_call(os_root(), OS_KDB, 0);  /* the root server may open it, we may not */
        } else if (!strcmp(cmd, "test") || !strcmp(cmd, "bench")) {
            int bench = cmd[0] == 'b';
            printf("%s: running in the root server; its report goes to the kernel console\n",
                   cmd);
            fflush_stdout();
            __L4_Utcb()[1] = (L4_Word_t)bench;
            L4_MsgTag_t tag = os_call(os_root(), OS_RUN_SUITE, 1);
            if (L4_Label(tag) != OS_OK)
                printf("%s: cannot run (error %lu)\n", cmd, L4_Label(tag));
            else if (!bench)
                printf("test: %lu passed, %lu failed\n", __L4_Utcb()[1], __L4_Utcb()[2]);
        } else
            run(cmd);
    }
    return 0;
}
