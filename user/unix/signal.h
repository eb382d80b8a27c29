/* Signals: actions per process, masks and pending sets per thread, and
 * their delivery - a frame on the thread's stack that the C libraries'
 * restorers hand back with rt_sigreturn, as on Linux. A signal reaches a
 * thread in user mode through the kernel's interrupt message (kthread.h),
 * one in a waiting call by ending the call. */
#pragma once
#include "unix.h"

void signal_init(struct proc *p);       /* every action the default */
int signal_fork(struct proc *parent, struct proc *child, bool share);
void signal_exec(struct proc *p);       /* handlers back to the default */
void signal_exit(struct proc *p);

/* kill(2) and tgkill(2): post the signal; act at once where it must
 * (SIGKILL, stops, continuing, waking a waiting thread). */
void signal_send_proc(struct proc *p, int sig);
void signal_send_thread(struct thread *t, int sig);
/* The same with the siginfo's origin (the above: SI_KERNEL). */
void signal_send_proc_from(struct proc *p, int sig, const struct sig_origin *o);
void signal_send_thread_from(struct thread *t, int sig, const struct sig_origin *o);
/* A signal sent by a thread: code SI_USER or SI_TKILL, its pid and uid. */
struct sig_origin signal_from(const struct thread *sender, int code);
/* SIGPIPE for t's write (Linux: SI_USER from itself). */
void signal_sigpipe(struct thread *t);
/* A fault or exception of t's own: delivered before it runs on; if it
 * is blocked or ignored, the process ends with it. Returns whether t is
 * still there (else it is freed, and maybe its process too). */
bool signal_fault(struct thread *t, int sig, int code, uint64_t addr);

/* Would p's end leave no zombie (SIGCHLD ignored, SA_NOCLDWAIT)? */
bool signal_parent_ignores_children(struct proc *parent);

/* Before t runs again (its answer is due): act on pending signals it
 * does not block - its registers may now enter a handler. Returns false
 * when t must not be answered: its process ended or stopped. */
bool signal_deliver(struct thread *t);

/* Is a signal pending for t that it does not block? */
bool signal_pending(const struct thread *t);

/* A waiting call of t ends because of a signal; result is what the call
 * returns (-EINTR), unless it is restarted. */
void signal_interrupt_wait(struct thread *t);
