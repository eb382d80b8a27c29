/* Time values (spec 2.8) and the list of threads waiting with a timeout.
 *
 *   period: [15]=0 [14:10] e [9:0] m   -> m * 2^e microseconds
 *   point:  [15]=1 [14:11] e [10] c [9:0] m
 *   never = 0x0000, zero = 0x0400
 */
#pragma once
#include "tcb.h"

#define TIME_NEVER 0x0000
#define TIME_ZERO  0x0400

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

/* Arm / disarm a blocked thread's timeout (deadline 0 = none). */
void timeout_arm(struct tcb *t, uint64_t deadline);
void timeout_remove(struct tcb *t);
static inline void timeout_cancel(struct tcb *t)
{
    if (t->wakeup)
        timeout_remove(t);
}

/* Timer tick: fail the waits whose deadline has come. */
void timeout_tick(uint64_t now);
