/* Schedule (spec 4.9) and ThreadSwitch (spec 4.10). */
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

static bool may_schedule(const struct tcb *caller, const struct tcb *t)
{
    return caller->space->privileged || caller->global_id == t->scheduler;
}

/* Can a Schedule of t go without the kernel lock (arch/mp.h)? When t is
 * this processor's, not an interrupt thread (whose line another
 * processor's interrupt entry may look at), and stays here: then it
 * touches t's scheduling parameters and this processor's ready queue. */
static bool schedule_here(const struct tcb *t, word_t processor)
{
    return t->cpu == cpu_index() && processor == ~0UL && !irq_is_thread(t);
}

/* A Schedule that changes nothing (spec 4.9: every parameter -1) only
 * asks a thread's state and time control. */
static bool schedule_asks(word_t time_control, word_t prio, word_t processor, word_t preemption)
{
    return (time_control & prio & processor & preemption) == ~0UL;
}

COLD bool schedule_local(word_t dest, word_t time_control, word_t prio, word_t processor,
                    word_t preemption)
{
    struct tcb *t = dest ? tcb_peek(dest, current) : NULL;
    if (dest && (!t || !(schedule_here(t, processor) ||
                         (t->cpu != cpu_index() &&
                          schedule_asks(time_control, prio, processor, preemption)))))
        return false;
    mp_mark_lockless();
    return true;
}

COLD enum req_outcome schedule_serve(const struct tcb *caller, word_t dest, word_t *answer,
                                struct tcb **woken)
{
    (void)woken;
    struct tcb *t = tcb_peek(dest, caller);
    if (!t || t->cpu != cpu_index() || t->state == TS_FREE || !may_schedule(caller, t))
        return REQ_REFUSED;             /* (an error: the lock's way reports it) */
    answer[0] = state_code(t);
    answer[1] = old_time_control(t);
    return REQ_DONE;
}

COLD word_t sys_schedule(word_t dest, word_t time_control, word_t prio, word_t processor,
                    word_t preemption, word_t *old_time)
{
    *old_time = 0;
    if (dest == 0) {                    /* result 0, but no error (spec 4.9) */
        utcb_set(current, UTCB_ERROR_CODE, 0);
        return 0;
    }
    /* Without the lock (schedule_local) t is looked up again, as
     * ExchangeRegisters does (exreg.c); another processor's thread is
     * asked of that one. */
    struct tcb *t = tcb_peek(dest, current);
    if (mp_lockless()) {
        word_t answer[2];
        if (t && t->cpu != cpu_index() &&
            schedule_asks(time_control, prio, processor, preemption) &&
            mp_request(t->cpu, REQ_SCHEDULE, current, dest, (word_t)answer) == REQ_DONE) {
            *old_time = answer[1];
            return answer[0];
        }
        if (!t || !schedule_here(t, processor)) {
            kernel_lock_wait();
            t = tcb_peek(dest, current);
        }
    }
    if (t)
        mp_claim(t->cpu);
    if (!t || t->state == TS_FREE)
        return syscall_fail(ERR_INVALID_THREAD);
    bool privileged = current->space->privileged;
    if (!may_schedule(current, t))
        return syscall_fail(ERR_NO_PRIVILEGE);

    word_t new_prio = SCHED_PRIO(prio);
    bool set_prio = prio != ~0UL && new_prio <= 255;
    if (set_prio && !privileged && new_prio > current->priority)
        return syscall_fail(ERR_NO_PRIVILEGE);
    if (preemption != ~0UL && !privileged && SCHED_SENSITIVE_PRIO(preemption) > current->priority)
        return syscall_fail(ERR_NO_PRIVILEGE);  /* the sensitive priority, likewise */
    uint64_t slice = 0, quantum = 0;
    if (time_control != ~0UL &&
        (!time_period_us(SCHED_TIME_SLICE(time_control), &slice) ||
         !time_period_us(SCHED_TIME_QUANTUM(time_control), &quantum)))
        return syscall_fail(ERR_INVALID_THREAD);
    if (processor != ~0UL && SCHED_PROCESSOR(processor) >= mp_cpus)
        return syscall_fail(ERR_INVALID_PARAM);  /* no such processor */

    word_t result = state_code(t);
    *old_time = old_time_control(t);
    if (preemption != ~0UL)
        sched_set_preemption(t, (uint8_t)SCHED_SENSITIVE_PRIO(preemption),
                             SCHED_MAX_DELAY(preemption));
    if (time_control != ~0UL) {
        if (slice != ~0UL)
            sched_set_timeslice(t, slice);
        t->quantum_us = quantum == ~0UL ? 0 : quantum;
        t->quantum_left = (t->quantum_us + US_PER_TICK - 1) / US_PER_TICK;
        t->quantum_expired = false;
    }
    /* Last: a higher priority, or another processor, may run it at once
     * (and us elsewhere), and by the time we run again t may have been
     * deleted, its slot even given to another. */
    if (processor != ~0UL && irq_is_thread(t) && !irq_move(t, SCHED_PROCESSOR(processor)))
        return syscall_fail(ERR_INVALID_PARAM);  /* its line cannot go there */
    if (processor != ~0UL && !irq_is_thread(t) && t->space &&
        !sched_migrate(t, SCHED_PROCESSOR(processor)))
        return syscall_fail(ERR_NO_MEMORY);
    if (set_prio)
        sched_set_priority(t, (uint8_t)new_prio);
    return result;
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
