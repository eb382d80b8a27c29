/* badclient: requests a careful server trims or refuses, each with what
 * came back (tools/session.py checks the lines). A write names its length
 * in MR2 and carries its bytes from MR3 on; one that names more than it
 * carries must not get the server's stale registers in: the bytes of the
 * last client it served (an attacker's review of the pipe and console
 * servers). `badclient session PROGRAM` starts PROGRAM as a Unix console
 * session and leaves without waiting for its end (OS_UNIX_WAIT): the next
 * session must start all the same. */
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

/* OS_WRITE of the 8 bytes `eight` to s, naming `claim` bytes: what the
 * server took (its answer's MR1), or -error. */
static long short_write(struct os_stream s, const char *eight, unsigned long claim)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[1] = s.handle;
    mr[2] = claim;
    memcpy(&mr[3], eight, 8);
    int e = os_result(os_call(s.server, OS_WRITE, 3));
    return e ? -e : (long)__L4_Utcb()[1];
}

/* OS_UNIX_RUN of path (no arguments), and no more. */
static int abandon_session(const char *path)
{
    L4_ThreadId_t server = os_lookup("unix");     /* (a call: before the message is put) */
    int err = os_result(os_call(server, OS_UNIX_RUN, os_put_string(1, path, strlen(path) + 1) - 1));
    printf("badclient: started %s (%s); leaving without waiting\n", path,
           err ? os_strerror(err) : "ok");
    return err != OS_OK;
}

int app_main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "session"))
        return abandon_session(argv[2]);
    L4_ThreadId_t p = os_lookup("pipe");
    if (os_result(os_call(p, OS_PIPE_CREATE, 0)) != OS_OK) {
        printf("badclient: no pipe\n");
        return 1;
    }
    struct os_stream r = { p, __L4_Utcb()[1] }, w = { p, __L4_Utcb()[2] };
    long took = short_write(w, "12345678", OS_MSG_BYTES);
    char buf[OS_MSG_BYTES];
    long got = os_read(r, buf, sizeof buf);
    printf("badclient: a pipe write carrying 8 bytes, naming %u: taken %ld, read back %ld\n",
           OS_MSG_BYTES, took, got);
    os_close(r);
    os_close(w);
    printf("badclient: a console write carrying 8 bytes, naming %u:\n", OS_MSG_BYTES);
    took = short_write(os_stdout, "[eight]\n", OS_MSG_BYTES);
    printf("badclient: taken %ld\n", took);
    return 0;
}
