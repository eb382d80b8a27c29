/* Timeouts: decoding time values, and a list of waiting threads sorted by
 * deadline so the tick only looks at its head. */
#include "timeout.h"
#include "ipc.h"
#include "sched.h"
#include "syscall.h"



static struct tcb *head;        /* earliest deadline first */

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
    /* round up, and at least to the next tick */
    return kernel_ticks + (us + US_PER_TICK - 1) / US_PER_TICK + (us == 0);
}

void timeout_arm(struct tcb *t, uint64_t deadline)
{
    t->wakeup = deadline;
    if (!deadline)
        return;
    struct tcb **p = &head, *prev = NULL;
    while (*p && (*p)->wakeup <= deadline) {
        prev = *p;
        p = &(*p)->to_next;
    }
    t->to_next = *p;
    t->to_prev = prev;
    if (*p)
        (*p)->to_prev = t;
    *p = t;
}

void timeout_remove(struct tcb *t)
{
    if (t->to_prev)
        t->to_prev->to_next = t->to_next;
    else
        head = t->to_next;
    if (t->to_next)
        t->to_next->to_prev = t->to_prev;
    t->to_next = t->to_prev = NULL;
    t->wakeup = 0;
}

void timeout_tick(uint64_t now)
{
    while (head && head->wakeup <= now) {
        struct tcb *t = head;
        timeout_cancel(t);
        ipc_timeout(t);
    }
}
