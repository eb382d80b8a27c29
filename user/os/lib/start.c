/* libos start-up: crt0 calls main(), which reads the argument page the
 * root server prepared (os/proto.h), routes printf to stdout, runs the
 * program and ends the task with its result. */
#include <stdio.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <os/os.h>

struct os_stream os_stdin, os_stdout;
static L4_ThreadId_t root;

L4_ThreadId_t os_root(void)
{
    return root;
}

static void write_stdout(const char *s, size_t n)
{
    os_write(os_stdout, s, n);
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
    static char *argv[33];
    int argc = (int)(a->argc < 32 ? a->argc : 32);
    for (int i = 0; i < argc; i++)
        argv[i] = a->text + a->argv_offset[i];
    argv[argc] = 0;
    int status = app_main(argc, argv);
    fflush_stdout();
    os_exit(status);
}
