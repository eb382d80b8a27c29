/* Timeouts: decoding time values, and for each processor a list of its
 * threads waiting with a timeout, sorted by deadline so that its tick
 * only looks at the head. A list is its processor's, like the threads on
 * it (arch/mp.h): whoever changes a thread's timeout changes the thread
 * too, and has claimed its processor (the kernel lock's holder) or is
 * that processor (its IPC without the lock). */
#include "timeout.h"
#include "arch/mp.h"
#include "arch/timer.h"
#include "ipc.h"
#include "sched.h"
#include "syscall.h"

/* by tcb.timeout_link, earliest deadline first; a thread on its
 * processor's (tcb.cpu) */
static struct list waiting[MAX_CPUS];

bool time_period_us(uint16_t t, uint64_t *us)
{
    if (t & TIME_POINT)
        return false;
    if (t == TIME_NEVER) {
        *us = ~0UL;
        return true;
    }
    unsigned e = TIME_PERIOD_E(t), m = TIME_M(t);
    *us = (uint64_t)m << e;
    return true;
}

/* A point in time: the next clock value whose bits e+10 and e+9..e
 * equal c and m (X.2 absolute timeouts). */
static uint64_t point_us(uint16_t t, uint64_t now)
{
    unsigned e = TIME_POINT_E(t), c = TIME_POINT_C(t), m = TIME_M(t);
    uint64_t period = 1UL << (e + 11);
    uint64_t target = (now & ~(period - 1)) | (uint64_t)c << (e + 10) | (uint64_t)m << e;
    return target < now ? target + period : target;
}

uint64_t time_deadline_slow(uint16_t t)
{
    uint64_t us;
    if (t & TIME_POINT) {
        uint64_t now = system_clock_us();
        us = point_us(t, now) - now;
    } else {
        time_period_us(t, &us);
        if (us == ~0UL)
            return 0;
    }
    /* Round up, and at least to the next tick; from the time now, not
     * from the clock, which waits for the boot processor's next tick and
     * then jumps: a deadline counted from it came early (a 40 ms receive
     * timeout ended after 35 ms of SystemClock, sched_clock). */
    uint64_t now = timer_ticks_elapsed();   /* (once: MAX evaluates twice) */
    return MAX(now, kernel_ticks) + (us + US_PER_TICK - 1) / US_PER_TICK + (us == 0);
}

/* The first waiting thread due after `deadline`, NULL if none. */
static struct tcb *first_due_after(struct list *l, uint64_t deadline)
{
    struct tcb *t = l->first;
    while (t && t->wakeup <= deadline)
        t = list_next(l, t, timeout_link);
    return t;
}

void timeout_arm(struct tcb *t, uint64_t deadline)
{
    t->wakeup = deadline;
    if (!deadline)
        return;
    struct list *l = &waiting[t->cpu];
    list_insert_before(l, t, first_due_after(l, deadline), timeout_link);
}

void timeout_remove(struct tcb *t)
{
    list_remove(&waiting[t->cpu], t, timeout_link);
    t->wakeup = 0;
}

bool timeout_due(uint64_t now)
{
    struct tcb *t = waiting[cpu_index()].first;
    return t && t->wakeup <= now;
}

bool timeout_expire_here(uint64_t now)
{
    struct list *l = &waiting[cpu_index()];
    struct tcb *t;
    while ((t = l->first) && t->wakeup <= now)
        if (!ipc_timeout_here(t))
            return false;
    return true;
}

void timeout_tick(uint64_t now)
{
    struct list *l = &waiting[cpu_index()];
    struct tcb *t;
    while ((t = l->first) && t->wakeup <= now) {
        timeout_cancel(t);
        ipc_timeout(t);
    }
}
