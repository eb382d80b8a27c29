/* The scheduler: strict priorities, round robin with time slices within a
 * priority, an idle thread when nothing is ready. */
#pragma once
#include "tcb.h"

extern struct tcb *current;

void sched_init(void);
void sched_make_ready(struct tcb *t);
void sched_remove(struct tcb *t);

/* Pick the highest-priority ready thread and switch to it. */
void schedule(void);

/* Timer interrupt: account the tick, preempt when the slice is used up. */
void sched_tick(void);

/* Stop a thread for good (until ExchangeRegisters resumes it). */
void thread_halt(struct tcb *t);

/* Enter the first thread; never returns. */
NORETURN void sched_start(void);

extern volatile uint64_t kernel_ticks;
