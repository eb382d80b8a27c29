/* Processors (issue 15): where the threads we make run. A new task goes
 * to the processor with the fewest threads we have put there (ties: the
 * lowest index), so tasks spread over the machine; the threads we make
 * later for a task (the Unix server's, ux.c) go where the task is.
 *
 * Servers with I/O ports or an interrupt stay on processor 0, by choice:
 * the kernel gives a thread its ports on every processor and routes an
 * interrupt to its handler's (docs/architecture.md, "Processors"), but
 * the devices' servers are few and short of work, and on 0 they keep
 * the other processors to the tasks.
 *
 * A thread starts on its creator's processor, ours. If Schedule will not
 * move it (no memory for the space's page tables there, say), it stays
 * here and runs all the same: the task starts, counted where it is. */
#include <stdio.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include "root.h"

static unsigned ncpus;
static struct {
    unsigned tasks, threads;                /* placed here and not ended */
} load[CPUS_MAX];

void cpus_init(void)
{
    L4_Word_t n = L4_NumProcessors(L4_GetKernelInterface());
    ncpus = n < CPUS_MAX ? (unsigned)n : CPUS_MAX;
}

/* Must its threads stay on the boot processor (above)? */
static int needs_processor_0(const struct service *svc)
{
    return svc && (svc->nports || svc->irq >= 0);
}

unsigned cpu_for(const struct service *svc)
{
    unsigned best = 0;
    if (needs_processor_0(svc))
        return 0;
    for (unsigned c = 1; c < ncpus; c++)
        if (load[c].threads < load[best].threads)
            best = c;
    return best;
}

unsigned cpu_move(L4_ThreadId_t thread, unsigned cpu)
{
    L4_Word_t old, here = L4_ProcessorNo();     /* (where it was made) */
    if (cpu == here)
        return cpu;
    if (!L4_Schedule(thread, ~0UL, cpu, ~0UL, ~0UL, &old)) {
        printf("os: thread %lx stays on processor %lu: Schedule would not move it to %u "
               "(error %lu)\n", thread.raw, here, cpu, L4_ErrorCode());
        return (unsigned)here;
    }
    return cpu;
}

void cpu_count(unsigned cpu, int tasks, int threads)
{
    if (cpu >= ncpus)
        return;                             /* (beyond those we know: not counted) */
    load[cpu].tasks += (unsigned)tasks;
    load[cpu].threads += (unsigned)threads;
}

int cpu_info(L4_Word_t *mr, unsigned *u)
{
    L4_Word_t cpu = mr[1];
    if (cpu >= ncpus)
        return OS_ENOENT;
    mr[1] = load[cpu].tasks;
    mr[2] = load[cpu].threads;
    *u = 2;
    return OS_OK;
}
