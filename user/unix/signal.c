/* Signals (signal.h). */
#include <stdlib.h>
#include <string.h>
#include <asm/siginfo.h>
#include "kthread.h"
#include "proc.h"
#include "signal.h"

#define BIT(sig) (1UL << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define STOPS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))
#define IGNORED_BY_DEFAULT (BIT(SIGCHLD) | BIT(SIGURG) | BIT(SIGWINCH))
#define SIG_DFL_ 0UL
#define SIG_IGN_ 1UL

void signal_init(struct proc *p)
{
    p->sig = calloc(1, sizeof *p->sig);
}

int signal_fork(struct proc *parent, struct proc *child, bool share)
{
    (void)share;                            /* CLONE_SIGHAND: copied, see docs/unix.md */
    child->sig = malloc(sizeof *child->sig);
    if (!child->sig)
        return -ENOMEM;
    *child->sig = *parent->sig;
    return 0;
}

void signal_exec(struct proc *p)
{
    for (int i = 0; i < LINUX_NSIG; i++)
        if (p->sig->act[i].handler != SIG_IGN_)
            p->sig->act[i] = (struct linux_sigaction){ 0 };
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        t->altstack_sp = t->altstack_size = 0, t->altstack_flags = SS_DISABLE;
}

void signal_exit(struct proc *p)
{
    free(p->sig);
    p->sig = NULL;
}

static const struct linux_sigaction *action(const struct proc *p, int sig)
{
    return &p->sig->act[sig - 1];
}

static bool ignored(const struct proc *p, int sig)
{
    uint64_t h = action(p, sig)->handler;
    return h == SIG_IGN_ || (h == SIG_DFL_ && (BIT(sig) & IGNORED_BY_DEFAULT));
}

bool signal_parent_ignores_children(struct proc *parent)
{
    return parent->sig && (action(parent, SIGCHLD)->handler == SIG_IGN_ ||
                           (action(parent, SIGCHLD)->flags & SA_NOCLDWAIT));
}

bool signal_pending(const struct thread *t)
{
    return (t->sigpending | t->proc->sigpending) & ~(t->sigmask & ~UNBLOCKABLE);
}

/* Pending signals with their origins: a signal already pending stays
 * as it is (its first origin), unless it is a real-time one, which
 * queues. */
static void post(uint64_t *set, struct sig_origin *origin, uint16_t *queued, int sig,
                 const struct sig_origin *o)
{
    if (*set & BIT(sig)) {
        if (sig >= 32 && queued[sig - 1] < 0xFFFF)
            queued[sig - 1]++;
        return;
    }
    *set |= BIT(sig);
    origin[sig - 1] = *o;
}

static struct sig_origin take(uint64_t *set, struct sig_origin *origin, uint16_t *queued, int sig)
{
    struct sig_origin o = origin[sig - 1];
    if (queued[sig - 1])
        queued[sig - 1]--;
    else
        *set &= ~BIT(sig);
    return o;
}

/* Take sig from t's pending signals, or else from its process's. */
static struct sig_origin take_for(struct thread *t, int sig)
{
    if (t->sigpending & BIT(sig))
        return take(&t->sigpending, t->sigorigin, t->sigqueued, sig);
    struct proc *p = t->proc;
    return take(&p->sigpending, p->sigorigin, p->sigqueued, sig);
}

static const struct sig_origin from_kernel = { .code = SI_KERNEL };

struct sig_origin signal_from(const struct thread *sender, int code)
{
    return (struct sig_origin){ .code = code, .pid = sender->proc->pid, .uid = sender->proc->uid };
}

void signal_sigpipe(struct thread *t)
{
    struct sig_origin o = signal_from(t, SI_USER);
    signal_send_thread_from(t, SIGPIPE, &o);
}

/* Blocked signals are kept even where ignored (Linux: a blocked signal
 * is not ignored; rt_sigtimedwait's set counts as blocked). */
static bool blocked_by(const struct thread *t, int sig)
{
    return t && ((t->sigmask | t->sigwait_set) & BIT(sig));
}

/* Make t notice a signal: end its wait, or interrupt it in user mode. */
static void kick(struct thread *t)
{
    if (t->state == T_WAITING)
        signal_interrupt_wait(t);
    else if (t->state == T_RUNNING)
        kthread_interrupt(t->id);
    /* T_IN_CALL: delivered before its answer; T_STARTING: after its start */
}

void signal_send_proc(struct proc *p, int sig)
{
    signal_send_proc_from(p, sig, &from_kernel);
}

void signal_send_proc_from(struct proc *p, int sig, const struct sig_origin *o)
{
#ifdef UNIX_TRACE_SIG
    if (p)
        ulog("signal %d to pid %d (state %d)", sig, p->pid, (int)p->state);
#endif
    if (!p || p->state != P_ALIVE || sig < 1 || sig > LINUX_NSIG)
        return;
    if (sig == SIGKILL) {
        proc_exit(p, SIGKILL);
        return;
    }
    if (sig == SIGCONT) {
        p->sigpending &= ~STOPS;
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            t->sigpending &= ~STOPS;
        proc_continue(p);
    } else if (BIT(sig) & STOPS) {
        p->sigpending &= ~BIT(SIGCONT);
    }
    if (ignored(p, sig) && !blocked_by(p->threads, sig))
        return;
    post(&p->sigpending, p->sigorigin, p->sigqueued, sig, o);
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (!(t->sigmask & BIT(sig)) || (BIT(sig) & UNBLOCKABLE)) {
            kick(t);
            return;
        }
}

void signal_send_thread(struct thread *t, int sig)
{
    signal_send_thread_from(t, sig, &from_kernel);
}

void signal_send_thread_from(struct thread *t, int sig, const struct sig_origin *o)
{
    struct proc *p = t->proc;
    if (sig == SIGKILL || sig == SIGCONT || (BIT(sig) & STOPS)) {
        signal_send_proc_from(p, sig, o);
        return;
    }
    if (p->state != P_ALIVE || (ignored(p, sig) && !blocked_by(t, sig)))
        return;
    post(&t->sigpending, t->sigorigin, t->sigqueued, sig, o);
    if (!(t->sigmask & BIT(sig)))
        kick(t);
}

bool signal_fault(struct thread *t, int sig, int code, uint64_t addr)
{
    struct proc *p = t->proc;
    uint64_t h = action(p, sig)->handler;
    if (h == SIG_DFL_ || h == SIG_IGN_ || (t->sigmask & BIT(sig))) {
        proc_exit(p, sig);                  /* as Linux: a fault cannot be ignored */
        return false;
    }
    t->sigpending |= BIT(sig);
    t->sigorigin[sig - 1] = from_kernel;
    t->fault_code = code;
    t->fault_addr = addr;
    return true;
}

/* The frame a handler runs on (x86-64): its return address (the
 * restorer), the interrupted context, the signal's details. */
struct rt_frame {
    uint64_t pretcode;
    struct ucontext uc;
    siginfo_t info;
};

static void context_of(const struct thread *t, struct sigcontext *c)
{
    const L4_Word_t *r = t->r;
    *c = (struct sigcontext){
        .r8 = r[UNIX_MR_R8], .r9 = r[UNIX_MR_R9], .r10 = r[UNIX_MR_R10],
        .r11 = r[UNIX_MR_R11], .r12 = r[UNIX_MR_R12], .r13 = r[UNIX_MR_R13],
        .r14 = r[UNIX_MR_R14], .r15 = r[UNIX_MR_R15], .rdi = r[UNIX_MR_RDI],
        .rsi = r[UNIX_MR_RSI], .rbp = r[UNIX_MR_RBP], .rbx = r[UNIX_MR_RBX],
        .rdx = r[UNIX_MR_RDX], .rax = r[UNIX_MR_RAX], .rcx = r[UNIX_MR_RCX],
        .rsp = r[UNIX_MR_RSP], .rip = r[UNIX_MR_RIP], .eflags = r[UNIX_MR_RFLAGS],
        .cs = 0x2b, .trapno = t->fault_code ? 14 : 0, .cr2 = t->fault_addr,
    };
}

static void registers_from(struct thread *t, const struct sigcontext *c)
{
    L4_Word_t *r = t->r;
    r[UNIX_MR_R8] = c->r8;
    r[UNIX_MR_R9] = c->r9;
    r[UNIX_MR_R10] = c->r10;
    r[UNIX_MR_R11] = c->r11;
    r[UNIX_MR_R12] = c->r12;
    r[UNIX_MR_R13] = c->r13;
    r[UNIX_MR_R14] = c->r14;
    r[UNIX_MR_R15] = c->r15;
    r[UNIX_MR_RDI] = c->rdi;
    r[UNIX_MR_RSI] = c->rsi;
    r[UNIX_MR_RBP] = c->rbp;
    r[UNIX_MR_RBX] = c->rbx;
    r[UNIX_MR_RDX] = c->rdx;
    r[UNIX_MR_RAX] = c->rax;
    r[UNIX_MR_RCX] = c->rcx;
    r[UNIX_MR_RSP] = c->rsp;
    r[UNIX_MR_RIP] = c->rip;
    r[UNIX_MR_RFLAGS] = (r[UNIX_MR_RFLAGS] & ~UNIX_USER_FLAGS) | (c->eflags & UNIX_USER_FLAGS);
    t->regs_changed = true;
}

static bool on_altstack(const struct thread *t, uint64_t sp)
{
    return t->altstack_size && sp - t->altstack_sp < t->altstack_size;
}

/* Enter the handler of sig: false if the frame cannot be written. */
static bool enter_handler(struct thread *t, int sig, struct linux_sigaction *act,
                          const struct sig_origin *o)
{
    uint64_t sp = t->r[UNIX_MR_RSP];
    if ((act->flags & SA_ONSTACK) && t->altstack_size && !(t->altstack_flags & SS_DISABLE) &&
        !on_altstack(t, sp))
        sp = t->altstack_sp + t->altstack_size;
    else
        sp -= 128;                          /* the red zone */
    struct rt_frame f;
    memset(&f, 0, sizeof f);
    sp = ((sp - sizeof f) & ~15UL) - 8;     /* as after a call: (sp + 8) % 16 == 0 */
    f.pretcode = act->restorer;
    f.uc.uc_stack.ss_sp = (void *)t->altstack_sp;
    f.uc.uc_stack.ss_size = t->altstack_size;
    f.uc.uc_stack.ss_flags = on_altstack(t, t->r[UNIX_MR_RSP]) ? SS_ONSTACK
                             : t->altstack_size ? t->altstack_flags : SS_DISABLE;
    context_of(t, &f.uc.uc_mcontext);
    f.uc.uc_sigmask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
    t->restore_sigmask = false;             /* (rt_sigsuspend's mask: back on return) */
    f.info.si_signo = sig;
    f.info.si_code = o->code;
    f.info.si_pid = o->pid;
    f.info.si_uid = o->uid;
    if (sig == SIGCHLD)
        f.info.si_status = o->status;
    if (t->fault_code && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                          sig == SIGTRAP)) {
        f.info.si_code = t->fault_code;
        f.info.si_addr = (void *)t->fault_addr;
        t->fault_code = 0;
    }
    if (copy_to_proc(t->proc, sp, &f, sizeof f))
        return false;
    L4_Word_t *r = t->r;
    r[UNIX_MR_RIP] = act->handler;
    r[UNIX_MR_RSP] = sp;
    r[UNIX_MR_RDI] = (L4_Word_t)sig;
    r[UNIX_MR_RSI] = sp + offsetof(struct rt_frame, info);
    r[UNIX_MR_RDX] = sp + offsetof(struct rt_frame, uc);
    r[UNIX_MR_RAX] = 0;
    r[UNIX_MR_RFLAGS] &= ~0x400UL;          /* DF clear, as the ABI wants */
    t->regs_changed = true;
    t->sigmask |= act->mask | (act->flags & SA_NODEFER ? 0 : BIT(sig));
    t->sigmask &= ~UNBLOCKABLE;
    if (act->flags & SA_RESETHAND)
        act->handler = SIG_DFL_;
    return true;
}

bool signal_deliver(struct thread *t)
{
    struct proc *p = t->proc;
    for (;;) {
        if (p->state != P_ALIVE)
            return false;
        uint64_t pending = (t->sigpending | p->sigpending) & ~(t->sigmask & ~UNBLOCKABLE);
        if (!pending) {
            if (t->restore_sigmask)
                t->sigmask = t->saved_sigmask;
            t->restore_sigmask = false;
            return true;
        }
        int sig = __builtin_ctzl(pending) + 1;
        struct sig_origin o = take_for(t, sig);
        struct linux_sigaction *act = &p->sig->act[sig - 1];
        if (act->handler == SIG_IGN_)
            continue;
        if (act->handler == SIG_DFL_) {
            if (BIT(sig) & (IGNORED_BY_DEFAULT | BIT(SIGCONT)))
                continue;
            if (BIT(sig) & STOPS) {
                proc_stop(p, sig);          /* halted: answered, it does not run */
                return true;
            }
            proc_exit(p, sig);
            return false;
        }
        if (!enter_handler(t, sig, act, &o)) {
            proc_exit(p, SIGSEGV);
            return false;
        }
    }
}

/* rt_sigtimedwait: take the lowest signal of its set that is pending
 * and write its siginfo; the signal, 0 if none, or -EFAULT. */
static long sigwait_take(struct thread *t)
{
    uint64_t pending = (t->sigpending | t->proc->sigpending) & t->sigwait_set;
    if (!pending)
        return 0;
    int sig = __builtin_ctzl(pending) + 1;
    struct sig_origin o = take_for(t, sig);
    if (t->sigwait_info) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        info.si_signo = sig;
        info.si_code = o.code;
        info.si_pid = o.pid;
        info.si_uid = o.uid;
        if (sig == SIGCHLD)
            info.si_status = o.status;
        if (copy_to_proc(t->proc, t->sigwait_info, &info, sizeof info))
            return -EFAULT;
    }
    return sig;
}

/* Its end: the mask as it was before the wait. */
static void sigwait_end(struct thread *t)
{
    t->sigmask = t->sigwait_mask;
    t->sigwait_set = 0;
}

static long sigwait_timed_out(struct thread *t)
{
    long r = sigwait_take(t);
    sigwait_end(t);
    return r ? r : -EAGAIN;
}

void signal_interrupt_wait(struct thread *t)
{
    struct proc *p = t->proc;
    if (t->wait.killable) {                 /* vfork's: only a signal that kills ends it */
        uint64_t pending = (t->sigpending | p->sigpending) & ~(t->sigmask & ~UNBLOCKABLE);
        for (int sig = 1; sig <= LINUX_NSIG; sig++)
            if ((pending & BIT(sig)) && action(p, sig)->handler == SIG_DFL_ &&
                !(BIT(sig) & (IGNORED_BY_DEFAULT | BIT(SIGCONT) | STOPS))) {
                proc_exit(p, sig);
                return;
            }
        return;                             /* the others: delivered after the wait */
    }
    if (t->wait.cancel)
        t->wait.cancel(t);
    t->wait.cancel = NULL;
    if (t->sigwait_set) {                   /* rt_sigtimedwait: one of its set, or EINTR */
        long r = sigwait_take(t);
        sigwait_end(t);
        thread_finish(t, r ? r : -EINTR);
        return;
    }
    /* Restart the call after the handler where SA_RESTART asks for it (and
     * where no handler runs: a stop, say). */
    uint64_t pending = (t->sigpending | p->sigpending) & ~(t->sigmask & ~UNBLOCKABLE);
    int sig = pending ? __builtin_ctzl(pending) + 1 : 0;
    bool handler = sig && action(p, sig)->handler > SIG_IGN_;
    if (t->wait.restartable && sig && (!handler || (action(p, sig)->flags & SA_RESTART))) {
        t->r[UNIX_MR_RIP] -= 2;             /* the syscall instruction again */
        t->r[UNIX_MR_RCX] = t->r[UNIX_MR_RIP];
        t->regs_changed = true;
        thread_finish(t, t->restart_nr);    /* RAX: the call's number */
        return;
    }
    thread_finish(t, -EINTR);
}

/* ---- the system calls ------------------------------------------------------- */

static long sys_rt_sigaction(struct thread *t, const uint64_t a[6])
{
    int sig = (int)a[0];
    if (sig < 1 || sig > LINUX_NSIG || a[3] != 8)
        return -EINVAL;
    struct linux_sigaction *act = &t->proc->sig->act[sig - 1], n;
    if (a[1] && copy_from_proc(t->proc, &n, a[1], sizeof n))
        return -EFAULT;
    if (a[2] && copy_to_proc(t->proc, a[2], act, sizeof *act))
        return -EFAULT;
    if (a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        n.mask &= ~UNBLOCKABLE;
        *act = n;
        if (ignored(t->proc, sig)) {        /* pending ones go */
            t->proc->sigpending &= ~BIT(sig);
            t->proc->sigqueued[sig - 1] = 0;
            for (struct thread *u = t->proc->threads; u; u = u->next_in_proc)
                u->sigpending &= ~BIT(sig), u->sigqueued[sig - 1] = 0;
        }
    }
    return 0;
}

static long sys_rt_sigprocmask(struct thread *t, const uint64_t a[6])
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = t->sigmask, set;
    if (a[1]) {
        if (copy_from_proc(t->proc, &set, a[1], 8))
            return -EFAULT;
        switch (a[0]) {
        case SIG_BLOCK: t->sigmask |= set; break;
        case SIG_UNBLOCK: t->sigmask &= ~set; break;
        case SIG_SETMASK: t->sigmask = set; break;
        default: return -EINVAL;
        }
        t->sigmask &= ~UNBLOCKABLE;
    }
    if (a[2] && copy_to_proc(t->proc, a[2], &old, 8))
        return -EFAULT;
    return 0;
}

static long sys_rt_sigreturn(struct thread *t, const uint64_t a[6])
{
    (void)a;
    struct ucontext uc;
    if (copy_from_proc(t->proc, &uc, t->r[UNIX_MR_RSP], sizeof uc)) {
        proc_exit(t->proc, SIGSEGV);
        return SYS_WAIT;                    /* (gone: no answer) */
    }
    registers_from(t, &uc.uc_mcontext);
    t->sigmask = uc.uc_sigmask & ~UNBLOCKABLE;
    return (long)t->r[UNIX_MR_RAX];
}

static long sys_rt_sigpending(struct thread *t, const uint64_t a[6])
{
    uint64_t set = (t->sigpending | t->proc->sigpending) & t->sigmask;
    return a[1] != 8 ? -EINVAL : copy_to_proc(t->proc, a[0], &set, 8);
}

static long sys_sigaltstack(struct thread *t, const uint64_t a[6])
{
    stack_t old = { .ss_sp = (void *)t->altstack_sp, .ss_size = t->altstack_size,
                    .ss_flags = on_altstack(t, t->r[UNIX_MR_RSP]) ? SS_ONSTACK
                                : t->altstack_size ? t->altstack_flags : SS_DISABLE };
    if (a[0]) {
        stack_t n;
        if (copy_from_proc(t->proc, &n, a[0], sizeof n))
            return -EFAULT;
        if (on_altstack(t, t->r[UNIX_MR_RSP]))
            return -EPERM;
        if (n.ss_flags & ~SS_DISABLE)
            return -EINVAL;
        if (n.ss_flags & SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = SS_DISABLE;
        } else {
            if (n.ss_size < MINSIGSTKSZ)
                return -ENOMEM;
            t->altstack_sp = (uint64_t)n.ss_sp;
            t->altstack_size = n.ss_size;
            t->altstack_flags = 0;
        }
    }
    if (a[1] && copy_to_proc(t->proc, a[1], &old, sizeof old))
        return -EFAULT;
    return 0;
}

/* Wait until a signal: answered by its delivery (signal_interrupt_wait). */
static long sys_rt_sigsuspend(struct thread *t, const uint64_t a[6])
{
    uint64_t set;
    if (a[1] != 8)
        return -EINVAL;
    if (copy_from_proc(t->proc, &set, a[0], 8))
        return -EFAULT;
    t->saved_sigmask = t->sigmask;
    t->restore_sigmask = true;
    t->sigmask = set & ~UNBLOCKABLE;
    if (signal_pending(t))
        return -EINTR;
    return thread_wait(t, NULL);
}

static long sys_pause(struct thread *t, const uint64_t a[6])
{
    (void)a;
    if (signal_pending(t))
        return -EINTR;
    return thread_wait(t, NULL);
}

static long kill_one(struct thread *t, struct proc *p, int sig)
{
    if (p->state != P_ALIVE)
        return 0;
    struct sig_origin o = signal_from(t, SI_USER);
    if (sig)
        signal_send_proc_from(p, sig, &o);
    return 0;
}

static long sys_kill(struct thread *t, const uint64_t a[6])
{
    int pid = (int)a[0], sig = (int)a[1];
    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    if (pid > 0) {
        struct proc *p = proc_by_pid(pid);
        return p ? kill_one(t, p, sig) : -ESRCH;    /* (a zombie too, as on Linux) */
    }
    int pgid = pid == 0 ? t->proc->pgid : pid < -1 ? -pid : 0;
    int found = 0;
    struct proc *p;
    for (unsigned at = 0; (p = proc_next(&at));) {
        if (p->state != P_ALIVE || (pgid && p->pgid != pgid) || (!pgid && p == init_proc))
            continue;
        if (!pgid && p == t->proc)
            continue;
        found++;
        kill_one(t, p, sig);
    }
    return found ? 0 : -ESRCH;
}

static long sys_tgkill(struct thread *t, const uint64_t a[6])
{
    int sig = (int)a[2];
    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    struct thread *u = thread_by_tid((int)a[1]);
    if (!u || ((int)a[0] > 0 && u->proc->pid != (int)a[0]))
        return -ESRCH;
    struct sig_origin o = signal_from(t, SI_TKILL);
    if (sig)
        signal_send_thread_from(u, sig, &o);
    return 0;
}

static long sys_tkill(struct thread *t, const uint64_t a[6])
{
    uint64_t b[6] = { 0, a[0], a[1] };
    return sys_tgkill(t, b);
}

/* Wait for a signal of a set, with a timeout or without; its handler
 * does not run. */
static long sys_rt_sigtimedwait(struct thread *t, const uint64_t a[6])
{
    uint64_t set;
    if (a[3] != 8)
        return -EINVAL;
    if (copy_from_proc(t->proc, &set, a[0], 8))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    uint64_t deadline = 0;
    bool poll = false;
    if (a[2]) {
        struct __kernel_timespec ts;
        if (copy_from_proc(t->proc, &ts, a[2], sizeof ts))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        uint64_t us = (uint64_t)ts.tv_sec * 1000000 + ((uint64_t)ts.tv_nsec + 999) / 1000;
        poll = !us;
        deadline = now_us() + us;
    }
    t->sigwait_set = set;
    t->sigwait_info = a[1];
    t->sigwait_mask = t->sigmask;
    long r = sigwait_take(t);
    if (r || poll) {
        sigwait_end(t);
        return r ? r : -EAGAIN;
    }
    t->sigmask &= ~set;                     /* (so that they end the wait) */
    if (signal_pending(t)) {                /* another one, to handle */
        sigwait_end(t);
        return -EINTR;
    }
    struct wait w = { .timeout = sigwait_timed_out, .deadline = deadline };
    return thread_wait(t, &w);
}

const struct syscall_entry signal_syscalls[] = {
    { __NR_rt_sigtimedwait, "rt_sigtimedwait", sys_rt_sigtimedwait },
    { __NR_rt_sigaction, "rt_sigaction", sys_rt_sigaction },
    { __NR_rt_sigprocmask, "rt_sigprocmask", sys_rt_sigprocmask },
    { __NR_rt_sigreturn, "rt_sigreturn", sys_rt_sigreturn },
    { __NR_rt_sigpending, "rt_sigpending", sys_rt_sigpending },
    { __NR_rt_sigsuspend, "rt_sigsuspend", sys_rt_sigsuspend },
    { __NR_sigaltstack, "sigaltstack", sys_sigaltstack },
    { __NR_pause, "pause", sys_pause },
    { __NR_kill, "kill", sys_kill },
    { __NR_tgkill, "tgkill", sys_tgkill },
    { __NR_tkill, "tkill", sys_tkill },
    { 0, NULL, NULL },
};
