/* The id calls (getpid, gettid, getppid, getpgrp, getuid, geteuid,
 * getgid, getegid), which the Unix server answers on its quick lane
 * without saving the caller's registers (user/unix/syscall.c): their
 * values in a child, a vfork child, a thread and after setpgid and
 * setuid; a signal sent by another process while the caller does nothing
 * but id calls is delivered; a blocked pending signal stays pending
 * across id calls and arrives when unblocked; and every register but
 * RAX, RCX and R11 survives the raw system call. */
#include "lt.h"
#include <pthread.h>
#include <sys/wait.h>

static volatile sig_atomic_t got_usr1;

static void on_usr1(int s)
{
    (void)s;
    got_usr1++;
}

static int child_ids(void *parent_pid)
{
    yes("child: getppid is the parent", getppid() == *(pid_t *)parent_pid);
    yes("child: gettid is getpid", syscall(SYS_gettid) == getpid());
    yes("child: getpid is not the parent's", getpid() != *(pid_t *)parent_pid);
    return 0;
}

struct main_ids {
    pid_t pid, ppid;
    long tid;
};

static void *thread_ids(void *arg)
{
    const struct main_ids *m = arg;
    yes("thread: getpid is the process's", getpid() == m->pid);
    yes("thread: gettid differs from the main thread's", syscall(SYS_gettid) != m->tid);
    yes("thread: getppid is the main thread's", getppid() == m->ppid);
    return NULL;
}

/* getpid from the parent, in a loop, until the child's SIGUSR1 has run
 * the handler (or a bounded number of rounds: then it was lost). */
static int send_usr1(void *parent_pid)
{
    lt_msleep(20);
    return kill(*(pid_t *)parent_pid, SIGUSR1) ? 1 : 0;
}

/* A raw getpid with every other register loaded with a known value, and
 * compared after: the answer changes RAX only (and the CPU RCX, R11).
 * The count of changed registers is kept in RCX, free after the call. */
static long registers_changed(void)
{
    long changed;
    __asm__ volatile(
        "push %%rbx\n push %%rbp\n push %%r12\n push %%r13\n push %%r14\n push %%r15\n"
        "mov $0x1111, %%rbx\n mov $0x2222, %%rbp\n mov $0x3333, %%rdi\n mov $0x4444, %%rsi\n"
        "mov $0x5555, %%rdx\n mov $0x6666, %%r8\n mov $0x7777, %%r9\n mov $0x8888, %%r10\n"
        "mov $0x9999, %%r12\n mov $0xaaaa, %%r13\n mov $0xbbbb, %%r14\n mov $0xcccc, %%r15\n"
        "mov %[nr], %%eax\n syscall\n xor %%ecx, %%ecx\n xor %%eax, %%eax\n"
        "cmp $0x1111, %%rbx\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x2222, %%rbp\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x3333, %%rdi\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x4444, %%rsi\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x5555, %%rdx\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x6666, %%r8\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x7777, %%r9\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x8888, %%r10\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0x9999, %%r12\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0xaaaa, %%r13\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0xbbbb, %%r14\n setne %%al\n add %%rax, %%rcx\n"
        "cmp $0xcccc, %%r15\n setne %%al\n add %%rax, %%rcx\n"
        "pop %%r15\n pop %%r14\n pop %%r13\n pop %%r12\n pop %%rbp\n pop %%rbx\n"
        : "=c"(changed)
        : [nr] "i"(SYS_getpid)
        : "rax", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
    return changed;
}

int main(void)
{
    pid_t me = getpid();
    yes("getpid is gettid in the main thread", syscall(SYS_gettid) == me);
    yes("getpgrp is getpgid(0)", getpgrp() == getpgid(0));
    ret("getuid", getuid());
    ret("geteuid", geteuid());
    ret("getgid", getgid());
    ret("getegid", getegid());
    yes("1000 getpid calls agree", ({
        int same = 1;
        for (int i = 0; i < 1000; i++)
            same &= getpid() == me;
        same;
    }));
    ret("registers changed by getpid besides RAX, RCX, R11", registers_changed());

    status("child", lt_wait(lt_fork(child_ids, &me)));
    pid_t v = vfork();
    if (v == 0)
        _exit(getppid() == me && getpid() != me ? 0 : 1);
    status("vfork child saw its own pid and its parent", lt_wait(v));

    struct main_ids m = { me, getppid(), syscall(SYS_gettid) };
    pthread_t th;
    if (pthread_create(&th, NULL, thread_ids, &m) == 0)
        pthread_join(th, NULL);

    /* new ids are seen at once */
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        int ok = getpgrp() == getpid();
        ok &= setuid(0) == 0 && getuid() == 0;
        _exit(ok ? 0 : 1);
    }
    status("child's own process group and uid", lt_wait(c));

    /* a signal from another process while we only ask for ids */
    signal(SIGUSR1, on_usr1);
    pid_t sender = lt_fork(send_usr1, &me);
    unsigned long rounds = 0;
    while (!got_usr1 && rounds < 20000000UL) {
        getpid();
        rounds++;
    }
    yes("SIGUSR1 arrived during a getpid loop", got_usr1 == 1);
    status("sender", lt_wait(sender));

    /* a blocked pending signal: id calls leave it pending */
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    kill(me, SIGUSR1);
    for (int i = 0; i < 100; i++)
        getpid(), getuid(), syscall(SYS_gettid);
    yes("blocked SIGUSR1 not delivered by id calls", got_usr1 == 1);
    sigset_t pend;
    sigpending(&pend);
    yes("and still pending", sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    yes("delivered once unblocked", got_usr1 == 2);
    lt_done();
}
