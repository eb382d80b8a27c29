/* Signals: rt_sigaction (handlers, SA_SIGINFO, SA_RESETHAND, SA_NODEFER,
 * sa_mask, SA_RESTART and its absence), sigprocmask and pending
 * signals, kill, tgkill, raise, SIGCHLD, a SIGSEGV handler for a bad
 * pointer, sigaltstack, alarm and setitimer, sigsuspend, a signal
 * interrupting a blocking read (EINTR) or restarting it, and the calls
 * that never restart.
 * Not printed: si_pid and si_uid values (compared with getpid and
 * getuid), addresses (compared with what was touched). */
#include "lt.h"
#include <setjmp.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t hits, last_sig, blocked_in_handler, other_blocked_in_handler;
static volatile int last_code, last_pid_is_us, on_alt_stack;
static volatile void *last_addr;
static sigjmp_buf recover;
static char altstack[65536];
static int self_pipe[2];

static void count(int s)
{
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    blocked_in_handler = sigismember(&m, s);
    other_blocked_in_handler = sigismember(&m, SIGUSR2);
    last_sig = s;
    hits++;
}

static void info(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = s;
    last_code = si->si_code;
    last_pid_is_us = si->si_pid == getpid();
    hits++;
}

static void segv(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = s;
    last_code = si->si_code;
    last_addr = si->si_addr;
    char here;
    on_alt_stack = &here >= altstack && &here < altstack + sizeof altstack;
    siglongjmp(recover, 1);
}

static void alt(int s)
{
    char here;
    stack_t ss;
    sigaltstack(NULL, &ss);
    on_alt_stack = (&here >= altstack && &here < altstack + sizeof altstack) * 2 +
                   !!(ss.ss_flags & SS_ONSTACK);
    last_sig = s;
}

static void write_to_self_pipe(int s)
{
    (void)s;
    write(self_pipe[1], "!", 1);
    hits++;
}

static void set(int sig, void (*h)(int), int flags)
{
    struct sigaction sa = { .sa_handler = h, .sa_flags = flags };
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void set_info(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa = { .sa_sigaction = h, .sa_flags = SA_SIGINFO | flags };
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void timer_ms(long ms)
{
    struct itimerval it = { { 0, 0 }, { ms / 1000, ms % 1000 * 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void actions(void)
{
    struct sigaction sa = { .sa_handler = count }, old;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    ret("sigaction SIGUSR1", sigaction(SIGUSR1, &sa, &old));
    yes("the old action was SIG_DFL", old.sa_handler == SIG_DFL);
    sigaction(SIGUSR1, NULL, &old);
    yes("reading it back gives the handler", old.sa_handler == count);
    yes("and its mask has SIGUSR2", sigismember(&old.sa_mask, SIGUSR2));
    hits = 0;
    ret("raise SIGUSR1", raise(SIGUSR1));
    say("handler ran %d time(s) for %s", (int)hits, signame(last_sig));
    yes("the signal was blocked in its handler", blocked_in_handler);
    yes("sa_mask's SIGUSR2 was blocked in the handler", other_blocked_in_handler);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    yes("both unblocked after it", !sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));

    set(SIGUSR1, count, SA_NODEFER);
    raise(SIGUSR1);
    yes("SA_NODEFER: not blocked in the handler", !blocked_in_handler);

    set(SIGUSR1, count, SA_RESETHAND);
    hits = 0;
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    yes("SA_RESETHAND: ran, then SIG_DFL", hits == 1 && old.sa_handler == SIG_DFL);

    err("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    err("sigaction SIGSTOP", sigaction(SIGSTOP, &sa, NULL));
    err("sigaction signal 0", sigaction(0, &sa, NULL));
    err("sigaction signal 65", sigaction(65, &sa, NULL));
    ret("sigaction SIGKILL, only reading", sigaction(SIGKILL, NULL, &old));

    signal(SIGUSR2, SIG_IGN);
    ret("raise an ignored signal", raise(SIGUSR2));
    signal(SIGUSR2, SIG_DFL);

    set_info(SIGUSR1, info, 0);
    hits = 0;
    kill(getpid(), SIGUSR1);
    say("kill: SA_SIGINFO handler ran %d time(s), si_code %s, si_pid is us: %s", (int)hits,
        last_code == SI_USER ? "SI_USER" : "other", last_pid_is_us ? "yes" : "no");
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    say("tgkill: si_code %s, si_pid is us: %s", last_code == SI_TKILL ? "SI_TKILL" : "other",
        last_pid_is_us ? "yes" : "no");
    err("tgkill with the wrong thread group", syscall(SYS_tgkill, 0x3fffffff, syscall(SYS_gettid), SIGUSR1));
    err("kill with signal 0 to ourselves", kill(getpid(), 0));
    err("kill with signal 99", kill(getpid(), 99));
}

static void masks(void)
{
    set(SIGUSR1, count, 0);
    sigset_t m, old, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    ret("block SIGUSR1", sigprocmask(SIG_BLOCK, &m, &old));
    yes("it was not blocked before", !sigismember(&old, SIGUSR1));
    hits = 0;
    raise(SIGUSR1);
    raise(SIGUSR1);
    say("while blocked the handler ran %d time(s)", (int)hits);
    sigpending(&pend);
    yes("SIGUSR1 is pending", sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    say("after unblocking it ran %d time(s) (standard signals do not queue)", (int)hits);
    sigpending(&pend);
    yes("nothing pending", !sigismember(&pend, SIGUSR1));

    sigfillset(&m);
    sigprocmask(SIG_SETMASK, &m, &old);
    sigprocmask(SIG_SETMASK, NULL, &m);
    yes("SIG_SETMASK all: SIGKILL and SIGSTOP stay unblocked",
        !sigismember(&m, SIGKILL) && !sigismember(&m, SIGSTOP));
    yes("the others are blocked", sigismember(&m, SIGTERM) && sigismember(&m, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    err("sigprocmask with a bad how", sigprocmask(99, &m, NULL));

    /* a real-time signal queues */
    int rt = SIGRTMIN + 2;
    set(rt, count, 0);
    sigemptyset(&m);
    sigaddset(&m, rt);
    sigprocmask(SIG_BLOCK, &m, NULL);
    hits = 0;
    raise(rt);
    raise(rt);
    raise(rt);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    say("a real-time signal raised 3 times while blocked ran %d time(s)", (int)hits);

    /* sigsuspend: the mask while waiting, the old one afterwards */
    sigprocmask(SIG_BLOCK, (sigemptyset(&m), sigaddset(&m, SIGALRM), &m), NULL);
    set(SIGALRM, count, 0);
    timer_ms(20);
    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    hits = 0;
    err("sigsuspend", sigsuspend(&wait_mask));
    say("it woke for %s, handler ran %d time(s)", signame(last_sig), (int)hits);
    sigprocmask(SIG_BLOCK, NULL, &m);
    yes("SIGALRM blocked again afterwards", sigismember(&m, SIGALRM));
    sigprocmask(SIG_UNBLOCK, (sigemptyset(&m), sigaddset(&m, SIGALRM), &m), NULL);
}

static void children(void)
{
    set_info(SIGCHLD, info, 0);
    hits = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(4);
    int w = lt_wait(pid);
    status("child", w);
    say("SIGCHLD handler ran %d time(s), si_code %s", (int)hits,
        last_code == CLD_EXITED ? "CLD_EXITED" : "other");
    signal(SIGCHLD, SIG_DFL);

    /* kill from another process: si_pid is the sender */
    set_info(SIGUSR2, info, 0);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL);
    pid_t parent = getpid();
    pid = fork();
    if (pid == 0) {
        kill(parent, SIGUSR2);
        _exit(0);
    }
    lt_wait(pid);
    siginfo_t si;
    struct timespec ts = { 5, 0 };
    ret("sigtimedwait for the child's SIGUSR2", sigtimedwait(&m, &si, &ts));
    yes("si_pid is the child", si.si_pid == pid);
    yes("si_uid is our uid", si.si_uid == getuid());
    say("si_code %s", si.si_code == SI_USER ? "SI_USER" : "other");
    ts.tv_sec = 0;
    ts.tv_nsec = 1000000;
    err("sigtimedwait with nothing pending", sigtimedwait(&m, &si, &ts));
    sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void faults(void)
{
    set_info(SIGSEGV, segv, 0);
    volatile int *bad = lt_ptr(0x10);
    if (sigsetjmp(recover, 1) == 0) {
        *bad = 1;
        say("the write to address 0x10 did not fault");
    }
    say("SIGSEGV handler: %s, si_code %s, si_addr is the address: %s", signame(last_sig),
        last_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", last_addr == bad ? "yes" : "no");
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    yes("after siglongjmp SIGSEGV is not blocked", !sigismember(&m, SIGSEGV));

    /* on an alternate stack */
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 }, old;
    ret("sigaltstack", sigaltstack(&ss, &old));
    yes("there was none before", old.ss_flags & SS_DISABLE);
    set_info(SIGSEGV, segv, SA_ONSTACK);
    on_alt_stack = 0;
    if (sigsetjmp(recover, 1) == 0)
        *bad = 2;
    yes("SA_ONSTACK: the SIGSEGV handler ran on the alternate stack", on_alt_stack);
    set(SIGUSR1, alt, SA_ONSTACK);
    raise(SIGUSR1);
    yes("SIGUSR1 handler on it, SS_ONSTACK set there", on_alt_stack == 3);
    set(SIGUSR1, alt, 0);
    raise(SIGUSR1);
    yes("without SA_ONSTACK: on the normal stack", on_alt_stack == 0);
    sigaltstack(NULL, &old);
    yes("outside the handler no SS_ONSTACK", !(old.ss_flags & SS_ONSTACK));
    stack_t small = { .ss_sp = altstack, .ss_size = 512, .ss_flags = 0 };
    err("sigaltstack smaller than MINSIGSTKSZ", sigaltstack(&small, NULL));
    stack_t off = { .ss_flags = SS_DISABLE };
    ret("sigaltstack SS_DISABLE", sigaltstack(&off, NULL));
    signal(SIGSEGV, SIG_DFL);

    /* a fault with SIGSEGV blocked kills */
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t m2;
        sigemptyset(&m2);
        sigaddset(&m2, SIGSEGV);
        sigprocmask(SIG_BLOCK, &m2, NULL);
        *bad = 3;
        _exit(0);
    }
    int w = lt_wait(pid);
    say("a child faulting with SIGSEGV blocked: %s",
        WIFSIGNALED(w) ? signame(WTERMSIG(w)) : "survived");
}

static void interruptions(void)
{
    char c;
    pipe(self_pipe);
    set(SIGALRM, write_to_self_pipe, 0);
    timer_ms(30);
    err("read of an empty pipe, interrupted (no SA_RESTART)", read(self_pipe[0], &c, 1));
    ret("the handler's byte is there afterwards", read(self_pipe[0], &c, 1));

    set(SIGALRM, write_to_self_pipe, SA_RESTART);
    timer_ms(30);
    ret("with SA_RESTART the read restarts and gets the handler's byte",
        read(self_pipe[0], &c, 1));

    /* wait4 restarts too; nanosleep, poll, select and sigsuspend never do */
    pid_t pid = fork();
    if (pid == 0) {
        lt_msleep(150);
        _exit(6);
    }
    timer_ms(30);
    int w;
    yes("waitpid with SA_RESTART returns the child after the signal",
        waitpid(pid, &w, 0) == pid);
    status("its status", w);

    set(SIGALRM, count, SA_RESTART);
    timer_ms(30);
    struct timespec req = { 5, 0 }, rem = { 0, 0 };
    err("nanosleep with SA_RESTART", nanosleep(&req, &rem));
    yes("the remaining time is set, less than asked", rem.tv_sec < 5 && (rem.tv_sec > 0 || rem.tv_nsec > 0));
    timer_ms(30);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(self_pipe[0], &r);
    err("select with SA_RESTART", select(self_pipe[0] + 1, &r, NULL, NULL, NULL));

    set(SIGALRM, count, 0);
    hits = 0;
    ret("alarm(1)", alarm(1));
    ret("alarm(5) returns the seconds left of the first", alarm(5));
    ret("alarm(0) cancels, returns", alarm(0) > 0 ? 1 : 0);
    alarm(1);
    err("pause", pause());
    say("alarm's handler ran %d time(s)", (int)hits);

    struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, cur;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &cur);
    yes("getitimer: interval 20 ms, value at most 20 ms",
        cur.it_interval.tv_usec == 20000 && cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 20000);
    hits = 0;
    while (hits < 3)
        pause();
    struct itimerval zero = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &zero, NULL);
    say("a periodic timer fired 3 times");
    close(self_pipe[0]);
    close(self_pipe[1]);
    signal(SIGALRM, SIG_DFL);
}

static void defaults(void)
{
    static const int sigs[] = { SIGINT, SIGQUIT, SIGALRM, SIGABRT, SIGCHLD, SIGURG, SIGWINCH };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct rlimit { unsigned long cur, max; } no = { 0, 0 };
            syscall(SYS_setrlimit, 4 /* RLIMIT_CORE */, &no);
            raise(sigs[i]);
            _exit(0);
        }
        char what[64];
        snprintf(what, sizeof what, "default action of %s", signame(sigs[i]));
        status(what, lt_wait(pid));
    }
}

int main(void)
{
    actions();
    masks();
    children();
    faults();
    interruptions();
    defaults();
    lt_done();
}
