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

/* Every tick, first: the boot processor's advances the clock
 * (kernel_ticks), before anything that may wait for the kernel lock. */
void sched_clock(void);

/* Without the kernel lock: true if the tick needed nothing more than
 * counting (on a multiprocessor; sched.c), else call sched_tick. With
 * `expire` (the processor is marked lockless), timeouts due too, if
 * their waits are this processor's (timeout_expire_here). */
bool sched_tick_quiet(bool expire);

/* Stop a thread (until ExchangeRegisters resumes it); resume it. */
void thread_halt(struct tcb *t);
void thread_resume(struct tcb *t);

/* (Whoever may have raised another above the running thread, or the
 * running thread below another, looks: sched_check_preempt.) */
void sched_set_priority(struct tcb *t, uint8_t prio);
void sched_set_timeslice(struct tcb *t, uint64_t us);

/* Run `t`, a thread of this processor, now, the current thread staying
 * ready (time-slice donation). */
void sched_switch_to(struct tcb *t);

/* Switch if a thread of higher priority than the current one is ready
 * (unless the current thread may delay that: sched.c). */
void sched_check_preempt(void);

/* Delayed preemption: set t's sensitive priority and maximum delay; t
 * gave up the processor itself (ThreadSwitch), so its delay is renewed
 * and its pending flag cleared. */
void sched_set_preemption(struct tcb *t, uint8_t sensitive_prio, uint64_t max_delay_us);
void sched_delay_end(struct tcb *t);
static inline void sched_delay_renew(struct tcb *t)
{
    if (t->delay_until)                 /* I is set only with a delay granted */
        sched_delay_end(t);
}

/* The current thread has blocked: run `to` (an IPC partner just made
 * ready) if no thread of higher priority is ready, else the best one. */
void sched_handoff(struct tcb *to);

/* The current thread and `to` are both blocked for fast_resume, and `to`
 * is now ready and of at least our priority (the case sched_handoff would
 * decide at once): run it, without touching a queue. */
NORETURN void sched_resume_direct(struct tcb *to);

/* The current thread's total quantum ran out (on its way back to user
 * mode): send the preemption message to its scheduler (spec 6.5). */
void sched_quantum_expired(void);

/* Give up the rest of the time slice: to the tail of the priority queue. */
void sched_yield(void);

/* Enter the first thread; never returns. */
NORETURN void sched_start(void);

/* An application processor enters its idle thread (arch/mp.h). */
NORETURN void sched_start_here(void);

/* Every processor's idle thread has this global id, which names no slot
 * of the TCB array (its thread number is far above THREAD_BITS): a look
 * at a thread tells whether it is one (mp.c, of another processor's
 * current thread). */
#define IDLE_THREAD_ID 0x1D1E1D1E1D1E1D1EUL
static inline bool sched_is_idle(const struct tcb *t) { return t->global_id == IDLE_THREAD_ID; }

/* The idle thread, interrupted (mp_idle_may_leave), runs `to`, which a
 * request made ready and did not queue (mp_serve_requests), unless a
 * thread above it is queued, or, if NULL, the highest queued here, if
 * any; it goes on here later without taking the lock. */
void sched_leave_idle(struct tcb *to);

/* Run the idle thread afresh, the current thread left resumable (it is
 * evicted: arch/mp.h). Without the kernel lock. */
void sched_evict_current(void);

/* Move t to processor `cpu` (Schedule), where its space has page tables
 * already (the caller made them: space_root). */
void sched_migrate(struct tcb *t, unsigned cpu);

/* The kernel lock's holder had t evicted: it goes back on its queue. */
void sched_evicted(struct tcb *t);

extern volatile uint64_t kernel_ticks;
