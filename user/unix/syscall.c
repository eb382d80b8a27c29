/* System calls: the table, dispatching a message, answering threads, and
 * the deadlines of waiting calls. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include "proc.h"
#include "signal.h"
#include "syscall.h"

#define NR_MAX 512

static syscall_fn table[NR_MAX];
static const char *names[NR_MAX];
/* Quick calls: each reads only the caller's own ids, changes nothing,
 * never waits and needs none of the caller's registers, so it is
 * answered straight from the message (syscall_quick). */
static const unsigned quick_calls[] = {
    __NR_getpid, __NR_gettid, __NR_getppid, __NR_getpgrp,
    __NR_getuid, __NR_geteuid, __NR_getgid, __NR_getegid,
};
static bool quick[NR_MAX];

static const struct syscall_entry *const modules[] = {
    proc_syscalls, mm_syscalls, fs_syscalls, signal_syscalls, time_syscalls, misc_syscalls,
    futex_syscalls, tty_syscalls, poll_syscalls,
};

void syscalls_init(void)
{
    for (unsigned m = 0; m < sizeof modules / sizeof modules[0]; m++)
        for (const struct syscall_entry *e = modules[m]; e->fn; e++) {
            if (e->nr >= NR_MAX || table[e->nr])
                ulog("system call %u (%s) twice or out of range", e->nr, e->name);
            table[e->nr] = e->fn;
            names[e->nr] = e->name;
        }
    for (unsigned i = 0; i < sizeof quick_calls / sizeof quick_calls[0]; i++)
        quick[quick_calls[i]] = table[quick_calls[i]] != NULL;
}

const char *syscall_name(unsigned nr)
{
    return nr < NR_MAX && names[nr] ? names[nr] : "?";
}

/* ---- answering -------------------------------------------------------------------- */

/* The thread whose message we handle: its answer goes with our next
 * receive (ReplyWait) instead of an IPC of its own. */
static struct thread *handling;
static bool reply_ready;

static void load_answer(struct thread *t)
{
    L4_Word_t *mr = __L4_Utcb();
    if (t->regs_changed) {
        for (unsigned i = 1; i <= UNIX_MSG_WORDS; i++)
            mr[i] = t->r[i];
        mr[0] = UNIX_MSG_WORDS;
        t->regs_changed = false;
    } else {
        mr[0] = 1;
        mr[1] = t->r[UNIX_MR_RAX];
    }
}

/* Send t its answer now, or leave it for the receive that ends the
 * handling of t's own message. */
static void answer(struct thread *t)
{
    t->state = T_RUNNING;
    if (t == handling) {
        reply_ready = true;
        return;
    }
    load_answer(t);
    L4_Send_Timeout(t->id, L4_ZeroTime);    /* it waits for us: never blocks */
}

bool syscall_take_reply(L4_ThreadId_t *to)
{
    struct thread *t = handling;
    handling = NULL;
    if (!reply_ready || !t)
        return false;
    reply_ready = false;
    load_answer(t);
    *to = t->id;
    return true;
}

void syscall_handling(struct thread *t)
{
    handling = t;
    reply_ready = false;
}

void syscall_forget(struct thread *t)
{
    if (handling == t)
        handling = NULL;
    timer_remove(t);
}

void thread_finish(struct thread *t, long result)
{
    if (t->state == T_DEAD)
        return;
    timer_remove(t);
    t->wait.cancel = NULL;
    t->r[UNIX_MR_RAX] = (L4_Word_t)result;
    t->state = T_RUNNING;
    if (signal_deliver(t))
        answer(t);
}

void thread_resume(struct thread *t)
{
    t->state = T_RUNNING;
    if (signal_deliver(t))
        answer(t);
}

void syscall_answer_start(struct thread *t)
{
    t->regs_changed = true;
    thread_resume(t);
}

/* ---- waiting ---------------------------------------------------------------------- */

static struct thread *timers;           /* waiting threads with a deadline, soonest first */

void timer_remove(struct thread *t)
{
    for (struct thread **pp = &timers; *pp; pp = &(*pp)->timer_next)
        if (*pp == t) {
            *pp = t->timer_next;
            break;
        }
    t->timer_next = NULL;
}

long thread_wait(struct thread *t, const struct wait *w)
{
    t->wait = w ? *w : (struct wait){ 0 };
    t->state = T_WAITING;
    if (t->wait.deadline) {
        struct thread **pp = &timers;
        while (*pp && (*pp)->wait.deadline <= t->wait.deadline)
            pp = &(*pp)->timer_next;
        t->timer_next = *pp;
        *pp = t;
    }
    return SYS_WAIT;
}

uint64_t timers_next(void)
{
    return timers ? timers->wait.deadline : 0;
}

void timers_fire(uint64_t now)
{
    while (timers && timers->wait.deadline <= now) {
        struct thread *t = timers;
        timers = t->timer_next;
        t->timer_next = NULL;
        long r = t->wait.timeout ? t->wait.timeout(t) : -ETIMEDOUT;
        if (t->wait.cancel)
            t->wait.cancel(t);
        thread_finish(t, r);
    }
}

/* ---- dispatching ------------------------------------------------------------------------ */

bool syscall_quick(L4_ThreadId_t from)
{
    static const uint64_t no_args[6];
    L4_Word_t *mr = __L4_Utcb();
    unsigned long nr = mr[UNIX_MR_RAX];
    if (nr >= NR_MAX || !quick[nr] || mr[UNIX_MR_WHY] != UNIX_SYSCALL)
        return false;
    struct thread *t = thread_of(from);
    if (!t)
        return false;
    struct proc *p = t->proc;
    if (t->state != T_RUNNING || p->state != P_ALIVE ||
        (t->sigpending | p->sigpending | t->regs_changed | t->restore_sigmask))
        return false;
    long result = table[nr](t, no_args);
#ifdef UNIX_TRACE
    ulog("%d: %s() = %ld (quick)", t->tid, syscall_name((unsigned)nr), result);
#endif
    mr[0] = 1;
    mr[1] = (L4_Word_t)result;
    return true;
}

void syscall_dispatch(struct thread *t)
{
    const L4_Word_t *r = t->r;
    unsigned long nr = r[UNIX_MR_RAX];
    const uint64_t a[6] = { r[UNIX_MR_RDI], r[UNIX_MR_RSI], r[UNIX_MR_RDX],
                            r[UNIX_MR_R10], r[UNIX_MR_R8], r[UNIX_MR_R9] };
    t->restart_nr = (long)nr;
    t->state = T_IN_CALL;
    long result;
    if (nr < NR_MAX && table[nr]) {
        result = table[nr](t, a);
    } else {
        /* said once per process (numbers beyond the table: all as one) */
        unsigned bit = nr < NR_MAX ? (unsigned)nr : NR_MAX;
        uint64_t *said = &t->proc->enosys_said[bit / 64];
        if (!(*said >> bit % 64 & 1))
            ulog("%s (pid %d): system call %lu not implemented: ENOSYS", t->proc->comm,
                 t->proc->pid, nr);
        *said |= 1UL << bit % 64;
        result = -ENOSYS;
    }
#ifdef UNIX_TRACE
    ulog("%d: %s(%lx, %lx, %lx) = %ld", t->tid, syscall_name((unsigned)nr), a[0], a[1], a[2],
         result);
#endif
    if (result != SYS_WAIT)
        thread_finish(t, result);
}
