/* Threads of Unix-ABI spaces (docs/unix.md, pecan/unix_abi.h): Linux
 * programs' threads. Their system calls, exceptions, start and interrupts
 * are messages to their exception handler, a user-level server, which
 * answers with their registers. The kernel knows nothing of Unix. */
#pragma once
#include "arch/frame.h"
#include "tcb.h"

/* A thread of such a space got its UTCB: its exception handler is its
 * pager, and its first act will be the start message. */
void unix_thread_activated(struct tcb *t, word_t pager);

/* unix_thread_entry (entry.S): the start message, on the thread's first run. */
void unix_thread_start(struct trap_frame *f);

/* unix_syscall_entry (entry.S): the thread executed `syscall`. Returns
 * true when it must leave by iretq (RCX or R11 not what sysret sets). */
bool unix_syscall(struct trap_frame *f);

/* unix_fast_resume (unix_fastpath.S): the general path ended the wait of
 * a system call that the fast path sent. Returns as unix_syscall. */
bool unix_syscall_resumed(struct trap_frame *f);

/* An exception of such a thread (trap.c): the message; false if nobody
 * answered it. */
bool unix_exception(struct trap_frame *f);

/* On every way back to user mode of such a thread (trap.c): the
 * interrupt message, if its handler asked for one. */
void unix_user_return(struct trap_frame *f);

/* arch (unix_msg.c): the message from t's registers in f into its MRs;
 * the first u words of the answer in its MRs back into f and t. */
void arch_unix_message(struct tcb *t, struct trap_frame *f, word_t why);
void arch_unix_reply(struct tcb *t, struct trap_frame *f, unsigned u);
bool arch_unix_needs_iret(const struct trap_frame *f);
