/* benchpeer MODE: the other end of pipebench's measurements.
 *   echo       copy stdin to stdout
 *   sink N     write '+', read N bytes from stdin, then write '!' ('?' if
 *              the input ended sooner)
 *   rpc        answer calls (registered as "benchrpc") with the same words
 *   map        answer calls (as "benchmap") with a map item of 64 KB */
#include <pecan/abi.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/utcb.h>
#include <os/os.h>

static void echo(void)
{
    char buf[OS_MSG_BYTES];
    long n;
    while ((n = os_read(os_stdin, buf, sizeof buf)) > 0)
        os_write(os_stdout, buf, (size_t)n);
}

static void sink(unsigned long want)
{
    char buf[OS_MSG_BYTES];
    unsigned long got = 0;
    long n;
    os_write(os_stdout, "+", 1);                /* up and reading */
    while (got < want && (n = os_read(os_stdin, buf, sizeof buf)) > 0)
        got += (unsigned long)n;
    os_write(os_stdout, got == want ? "!" : "?", 1);
}

static void serve(const char *name, int map)
{
    char *area = NULL;
    if (map) {
        area = os_sbrk(2UL << 16);              /* room to align 64 KB */
        area = (char *)(((L4_Word_t)area + 0xFFFF) & ~0xFFFFUL);
        for (unsigned o = 0; o < 65536; o += 4096)
            area[o] = 1;                        /* in our space before we map it on */
    }
    os_register(name);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (map) {
            L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)area, 16), 7), 0);
            mr[0] = MSGTAG(0, 2, 0);
            mr[1] = m.raw[0];
            mr[2] = m.raw[1];
        } else {
            mr[0] = L4_UntypedWords(tag);       /* the same words back */
        }
        tag = L4_ReplyWait(from, &from);
    }
}

int app_main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "echo";
    if (!strcmp(mode, "echo"))
        echo();
    else if (!strcmp(mode, "sink")) {
        unsigned long n = 0;
        for (const char *p = argc > 2 ? argv[2] : "0"; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (unsigned long)(*p - '0');
        sink(n);
    } else if (!strcmp(mode, "rpc"))
        serve("benchrpc", 0);
    else if (!strcmp(mode, "map"))
        serve("benchmap", 1);
    return 0;
}
