/* The timer: the system clock advances, and the periodic tick preempts
 * the root task in favour of a thread spinning at the same priority. */
#include <l4/syscalls.h>
#include "testlib.h"
#include "tsupport.h"

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

TEST(timer, system_clock_advances)
{
    uint64_t a = L4_SystemClock().raw, b;
    uint64_t t0 = rdtsc();
    while ((b = L4_SystemClock().raw) == a)
        EXPECT(rdtsc() - t0 < 1000000000UL);          /* bounded: about a second */
    EXPECT(b > a);
}

/*
 * Round robin between a spinning thread and the root task (both priority
 * 255, 10 ms time slices) is driven by timer interrupts. While the root task spins,
 * the TSC therefore jumps by about a time slice whenever sigma0 ran. We
 * watch for two such gaps (over 2 ms of TSC each, the threshold derived
 * from the clock's own rate), which can only appear if the tick preempted
 * us twice.
 */
static volatile int stop_spinning;

static void spin(L4_Word_t unused)
{
    (void)unused;
    while (!stop_spinning)
        __asm__ volatile("pause");
}

TEST(timer, preemption_by_ticks)
{
    uint64_t us0 = L4_SystemClock().raw, t0 = rdtsc();
    while (L4_SystemClock().raw < us0 + 1000)
        ;
    uint64_t per_ms = rdtsc() - t0;                   /* TSC counts per ms */
    EXPECT(per_ms > 0);

    L4_ThreadId_t spinner = tsup_thread(spin, 0);
    EXPECT_EQ(L4_Set_Priority(spinner, 255), L4_SCHEDRESULT_RUNNING);

    int gaps = 0;
    uint64_t prev = rdtsc(), start = prev;
    while (gaps < 2 && prev - start < 500 * per_ms) {
        uint64_t now = rdtsc();
        if (now - prev > 2 * per_ms)
            gaps++;
        prev = now;
    }
    stop_spinning = 1;
    tsup_kill(spinner);
    EXPECT_EQ(gaps, 2);
}
