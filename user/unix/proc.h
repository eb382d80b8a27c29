/* Processes and threads (unix.h has their structures): ids, the family
 * tree, the kernel threads behind them, and how they end. */
#pragma once
#include "kthread.h"
#include "unix.h"

#define MAX_PROCS   256                 /* EAGAIN beyond (a fork bomb meets it) */
#define MAX_THREADS 1024

extern struct proc *init_proc;          /* pid 1: orphans' new parent */

/* Our threads by kthread_index (proc.c keeps it). */
extern struct thread *thread_table[KTHREAD_MAX];

/* The thread whose kernel thread sent a message; NULL if none of ours.
 * (Inline: the main loop asks for every message.) */
static inline struct thread *thread_of(L4_ThreadId_t id)
{
    L4_Word_t i = L4_ThreadNo(id) - kthread_first;
    struct thread *t = i < KTHREAD_MAX ? thread_table[i] : NULL;
    return t && t->id.raw == id.raw ? t : NULL;     /* (the version too) */
}
struct proc *proc_by_pid(int pid);
struct thread *thread_by_tid(int tid);
/* Iterate over all processes: the next one from slot *at on (start at 0);
 * safe when the loop ends processes (they free their slots). */
struct proc *proc_next(unsigned *at);

/* A new process (no memory, no thread yet), child of parent (NULL: the
 * first); its pid; NULL with *err when there is no room. */
struct proc *proc_new(struct proc *parent, int *err);
/* A new thread of p, in a new address space (the process's first) or in
 * p's: the kernel thread is made and will ask for its registers, which
 * t->r must hold by then (T_STARTING). NULL with *err. */
struct thread *thread_new(struct proc *p, int *err);

/* A thread ends (exit): its kernel thread goes; the process ends with
 * the last one. The caller must not answer it. */
void thread_exit(struct thread *t, int status);
/* The whole process ends with wait status `status` (exit_group, a fatal
 * signal): every thread goes, it becomes a zombie for its parent. */
void proc_exit(struct proc *p, int status);
/* The parent reaped a zombie. */
void proc_reap(struct proc *p);
/* Free what ended while the last message was handled (proc.c). */
void proc_bury_dead(void);
/* Stop or continue (SIGSTOP, SIGCONT): halts or resumes its threads. */
void proc_stop(struct proc *p, int sig);
void proc_continue(struct proc *p);

/* The parent's waiters may have something to see (a child ended, stopped
 * or continued). */
void proc_child_changed(struct proc *parent);
