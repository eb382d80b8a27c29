/* sh: a Linux program on the console, run by the Unix server
 * (docs/unix.md): `sh` is busybox's shell, `sh ARGS` passes ARGS to it,
 * `sh /PATH ARGS` runs the program at PATH. This task is the terminal's
 * wire: it reads the console as typed (raw) and hands every byte to the
 * server, whose terminal does the echo, line editing and Ctrl-C, until
 * the server ends its read; then it waits for the program's end and
 * exits with the shell's idea of its status (128 + signal if killed). */
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    L4_ThreadId_t server = os_lookup("unix");
    for (int i = 0; i < 50 && L4_IsNilThread(server); i++) {   /* (starting: at boot, or
                                                                  restarted) */
        L4_Sleep(L4_TimePeriod(100000));
        server = os_lookup("unix");
    }
    if (L4_IsNilThread(server)) {
        printf("sh: the Unix server is not running\n");
        return 1;
    }
    static char text[1024];
    size_t n = 0;
    if (argc < 2 || argv[1][0] != '/') {
        strcpy(text, "/bin/sh");
        n = 8;
    }
    for (int i = 1; i < argc; i++) {
        size_t k = strlen(argv[i]) + 1;
        if (n + k > sizeof text) {
            printf("sh: the command line is too long\n");
            return 1;
        }
        memcpy(text + n, argv[i], k);
        n += k;
    }
    int err = os_result(os_call(server, OS_UNIX_RUN, os_put_string(1, text, n) - 1));
    if (err) {
        printf("sh: cannot run %s (%s)\n", text, os_strerror(err));
        return 1;
    }
    struct os_stream raw = { os_stdin.server, os_stdin.handle | OS_STREAM_RAW };
    for (;;) {
        char buf[OS_MSG_BYTES];
        long got = os_read(raw, buf, sizeof buf);
        if (got == 0)
            break;                          /* the server ended the session's input */
        if (got < 0)
            continue;                       /* (another reader came and went) */
        L4_Word_t *mr = __L4_Utcb();
        mr[1] = (L4_Word_t)got;
        memcpy(&mr[2], buf, (size_t)got);
        if (os_result(os_call(server, OS_UNIX_INPUT, 1 + (unsigned)((got + 7) / 8)))) {
            printf("\nsh: the Unix server is gone\n");
            return 1;
        }
    }
    err = os_result(os_call(server, OS_UNIX_WAIT, 0));
    if (err) {
        printf("sh: the Unix server is gone\n");
        return 1;
    }
    int status = (int)__L4_Utcb()[1];
    return status & 0x7F ? 128 + (status & 0x7F) : status >> 8 & 0xFF;
}
