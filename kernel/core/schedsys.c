/* Schedule (spec 4.9) and ThreadSwitch (spec 4.10). */
#include "arch/intctl.h"
#include "arch/mp.h"
#include "ipc.h"
#include "irq.h"
#include "sched.h"
#include "space.h"
#include "syscall.h"
#include "timeout.h"
#include "utcb.h"
#include "pecan/protocol.h"
#include "pecan/schedule.h"

/* Schedule's result: the thread's state (spec 4.9 table). */
static word_t state_code(const struct tcb *t)
{
    if (t->state == TS_INACTIVE || t->state == TS_DEAD)
        return 1;
    if (t->halted)
        return 2;
    if (t->xfer_partner)                /* in a string transfer */
        return t->xfer_is_sender ? 5 : 7;
    switch (t->state) {
    case TS_SEND_BLOCKED:
        return 4;
    case TS_RECV_BLOCKED:
    case TS_KDB_READ:                   /* (for console input) */
        return 6;
    default:
        return 3;
    }
}

/* Microseconds as a period time value m * 2^e, m < 1024 (rounded down). */
static uint16_t time_value(uint64_t us)
{
    if (us == 0)
        return TIME_ZERO;
    unsigned e = 0;
    while (us >= 1024 && e < 31) {
        us >>= 1;
        e++;
    }
    return (uint16_t)TIME_PERIOD(e, us);
}

static word_t old_time_control(const struct tcb *t)
{
    return SCHED_TIME(time_value(t->timeslice_us), t->quantum_us ? time_value(t->quantum_us) : 0);
}

/* A priority above 255 is no priority: it is ignored, and allowed. */
static bool sets_priority(const struct schedule *s)
{
    return s->prio != ~0UL && SCHED_PRIO(s->prio) <= 255;
}

/* May `caller` do the Schedule `s` of t? 0, or the ErrorCode (spec 4.9);
 * a time control is read into s->slice and s->quantum. */
static word_t schedule_check(const struct tcb *caller, const struct tcb *t, struct schedule *s)
{
    bool privileged = caller->space->privileged;
    if (!privileged && caller->global_id != t->scheduler)
        return ERR_NO_PRIVILEGE;
    if (sets_priority(s) && !privileged && SCHED_PRIO(s->prio) > caller->priority)
        return ERR_NO_PRIVILEGE;
    if (s->preemption != ~0UL && !privileged &&
        SCHED_SENSITIVE_PRIO(s->preemption) > caller->priority)
        return ERR_NO_PRIVILEGE;        /* the sensitive priority, likewise */
    if (s->time_control != ~0UL &&
        (!time_period_us(SCHED_TIME_SLICE(s->time_control), &s->slice) ||
         !time_period_us(SCHED_TIME_QUANTUM(s->time_control), &s->quantum)))
        return ERR_INVALID_THREAD;
    if (s->processor != ~0UL && SCHED_PROCESSOR(s->processor) >= mp_cpus)
        return ERR_INVALID_PARAM;       /* no such processor */
    return 0;
}

/* The answer (s->result, s->old_time), then what changes t's own fields:
 * its preemption control and time control. */
static void schedule_set(struct tcb *t, struct schedule *s)
{
    s->result = state_code(t);
    s->old_time = old_time_control(t);
    if (s->preemption != ~0UL)
        sched_set_preemption(t, (uint8_t)SCHED_SENSITIVE_PRIO(s->preemption),
                             SCHED_MAX_DELAY(s->preemption));
    if (s->time_control != ~0UL) {
        if (s->slice != ~0UL)
            sched_set_timeslice(t, s->slice);
        t->quantum_us = s->quantum == ~0UL ? 0 : s->quantum;
        t->quantum_left = (t->quantum_us + US_PER_TICK - 1) / US_PER_TICK;
        t->quantum_expired = false;
    }
}

/* Can t go to processor control number `processor` (none: ~0)? 0, or
 * the ErrorCode, with nothing changed yet: an interrupt thread only where
 * its line can be routed, another thread only once its space has a page
 * table root for that processor (space_root, charged to the space; the
 * move then finds it). */
static word_t move_check(struct tcb *t, word_t processor)
{
    if (processor == ~0UL)
        return 0;
    unsigned cpu = (unsigned)SCHED_PROCESSOR(processor);
    if (irq_is_thread(t))
        return intctl_reaches(cpu) ? 0 : ERR_INVALID_PARAM;
    return !t->space || space_root(t->space, cpu) ? 0 : ERR_NO_MEMORY;
}

/* Can a Schedule of t go without the kernel lock (arch/mp.h), on t's
 * processor? When t is no interrupt thread (whose line another
 * processor's interrupt entry may look at) and stays there: then it
 * touches t's scheduling fields and that processor's ready queue. */
static bool schedule_here(const struct tcb *t, word_t processor)
{
    return t->cpu == cpu_index() && processor == ~0UL && !irq_is_thread(t);
}

COLD bool schedule_local(word_t dest, word_t processor)
{
    struct tcb *t = dest ? tcb_peek(dest, current) : NULL;
    if (dest && (!t || processor != ~0UL))
        return false;                   /* (a move takes the lock) */
    mp_mark_lockless();
    return true;
}

COLD enum req_outcome schedule_serve(const struct tcb *caller, word_t dest, struct schedule *s,
                                     struct tcb **woken)
{
    struct tcb *t = tcb_peek(dest, caller);
    if (!t || t->state == TS_FREE || !schedule_here(t, s->processor) ||
        schedule_check(caller, t, s))
        return REQ_REFUSED;             /* (an error: the lock's way reports it) */
    schedule_set(t, s);
    if (sets_priority(s))
        sched_set_priority(t, (uint8_t)SCHED_PRIO(s->prio));
    if (t == current)
        this_cpu.resched = 1;           /* (perhaps below another now) */
    else if (t->state == TS_READY && !t->halted)
        *woken = t;                     /* (perhaps above the one running) */
    return REQ_DONE;
}

COLD word_t sys_schedule(word_t dest, struct schedule *s)
{
    s->old_time = 0;
    if (dest == 0) {                    /* result 0, but no error (spec 4.9) */
        utcb_set(current, UTCB_ERROR_CODE, 0);
        return 0;
    }
    /* Without the lock (schedule_local) t is looked up again, as
     * ExchangeRegisters does (exreg.c); another processor's thread is
     * asked of that one. */
    struct tcb *t = tcb_peek(dest, current);
    if (mp_lockless()) {
        if (t && t->cpu != cpu_index() &&
            mp_request(t->cpu, REQ_SCHEDULE, current, dest, (word_t)s) == REQ_DONE)
            return s->result;
        if (!t || !schedule_here(t, s->processor)) {
            kernel_lock_wait();
            t = tcb_peek(dest, current);
        }
    }
    if (t)
        mp_claim(t->cpu);
    if (!t || t->state == TS_FREE)
        return syscall_fail(ERR_INVALID_THREAD);
    word_t error = schedule_check(current, t, s);
    if (!error)
        error = move_check(t, s->processor);
    if (error)
        return syscall_fail(error);     /* (nothing changed) */
    schedule_set(t, s);
    /* Last: a higher priority, or another processor, may run it at once
     * (and us elsewhere), and by the time we run again t may have been
     * deleted, its slot even given to another. */
    unsigned cpu = (unsigned)SCHED_PROCESSOR(s->processor);
    if (s->processor != ~0UL && irq_is_thread(t))
        irq_move(t, cpu);
    else if (s->processor != ~0UL && t->space)
        sched_migrate(t, cpu);
    if (sets_priority(s))               /* (the caller looks for a preemption) */
        sched_set_priority(t, (uint8_t)SCHED_PRIO(s->prio));
    return s->result;
}

/* The preemption message (spec 6.5): label 0xFFFF_FFFF_FFD0, u = 2, the
 * time in microseconds in MR1 (low 32 bits) and MR2 (high 32 bits). */
#define PREEMPTION_TAG MSGTAG(PROTO_LABEL(PROTO_PREEMPTION), 0, 2)

COLD void sched_quantum_expired(void)
{
    struct tcb *self = current;
    self->quantum_expired = false;
    struct tcb *s = tcb_lookup_global(self->scheduler);
    if (!s || s == self || !tcb_is_active(s)) {
        self->quantum_us = 0;           /* nobody to ask: no limit any more */
        return;
    }
    uint64_t now = system_clock_us();
    word_t msg[] = { PREEMPTION_TAG, now & 0xFFFFFFFF, now >> 32 };
    /* The scheduler answers, e.g. with a new quantum. */
    ipc_kernel_message(s, 0, ARRAY_SIZE(msg), NULL, NULL, msg);
}

/* Everything it touches is this processor's: the caller, its ready
 * queue, and a thread of this processor it switches to (syscall_abi.c
 * takes no lock for it). A thread of another processor is not looked at:
 * we yield. Switched away, the caller has only its way back to user mode
 * left (tcb.resume_local). */
void sys_thread_switch(word_t dest)
{
    struct tcb *self = current;
    if (dest == self->global_id || dest == self->local_id)
        return;
    sched_delay_renew(self);            /* it gives the processor up */
    struct tcb *t = dest ? tcb_peek(dest, self) : NULL;
    self->resume_local = true;
    if (t && t->cpu == self->cpu && t->state == TS_READY && !t->halted)
        sched_switch_to(t);             /* donate the rest of our slice */
    else
        sched_yield();
    self->resume_local = false;
}
