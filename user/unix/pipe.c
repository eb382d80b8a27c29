/* Pipes and FIFOs: a ring of bytes with readers and writers waiting on
 * it; EOF when the last writer goes, EPIPE and SIGPIPE when the last
 * reader has. */
#include <stdlib.h>
#include <string.h>
#include "fd.h"
#include "fs.h"
#include "proc.h"
#include "signal.h"

#define PIPE_SIZE 65536
#define PIPE_BUF_ 4096                  /* writes up to this size are atomic */

struct pipe {
    char *buf;
    unsigned head, len;
    unsigned readers, writers;
    struct thread *waiting;             /* readers and writers (wait.next) */
    struct inode *fifo;                 /* a named pipe: its node */
    unsigned busy;                      /* pipe_progress runs on it (nested, too) */
};

static void unlink_waiter(struct thread *t)
{
    struct pipe *p = t->wait.obj;
    for (struct thread **pp = &p->waiting; *pp; pp = &(*pp)->wait.next)
        if (*pp == t) {
            *pp = t->wait.next;
            return;
        }
}

static long do_read(struct pipe *p, struct thread *t, uint64_t buf, uint64_t n)
{
    uint64_t done = 0;
    while (done < n && p->len) {
        unsigned chunk = PIPE_SIZE - p->head < p->len ? PIPE_SIZE - p->head : p->len;
        if (chunk > n - done)
            chunk = (unsigned)(n - done);
        if (copy_to_proc(t->proc, buf + done, p->buf + p->head, chunk))
            return done ? (long)done : -EFAULT;
        p->head = (p->head + chunk) % PIPE_SIZE;
        p->len -= chunk;
        done += chunk;
    }
    return (long)done;
}

/* Writes as much as fits; -EFAULT before anything, else bytes. */
static long do_write(struct pipe *p, struct thread *t, uint64_t buf, uint64_t n)
{
    uint64_t done = 0;
    while (done < n && p->len < PIPE_SIZE) {
        unsigned tail = (p->head + p->len) % PIPE_SIZE;
        unsigned chunk = PIPE_SIZE - tail < PIPE_SIZE - p->len ? PIPE_SIZE - tail
                                                               : PIPE_SIZE - p->len;
        if (chunk > n - done)
            chunk = (unsigned)(n - done);
        if (copy_from_proc(t->proc, p->buf + tail, buf + done, chunk))
            return done ? (long)done : -EFAULT;
        p->len += chunk;
        done += chunk;
    }
    return (long)done;
}

/* Let the waiting readers and writers go on as far as they can. A
 * thread finished here may end its process (a fatal signal delivered with
 * the answer: SIGPIPE, or one pending), whose files close, this pipe's
 * ends among them (pipe_release, in here): the scan starts again after
 * each finish rather than follow a link that may be gone, and p is not
 * freed while `busy` (the Unix server freed a pipe twice when a writer
 * waiting on it died of SIGPIPE as its reader closed). */
static void pipe_progress(struct pipe *p)
{
    p->busy++;
    bool moved = true;
    while (moved) {
        moved = false;
        for (struct thread *t = p->waiting, *next; t; t = next) {
            next = t->wait.next;
            bool reading = t->wait.arg[2] == 0;
            uint64_t buf = t->wait.arg[0], n = t->wait.arg[1], done = t->wait.arg[3];
            long r;
            if (reading) {
                if (!p->len && p->writers)
                    continue;
                r = do_read(p, t, buf, n);
            } else {
                if (!p->readers) {
                    r = done ? (long)done : -EPIPE;
                    unlink_waiter(t);
                    t->wait.cancel = NULL;
                    t->state = T_IN_CALL;   /* (SIGPIPE comes with the answer, */
                    if (!done)              /* not as an interrupted wait) */
                        signal_sigpipe(t);
                    thread_finish(t, r);
                    moved = true;
                    break;
                }
                if (p->len == PIPE_SIZE || (n - done <= PIPE_BUF_ && PIPE_SIZE - p->len < n - done))
                    continue;
                r = do_write(p, t, buf + done, n - done);
                if (r >= 0 && done + (uint64_t)r < n) {
                    t->wait.arg[3] = done + (uint64_t)r;
                    moved |= r > 0;
                    continue;
                }
                if (r >= 0)
                    r += (long)done;
            }
            unlink_waiter(t);
            t->wait.cancel = NULL;
            thread_finish(t, r);
            moved = true;
            break;
        }
    }
    p->busy--;
    poll_wakeup();
}

static long pipe_read(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    struct pipe *p = f->priv;
    if (!n)
        return 0;
    if (p->len) {
        long r = do_read(p, t, buf, n);
        pipe_progress(p);
        return r;
    }
    if (!p->writers)
        return 0;
    if (f->flags & O_NONBLOCK)
        return -EAGAIN;
    struct wait w = { .cancel = unlink_waiter, .restartable = true, .obj = p,
                      .next = p->waiting, .arg = { buf, n, 0, 0 } };
    p->waiting = t;
    return thread_wait(t, &w);
}

static long pipe_write(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    struct pipe *p = f->priv;
    if (!p->readers) {
        signal_sigpipe(t);
        return -EPIPE;
    }
    if (!n)
        return 0;
    long r = 0;
    bool atomic_wait = n <= PIPE_BUF_ && PIPE_SIZE - p->len < n;
    if (!atomic_wait)
        r = do_write(p, t, buf, n);
    if (r < 0)
        return r;
    pipe_progress(p);
    if ((uint64_t)r == n)
        return r;
    if (f->flags & O_NONBLOCK)
        return r ? r : -EAGAIN;
    struct wait w = { .cancel = unlink_waiter, .restartable = r == 0, .obj = p,
                      .next = p->waiting, .arg = { buf, n, 1, (uint64_t)r } };
    p->waiting = t;
    return thread_wait(t, &w);
}

static unsigned pipe_poll(struct file *f)
{
    struct pipe *p = f->priv;
    unsigned m = 0;
    if ((f->flags & O_ACCMODE) != O_WRONLY)
        m |= (p->len ? POLLIN : 0) | (!p->writers ? POLLHUP : 0);
    if ((f->flags & O_ACCMODE) != O_RDONLY)
        m |= (p->len < PIPE_SIZE ? POLLOUT : 0) | (!p->readers ? POLLERR : 0);
    return m;
}

static void pipe_free(struct pipe *p)
{
    if (p->fifo) {
        p->fifo->fifo = NULL;
        inode_unref(p->fifo);
    }
    free(p->buf);
    free(p);
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    if ((f->flags & O_ACCMODE) != O_WRONLY)
        p->readers--;
    if ((f->flags & O_ACCMODE) != O_RDONLY)
        p->writers--;
    pipe_progress(p);
    if (!p->busy && !p->readers && !p->writers && !p->waiting)
        pipe_free(p);
}

static long pipe_ioctl(struct file *f, struct thread *t, unsigned cmd, uint64_t arg)
{
    struct pipe *p = f->priv;
    if (cmd != FIONREAD)
        return -ENOTTY;
    int n = (int)p->len;
    return copy_to_proc(t->proc, arg, &n, sizeof n);
}

static const struct file_ops pipe_ops = {
    .read = pipe_read, .write = pipe_write, .ioctl = pipe_ioctl, .poll = pipe_poll,
    .release = pipe_release,
};

static struct pipe *pipe_new(void)
{
    struct pipe *p = calloc(1, sizeof *p);
    if (p && !(p->buf = malloc(PIPE_SIZE))) {
        free(p);
        return NULL;
    }
    return p;
}

int pipe_create(unsigned flags, struct file **r, struct file **w)
{
    struct pipe *p = pipe_new();
    if (!p)
        return -ENOMEM;
    *r = file_new(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK), NULL, p);
    *w = file_new(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK), NULL, p);
    if (!*r || !*w) {
        if (*r)
            free(*r);
        if (*w)
            free(*w);
        pipe_free(p);
        return -ENOMEM;
    }
    p->readers = p->writers = 1;
    return 0;
}

/* A FIFO's open: its pipe, made on the first open (and dropped with the
 * last). Opens do not wait for the other end (a simplification). */
struct file *fifo_open(struct inode *ip, unsigned flags, int *err)
{
    struct pipe *p = ip->fifo;
    if (!p) {
        if (!(p = pipe_new())) {
            *err = -ENOMEM;
            return NULL;
        }
        p->fifo = ip;
        inode_ref(ip);
        ip->fifo = p;
    }
    struct file *f = file_new(&pipe_ops, flags, ip, p);
    if (!f) {
        *err = -ENOMEM;
        return NULL;
    }
    if ((flags & O_ACCMODE) != O_WRONLY)
        p->readers++;
    if ((flags & O_ACCMODE) != O_RDONLY)
        p->writers++;
    pipe_progress(p);
    return f;
}
