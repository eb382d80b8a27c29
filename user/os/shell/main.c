/* The shell: reads command lines from the console and runs them.
 *
 *   help            the commands and the programs there are
 *   ps              tasks with their thread, state, priority and processor
 *   mem             memory per task, and what is free
 *   cpus            processors, with the tasks and threads on each
 *   kill TASK...    end tasks (their threads, space and memory go)
 *   test, bench     run the in-system suite / the benchmarks
 *   kdb             enter the kernel debugger ('g' comes back)
 *   NAME ARGS...    run a program from the boot modules and wait for it
 *   A | B | ...     run programs, each one's output into the next one's
 *                   input (pipes of the pipe server)
 *
 * A read that fails never ends the shell: Ctrl-C (OS_EINTR) gives a new
 * prompt, and if the console is gone the shell waits for the root
 * server to start it again. The end of the input (Ctrl-D at an empty
 * line, or the end of a pipe) ends it. */
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <os/os.h>
#include "shell.h"

/* One line from stdin into buf (NUL-terminated, without its '\n'):
 * its length; -1 when it was interrupted or too long (said so), or
 * stdin failed; -2 at the end of the input. */
static long read_line(char *buf, size_t size)
{
    size_t n = 0;
    int too_long = 0;
    for (;;) {
        char *at = too_long ? buf : buf + n;
        long got = os_read(os_stdin, at, too_long ? size - 1 : size - 1 - n);
        if (got == -OS_EINTR)
            return -1;                      /* Ctrl-C: the console said "^C" */
        if (got < 0) {
            L4_Sleep(L4_TimePeriod(100000));    /* the console is gone: wait for the next */
            return -1;
        }
        if (got == 0) {                     /* Ctrl-D */
            printf("\n");
            return n ? -1 : -2;
        }
        if (!too_long)
            n += (size_t)got;
        if (at[got - 1] == '\n')
            break;
        if (n == size - 1)
            too_long = 1;                   /* read on to its end, keep none of it */
    }
    if (too_long) {
        printf("line too long: at most %zu characters\n", size - 2);
        return -1;
    }
    buf[--n] = '\0';
    return (long)n;
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    static char line[SHELL_LINE + 1];
    printf("\nPecan shell. Type 'help' for the commands.\n");
    for (;;) {
        printf("pecan> ");
        fflush_stdout();
        long n = read_line(line, sizeof line);
        if (n == -2)
            return 0;                       /* (the root server starts the next shell) */
        if (n < 0)
            continue;
        char *cmd = line;
        while (*cmd == ' ' || *cmd == '\t')
            cmd++;
        if (*cmd && !command(cmd))
            pipeline(cmd);
    }
}
