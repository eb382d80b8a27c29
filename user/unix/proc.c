/* Processes and threads (proc.h). */
#include <stdlib.h>
#include <string.h>
#include <l4/thread.h>
#include "fd.h"
#include "fs.h"
#include "kthread.h"
#include "mm.h"
#include "proc.h"
#include "signal.h"
#include "syscall.h"
#include "session.h"
#include "futex.h"

#define MAX_PID 32768

struct proc *init_proc;
static struct proc *procs[MAX_PROCS];
static unsigned nprocs;
struct thread *thread_table[KTHREAD_MAX];       /* by kthread_index */
static int last_pid;
/* Threads and processes that ended while a message was handled may still
 * be in the hands of the code handling it (a process killing itself, a
 * fault's signal): they are freed only after it, by proc_bury_dead. */
static struct thread *dead_threads;
static struct proc *dead_procs;

struct proc *proc_by_pid(int pid)
{
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (procs[i] && procs[i]->pid == pid)
            return procs[i];
    return NULL;
}

struct thread *thread_by_tid(int tid)
{
    for (unsigned i = 0; i < KTHREAD_MAX; i++)
        if (thread_table[i] && thread_table[i]->tid == tid)
            return thread_table[i];
    return NULL;
}

struct proc *proc_next(unsigned *at)
{
    for (; *at < MAX_PROCS; (*at)++)
        if (procs[*at])
            return procs[(*at)++];
    return NULL;
}

static bool id_in_use(int id)
{
    return proc_by_pid(id) || thread_by_tid(id);
}

static int new_id(void)
{
    for (int n = 0; n < MAX_PID; n++) {
        int id = last_pid % (MAX_PID - 1) + 1;
        last_pid = id;
        if (!id_in_use(id))
            return id;
    }
    return -1;
}

struct proc *proc_new(struct proc *parent, int *err)
{
    unsigned slot = 0;
    while (slot < MAX_PROCS && procs[slot])
        slot++;
    struct proc *p = slot < MAX_PROCS ? calloc(1, sizeof *p) : NULL;
    int pid = p ? new_id() : -1;
    if (!p || pid < 0) {
        free(p);
        *err = -EAGAIN;
        return NULL;
    }
    p->pid = pid;
    p->parent = parent;
    if (parent) {
        p->sibling = parent->children;
        parent->children = p;
        p->pgid = parent->pgid;
        p->sid = parent->sid;
        p->uid = parent->uid;
        p->gid = parent->gid;
        p->euid = parent->euid;
        p->egid = parent->egid;
        memcpy(p->rlim, parent->rlim, sizeof p->rlim);
        memcpy(p->comm, parent->comm, sizeof p->comm);
        memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
        p->cmdline_len = parent->cmdline_len;
    } else {
        p->pgid = p->sid = pid;
        for (unsigned i = 0; i < RLIM_NLIMITS; i++)
            p->rlim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
        p->rlim[RLIMIT_STACK] = (struct rlimit){ MM_STACK_MAX, RLIM_INFINITY };
        p->rlim[RLIMIT_NOFILE] = (struct rlimit){ FD_MAX, FD_MAX };
        p->rlim[RLIMIT_NPROC] = (struct rlimit){ MAX_PROCS, MAX_PROCS };
    }
    p->start_us = now_us();
    procs[slot] = p;
    nprocs++;
    if (!init_proc)
        init_proc = p;
    return p;
}

/* The first free UTCB slot of p's space. */
static unsigned utcb_slot(struct proc *p)
{
    for (unsigned s = 0;; s++) {
        bool taken = false;
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            taken |= t->utcb_slot == s;
        if (!taken)
            return s;
    }
}

struct thread *thread_new(struct proc *p, int *err)
{
    struct thread *t = calloc(1, sizeof *t);
    L4_ThreadId_t id = t ? kthread_id_alloc() : L4_nilthread;
    int tid = p->threads ? new_id() : p->pid;   /* the first thread's tid is the pid */
    if (!t || L4_IsNilThread(id) || tid < 0) {
        if (!L4_IsNilThread(id))
            kthread_id_free(id);
        free(t);
        *err = -EAGAIN;
        return NULL;
    }
    t->id = id;
    t->tid = tid;
    t->proc = p;
    t->state = T_STARTING;
    t->utcb_slot = p->threads ? utcb_slot(p) : 0;
    thread_table[kthread_index(id)] = t;         /* before it can send anything */
    int r = p->threads ? kthread_new(id, p->space, t->utcb_slot) : kthread_new_space(id);
    if (r) {
        thread_table[kthread_index(id)] = NULL;
        kthread_id_free(id);
        free(t);
        *err = r;
        return NULL;
    }
    if (!p->threads)
        p->space = id;
    t->next_in_proc = p->threads;
    p->threads = t;
    p->nthreads++;
    return t;
}

/* Take t out of everything and free it; its kernel thread id stays
 * taken until kthread_delete gives it back. */
static void thread_forget(struct thread *t)
{
    if (t->state == T_WAITING && t->wait.cancel)
        t->wait.cancel(t);
    t->state = T_DEAD;
    syscall_forget(t);
    struct proc *c;
    for (unsigned at = 0; (c = proc_next(&at));)
        if (c->vfork_parent == t)
            c->vfork_parent = NULL;         /* (killed while its vfork child ran) */
    struct proc *p = t->proc;
    for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->next_in_proc)
        if (*pp == t) {
            *pp = t->next_in_proc;
            break;
        }
    p->nthreads--;
    thread_table[kthread_index(t->id)] = NULL;
    t->next_in_proc = dead_threads;         /* freed after this message (below) */
    dead_threads = t;
}

static void release_vfork_parent(struct proc *p)
{
    if (p->vfork_parent) {
        thread_finish(p->vfork_parent, p->pid);
        p->vfork_parent = NULL;
    }
}

void thread_exit(struct thread *t, int status)
{
    struct proc *p = t->proc;
    if (p->nthreads == 1) {
        proc_exit(p, (status & 0xFF) << 8);
        return;
    }
    if (t->clear_child_tid) {               /* CLONE_CHILD_CLEARTID: 0 and a futex wake */
        uint32_t zero = 0;
        if (!copy_to_proc(p, t->clear_child_tid, &zero, sizeof zero))
            futex_wake_addr(p, t->clear_child_tid, 1);
    }
    L4_ThreadId_t id = t->id;
    thread_forget(t);
    kthread_delete(id);
}

void proc_exit(struct proc *p, int status)
{
    if (p->state != P_ALIVE)
        return;
    p->state = P_ZOMBIE;
    p->exit_status = status;
#if defined(UNIX_TRACE) || defined(UNIX_TRACE_SIG)
    ulog("pid %d ends: status %x", p->pid, status);
#endif
    /* the threads and the space (with the last thread) */
    while (p->threads) {
        struct thread *t = p->threads;
        L4_ThreadId_t id = t->id;
        thread_forget(t);
        kthread_delete(id);
    }
    release_vfork_parent(p);
    if (p->mm) {
        mm_free(p->mm);
        p->mm = NULL;
    }
    files_exit(p);
    fsctx_exit(p);
    signal_exit(p);
    /* children: to init, or nobody (they are reaped when they end) */
    while (p->children) {
        struct proc *c = p->children;
        p->children = c->sibling;
        struct proc *to = init_proc && init_proc != p && init_proc->state == P_ALIVE ? init_proc
                                                                                      : NULL;
        c->parent = to;
        if (to) {
            c->sibling = to->children;
            to->children = c;
            if (c->state == P_ZOMBIE)
                proc_child_changed(to);
        } else if (c->state == P_ZOMBIE) {
            proc_reap(c);
        }
    }
    if (p == init_proc)
        init_proc = NULL;
    session_process_ended(p);
    struct proc *parent = p->parent;
    if (!parent || signal_parent_ignores_children(parent)) {
        proc_reap(p);
        if (parent)
            proc_child_changed(parent);
        return;
    }
    int st = p->exit_status;
    struct sig_origin o = { .pid = p->pid, .uid = p->uid };
    if (!(st & 0x7F))
        o.code = CLD_EXITED, o.status = st >> 8 & 0xFF;
    else
        o.code = st & 0x80 ? CLD_DUMPED : CLD_KILLED, o.status = st & 0x7F;
    signal_send_proc_from(parent, SIGCHLD, &o);
    proc_child_changed(parent);
}

void proc_reap(struct proc *p)
{
    struct proc *parent = p->parent;
    if (parent)
        for (struct proc **pp = &parent->children; *pp; pp = &(*pp)->sibling)
            if (*pp == p) {
                *pp = p->sibling;
                break;
            }
    for (unsigned i = 0; i < MAX_PROCS; i++)
        if (procs[i] == p)
            procs[i] = NULL;
    nprocs--;
    p->sibling = dead_procs;
    dead_procs = p;
}

void proc_bury_dead(void)
{
    while (dead_threads) {
        struct thread *t = dead_threads;
        dead_threads = t->next_in_proc;
        free(t);
    }
    while (dead_procs) {
        struct proc *p = dead_procs;
        dead_procs = p->sibling;
        free(p);
    }
}

void proc_stop(struct proc *p, int sig)
{
    if (p->state != P_ALIVE || p->stop_signal)
        return;
    p->stop_signal = sig;
    p->waited_for_stop = false;
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        kthread_halt(t->id, true);
    if (p->parent) {
        struct sig_origin o = { .code = CLD_STOPPED, .pid = p->pid, .uid = p->uid, .status = sig };
        signal_send_proc_from(p->parent, SIGCHLD, &o);
        proc_child_changed(p->parent);
    }
}

void proc_continue(struct proc *p)
{
    if (p->state != P_ALIVE || !p->stop_signal)
        return;
    p->stop_signal = 0;
    p->continued = true;
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        kthread_halt(t->id, false);
    if (p->parent)
        proc_child_changed(p->parent);
}
