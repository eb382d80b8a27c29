/* Benchmarks of several processors (issue 15), in a boot of their own on
 * QEMU's -smp 4 ("smp" on the command line, tools/bench.py):
 *   ipc_rtt_inter_0_smp,   the one-processor round trips (ipc.c), both
 *   ipc_rtt_intra_0_smp    partners on processor 0, the others idle
 *   ipc_rtt_xcpu_0 / _8    a round trip from the root thread on processor
 *                          0 to a server in another space on processor 1
 *   ipc_rtt_xcpu_queued    the same, every Call queued before the server
 *                          takes it (a doorbell, below)
 *   ipc_rtt_scaling_N      N pairs at once, pair k on processor k
 *   ipc_rtt_scaling_general_N   the same with a receive timeout, which
 *                          the fast path leaves to the general path
 *                          (between threads of one processor: without
 *                          the kernel lock)
 *   ipc_rtt_scaling_xcpu_N N pairs at once, pair k's client on processor
 *                          2k and its server on 2k + 1: every IPC goes
 *                          between processors, under the kernel lock
 *   unmap_shootdown_4k,    smp_unmap.c
 *   unmap_idle_4k
 * Under -icount the TSC follows QEMU's one virtual clock, which every
 * processor's instructions advance, one processor at a time (round
 * robin): a TSC difference read on one processor counts what all of them
 * executed meanwhile (docs/benchmarking.md, "Several processors"). */
#include <pecan/abi.h>
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include "bench.h"
#include "pingpong.h"
#include "../tests/tsupport.h"

static uint64_t samples[BENCH_ITERATIONS];

/* The reply's label names the processor the server answered from. */
#define LABEL_OF_CPU(c) (0x100UL | (c))

/* Answer every call with u untyped words, labelled with the processor
 * the server runs on when the first call came (it is moved there before,
 * and nobody moves it after): the client can tell who answered, and
 * from where, at no cost to the round trip. */
static void cpu_server(L4_Word_t u)
{
    L4_ThreadId_t first;
    L4_Wait(&first);
    L4_Word_t from = first.raw, tag = LABEL_OF_CPU(L4_ProcessorNo()) << 16 | u;
    for (;;)
        pp_ipc(from, ~0UL, tag, &from);
}

/* A server in a space of its own, waiting on processor `cpu`. */
static L4_ThreadId_t server_on(unsigned cpu, unsigned u)
{
    L4_ThreadId_t s = tsup_space(cpu_server, u);
    L4_Set_Priority(s, 255);
    if (!tsup_wait_blocked(s))
        return L4_nilthread;
    tsup_move(s, cpu);
    return s;
}

/* ---- between processors: client on 0, server on 1 ------------------------ */

static void xcpu(const char *name, unsigned u, uint64_t overhead)
{
    L4_ThreadId_t srv = server_on(1, u);
    if (L4_IsNilThread(srv)) {
        bench_failed(name, "the server did not wait for calls");
        return;
    }
    L4_Word_t from, want = LABEL_OF_CPU(1);
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        uint64_t t0 = bench_tsc();
        L4_Word_t tag = pp_ipc(srv.raw, srv.raw, u, &from);
        uint64_t t1 = bench_tsc();
        if ((tag & MSGTAG_E) || tag >> 16 != want || from != srv.raw ||
            (tag & MSGTAG_U_MASK) != u) {
            bench_failed(name, "round trip %u: reply tag 0x%lx from %lx (expected label 0x%lx "
                         "from %lx, processor 1), error 0x%lx", i, tag, from, want, srv.raw,
                         L4_ErrorCode());
            tsup_kill(srv);
            return;
        }
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    tsup_kill(srv);
    bench_report(name, bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

/* ---- between processors, every Call queued ------------------------------- */

/* The server waits for a doorbell, a thread on the client's processor
 * below the client, which calls the server whenever the client waits:
 * so each Call of the client is queued before the ring, and the server
 * takes it from its queue with a receive of timeout 0 (a request to the
 * client's processor), then answers both with sends of timeout 0. A round
 * trip counts the instructions of both processors: the queued Call, the
 * ring, the takes and both answers. */
static volatile int q_rung, q_failed;

static void q_doorbell(L4_Word_t server)
{
    for (;;)
        L4_Call((L4_ThreadId_t){ .raw = server });
}

static void q_server(L4_Word_t u)
{
    L4_ThreadId_t d, c;
    L4_Wait(&d);                        /* the first ring (blocked until moved) */
    q_rung = 1;
    L4_MsgTag_t tag = L4_Wait(&c);      /* the client's first Call */
    for (;;) {
        L4_LoadMR(0, LABEL_OF_CPU(L4_ProcessorNo()) << 16 | u);
        if (L4_IpcFailed(tag) || c.raw == d.raw || L4_IpcFailed(L4_Reply(c))) {
            q_failed = 1;               /* (the client sees no answer) */
            L4_Sleep(L4_Never);
        }
        L4_LoadMR(0, 0);
        L4_Reply(d);
        L4_Receive(d);
        tag = L4_Wait_Timeout(L4_ZeroTime, &c);
    }
}

static void xcpu_queued(const char *name, uint64_t overhead)
{
    q_rung = q_failed = 0;
    L4_ThreadId_t srv = tsup_thread(q_server, 0), bell = L4_nilthread;
    if (tsup_wait_blocked(srv)) {
        tsup_move(srv, 1);
        bell = tsup_thread(q_doorbell, srv.raw);
        L4_Set_Priority(bell, 1);       /* (it stays here, on processor 0) */
    }
    if (L4_IsNilThread(bell) || !tsup_wait_flag(&q_rung, 5000)) {
        bench_failed(name, "the server did not wait for the doorbell, or it did not ring");
        return;
    }
    /* (a thread of our space: it answers under its local id) */
    L4_Word_t from, want = LABEL_OF_CPU(1), local = L4_LocalIdOf(srv).raw;
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        uint64_t t0 = bench_tsc();
        L4_Word_t tag = pp_ipc(srv.raw, srv.raw, 0, &from);
        uint64_t t1 = bench_tsc();
        if ((tag & MSGTAG_E) || tag >> 16 != want || from != local || q_failed) {
            bench_failed(name, "round trip %u: reply tag 0x%lx from %lx (expected label 0x%lx "
                         "from %lx, processor 1), error 0x%lx, server failed %d", i, tag, from,
                         want, local, L4_ErrorCode(), q_failed);
            return;
        }
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_report(name, bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

/* ---- scaling: N pairs at once -------------------------------------------- */

#define MAX_PAIRS 4
#define WINDOW_MS 50                    /* about 5 * 10^7 instructions */
#define BINS      4096                  /* samples by length; the last: longer */

struct pair {
    L4_ThreadId_t client, server;
    volatile L4_Word_t rounds, bad_tag, bad_from;
    volatile int failed;
    uint32_t rtt[BINS], pass[BINS];
};
static struct pair pairs[MAX_PAIRS];
static volatile int sc_measure, sc_stop;
static L4_Word_t sc_timeouts;           /* the clients' (0: never, the fast path) */
static unsigned sc_spread;              /* 1: pair k on processor k; 2: client on
                                         * 2k, server on 2k + 1 (between them) */
static uint64_t sc_loop;                /* the client loop's own instructions a pass */

static unsigned client_cpu(unsigned k) { return k * sc_spread; }
static unsigned server_cpu(unsigned k) { return k * sc_spread + sc_spread - 1; }

static unsigned bin(uint64_t d)
{
    return d < BINS ? (unsigned)d : BINS - 1;
}

/* Pair k's client, on client_cpu(k): round trips until told to stop, each
 * timed (rtt), and while measuring the whole pass of the loop too, from
 * one round trip's end to the next one's (pass). */
static void sc_client(L4_Word_t k)
{
    struct pair *p = &pairs[k];
    L4_Word_t srv = p->server.raw, want = LABEL_OF_CPU(server_cpu(k)), from;
    uint64_t last = bench_tsc();
    while (!sc_stop) {
        uint64_t t0 = bench_tsc();
        L4_Word_t tag = pp_ipc_timeouts(srv, srv, 0, sc_timeouts, &from);
        uint64_t t1 = bench_tsc();
        if ((tag & MSGTAG_E) || tag >> 16 != want || from != srv) {
            p->bad_tag = tag;
            p->bad_from = from;
            p->failed = 1;
            return;
        }
        if (sc_measure) {
            p->rtt[bin(t1 - t0)]++;
            p->pass[bin(t1 - last)]++;
        }
        last = t1;
        p->rounds++;
    }
}

/* The median of a histogram; BINS - 1 if it lies in the last bin
 * (printed with a "+": at least that). */
static uint64_t hist_median(const uint32_t *h)
{
    uint64_t n = 0, seen = 0;
    for (unsigned i = 0; i < BINS; i++)
        n += h[i];
    for (unsigned i = 0; i < BINS - 1; i++)
        if ((seen += h[i]) * 2 > n)
            return i;
    return BINS - 1;
}

/* The TSC and every pair's count at one instant: under round robin no
 * other processor runs while this one reads, unless its turn ends in
 * between; then the reads are far apart, and taken again. */
static uint64_t snapshot(unsigned n, L4_Word_t *rounds)
{
    for (;;) {
        uint64_t a = bench_tsc();
        for (unsigned k = 0; k < n; k++)
            rounds[k] = pairs[k].rounds;
        uint64_t b = bench_tsc();
        if (b - a < 100)
            return a;
    }
}

static int pairs_started(unsigned n)
{
    for (int w = 0; w < 2000; w++) {
        unsigned k = 0;
        while (k < n && pairs[k].rounds >= 1000 && !pairs[k].failed)
            k++;
        if (k == n)
            return 1;
        tsup_sleep_ms(1);
    }
    return 0;
}

static int pairs_ok(const char *name, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        struct pair *p = &pairs[k];
        L4_Word_t on = tsup_processor_of(p->client);
        if (p->failed || on != client_cpu(k)) {
            bench_failed(name, "pair %u: client on processor %lu (expected %u); reply tag "
                         "0x%lx from %lx (expected label 0x%lx from %lx)", k, on,
                         client_cpu(k), p->bad_tag, p->bad_from, LABEL_OF_CPU(server_cpu(k)),
                         p->server.raw);
            return 0;
        }
    }
    return 1;
}

/*
 * The window: WINDOW_MS by the kernel's clock, in which the root thread
 * sleeps. Its TSC difference is what all processors executed. Less the
 * client loops' own instructions (sc_loop a pass: in the one-pair run,
 * the median pass less the median round trip, timing and counting), over
 * the round trips all pairs made: what a round trip costs the machine,
 * whatever the kernel did for it on any processor. Per processor: its
 * median round trip (exact while no other processor's turn falls inside
 * one: docs/benchmarking.md) and how many it made. The window goes on,
 * up to WINDOW_MAX_MS, until every pair made WINDOW_MIN_ROUNDS in it:
 * the emulator's turns (-icount, one host thread for all processors)
 * have left two of four processors without a turn for a whole window.
 */
#define WINDOW_MAX_MS     (10 * WINDOW_MS)
#define WINDOW_MIN_ROUNDS 100
static int some_pair_short(unsigned n, const L4_Word_t *r0)
{
    for (unsigned k = 0; k < n; k++)
        if (pairs[k].rounds - r0[k] < WINDOW_MIN_ROUNDS)
            return 1;
    return 0;
}

static void scaling(const char *kind, unsigned n, uint64_t overhead)
{
    char name[40];
    snprintf(name, sizeof name, "ipc_rtt_scaling%s_%u", kind, n);
    memset(pairs, 0, sizeof pairs);
    sc_measure = sc_stop = 0;
    for (unsigned k = 0; k < n; k++) {
        pairs[k].server = server_on(server_cpu(k), 0);
        if (L4_IsNilThread(pairs[k].server)) {
            bench_failed(name, "pair %u's server did not wait for calls", k);
            return;
        }
        L4_Set_Priority(pairs[k].server, 100);
    }
    for (unsigned k = 0; k < n; k++) {
        pairs[k].client = tsup_thread(sc_client, k);
        tsup_move(pairs[k].client, client_cpu(k));
    }
    if (!pairs_started(n)) {
        sc_stop = 1;
        bench_failed(name, "not every pair made 1000 round trips within 2 s");
        return;
    }
    L4_Word_t r0[MAX_PAIRS], r1[MAX_PAIRS];
    sc_measure = 1;
    uint64_t t0 = snapshot(n, r0);
    tsup_sleep_ms(WINDOW_MS);
    for (unsigned ms = WINDOW_MS; ms < WINDOW_MAX_MS && some_pair_short(n, r0); ms += WINDOW_MS)
        tsup_sleep_ms(WINDOW_MS);
    uint64_t t1 = snapshot(n, r1);
    sc_measure = 0;
    sc_stop = 1;
    if (!pairs_ok(name, n))
        return;
    uint64_t rounds = 0;
    for (unsigned k = 0; k < n; k++) {
        uint64_t made = r1[k] - r0[k];
        uint64_t rtt = hist_median(pairs[k].rtt), pass = hist_median(pairs[k].pass);
        if (n == 1 && (rtt == BINS - 1 || pass < rtt)) {
            bench_failed(name, "one pair: median round trip %lu, pass %lu", rtt, pass);
            return;
        }
        if (n == 1)
            sc_loop = pass - (rtt - overhead);     /* (rtt has the timing in it) */
        rounds += made;
        printf("SCALING %s cpu=%u rounds=%lu rtt=%lu%s pass=%lu%s\n", name, client_cpu(k), made,
               rtt - overhead, rtt == BINS - 1 ? "+" : "", pass, pass == BINS - 1 ? "+" : "");
    }
    if (rounds == 0 || !sc_loop) {
        bench_failed(name, "%lu round trips; loop %lu a pass", rounds, sc_loop);
        return;
    }
    uint64_t window = t1 - t0, per = (window - rounds * sc_loop + rounds / 2) / rounds;
    printf("SCALING %s window=%lu rounds=%lu loop=%lu\n", name, window, rounds, sc_loop);
    bench_report(name, (struct bench_result){ per + sc_loop, per + sc_loop, (unsigned)rounds },
                 sc_loop);
}

unsigned bench_smp(uint64_t overhead)
{
    if (tsup_processors() < 4 || L4_ProcessorNo() != 0) {
        bench_failed("smp", "expected 4 processors and the root thread on 0, the KIP "
                     "reports %u, the root thread is on %lu", tsup_processors(),
                     L4_ProcessorNo());
        printf("BENCH DONE\n");
        return bench_failures();
    }
    bench_rtt("ipc_rtt_inter_0_smp", 1, 0, overhead);
    tsup_cleanup();
    bench_rtt("ipc_rtt_intra_0_smp", 0, 0, overhead);
    tsup_cleanup();
    xcpu("ipc_rtt_xcpu_0", 0, overhead);
    tsup_cleanup();
    xcpu("ipc_rtt_xcpu_8", 8, overhead);
    tsup_cleanup();
    xcpu_queued("ipc_rtt_xcpu_queued", overhead);
    tsup_cleanup();
    sc_spread = 1;
    for (unsigned n = 1; n <= MAX_PAIRS; n *= 2) {
        scaling("", n, overhead);
        tsup_cleanup();
    }
    sc_timeouts = L4_Timeouts(L4_Never, L4_TimePeriod(1000000));   /* 1 s, never due */
    for (unsigned n = 1; n <= MAX_PAIRS; n *= 2) {
        scaling("_general", n, overhead);
        tsup_cleanup();
    }
    sc_timeouts = 0;
    sc_spread = 2;
    for (unsigned n = 1; n <= MAX_PAIRS / 2; n *= 2) {
        scaling("_xcpu", n, overhead);
        tsup_cleanup();
    }
    bench_unmap_shootdown(overhead);
    tsup_cleanup();
    printf("BENCH DONE\n");
    return bench_failures();
}
