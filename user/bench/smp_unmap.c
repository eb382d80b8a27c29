/* unmap_shootdown_4k (issue 15): the root thread, on processor 0, unmaps
 * a 4 KB page of its own from space X, whose threads run on processors
 * 1, 2 and 3, each reading the page without end, and ran on 0. Before
 * Unmap returns, the kernel has parked those three processors and had
 * them reload CR3 (docs/architecture.md, "Processors"): one sample is
 * the whole shootdown, every processor's part in it counted (smp.c: the
 * TSC counts all processors' instructions). Between samples the page is
 * mapped again (the pager sees a fault) and read on all three, so each
 * sample shoots down.
 *   unmap_idle_4k   the same unmap while the three readers wait in a
 *                   receive, their processors idle: nothing to shoot
 *                   down (an idle processor runs on its own kernel root),
 *                   the unmap alone, for comparison. */
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "bench.h"
#include "../tests/tsupport.h"

#define SD_V    0x64000000UL            /* where X sees the page */
#define READERS 3                       /* on processors 1 .. 3 */
#define WAITING 6                       /* Schedule's state: waiting to receive */

static uint64_t samples[BENCH_ITERATIONS];
static L4_Word_t sd_page[512] __attribute__((aligned(4096)));
static struct {
    volatile L4_Word_t pager, root, faults;
    volatile int idle;
    volatile L4_Word_t seen[READERS + 1], cpu[READERS + 1];
} sd;

/* X's pager (on processor 1): SD_V is sd_page, read-only. */
static int sd_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
        L4_UntypedWords(tag) != 2 || (mr[1] & ~0xFFFUL) != SD_V)
        return 0;
    sd.faults++;
    mr[0] = 2 << 6;                             /* one map item */
    mr[1] = SD_V | 0x8;
    mr[2] = L4_FpageLog2((L4_Word_t)sd_page, 12).raw | L4_Readable;
    return 1;
}

static void sd_pager(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(sd_answer);
}

/* Readers k = 1 .. 3. They spin with `pause`, as a polite spin loop
 * does; under QEMU's round robin a pause ends the processor's turn, so
 * a sample counts a few of their instructions per turn, not a turn's
 * worth of reading. Idle ones read once, then wait for the root thread
 * to wake them. */
static void sd_reader(L4_Word_t k)
{
    L4_Set_Pager((L4_ThreadId_t){ .raw = sd.pager });
    for (;;) {
        sd.cpu[k] = L4_ProcessorNo();
        sd.seen[k] = *(volatile L4_Word_t *)SD_V;
        if (sd.idle)
            L4_Receive((L4_ThreadId_t){ .raw = sd.root });
        else
            __asm__ volatile("pause");
    }
}

/* X's first thread, on processor 0: reads the page once, then waits. */
static void sd_first(L4_Word_t unused)
{
    (void)unused;
    L4_Set_Pager((L4_ThreadId_t){ .raw = sd.pager });
    sd.cpu[0] = L4_ProcessorNo();
    sd.seen[0] = *(volatile L4_Word_t *)SD_V;
    L4_Sleep(L4_Never);
}

static int have_read(unsigned from, L4_Word_t gen)
{
    for (unsigned k = from; k <= READERS; k++)
        if (sd.seen[k] != gen || sd.cpu[k] != k)
            return 0;
    return 1;
}

/* Until readers 1..READERS have read `gen` on their processors (and, if
 * idle, wait in their receive), polled with pause (their pager runs on
 * processor 1), at most 10^9 instructions. */
static int all_read(L4_Word_t gen, const L4_ThreadId_t *r)
{
    uint64_t start = bench_tsc();
    for (unsigned k = 1; k <= READERS; k++) {
        L4_Word_t old;
        while (sd.seen[k] != gen || sd.cpu[k] != k ||
               (sd.idle && L4_Schedule(r[k], ~0UL, ~0UL, ~0UL, ~0UL, &old) != WAITING)) {
            if (bench_tsc() - start > 1000000000)
                return 0;
            __asm__ volatile("pause");
        }
    }
    return 1;
}

static void unmap_4k(const char *name, int idle, uint64_t overhead)
{
    L4_Fpage_t page = L4_FpageAddRights(L4_FpageLog2((L4_Word_t)sd_page, 12),
                                        L4_FullyAccessible);
    sd = (typeof(sd)){ .idle = idle, .root = L4_MyGlobalId().raw };
    sd_page[0] = 1;
    L4_ThreadId_t pager = tsup_thread(sd_pager, 0), r[READERS + 1];
    L4_Set_Priority(pager, 200);
    tsup_move(pager, 1);
    sd.pager = pager.raw;
    r[0] = tsup_space(sd_first, 0);
    for (unsigned k = 1; k <= READERS; k++) {
        r[k] = tsup_space_thread(r[0], sd_reader, k);
        L4_Set_Priority(r[k], 100);
        tsup_move(r[k], k);
    }
    /* (they fault their code in from the support pager, on processor 0:
     * the root thread sleeps meanwhile) */
    for (int w = 0; w < 2000 && !have_read(0, 1); w++)
        tsup_sleep_ms(1);
    if (!have_read(0, 1) || !all_read(1, r)) {
        bench_failed(name, "X's threads did not all read the page on their processors: "
                     "processor 0's read 0x%lx there (processor %lu)", sd.seen[0], sd.cpu[0]);
        return;
    }
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        L4_Word_t faults = sd.faults, gen = i + 2;
        uint64_t t0 = bench_tsc();
        L4_UnmapFpage(page);
        uint64_t t1 = bench_tsc();
        sd_page[0] = gen;
        for (unsigned k = 1; idle && k <= READERS; k++) {
            __L4_Utcb()[0] = 0;
            L4_Send(r[k]);
        }
        /* (The first fault maps the page for all three: the others fault
         * only if they touch it before.) */
        if (!all_read(gen, r) || sd.faults == faults) {
            bench_failed(name, "sample %u: expected the %u readers on processors 1-%u to fault "
                         "and read %lu; the pager saw %lu faults, they read %lu, %lu, %lu", i,
                         READERS, READERS, gen, sd.faults - faults, sd.seen[1], sd.seen[2],
                         sd.seen[3]);
            return;
        }
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    for (unsigned k = 0; k <= READERS; k++)
        tsup_kill(r[k]);
    tsup_kill(pager);
    bench_report(name, bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

void bench_unmap_shootdown(uint64_t overhead)
{
    unmap_4k("unmap_shootdown_4k", 0, overhead);
    tsup_cleanup();
    unmap_4k("unmap_idle_4k", 1, overhead);
}
