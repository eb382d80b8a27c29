/* Scheduler: on each processor one FIFO ready queue per priority, a
 * bitmap of non-empty queues for finding the highest, and an idle
 * thread. A thread is on the queues of its processor (tcb.cpu) only;
 * all of them are the kernel lock's (arch/mp.h). */
#include "sched.h"
#include "section.h"
#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "arch/mp.h"
#include "arch/timer.h"
#include "frame.h"
#include "kdebug.h"
#include "kmem.h"
#include "print.h"
#include "space.h"
#include "timeout.h"
#include "utcb.h"

volatile uint64_t kernel_ticks;

/* A processor's ready queues, by tcb.ready_link, one per priority; and
 * what the scheduler looks at first, in a line of its own: which are
 * non-empty, and the idle thread. (Two arrays: either is indexed by a
 * shift of the processor's number.) */
static struct list ready[MAX_CPUS][256];
struct runqueue {
    uint64_t bitmap[4];                 /* bit p set: ready[cpu][p] non-empty */
    struct tcb *idle;
} __attribute__((aligned(64)));
static struct runqueue queues[MAX_CPUS];

static struct runqueue *here(void)
{
    return &queues[cpu_index()];
}

/* The boot processor's idle thread's block: TCB at the bottom, kernel
 * stack above it, the whole KTCB_SIZE like every other thread's block
 * (the other processors' are frames of the kernel pool). */
static union {
    struct tcb tcb;
    uint8_t block[KTCB_SIZE];
} idle_block __attribute__((aligned(KTCB_SIZE)));

static void idle_loop(void)
{
    for (;;) {
        kernel_unlock();
        cpu_idle();
    }
}

/* An evicted thread's processor starts its idle thread afresh (arch/mp.h). */
static void idle_restart(void)
{
    mp_evicted_here();
    idle_loop();
}

__boot void sched_init(void)
{
    for (unsigned c = 0; c < mp_cpus; c++) {
        struct tcb *t = c ? phys_to_virt(frame_alloc()) : &idle_block.tcb;
        if (t == phys_to_virt(0))
            panic("boot: no memory for processor %u's idle thread", c);
        *t = (struct tcb){ .state = TS_READY, .name = "idle", .cpu = (uint8_t)c,
                           .global_id = IDLE_THREAD_ID };
        arch_thread_init_kernel(t, idle_loop);
        queues[c].idle = t;
    }
}

static bool queued(const struct tcb *t)
{
    return list_linked(t, ready_link);
}

/* Put t at the tail of its priority's queue (if it is not queued). */
/* (Another processor is told even if t is queued already: lazy queues
 * keep a blocked thread there. Last: a tail call, no frame here.) */
static void enqueue(struct tcb *t)
{
    if (!queued(t)) {
        unsigned p = t->priority;
        if (list_empty(&ready[t->cpu][p]))
            queues[t->cpu].bitmap[p / 64] |= 1UL << (p % 64);
        list_append(&ready[t->cpu][p], t, ready_link);
    }
    if (t->cpu != cpu_index())
        mp_resched(t->cpu);
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
    if (list_remove(&ready[t->cpu][p], t, ready_link))
        queues[t->cpu].bitmap[p / 64] &= ~(1UL << (p % 64));
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
    unsigned c = cpu_index();
    struct runqueue *q = &queues[c];
    for (int w = 3; w >= 0; w--)
        while (q->bitmap[w]) {
            struct tcb *h = ready[c][w * 64 + 63 - __builtin_clzl(q->bitmap[w])].first;
            if (runnable(h))
                return h;
            sched_remove(h);
        }
    return q->idle;
}

/* Is a thread of a priority above p queued here? (The queues are lazy:
 * perhaps one that no longer runs; highest_ready knows.) */
static bool queued_above(unsigned p)
{
    const struct runqueue *q = here();
    uint64_t above = q->bitmap[p / 64] >> (p % 64) >> 1;
    for (unsigned w = 3; w > p / 64; w--)
        above |= q->bitmap[w];
    return above;
}

static inline void requeue_current(void)
{
    if (runnable(current) && current != here()->idle && !queued(current))
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

void sched_leave_idle(struct tcb *to)
{
    struct tcb *idle = current;
    if (!to || !runnable(to) || queued_above(to->priority)) {
        if (to)
            enqueue(to);
        to = highest_ready();
    }
    if (to == idle) {
        mp_unmark_lockless();
        return;
    }
    idle->resume_local = true;          /* (its IPI's return follows) */
    switch_to(to);
    idle->resume_local = false;
}

void sched_evicted(struct tcb *t)
{
    if (runnable(t))
        enqueue(t);                     /* it was running: it is ready */
}

void sched_evict_current(void)
{
    here()->idle->resume_local = false; /* (it may have left idle in
                                         * sched_leave_idle: that is gone) */
    arch_thread_init_kernel(here()->idle, idle_restart);
    switch_to(here()->idle);
}

COLD void sched_migrate(struct tcb *t, unsigned cpu)
{
    if (t->cpu == cpu)
        return;
    paddr_t root = space_root(t->space, cpu);
    ASSERT(root);                       /* (the caller made it: move_check) */
    mp_claim(t->cpu);                   /* the fast paths there and here */
    mp_claim(cpu);                      /* look at t */
    if (t->cpu == cpu_index())          /* not running elsewhere, its FPU */
        fpu_save(t);                    /* registers saved */
    else
        mp_stop(t);
    sched_remove(t);
    uint64_t wakeup = t->wakeup;        /* its timeout goes along */
    timeout_cancel(t);
    t->cpu = (uint8_t)cpu;
    timeout_arm(t, wakeup);
    t->root = root;
    if (t->utcb)
        utcb_set(t, UTCB_PROCESSOR_NO, cpu);
    if (runnable(t))
        enqueue(t);
    if (t == current)
        schedule();                     /* it goes on over there */
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

/* Is the running thread t the only one queued here at its priority or
 * above? (Lazy queues: a thread queued may no longer run; then no.) */
static bool alone(const struct tcb *t)
{
    unsigned p = t->priority;
    const struct tcb *first = ready[cpu_index()][p].first;
    return !queued_above(p) && (!first || (first == t && t->ready_link.next == t));
}

/* On a multiprocessor most ticks only count, without the kernel lock, so
 * that no processor parks the others a thousand times a second: an idle
 * processor has nothing to count; a busy one counts its thread's slice
 * and quantum down, which nobody else touches while it runs here (a
 * holder of the lock parks this processor first, arch/mp.h), and renews
 * a slice that ends with no other thread to take over. A tick that
 * ends either otherwise, or finds a preemption delay granted, or the
 * boot processor's every 16th while the kernel's console has input for
 * the debugger (kdb_poll: the break-in key), is a whole one: sched_tick,
 * under the lock. So is one with a timeout of this processor due,
 * unless the caller marked the processor lockless (`expire`) and the
 * waits that end are this processor's alone (timeout_expire_here). (The timeouts' list is read
 * without the lock: a glance that may miss a change for one tick. The
 * boot processor keeps the clock, sched_clock: the others' timeouts are
 * due at most a tick late.) */
bool sched_tick_quiet(bool expire)
{
    unsigned cpu = cpu_index();
    struct tcb *t = current;
    bool idle = t == queues[cpu].idle;
    uint64_t now = kernel_ticks;
    if (mp_cpus == 1 || (cpu == 0 && now % 16 == 0 && kdb_poll_wanted()) ||
        (timeout_due(now) && !(expire && timeout_expire_here(now))))
        return false;
    if (!idle && t->slice_left <= 1 && !t->delay_until && alone(t))
        t->slice_left = t->timeslice_ticks + 1;     /* round robin among one */
    if (!idle && (t->slice_left <= 1 || t->delay_until || (t->quantum_us && t->quantum_left == 1)))
        return false;
    if (!idle) {
        t->slice_left--;
        if (t->quantum_us && t->quantum_left)
            t->quantum_left--;
    }
    return true;
}

/* The clock follows the time stamp counter, not the count of timer
 * interrupts: those that come while the processor has interrupts off
 * (a wait for the kernel lock) come as one, however many periods late,
 * and a count of them fell behind, so that every processor's timeouts
 * ran late (a Sleep of 2 s took 12 s of SystemClock while processor 0
 * waited for the lock again and again: mp.the_clock_of_timeouts_...).
 * Only the boot processor writes it. */
void sched_clock(void)
{
    if (cpu_index() != 0)
        return;
    uint64_t due = timer_ticks_elapsed();
    if (due > kernel_ticks)
        kernel_ticks = due;
}

void sched_tick(void)
{
    timeout_tick(kernel_ticks);         /* this processor's timeouts */
    struct tcb *t = current;
    if (t != here()->idle && t->quantum_us && t->quantum_left && --t->quantum_left == 0)
        t->quantum_expired = true;
    if (t != here()->idle && --t->slice_left == 0) {
        struct tcb *h = highest_ready();
        if (h != here()->idle && h != t && runnable(t) && preemption_delayed(t, h)) {
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
    if (current == here()->idle || !runnable(current)) {
        schedule();
        return;
    }
    if (!queued_above(current->priority))
        return;                         /* (without highest_ready's walk) */
    struct tcb *h = highest_ready();
    if (h != here()->idle && h->priority > current->priority &&
        !(current->max_delay_ticks && preemption_delayed(current, h)))
        schedule();
}

/* The current thread is the highest-priority runnable thread (the kernel
 * switches whenever a higher one becomes ready), unless it was granted a
 * preemption delay: a partner of at least its priority may run at once.
 * A lower one runs if no ready thread is above it: with no queue above
 * it, at once, without highest_ready's walk. */
void sched_handoff(struct tcb *to)
{
    if (to && to->cpu != cpu_index())   /* it runs over there: whoever woke */
        to = NULL;                      /* it queued it and told its processor */
    if (to && runnable(to) &&
        ((to->priority >= current->priority && !current->delay_until) ||
         !queued_above(to->priority) || to->priority >= highest_ready()->priority)) {
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
COLD void thread_halt(struct tcb *t)
{
    t->halted = true;
    if (t == current)
        schedule();
    else if (t->cpu != cpu_index() && mp_current(t->cpu) == t)
        mp_resched(t->cpu);
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
    if (t->cpu != cpu_index())
        mp_resched(t->cpu);
}

COLD void sched_set_timeslice(struct tcb *t, uint64_t us)
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

NORETURN void sched_start_here(void)
{
    current = here()->idle;
    arch_enter_idle(current);
}
