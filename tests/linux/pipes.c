/* Pipes: pipe, pipe2 (O_CLOEXEC, O_NONBLOCK), data in order, partial
 * reads, EOF after the last writer closes, EPIPE with SIGPIPE ignored
 * and handled, death by SIGPIPE by default, EAGAIN when non-blocking,
 * a reader blocked until a writer comes, poll, ppoll, select and
 * pselect on pipes, FIONREAD.
 * Not printed: a pipe's capacity (Linux: 64 KiB; only that it holds at
 * least PIPE_BUF = 4096 bytes). */
#include "lt.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/wait.h>

static volatile sig_atomic_t got_sigpipe;

static void on_sigpipe(int s)
{
    (void)s;
    got_sigpipe++;
}

static int write_after_a_while(void *fd)
{
    lt_msleep(50);
    return write((int)(intptr_t)fd, "late", 4) == 4 ? 0 : 1;
}

static int write_to_closed_pipe(void *fd)
{
    write((int)(intptr_t)fd, "x", 1);
    return 0;   /* not reached: SIGPIPE */
}

static int fill_read_end;

/* Writes until the pipe is full and waits there (the read end's copy
 * here closed: only the parent's is left). */
static int fill_pipe(void *fd)
{
    static char block[4096];
    close(fill_read_end);
    for (;;)
        if (write((int)(intptr_t)fd, block, sizeof block) < 0)
            return 1;                   /* (not reached: SIGPIPE kills first) */
}

static void poll_show(const char *what, int fd, short events)
{
    struct pollfd p = { fd, events, 0 };
    int n = poll(&p, 1, 0);
    say("%s: poll %d, revents%s%s%s%s", what, n, p.revents & POLLIN ? " POLLIN" : "",
        p.revents & POLLOUT ? " POLLOUT" : "", p.revents & POLLHUP ? " POLLHUP" : "",
        p.revents & POLLERR ? " POLLERR" : "");
}

int main(void)
{
    int p[2];
    ret("pipe", pipe(p));
    yes("two distinct descriptors", p[0] != p[1]);
    ret("F_GETFD of the read end", fcntl(p[0], F_GETFD));
    say("F_GETFL of the ends: %s, %s", (fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "?",
        (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "?");
    ret("write 5", write(p[1], "hello", 5));
    ret("write 6", write(p[1], " world", 6));
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    say("FIONREAD %d", avail);
    char buf[8192];
    memset(buf, 0, sizeof buf);
    ret("read 3", read(p[0], buf, 3));
    say("got \"%s\"", buf);
    memset(buf, 0, sizeof buf);
    ret("read up to 100", read(p[0], buf, 100));
    say("got \"%s\"", buf);
    err("write to the read end", write(p[0], "x", 1));
    err("read from the write end", read(p[1], buf, 1));
    struct stat st;
    fstat(p[0], &st);
    yes("fstat says fifo", S_ISFIFO(st.st_mode));

    /* a reader waits for a writer */
    pid_t pid = lt_fork(write_after_a_while, (void *)(intptr_t)p[1]);
    memset(buf, 0, sizeof buf);
    ret("blocking read until the child writes", read(p[0], buf, 100));
    say("got \"%s\"", buf);
    status("the writer", lt_wait(pid));

    ret("write 2 then close the write end", write(p[1], "ab", 2));
    close(p[1]);
    poll_show("read end, data and no writer", p[0], POLLIN);
    ret("read", read(p[0], buf, 100));
    ret("read at EOF", read(p[0], buf, 100));
    poll_show("read end, no writer", p[0], POLLIN);
    close(p[0]);

    /* a writer waiting on a full pipe when its reader closes: SIGPIPE
     * kills it then (the Unix server freed the pipe twice here: once as
     * the dying writer's end closed, inside the reader's close, and once
     * more as that close went on) */
    pipe(p);
    fill_read_end = p[0];
    pid = lt_fork(fill_pipe, (void *)(intptr_t)p[1]);
    close(p[1]);
    lt_msleep(100);                     /* (it fills the pipe and waits) */
    close(p[0]);
    status("a child waiting to write when the reader closes", lt_wait(pid));

    /* no reader: SIGPIPE kills by default */
    pipe(p);
    close(p[0]);
    pid = lt_fork(write_to_closed_pipe, (void *)(intptr_t)p[1]);
    status("a child writing to a pipe without reader", lt_wait(pid));
    poll_show("write end, no reader", p[1], POLLOUT);
    signal(SIGPIPE, SIG_IGN);
    err("write with SIGPIPE ignored", write(p[1], "x", 1));
    struct sigaction sa = { .sa_handler = on_sigpipe };
    sigaction(SIGPIPE, &sa, NULL);
    err("write with a SIGPIPE handler", write(p[1], "x", 1));
    say("the handler ran %d time(s)", (int)got_sigpipe);
    close(p[1]);

    /* non-blocking ends */
    ret("pipe2 O_NONBLOCK|O_CLOEXEC", pipe2(p, O_NONBLOCK | O_CLOEXEC));
    ret("F_GETFD", fcntl(p[0], F_GETFD));
    yes("F_GETFL has O_NONBLOCK on both ends",
        (fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK));
    err("read of an empty pipe", read(p[0], buf, 1));
    poll_show("read end, empty", p[0], POLLIN);
    poll_show("write end, empty", p[1], POLLOUT);
    memset(buf, 'z', sizeof buf);
    long total = 0, n;
    while ((n = write(p[1], buf, 4096)) > 0)
        total += n;
    say("filling it ends with %s", errname(errno));
    yes("it held at least 4096 bytes", total >= 4096);
    yes("what it held is a multiple of 4096 (PIPE_BUF writes are whole)", total % 4096 == 0);
    poll_show("write end, full", p[1], POLLOUT);
    poll_show("read end, full", p[0], POLLIN);
    long drained = 0;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        drained += n;
    yes("all of it reads back", drained == total);
    close(p[0]);
    close(p[1]);

    /* select and pselect */
    pipe(p);
    fd_set r, w;
    struct timeval tv = { 0, 0 };
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    int maxfd = p[0] > p[1] ? p[0] : p[1];
    ret("select, empty pipe, both ends", select(maxfd + 1, &r, &w, NULL, &tv));
    yes("read end not ready, write end ready", !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    write(p[1], "x", 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 5;
    ret("select with data", select(maxfd + 1, &r, NULL, NULL, &tv));
    yes("read end ready", FD_ISSET(p[0], &r));
    read(p[0], buf, 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 20000;
    ret("select, empty pipe, 20 ms timeout", select(maxfd + 1, &r, NULL, NULL, &tv));
    pid = lt_fork(write_after_a_while, (void *)(intptr_t)p[1]);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = { 10, 0 };
    ret("pselect waits for the child's write", pselect(maxfd + 1, &r, NULL, NULL, &ts, NULL));
    lt_wait(pid);
    read(p[0], buf, sizeof buf);

    struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    ret("poll both ends, empty", poll(pf, 2, 0));
    say("revents: read end %#x, write end has POLLOUT %s", pf[0].revents,
        pf[1].revents & POLLOUT ? "yes" : "no");
    pf[0].revents = 0;
    ret("poll the read end, 20 ms", poll(pf, 1, 20));
    pid = lt_fork(write_after_a_while, (void *)(intptr_t)p[1]);
    ret("ppoll waits for the child's write", ppoll(pf, 1, &ts, NULL));
    yes("POLLIN", pf[0].revents & POLLIN);
    lt_wait(pid);
    struct pollfd neg = { -1, POLLIN, 7 };
    ret("poll with a negative fd (ignored)", poll(&neg, 1, 0));
    say("its revents %d", neg.revents);
    int closed = dup(p[0]);
    close(closed);
    struct pollfd nv = { closed, POLLIN, 0 };
    ret("poll of a closed descriptor", poll(&nv, 1, 0));
    say("revents POLLNVAL %s", nv.revents == POLLNVAL ? "yes" : "no");
    FD_ZERO(&r);
    FD_SET(closed, &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    err("select of a closed descriptor", select(closed + 1, &r, NULL, NULL, &tv));
    close(p[0]);
    close(p[1]);
    lt_done();
}
