/* Schedule's control words (spec 4.9): the one definition for the kernel
 * (schedsys.c) and libl4 (l4/schedule.h). Each is ~0 for "no change".
 *
 *   TimeControl:        63     32 31          16 15             0
 *                      [ ignored | time slice   | total quantum  ]   time values
 *
 *   PreemptionControl:  63     24 23           16 15             0
 *                      [ ignored | sensitive prio | max delay (us) ]
 *
 *   PrioControl:        bits 0-8 the priority (over 255: ignored)
 *   ProcessorControl:   bits 0-15 the processor
 */
#pragma once
#include "pecan/bits.h"

#define SCHED_TIME(slice, quantum)      ((PECAN_UL(0) + (slice)) << 16 | (quantum))
#define SCHED_TIME_SLICE(w)             (((w) >> 16) & 0xFFFF)
#define SCHED_TIME_QUANTUM(w)           ((w) & 0xFFFF)

#define SCHED_PREEMPTION(prio, delay)   ((PECAN_UL(0) + (prio)) << 16 | (delay))
#define SCHED_SENSITIVE_PRIO(w)         (((w) >> 16) & 0xFF)
#define SCHED_MAX_DELAY(w)              ((w) & 0xFFFF)

#define SCHED_PRIO(w)                   ((w) & 0x1FF)
#define SCHED_PROCESSOR(w)              ((w) & 0xFFFF)
