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

/* Set where a thread waiting for its start message begins (spec 4.7). */
static inline void arch_thread_set_start(struct tcb *t, word_t ip, word_t sp)
{
    tcb_frame(t)->rip = ip;
    tcb_frame(t)->rsp = sp;
}

/* User SP, IP and RFLAGS of a thread (from its saved frame). */
static inline void arch_get_user_regs(struct tcb *t, word_t *sp, word_t *ip, word_t *flags)
{
    struct trap_frame *f = tcb_frame(t);
    *sp = f->rsp;
    *ip = f->rip;
    *flags = f->rflags;
}

/* Is the thread's user RIP canonical (all of bits 47-63 equal)? */
static inline bool arch_user_ip_canonical(struct tcb *t)
{
    return (word_t)((int64_t)tcb_frame(t)->rip >> 47) + 1 <= 1;
}

/* Make t, blocked for a fast resumption (tcb.fast_blocked), resume through
 * fast_resume (fastpath.S) or unix_fast_resume (unix_fastpath.S), which
 * return the outcome to user mode; its kernel stack is abandoned. Done
 * when it is switched to (a fast path that blocks it writes nothing). */
void arch_prepare_fast_resume(struct tcb *t);

/* Set any of them; of the flags only the user-modifiable arithmetic bits
 * (CF PF AF ZF SF OF, mask 0x8D5) are taken. */
static inline void arch_set_user_regs(struct tcb *t, const word_t *sp, const word_t *ip,
                                      const word_t *flags)
{
    struct trap_frame *f = tcb_frame(t);
    if (sp)
        f->rsp = *sp;
    if (ip) {
        f->rip = *ip;
        /* The fast path returns with sysret, which needs a canonical RIP;
         * fast_resume checks, the direct switch does not. */
        if (!arch_user_ip_canonical(t) && t->fast_blocked) {
            arch_prepare_fast_resume(t);    /* (it resumes there all the same) */
            t->fast_blocked = FAST_NONE;
        }
    }
    if (flags)
        f->rflags = (f->rflags & ~0x8D5UL) | (*flags & 0x8D5UL);
}

/* Prepare a thread of a Unix-ABI space: all registers 0; when first
 * switched to it asks its handler for them (unix.h), then enters user mode. */
void arch_thread_init_unix(struct tcb *t);

/* The current thread's FS/GS bases (Unix ABI) changed: load them. */
void arch_load_user_bases(struct tcb *t);

/* Prepare a kernel thread that starts in fn(). */
void arch_thread_init_kernel(struct tcb *t, void (*fn)(void));

/* Switch from the running thread `from` to `to` (space, stacks, GS page). */
void arch_switch(struct tcb *from, struct tcb *to);

/* Load `to` without saving anything: the first switch at boot. */
NORETURN void arch_switch_first(struct tcb *to);

/* Run processor's idle thread from its start (on its kernel root). */
NORETURN void arch_enter_idle(struct tcb *idle);

/* A thread is deleted: release its architecture state (FPU). */
void arch_thread_release(struct tcb *t);

/* Kernel memory of a thread's architecture state (charged to its space:
 * a thread moving to another space takes the charge along). */
size_t arch_thread_kmem(const struct tcb *t);

/* Switch from `from` to `to`, both blocked for a fast resumption: no
 * stack is saved, `to` enters fast_resume (or, a Unix-ABI thread blocked
 * by unix_fastpath.S, unix_fast_resume) on its trap frame. */
NORETURN void arch_resume_fast_blocked(struct tcb *from, struct tcb *to);

/* syscall/sysret, GS bases, FPU/SSE; the IPC fast path unless turned
 * off (kernel command line "nofastpath"). */
void arch_cpu_init(bool ipc_fast_path);

/* An application processor takes the boot processor's settings. */
struct cpu_local;
void arch_cpu_init_ap(const struct cpu_local *boot);
