/* Scheduler: one FIFO ready queue per priority, a bitmap of non-empty
 * queues for finding the highest, and an idle thread. */
#include "sched.h"
#include "section.h"
#include "arch/context.h"
#include "arch/cpu.h"
#include "print.h"
#include "timeout.h"
#include "utcb.h"

volatile uint64_t kernel_ticks;

static struct list ready[256];          /* by tcb.ready_link, one per priority */
static uint64_t queue_bitmap[4];        /* bit p set: queue p non-empty */

/* The idle thread's block: TCB at the bottom, kernel stack above it, the
 * whole KTCB_SIZE like every other thread's block. */
static union {
    struct tcb tcb;
    uint8_t block[KTCB_SIZE];
} idle_block __attribute__((aligned(KTCB_SIZE)));
static struct tcb *const idle = &idle_block.tcb;

static void idle_loop(void)
{
    for (;;)
        cpu_idle();
}

__boot void sched_init(void)
{
    *idle = (struct tcb){ .state = TS_READY, .name = "idle", .global_id = 0x1D1E1D1E1D1E1D1EUL };
    arch_thread_init_kernel(idle, idle_loop);
}

static bool queued(const struct tcb *t)
{
    return list_linked(t, ready_link);
}

/* Put t at the tail of its priority's queue (if it is not queued). */
static void enqueue(struct tcb *t)
{
    if (queued(t))
        return;
    unsigned p = t->priority;
    if (list_empty(&ready[p]))
        queue_bitmap[p / 64] |= 1UL << (p % 64);
    list_append(&ready[p], t, ready_link);
}

void sched_make_ready(struct tcb *t)
{
    t->state = TS_READY;
    enqueue(t);
}

void sched_remove(struct tcb *t)
{
    if (!queued(t))
        return;
    unsigned p = t->priority;
    if (list_remove(&ready[p], t, ready_link))
        queue_bitmap[p / 64] &= ~(1UL << (p % 64));
}

/* A halted thread does not run, unless it takes part in a string
 * transfer: the kernel work its partner waits for goes on, and the
 * thread stops on its way back to user mode (ipc_user_return). */
static bool runnable(const struct tcb *t)
{
    return t->state == TS_READY && (!t->halted || t->xfer_partner);
}

/* The queues are lazy (seed 002): a thread that blocks in IPC may stay
 * queued and is dropped here when it reaches the head; the running
 * thread need not be queued and is queued when it is switched away from. */
static struct tcb *highest_ready(void)
{
    for (int w = 3; w >= 0; w--)
        while (queue_bitmap[w]) {
            struct tcb *h = ready[w * 64 + 63 - __builtin_clzl(queue_bitmap[w])].first;
            if (runnable(h))
                return h;
            sched_remove(h);
        }
    return idle;
}

static inline void requeue_current(void)
{
    if (current != idle && runnable(current) && !queued(current))
        sched_make_ready(current);
}

static void switch_to(struct tcb *next)
{
    struct tcb *prev = current;
    current = next;
    arch_switch(prev, next);
}

void schedule(void)
{
    requeue_current();
    switch_to(highest_ready());
}

/*
 * Delayed preemption (spec 3.2 PreemptFlags, 4.9 PreemptionControl,
 * 4.10): a thread whose PreemptFlags has d set, about to be preempted by
 * a thread of at most its sensitive priority, runs on for up to its
 * maximum delay, with I set to ask it to give the processor up; its
 * ThreadSwitch clears I and renews the delay. Checked again every tick.
 *
 *   PreemptFlags (UTCB byte MR0 - 0x50):  7 I pending | 6 d delay | 5 s
 */
#define PREEMPT_D 0x40
#define PREEMPT_I 0x80

static bool preemption_delayed(struct tcb *t, const struct tcb *by)
{
    if (!t->max_delay_ticks || by->priority > t->sensitive_prio || !t->utcb)
        return false;
    word_t flags = utcb_get(t, UTCB_FLAGS);
    if (!(flags & PREEMPT_D))
        return false;
    if (!t->delay_until) {
        t->delay_until = kernel_ticks + t->max_delay_ticks;
        utcb_set(t, UTCB_FLAGS, flags | PREEMPT_I);
    }
    return kernel_ticks < t->delay_until;
}

void sched_set_preemption(struct tcb *t, uint8_t sensitive_prio, uint64_t max_delay_us)
{
    t->sensitive_prio = sensitive_prio;
    t->max_delay_ticks = (uint32_t)((max_delay_us + US_PER_TICK - 1) / US_PER_TICK);
}

void sched_delay_end(struct tcb *t)
{
    t->delay_until = 0;
    utcb_set(t, UTCB_FLAGS, utcb_get(t, UTCB_FLAGS) & ~(word_t)PREEMPT_I);
}

void sched_tick(void)
{
    kernel_ticks++;
    timeout_tick(kernel_ticks);
    struct tcb *t = current;
    if (t != idle && t->quantum_us && t->quantum_left && --t->quantum_left == 0)
        t->quantum_expired = true;
    if (t != idle && --t->slice_left == 0) {
        struct tcb *h = highest_ready();
        if (h != idle && h != t && runnable(t) && preemption_delayed(t, h)) {
            t->slice_left = 1;              /* asked again next tick */
            return;
        }
        t->slice_left = t->timeslice_ticks;
        if (runnable(t)) {                  /* round robin: to the tail */
            sched_remove(t);
            sched_make_ready(t);
        }
        schedule();
        return;
    }
    sched_check_preempt();
}

void sched_check_preempt(void)
{
    if (current == idle || !runnable(current)) {
        schedule();
        return;
    }
    struct tcb *h = highest_ready();
    if (h != idle && h->priority > current->priority &&
        !(current->max_delay_ticks && preemption_delayed(current, h)))
        schedule();
}

/* The current thread is the highest-priority runnable thread (the kernel
 * switches whenever a higher one becomes ready), unless it was granted a
 * preemption delay: a partner of at least its priority may run at once. */
void sched_handoff(struct tcb *to)
{
    if (to && runnable(to) && to->priority >= current->priority && !current->delay_until) {
        requeue_current();
        switch_to(to);
        return;
    }
    struct tcb *h = highest_ready();
    if (to && runnable(to) && to->priority >= h->priority) {
        requeue_current();
        switch_to(to);
    } else {
        schedule();
    }
}

void sched_resume_direct(struct tcb *to)
{
    struct tcb *prev = current;
    current = to;
    arch_resume_fast_blocked(prev, to);
}

/* The thread stays on its ready queue, if it is on one: the scheduler
 * drops it there unless it still has a string transfer to finish. */
void thread_halt(struct tcb *t)
{
    t->halted = true;
    if (t == current)
        schedule();
}

void thread_resume(struct tcb *t)
{
    t->halted = false;
    if (t->state == TS_READY)
        sched_make_ready(t);
}

void sched_set_priority(struct tcb *t, uint8_t prio)
{
    bool was_queued = queued(t);        /* (a blocked thread may be: lazy queues) */
    sched_remove(t);
    t->priority = prio;
    if (was_queued)
        enqueue(t);
    sched_check_preempt();          /* a higher priority may be ready now */
}

void sched_set_timeslice(struct tcb *t, uint64_t us)
{
    uint64_t ticks = (us * TIMER_HZ + 999999) / 1000000;
    t->timeslice_us = us;
    t->timeslice_ticks = ticks ? (uint32_t)MIN(ticks, 0xFFFFFFFFUL) : 1;
    t->slice_left = t->timeslice_ticks;
}

void sched_switch_to(struct tcb *t)
{
    requeue_current();
    switch_to(t);
}

void sched_yield(void)
{
    struct tcb *t = current;
    t->slice_left = t->timeslice_ticks;
    sched_remove(t);                /* to the tail of its queue */
    if (runnable(t))
        sched_make_ready(t);
    schedule();
}

__boot void sched_start(void)
{
    current = highest_ready();
    arch_switch_first(current);
}
