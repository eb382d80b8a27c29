/* poll, ppoll, select, pselect6: a call whose descriptors are not ready
 * waits on the list of pollers; whatever may make a file ready calls
 * poll_wakeup, which checks every poller again (few wait at a time). */
#include <string.h>
#include "fd.h"
#include "proc.h"

#define POLL_MAX 1024

struct pollfd_ { int fd; short events, revents; };

static struct thread *pollers;          /* (wait.next) */

static unsigned ready_of(struct file *f)
{
    return f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
}

/* poll's check: the ready count, with revents written; or -errno. */
static long poll_check(struct thread *t, uint64_t ufds, uint64_t n)
{
    long count = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct pollfd_ p;
        uint64_t at = ufds + i * sizeof p;
        if (copy_from_proc(t->proc, &p, at, sizeof p))
            return -EFAULT;
        short r = 0;
        if (p.fd >= 0) {
            struct file *f = fd_get(t->proc, p.fd);
            r = f ? (short)(ready_of(f) & ((unsigned)p.events | POLLHUP | POLLERR)) : POLLNVAL;
        }
        if (r)
            count++;
        if (r != p.revents && copy_to_proc(t->proc, at + offsetof(struct pollfd_, revents), &r,
                                           sizeof r))
            return -EFAULT;
    }
    return count;
}

/* select's check on the three sets at arg[1..3] for nfds arg[0]: the
 * count, the sets written only when some is ready (or `final`). */
static long select_check(struct thread *t, const uint64_t *arg, bool final)
{
    int nfds = (int)arg[0];
    uint64_t in[3][FD_MAX / 64] = { { 0 } }, out[3][FD_MAX / 64] = { { 0 } };
    size_t bytes = (size_t)(nfds + 63) / 64 * 8;
    static const unsigned want[3] = { POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI };
    for (int s = 0; s < 3; s++)
        if (arg[1 + s] && copy_from_proc(t->proc, in[s], arg[1 + s], bytes))
            return -EFAULT;
    long count = 0;
    for (int fd = 0; fd < nfds; fd++)
        for (int s = 0; s < 3; s++) {
            if (!(in[s][fd / 64] >> (fd % 64) & 1))
                continue;
            struct file *f = fd_get(t->proc, fd);
            if (!f)
                return -EBADF;
            if (ready_of(f) & want[s]) {
                out[s][fd / 64] |= 1UL << (fd % 64);
                count++;
            }
        }
    if (count || final)
        for (int s = 0; s < 3; s++)
            if (arg[1 + s] && copy_to_proc(t->proc, arg[1 + s], out[s], bytes))
                return -EFAULT;
    return count;
}

static long check(struct thread *t, bool final)
{
    uint64_t *arg = t->wait.arg;
    return arg[5] ? select_check(t, arg, final) : poll_check(t, arg[1], arg[2]);
}

static void unlink_poller(struct thread *t)
{
    for (struct thread **pp = &pollers; *pp; pp = &(*pp)->wait.next)
        if (*pp == t) {
            *pp = t->wait.next;
            break;
        }
}

static long timed_out(struct thread *t)
{
    long r = check(t, true);
    return r < 0 ? r : 0;
}

void poll_wakeup(void)
{
    struct thread *t = pollers;
    while (t) {
        struct thread *next = t->wait.next;
        long r = check(t, false);
        if (r) {
            unlink_poller(t);
            t->wait.cancel = NULL;
            thread_finish(t, r);
            next = pollers;                 /* (the list may have changed) */
        }
        t = next;
    }
}

/* Check now; wait if nothing is ready and the timeout (µs; -1: none)
 * allows. arg: {nfds, readfds, writefds, exceptfds, -, 1} for select,
 * {-, fds, nfds, -, -, 0} for poll. */
static long wait_ready(struct thread *t, const uint64_t arg[6], int64_t timeout_us,
                       uint64_t sigmask_u)
{
    memcpy(t->wait.arg, arg, sizeof t->wait.arg);
    long r = check(t, timeout_us == 0);
    if (r)
        return r;
    if (timeout_us == 0)
        return 0;
    if (sigmask_u) {                        /* ppoll, pselect6: the mask while waiting */
        uint64_t mask;
        if (copy_from_proc(t->proc, &mask, sigmask_u, sizeof mask))
            return -EFAULT;
        t->saved_sigmask = t->sigmask;
        t->restore_sigmask = true;
        t->sigmask = mask & ~((1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)));
    }
    struct wait w = { .cancel = unlink_poller, .timeout = timed_out, .next = pollers,
                      .deadline = timeout_us > 0 ? now_us() + (uint64_t)timeout_us : 0 };
    memcpy(w.arg, arg, sizeof w.arg);
    pollers = t;
    return thread_wait(t, &w);
}

static long sys_poll(struct thread *t, const uint64_t a[6])
{
    if (a[1] > POLL_MAX)
        return -EINVAL;
    const uint64_t arg[6] = { 0, a[0], a[1], 0, 0, 0 };
    int ms = (int)a[2];
    return wait_ready(t, arg, ms < 0 ? -1 : (int64_t)ms * 1000, 0);
}

/* A struct timespec argument as µs (-1: NULL, wait for ever). */
static long timespec_us(struct thread *t, uint64_t u, int64_t *us)
{
    struct __kernel_timespec ts;
    if (!u) {
        *us = -1;
        return 0;
    }
    if (copy_from_proc(t->proc, &ts, u, sizeof ts))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    *us = ts.tv_sec > 1000000000 ? (int64_t)1000000000 * 1000000
                                 : ts.tv_sec * 1000000 + (ts.tv_nsec + 999) / 1000;
    return 0;
}

static long sys_ppoll(struct thread *t, const uint64_t a[6])
{
    if (a[1] > POLL_MAX)
        return -EINVAL;
    int64_t us;
    long err = timespec_us(t, a[2], &us);
    if (err)
        return err;
    const uint64_t arg[6] = { 0, a[0], a[1], 0, 0, 0 };
    return wait_ready(t, arg, us, a[3]);
}

static long do_select(struct thread *t, const uint64_t a[6], int64_t us, uint64_t sigmask_u)
{
    if ((int)a[0] < 0 || a[0] > FD_MAX)
        return -EINVAL;
    const uint64_t arg[6] = { a[0], a[1], a[2], a[3], 0, 1 };
    return wait_ready(t, arg, us, sigmask_u);
}

static long sys_select(struct thread *t, const uint64_t a[6])
{
    int64_t us = -1;
    if (a[4]) {
        struct { int64_t sec, usec; } tv;
        if (copy_from_proc(t->proc, &tv, a[4], sizeof tv))
            return -EFAULT;
        if (tv.sec < 0 || tv.usec < 0)
            return -EINVAL;
        us = tv.sec * 1000000 + tv.usec;
    }
    return do_select(t, a, us, 0);
}

static long sys_pselect6(struct thread *t, const uint64_t a[6])
{
    int64_t us;
    long err = timespec_us(t, a[4], &us);
    uint64_t mask_u = 0;
    if (!err && a[5]) {                     /* { const sigset_t *ss; size_t ss_len; } */
        uint64_t pair[2];
        if (copy_from_proc(t->proc, pair, a[5], sizeof pair))
            return -EFAULT;
        mask_u = pair[0];
    }
    return err ? err : do_select(t, a, us, mask_u);
}

const struct syscall_entry poll_syscalls[] = {
    { __NR_poll, "poll", sys_poll },
    { __NR_ppoll, "ppoll", sys_ppoll },
    { __NR_select, "select", sys_select },
    { __NR_pselect6, "pselect6", sys_pselect6 },
    { 0, NULL, NULL },
};
