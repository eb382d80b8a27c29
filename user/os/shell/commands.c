/* The shell's own commands: help, ps, mem, cpus, kill, test, bench, kdb. */
#include <pecan/abi.h>
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "shell.h"

const char *next_word(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    for (; *s && *s != ' ' && *s != '\t'; s++)
        if (n + 1 < size)
            buf[n++] = *s;
    buf[n] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static const char *state_name(L4_Word_t s)
{
    static const char *const names[] = { "?", "dead", "halted", "running", "sending",
                                         "sending", "waiting", "receiving" };
    return s == OS_TASK_ENDED ? "ended" : s < 8 ? names[s] : "?";
}

/* Task number i's line of OS_TASK_INFO into the MRs: false past the last. */
static int task_info(L4_Word_t i, char *name, size_t size)
{
    __L4_Utcb()[1] = i;
    if (os_result(os_call(os_root(), OS_TASK_INFO, 1)) != OS_OK)
        return 0;
    if (os_get_string(7, name, size) < 0)
        strcpy(name, "?");
    return 1;
}

static void ps(void)
{
    char name[32], cpu[24];
    printf("  TASK              THREAD            STATE      PRIO  CPU  NAME\n");
    for (L4_Word_t i = 0; task_info(i, name, sizeof name); i++) {
        L4_Word_t *mr = __L4_Utcb();
        if (mr[2] == OS_TASK_ENDED)
            strcpy(cpu, "-");               /* (its thread is gone) */
        else
            snprintf(cpu, sizeof cpu, "%lu", mr[6]);
        printf("  %-16lx  %-16lx  %-9s  %4lu  %3s  %s\n", TID_NUMBER(mr[1]), mr[1],
               state_name(mr[2]), mr[3], cpu, name);
    }
}

static void mem(void)
{
    char name[32];
    printf("  NAME          PAGES    KB  LIMIT KB\n");
    L4_Word_t i = 0;
    for (; task_info(i, name, sizeof name); i++)
        printf("  %-12s %6lu %5lu %9lu\n", name, __L4_Utcb()[4], __L4_Utcb()[4] * 4,
               __L4_Utcb()[5] * 4);
    L4_Word_t free = __L4_Utcb()[1];        /* (the answer past the last) */
    printf("  free         %6lu %5lu\n", free, free * 4);
}

/* The processors: the tasks and threads the root server put on each
 * (OS_CPU_INFO), and the internal frequency the KIP's processor
 * descriptor gives (Pecan's kernel puts the TSC's rate there). */
static void cpus(const char *args)
{
    if (*args) {
        printf("usage: cpus (no arguments): the processors, and the tasks and threads "
               "running on each\n");
        return;
    }
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    printf("  CPU  TASKS  THREADS  FREQUENCY\n");
    L4_Word_t cpu = 0;
    int e;
    for (; cpu < L4_NumProcessors(kip); cpu++) {
        __L4_Utcb()[1] = cpu;
        if ((e = os_result(os_call(os_root(), OS_CPU_INFO, 1))) != OS_OK)
            break;
        L4_Word_t khz = L4_ProcDescInternalFreq(L4_ProcDesc(kip, cpu));
        printf("  %3lu  %5lu  %7lu  %5lu MHz\n", cpu, __L4_Utcb()[1], __L4_Utcb()[2],
               khz / 1000);
    }
    if (cpu < L4_NumProcessors(kip))
        printf("cpus: the root server does not know processor %lu (%s)\n", cpu,
               os_strerror(e));
}

/* A task as ps shows it (its number) or a whole thread id, in hex of
 * either case; nilthread if s is none. */
static L4_ThreadId_t parse_task(const char *s)
{
    L4_Word_t v = 0;
    size_t n = 0;
    for (; *s; s++, n++) {
        char c = *s >= 'A' && *s <= 'F' ? (char)(*s - 'A' + 'a') : *s;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0 || n == 16)
            return L4_nilthread;
        v = v * 16 + (L4_Word_t)d;
    }
    return (L4_ThreadId_t){ .raw = TID_NUMBER(v) ? v : TID_GLOBAL(v, 0) }; /* a number: version 0 */
}

static void kill(const char *args)
{
    static const char usage[] = "usage: kill TASK... (TASK: the number ps shows, or a thread id)";
    char word[40];
    if (!*args)
        printf("%s\n", usage);
    for (const char *a = args; *a;) {       /* options: none, so nothing is killed */
        a = next_word(a, word, sizeof word);
        if (word[0] == '-') {
            printf("kill: no options here (got '%s'); %s\n", word, usage);
            return;
        }
    }
    while (*args) {
        args = next_word(args, word, sizeof word);
        L4_ThreadId_t t = parse_task(word);
        int e;
        if (L4_IsNilThread(t))
            printf("kill: '%s' is no task: expected a hexadecimal number as ps shows it\n", word);
        else if ((e = os_kill(t)) == OS_OK)
            printf("task %s killed\n", word);
        else if (e == OS_EPERM)
            printf("kill: %s belongs to the kernel, sigma0 or the root server, which cannot be "
                   "killed\n", word);
        else
            printf("kill: no task %s\n", word);
    }
}

static void run_suite(int bench)
{
    const char *cmd = bench ? "bench" : "test";
    printf("%s: running in the root server; its report goes to the kernel console\n", cmd);
    if (bench)
        printf("bench: the figures are timestamp-counter ticks, which count instructions only "
               "under QEMU's -icount (make bench); here they are not instruction counts\n");
    fflush_stdout();
    __L4_Utcb()[1] = (L4_Word_t)bench;
    int e = os_result(os_call(os_root(), OS_RUN_SUITE, 1));
    L4_Word_t passed = __L4_Utcb()[1], failed = __L4_Utcb()[2];
    if (e)
        printf("%s: cannot run (%s)\n", cmd, os_strerror(e));
    else if (!bench)
        printf("test: %lu passed, %lu failed\n", passed, failed);
    else if (failed)
        printf("bench: %lu benchmarks FAILED\n", failed);
    else
        printf("bench: every benchmark ran\n");
}

static void help(void)
{
    printf("commands:\n"
           "  help            this list\n"
           "  ps              tasks, their threads, states, priorities and processors\n"
           "  mem             memory per task\n"
           "  cpus            processors, and the tasks and threads on each\n"
           "  kill TASK...    end tasks (TASK as ps shows it)\n"
           "  test            run the in-system test suite\n"
           "  bench           run the benchmarks\n"
           "  kdb             enter the kernel debugger ('g' continues)\n"
           "  PROGRAM ARGS    run a program, e.g. hello world\n"
           "  A | B | ...     pipe each one's output into the next, e.g. count 5 | upper\n"
           "keys: Up/Down history, Left/Right/Home/End move, Ctrl-U erases the line,\n"
           "  Ctrl-C ends the program running, Ctrl-D ends its input\n"
           "programs:");
    char name[32];
    for (L4_Word_t i = 0;; i++) {
        __L4_Utcb()[1] = i;
        if (os_result(os_call(os_root(), OS_PROGRAM_INFO, 1)) ||
            os_get_string(1, name, sizeof name) < 0)
            break;
        printf(" %s", name);
    }
    printf("\n");
}

int command(char *cmd)
{
    char word[16];
    const char *args = next_word(cmd, word, sizeof word);
    if (!strcmp(word, "help") && !*args)
        help();
    else if (!strcmp(word, "ps") && !*args)
        ps();
    else if (!strcmp(word, "mem") && !*args)
        mem();
    else if (!strcmp(word, "cpus"))
        cpus(args);
    else if (!strcmp(word, "kill"))
        kill(args);
    else if ((!strcmp(word, "test") || !strcmp(word, "bench")) && !*args)
        run_suite(word[0] == 'b');
    else if (!strcmp(word, "kdb") && !*args)
        os_call(os_root(), OS_KDB, 0);      /* the root server may open it, we may not */
    else
        return 0;
    return 1;
}
