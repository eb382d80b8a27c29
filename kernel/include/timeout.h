/* Time values (spec 2.8; pecan/time.h draws them) and each processor's
 * list of its threads waiting with a timeout. */
#pragma once
#include "tcb.h"
#include "pecan/time.h"

/* True for the exact zero encoding (fail at once). */
static inline bool time_is_zero(uint16_t t) { return t == TIME_ZERO; }

/* Absolute tick at which a timeout given now expires; 0 = never. */
uint64_t time_deadline_slow(uint16_t t);
static inline uint64_t time_deadline(uint16_t t)
{
    return t == TIME_NEVER ? 0 : time_deadline_slow(t);
}

/* Microseconds of a period value (~0 for never); false for a point. */
bool time_period_us(uint16_t t, uint64_t *us);

/* Arm / disarm a blocked thread's timeout (deadline 0 = none), on the
 * list of its processor: one that moves takes its timeout along. */
void timeout_arm(struct tcb *t, uint64_t deadline);
void timeout_remove(struct tcb *t);
static inline void timeout_cancel(struct tcb *t)
{
    if (t->wakeup)
        timeout_remove(t);
}

/* Has the deadline of a wait on this processor come? (sched_tick_quiet:
 * without the lock) */
bool timeout_due(uint64_t now);

/* This processor's timer tick: fail its waits whose deadline has come. */
void timeout_tick(uint64_t now);

/* The same without the kernel lock (sched_tick_quiet), as long as the
 * waits are this processor's alone (ipc_timeout_here). True if none
 * whose deadline has come is left: the others need the lock. */
bool timeout_expire_here(uint64_t now);
