/* Thread register contexts and the switch between threads. */
#pragma once
#include "arch/frame.h"
#include "tcb.h"

/* The user register frame at the top of a thread's kernel stack. */
static inline struct trap_frame *tcb_frame(struct tcb *t)
{
    return (struct trap_frame *)(tcb_stack_top(t) - sizeof(struct trap_frame));
}

/* Prepare `t` to enter user mode at ip/sp when first switched to. */
void arch_thread_init_user(struct tcb *t, word_t ip, word_t sp);

/* Prepare a kernel thread that starts in fn(). */
void arch_thread_init_kernel(struct tcb *t, void (*fn)(void));

/* Switch from the running thread `from` to `to` (space, stacks, GS page). */
void arch_switch(struct tcb *from, struct tcb *to);

/* Load `to` without saving anything: the first switch at boot. */
NORETURN void arch_switch_first(struct tcb *to);

void arch_cpu_init(void);
