/* futex(2): FUTEX_WAIT and FUTEX_WAKE (and their _BITSET and _PRIVATE
 * forms), keyed by process and address. */
#include "futex.h"
#include "proc.h"

static struct thread *waiters;          /* wait.next; arg[0] address, arg[1] bitset */

static void unlink_waiter(struct thread *t)
{
    for (struct thread **pp = &waiters; *pp; pp = &(*pp)->wait.next)
        if (*pp == t) {
            *pp = t->wait.next;
            return;
        }
}

static long timed_out(struct thread *t)
{
    (void)t;
    return -ETIMEDOUT;
}

static int wake(struct proc *p, uint64_t addr, int n, uint32_t bitset)
{
    int woken = 0;
    for (struct thread *t = waiters, *next; t && woken < n; t = next) {
        next = t->wait.next;
        if (t->proc == p && t->wait.arg[0] == addr && (t->wait.arg[1] & bitset)) {
            unlink_waiter(t);
            t->wait.cancel = NULL;
            thread_finish(t, 0);
            woken++;
        }
    }
    return woken;
}

int futex_wake_addr(struct proc *p, uint64_t addr, int n)
{
    return wake(p, addr, n, ~0U);
}

static long sys_futex(struct thread *t, const uint64_t a[6])
{
    uint64_t addr = a[0];
    int op = (int)a[1] & FUTEX_CMD_MASK;
    uint32_t val = (uint32_t)a[2], bitset = ~0U;
    if (addr & 3)
        return -EINVAL;
    switch (op) {
    case FUTEX_WAIT_BITSET:
        bitset = (uint32_t)a[5];
        if (!bitset)
            return -EINVAL;
        /* fall through */
    case FUTEX_WAIT: {
        uint32_t cur;
        if (copy_from_proc(t->proc, &cur, addr, sizeof cur))
            return -EFAULT;
        if (cur != val)
            return -EAGAIN;
        uint64_t deadline = 0;
        if (a[3]) {
            struct __kernel_timespec ts;
            if (copy_from_proc(t->proc, &ts, a[3], sizeof ts))
                return -EFAULT;
            if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
                return -EINVAL;
            uint64_t us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
            /* FUTEX_WAIT: relative; the _BITSET form: absolute (monotonic) */
            deadline = op == FUTEX_WAIT ? now_us() + us : us;
            if (!deadline)
                deadline = 1;
        }
        struct wait w = { .cancel = unlink_waiter, .timeout = timed_out, .deadline = deadline,
                          .next = waiters, .arg = { addr, bitset } };
        waiters = t;
        return thread_wait(t, &w);
    }
    case FUTEX_WAKE_BITSET:
        bitset = (uint32_t)a[5];
        if (!bitset)
            return -EINVAL;
        /* fall through */
    case FUTEX_WAKE:
        return wake(t->proc, addr, (int)val, bitset);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        if (op == FUTEX_CMP_REQUEUE) {
            uint32_t cur;
            if (copy_from_proc(t->proc, &cur, addr, sizeof cur))
                return -EFAULT;
            if (cur != (uint32_t)a[5])
                return -EAGAIN;
        }
        int woken = wake(t->proc, addr, (int)val, ~0U), moved = 0;
        for (struct thread *w = waiters; w && moved < (int)a[3]; w = w->wait.next)
            if (w->proc == t->proc && w->wait.arg[0] == addr) {
                w->wait.arg[0] = a[4];
                moved++;
            }
        return woken + moved;
    }
    default:
        return -ENOSYS;
    }
}

const struct syscall_entry futex_syscalls[] = {
    { __NR_futex, "futex", sys_futex },
    { 0, NULL, NULL },
};
