/* IPC and thread-switch benchmarks. Each sample is one round trip seen
 * from the root thread: a Call to a server that answers with ReplyWait,
 * carrying u untyped words each way, both written like Pistachio's
 * pingpong (user stubs included, no library around them). The server runs
 * in another address space (inter) or in the root task's space (intra). */
#include <pecan/abi.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include "bench.h"
#include "pingpong.h"
#include "../tests/tsupport.h"

static uint64_t samples[BENCH_ITERATIONS];

/* Answer every call with u untyped words: ReplyWait to the caller. */
static void server(L4_Word_t u)
{
    L4_ThreadId_t first;
    L4_Wait(&first);
    L4_Word_t from = first.raw;
    for (;;)
        pp_ipc(from, ~0UL, u, &from);
}

unsigned bench_mark_at = ~0u;
static uint64_t marked_sample;

/* (The markers lie outside the timed instructions: a marked boot times
 * the same figures.) */
static void measure_rtt(const char *name, L4_ThreadId_t srv, unsigned u, uint64_t overhead)
{
    L4_Word_t from;
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        if (i == bench_mark_at)
            BENCH_MARK_BEGIN();
        uint64_t t0 = bench_tsc();
        L4_Word_t tag = pp_ipc(srv.raw, srv.raw, u, &from);
        uint64_t t1 = bench_tsc();
        if (i == bench_mark_at) {
            BENCH_MARK_END();
            marked_sample = t1 - t0;
        }
        if (tag & MSGTAG_E) {
            bench_failed(name, "IPC error 0x%lx", L4_ErrorCode());
            return;
        }
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_report(name, bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

void bench_rtt(const char *name, int other_space, unsigned u, uint64_t overhead)
{
    L4_ThreadId_t srv = other_space ? tsup_space(server, u) : tsup_thread(server, u);
    L4_Set_Priority(srv, 255);
    measure_rtt(name, srv, u, overhead);
    tsup_kill(srv);
}

void bench_ipc(uint64_t overhead)
{
    bench_rtt("ipc_rtt_inter_0", 1, 0, overhead);
    bench_rtt("ipc_rtt_intra_0", 0, 0, overhead);
    bench_rtt("ipc_rtt_inter_8", 1, 8, overhead);
    bench_rtt("ipc_rtt_inter_63", 1, 63, overhead);
}

/* The round trips make bench counts the cache lines of (tools/bench.py):
 * one in the middle of the timed ones, the pages long faulted in. Its
 * sample (t1 - t0, the timing overhead included) lets the counter check
 * that it saw that round trip and no other. */
void bench_ipc_cache(uint64_t overhead)
{
    static const struct { const char *name; int other_space; unsigned u; } marked[] = {
        { "ipc_rtt_inter_0", 1, 0 }, { "ipc_rtt_intra_0", 0, 0 }, { "ipc_rtt_inter_8", 1, 8 },
    };
    bench_mark_at = BENCH_WARMUP + BENCH_ITERATIONS / 2;
    for (unsigned i = 0; i < sizeof marked / sizeof marked[0]; i++) {
        bench_rtt(marked[i].name, marked[i].other_space, marked[i].u, overhead);
        printf("CACHE %s iteration=%u sample=%lu\n", marked[i].name, bench_mark_at, marked_sample);
    }
    printf("BENCH DONE\n");
}

void bench_ipc_general(uint64_t overhead)
{
    bench_rtt("ipc_rtt_inter_0_general", 1, 0, overhead);
    bench_rtt("ipc_rtt_inter_8_general", 1, 8, overhead);
    bench_rtt("ipc_rtt_inter_63_general", 1, 63, overhead);
    printf("BENCH DONE\n");
}

/* ThreadSwitch to a thread in another space that switches straight back;
 * the figure is half the round trip, one switch. */
static volatile L4_Word_t partner_of, switches;

static void switch_back(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        switches++;
        L4_ThreadSwitch((L4_ThreadId_t){ .raw = partner_of });
    }
}

void bench_thread_switch(uint64_t overhead)
{
    partner_of = L4_MyGlobalId().raw;
    L4_ThreadId_t t = tsup_space(switch_back, 0);
    L4_Set_Priority(t, 255);
    /* Count from a known point: wait until the partner has been round its
     * loop (its pages are in: a switch to a partner still waiting for its
     * pager goes nowhere, and a fixed sleep, as here before, is not always
     * long enough under TCG, whose clock is the host's), then switch to
     * it once more, so that it waits inside its ThreadSwitch: had it been
     * stopped between its count and its switch when the counter is reset,
     * the first switch would only finish its last round, uncounted. */
    for (int i = 0; i < 1000 && switches < 2; i++)
        tsup_sleep_ms(1);
    L4_ThreadSwitch(t);
    switches = 0;
    uint64_t start_us = L4_SystemClock().raw;
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        uint64_t t0 = bench_tsc();
        L4_ThreadSwitch(t);
        uint64_t t1 = bench_tsc();
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = (t1 - t0 - overhead) / 2 + overhead;
    }
    /* did it really go there? (Each timer tick meanwhile may have ended
     * the partner's slice between its count and its switch.) */
    L4_Word_t ticks = (L4_SystemClock().raw - start_us) / 1000 + 1;
    tsup_kill(t);
    if (switches + ticks < BENCH_WARMUP + BENCH_ITERATIONS) {
        bench_failed("thread_switch_inter", "partner ran %lu times for %u switches",
                     switches, BENCH_WARMUP + BENCH_ITERATIONS);
        return;
    }
    bench_report("thread_switch_inter", bench_summarise(samples, BENCH_ITERATIONS), overhead);
}
