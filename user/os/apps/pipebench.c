/* pipebench: the three ways of seed 001's table 4 to move data between
 * tasks, measured in TSC ticks (instructions under make bench's
 * -icount shift=0), each as "BENCH name median=.. min=.. overhead=..":
 *   pipe_server_rtt     1 byte there and back through two pipes of the pipe server
 *   pipe_server_bw_64k  64 KB through a pipe to a task that reads it all
 *   rpc_rtt             a synchronous call to another task and its answer
 *   map_rpc_bw_64k      a call whose answer maps 64 KB, and the unmap after */
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/utcb.h>
#include <os/os.h>

#define N 200
static unsigned long samples[N];

static inline unsigned long tsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (unsigned long)hi << 32 | lo;
}

static void report(const char *name, unsigned n, unsigned long overhead)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && samples[j - 1] > samples[j]; j--) {
            unsigned long t = samples[j];
            samples[j] = samples[j - 1];
            samples[j - 1] = t;
        }
    printf("BENCH %s median=%lu min=%lu overhead=%lu iterations=%u\n", name,
           samples[n / 2] - overhead, samples[0] - overhead, overhead, n);
}

/* A pipe: its read end into *r, its write end into *w; false if none. */
static int new_pipe(struct os_stream *r, struct os_stream *w)
{
    L4_ThreadId_t p = os_lookup("pipe");
    int ok = os_result(os_call(p, OS_PIPE_CREATE, 0)) == OS_OK;
    *r = (struct os_stream){ p, ok ? __L4_Utcb()[1] : ~0UL };
    *w = (struct os_stream){ p, ok ? __L4_Utcb()[2] : ~0UL };
    return ok;
}

/* One pipe_server_bw_64k sample: 64 KB to a sink that is up already (its
 * start is not measured). False if a pipe failed: the figure would be of
 * errors (as it once was, when pipes leaked). */
static int bandwidth_sample(unsigned long *ticks)
{
    struct os_stream data_r, data_w, done_r, done_w;
    char buf[OS_MSG_BYTES], c = 0;
    int ok = new_pipe(&data_r, &data_w) & new_pipe(&done_r, &done_w);
    L4_ThreadId_t s = ok ? os_spawn("benchpeer sink 65536", data_r, done_w, 0, NULL)
                         : L4_nilthread;
    ok = ok && !L4_IsNilThread(s) && os_read(done_r, &c, 1) == 1 && c == '+';
    unsigned long t0 = tsc();
    for (unsigned long sent = 0; ok && sent < 65536; sent += sizeof buf) {
        size_t n = 65536 - sent < sizeof buf ? 65536 - sent : sizeof buf;
        ok = os_write(data_w, buf, n) == (long)n;
    }
    ok = ok && os_read(done_r, &c, 1) == 1 && c == '!';
    *ticks = tsc() - t0;
    os_close(data_w);
    os_close(done_r);
    if (!L4_IsNilThread(s))
        os_wait(s, NULL);
    return ok;
}

static L4_ThreadId_t wait_name(const char *name)
{
    L4_ThreadId_t t = L4_nilthread;
    for (int i = 0; i < 200 && L4_IsNilThread(t); i++) {
        L4_Sleep(L4_TimePeriod(2000));
        t = os_lookup(name);
    }
    return t;
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    unsigned long overhead = ~0UL;
    for (int i = 0; i < 100; i++) {
        unsigned long a = tsc(), b = tsc();
        if (b - a < overhead)
            overhead = b - a;
    }
    char c = 'x';

    /* pipe_server_rtt */
    struct os_stream there_r, there_w, back_r, back_w;
    int rtt_ok = new_pipe(&there_r, &there_w) & new_pipe(&back_r, &back_w);
    L4_ThreadId_t echo = os_spawn("benchpeer echo", there_r, back_w, 0, NULL);
    for (int i = 0; i < N + 20 && rtt_ok; i++) {
        unsigned long t0 = tsc();
        rtt_ok = os_write(there_w, &c, 1) == 1 && os_read(back_r, &c, 1) == 1;
        if (i >= 20)
            samples[i - 20] = tsc() - t0;
    }
    if (rtt_ok)
        report("pipe_server_rtt", N, overhead);
    else
        printf("BENCH pipe_server_rtt FAILED: a pipe or the echo failed\n");
    os_close(there_w);
    os_wait(echo, NULL);
    os_close(back_r);

    /* pipe_server_bw_64k */
    int bw_ok = 1;
    for (int i = 0; i < 12 && bw_ok; i++) {
        unsigned long ticks;
        bw_ok = bandwidth_sample(&ticks);
        if (i >= 2)
            samples[i - 2] = ticks;
    }
    if (bw_ok)
        report("pipe_server_bw_64k", 10, overhead);
    else
        printf("BENCH pipe_server_bw_64k FAILED: a pipe or the sink failed\n");

    /* rpc_rtt */
    L4_ThreadId_t rpc = os_spawn("benchpeer rpc", os_stdin, os_stdout, 0, NULL);
    L4_ThreadId_t srv = wait_name("benchrpc");
    for (int i = 0; i < N + 20; i++) {
        __L4_Utcb()[0] = 1;
        unsigned long t0 = tsc();
        L4_Call(srv);
        if (i >= 20)
            samples[i - 20] = tsc() - t0;
    }
    report("rpc_rtt", N, overhead);
    os_kill(rpc);
    os_wait(rpc, NULL);

    /* map_rpc_bw_64k */
    L4_ThreadId_t map = os_spawn("benchpeer map", os_stdin, os_stdout, 0, NULL);
    srv = wait_name("benchmap");
    L4_Word_t window = (L4_Word_t)os_sbrk(2UL << 16);       /* heap room to receive into */
    window = (window + 0xFFFF) & ~0xFFFFUL;
    L4_Fpage_t w = L4_FpageLog2(window, 16);
    for (int i = 0; i < N + 20; i++) {
        L4_Accept(L4_MapGrantItems(w));
        __L4_Utcb()[0] = 0;
        unsigned long t0 = tsc();
        L4_Call(srv);
        L4_Flush(L4_FpageAddRights(w, L4_FullyAccessible));
        if (i >= 20)
            samples[i - 20] = tsc() - t0;
    }
    L4_Accept(L4_UntypedWordsAcceptor);
    report("map_rpc_bw_64k", N, overhead);
    os_kill(map);
    os_wait(map, NULL);
    printf("BENCH DONE\n");
    return 0;
}
