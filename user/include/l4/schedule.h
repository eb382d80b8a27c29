/* Scheduling (spec 4.9, 4.10, 4.13): priorities, time slices, processor
 * placement, yielding and donating the processor. */
#pragma once
#include <l4/syscalls.h>
#include <l4/types.h>

/* Schedule results: dest's state before the call (0 = error). */
#define L4_SCHEDRESULT_ERROR        0
#define L4_SCHEDRESULT_DEAD         1
#define L4_SCHEDRESULT_INACTIVE     2
#define L4_SCHEDRESULT_RUNNING      3
#define L4_SCHEDRESULT_PENDING_SEND 4
#define L4_SCHEDRESULT_SENDING      5
#define L4_SCHEDRESULT_WAITING      6
#define L4_SCHEDRESULT_RECEIVING    7

/* Each control word: ~0 leaves the setting unchanged.
 *
 *   TimeControl:        31           16 15            0
 *                      [ time slice     | total quantum  ]   (time values)
 *   PrioControl:        bits 0-7 priority
 *   ProcessorControl:   bits 0-15 processor number
 *   PreemptionControl:  23          16 15            0
 *                      [ sensitive prio | max delay (us) ]
 */
static inline L4_Word_t L4_TimeControl(L4_Time_t slice, L4_Time_t quantum)
{
    return (L4_Word_t)slice.raw << 16 | quantum.raw;
}

static inline L4_Word_t L4_Set_Priority(L4_ThreadId_t t, L4_Word_t prio)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, prio & 0xFF, ~0UL, &old);
}
static inline L4_Word_t L4_Set_ProcessorNo(L4_ThreadId_t t, L4_Word_t cpu)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, cpu & 0xFFFF, ~0UL, ~0UL, &old);
}
static inline L4_Word_t L4_Set_Timeslice(L4_ThreadId_t t, L4_Time_t slice, L4_Time_t quantum)
{
    L4_Word_t old;
    return L4_Schedule(t, L4_TimeControl(slice, quantum), ~0UL, ~0UL, ~0UL, &old);
}
/* Reads t's time slice and total quantum. */
static inline L4_Word_t L4_Timeslice(L4_ThreadId_t t, L4_Time_t *slice, L4_Time_t *quantum)
{
    L4_Word_t old, r = L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
    slice->raw = (L4_Word16_t)(old >> 16);
    quantum->raw = (L4_Word16_t)old;
    return r;
}
static inline L4_Word_t L4_Set_PreemptionDelay(L4_ThreadId_t t, L4_Word_t sensitive_prio,
                                               L4_Word_t max_delay)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, (sensitive_prio & 0xFF) << 16 | (max_delay & 0xFFFF),
                       &old);
}

/* Give the rest of the time slice away: to nobody in particular. */
static inline void L4_Yield(void) { L4_ThreadSwitch(L4_nilthread); }
