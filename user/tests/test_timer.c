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
    for (unsigned long i = 0; (b = L4_SystemClock().raw) == a && i < 100000000UL; i++)
        ;                                            /* bounded by work, not by time */
    EXPECT(b > a);
}

/*
 * Round robin between a spinning thread and the root task (both priority
 * 255, 10 ms time slices) is driven by timer interrupts: while we spin
 * without ever entering the kernel, the spinner can only make progress if
 * the tick preempts us, twice over (it runs, then we run again to see it).
 */
static volatile int stop_spinning;
static volatile unsigned long spins;

static void spin(L4_Word_t unused)
{
    (void)unused;
    while (!stop_spinning)
        spins++;
}

TEST(timer, preemption_by_ticks)
{
    spins = 0;
    stop_spinning = 0;
    L4_ThreadId_t spinner = tsup_thread(spin, 0);
    EXPECT_EQ(L4_Set_Priority(spinner, 255), L4_SCHEDRESULT_RUNNING);
    unsigned long seen = 0;
    for (unsigned long i = 0; i < 4000000000UL && !seen; i++)
        seen = spins;                                /* no system call in here */
    stop_spinning = 1;
    tsup_kill(spinner);
    EXPECT(seen > 0);
}
