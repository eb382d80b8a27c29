/* libos start-up: crt0 calls main(), which reads the argument page the
 * root server prepared (os/proto.h), routes printf to stdout, moves to
 * the stack below the argument page (its guard page below it turns an
 * overflow into a fault, where crt0's stack in .bss would run over the
 * program's data first), runs the program and ends the task with its
 * result. */
#include <stdio.h>
#include <string.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <os/os.h>

struct os_stream os_stdin, os_stdout;
static L4_ThreadId_t root;
static int argc;
static char *argv[33];

L4_ThreadId_t os_root(void)
{
    return root;
}

/* Exit status of a program whose output stream lost its reader (Unix's
 * 128 + SIGPIPE, which the shell explains). */
#define BROKEN_PIPE_STATUS 141

static void write_stdout(const char *s, size_t n)
{
    if (os_write(os_stdout, s, n) == -OS_ECLOSED)
        os_exit(BROKEN_PIPE_STATUS);
}

/* The kernel debugger lists a thread under the name its UserDefinedHandle
 * spells (up to 8 characters): ours is the program's name. */
static void name_thread(const char *name)
{
    L4_Word_t word = 0;
    memcpy(&word, name, strlen(name) < 8 ? strlen(name) : 8);
    __L4_Utcb()[__L4_TCR_USER_HANDLE] = word;
}

static void __attribute__((noreturn)) run_program(void)
{
    int status = app_main(argc, argv);
    fflush_stdout();
    os_exit(status);
}

int main(void)
{
    struct os_args *a = (struct os_args *)OS_ARGS_VA;
    if (a->magic != OS_ARGS_MAGIC) {
        printf("libos: no argument page; not started by the root server\n");
        return 1;
    }
    root.raw = a->root;
    L4_Set_ExceptionHandler(root);          /* exceptions end the task */
    os_stdin = (struct os_stream){ { a->in_server }, a->in_handle };
    os_stdout = (struct os_stream){ { a->out_server }, a->out_handle };
    if (!L4_IsNilThread(os_stdout.server))
        __stdout_writer = write_stdout;
    argc = (int)(a->argc < 32 ? a->argc : 32);
    for (int i = 0; i < argc; i++)
        argv[i] = a->text + a->argv_offset[i];
    argv[argc] = 0;
    if (argc)
        name_thread(argv[0]);
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "call *%1"
                     : : "r"(OS_ARGS_VA), "r"(run_program) : "memory");
    __builtin_unreachable();
}
