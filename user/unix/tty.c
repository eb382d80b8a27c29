/* The terminal (tty.h). Output goes to the console server; input comes
 * from the console reader (session.c) into the line discipline. */
#include <string.h>
#include <os/os.h>
#include "proc.h"
#include "signal.h"
#include "tty.h"

#define INPUT_MAX 4096

static struct termios tio;
static struct winsize ws = { .ws_row = 24, .ws_col = 80 };
static char line[INPUT_MAX];            /* canonical: the line being edited */
static unsigned line_len;
static char ready[INPUT_MAX];           /* what read() may take */
static unsigned ready_len;
static unsigned eofs;                   /* pending end-of-file marks (VEOF on an empty line) */
static int tty_sid, tty_pgrp;
static struct thread *readers;          /* waiting in read (wait.next) */

void tty_init(void)
{
    memset(&tio, 0, sizeof tio);
    tio.c_iflag = ICRNL | IXON;
    tio.c_oflag = OPOST | ONLCR;
    tio.c_cflag = B38400 | CS8 | CREAD | HUPCL;
    tio.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
    tio.c_cc[VINTR] = 3;
    tio.c_cc[VQUIT] = 0x1C;
    tio.c_cc[VERASE] = 0x7F;
    tio.c_cc[VKILL] = 0x15;
    tio.c_cc[VEOF] = 4;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VSUSP] = 0x1A;
    tio.c_cc[VWERASE] = 0x17;
    tio.c_cc[VLNEXT] = 0x16;
}

void tty_set_session(int sid, int pgrp)
{
    tty_sid = sid;
    tty_pgrp = pgrp;
    line_len = ready_len = eofs = 0;
    tty_init();
}

/* ---- output ---------------------------------------------------------------------- */

static void out(const char *s, unsigned n)
{
    if (!(tio.c_oflag & OPOST) || !(tio.c_oflag & ONLCR)) {
        console_write(s, n);
        return;
    }
    char buf[512];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (k + 2 > sizeof buf) {
            console_write(buf, k);
            k = 0;
        }
        if (s[i] == '\n')
            buf[k++] = '\r';
        buf[k++] = s[i];
    }
    if (k)
        console_write(buf, k);
}

void tty_write_text(const char *s, unsigned n)
{
    out(s, n);
}

static void echo_char(char c)
{
    if (!(tio.c_lflag & ECHO) && !(c == '\n' && (tio.c_lflag & ECHONL)))
        return;
    if ((unsigned char)c < 32 && c != '\n' && c != '\t' && (tio.c_lflag & ECHOCTL)) {
        char ctl[2] = { '^', (char)(c + 64) };
        out(ctl, 2);
        return;
    }
    out(&c, 1);
}

/* ---- input ------------------------------------------------------------------------- */

static void wake_readers(void);

static void to_ready(const char *s, unsigned n)
{
    if (n > INPUT_MAX - ready_len)
        n = INPUT_MAX - ready_len;
    memcpy(ready + ready_len, s, n);
    ready_len += n;
}

static void signal_foreground(int sig)
{
#ifdef UNIX_TRACE_SIG
    ulog("tty: signal %d to group %d", sig, tty_pgrp);
#endif
    struct proc *p;
    for (unsigned at = 0; (p = proc_next(&at));)
        if (p->pgid == tty_pgrp && p->state == P_ALIVE)
            signal_send_proc(p, sig);
}

static void input_char(char c)
{
#ifdef UNIX_TRACE_SIG
    if (c == 3)
        ulog("tty: ^C, lflag %x", tio.c_lflag);
#endif
    if ((tio.c_iflag & ISTRIP))
        c &= 0x7F;
    if (c == '\r' && (tio.c_iflag & IGNCR))
        return;
    if (c == '\r' && (tio.c_iflag & ICRNL))
        c = '\n';
    else if (c == '\n' && (tio.c_iflag & INLCR))
        c = '\r';
    if (tio.c_lflag & ISIG) {
        int sig = c == (char)tio.c_cc[VINTR] ? SIGINT : c == (char)tio.c_cc[VQUIT] ? SIGQUIT
                : c == (char)tio.c_cc[VSUSP] ? SIGTSTP : 0;
        if (sig && c) {
            echo_char(c);
            if (tio.c_lflag & ECHO)
                out("\n", 1);
            if (!(tio.c_lflag & NOFLSH))
                line_len = ready_len = 0;
            signal_foreground(sig);
            return;
        }
    }
    if (!(tio.c_lflag & ICANON)) {
        echo_char(c);
        to_ready(&c, 1);
        return;
    }
    if (c == (char)tio.c_cc[VERASE] || c == '\b') {
        if (line_len) {
            line_len--;
            if (tio.c_lflag & ECHO)
                out("\b \b", 3);
        }
        return;
    }
    if (c == (char)tio.c_cc[VKILL]) {
        while (line_len) {
            line_len--;
            if (tio.c_lflag & ECHO)
                out("\b \b", 3);
        }
        return;
    }
    if (c == (char)tio.c_cc[VWERASE] && (tio.c_lflag & IEXTEN)) {
        while (line_len && line[line_len - 1] == ' ')
            line_len--, out("\b \b", (tio.c_lflag & ECHO) ? 3 : 0);
        while (line_len && line[line_len - 1] != ' ')
            line_len--, out("\b \b", (tio.c_lflag & ECHO) ? 3 : 0);
        return;
    }
    if (c == (char)tio.c_cc[VEOF]) {
        if (!line_len)
            eofs++;
        to_ready(line, line_len);
        line_len = 0;
        return;
    }
    if (line_len < INPUT_MAX - 1)
        line[line_len++] = c;
    echo_char(c);
    if (c == '\n' || c == (char)tio.c_cc[VEOL]) {
        to_ready(line, line_len);
        line_len = 0;
    }
}

void tty_input(const char *buf, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        input_char(buf[i]);
    wake_readers();
    poll_wakeup();
}

bool tty_input_room(void)
{
    return ready_len < INPUT_MAX / 2;
}

/* ---- the file --------------------------------------------------------------------------- */

static bool readable(void)
{
    if (tio.c_lflag & ICANON)
        return eofs || memchr(ready, '\n', ready_len) || ready_len == INPUT_MAX;
    return ready_len > 0;
}

/* What a read of up to n bytes gets now (into tmp): bytes, 0 at an
 * end-of-file mark, -1 if it must wait. */
static long take(char *tmp, uint64_t n)
{
    if (!readable())
        return -1;
    uint64_t k = 0;
    if (tio.c_lflag & ICANON) {
        char *nl = memchr(ready, '\n', ready_len);
        k = nl ? (uint64_t)(nl - ready) + 1 : ready_len;
        if (!k && eofs) {
            eofs--;
            return 0;
        }
    } else {
        k = ready_len;
    }
    if (k > n)
        k = n;
    memcpy(tmp, ready, k);
    memmove(ready, ready + k, ready_len - k);
    ready_len -= (unsigned)k;
    return (long)k;
}

static void unlink_reader(struct thread *t)
{
    for (struct thread **pp = &readers; *pp; pp = &(*pp)->wait.next)
        if (*pp == t) {
            *pp = t->wait.next;
            return;
        }
}

static void wake_readers(void)
{
    while (readers && readable()) {
        struct thread *t = readers;
        readers = t->wait.next;
        char tmp[INPUT_MAX];
        long k = take(tmp, t->wait.arg[1] < INPUT_MAX ? t->wait.arg[1] : INPUT_MAX);
        if (k > 0 && copy_to_proc(t->proc, t->wait.arg[0], tmp, (size_t)k))
            k = -EFAULT;
        t->wait.cancel = NULL;
        thread_finish(t, k);
    }
}

/* A process of another group reading the terminal gets SIGTTIN; we keep
 * it simple: background reads wait like any other (the shell's job
 * control still works: it sets the foreground group before it runs one). */
static long tty_read(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    char tmp[INPUT_MAX];
    if (!n)
        return 0;
    long k = take(tmp, n < INPUT_MAX ? n : INPUT_MAX);
    if (k >= 0)
        return copy_to_proc(t->proc, buf, tmp, (size_t)k) ? -EFAULT : k;
    if (f->flags & O_NONBLOCK)
        return -EAGAIN;
    struct wait w = { .cancel = unlink_reader, .restartable = true, .next = readers,
                      .arg = { buf, n } };
    readers = t;
    return thread_wait(t, &w);
}

static long tty_write(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    (void)f;
    char tmp[512];
    uint64_t done = 0;
    while (done < n) {
        uint64_t k = n - done < sizeof tmp ? n - done : sizeof tmp;
        if (copy_from_proc(t->proc, tmp, buf + done, k))
            return done ? (long)done : -EFAULT;
        out(tmp, (unsigned)k);
        done += k;
    }
    return (long)n;
}

static long tty_ioctl(struct file *f, struct thread *t, unsigned cmd, uint64_t arg)
{
    (void)f;
    struct proc *p = t->proc;
    switch (cmd) {
    case TCGETS:
        return copy_to_proc(p, arg, &tio, sizeof tio);
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        struct termios n;
        if (copy_from_proc(p, &n, arg, sizeof n))
            return -EFAULT;
        if (cmd == TCSETSF)
            ready_len = line_len = eofs = 0;
        bool was_canon = tio.c_lflag & ICANON;
#ifdef UNIX_TRACE_SIG
        ulog("tty: pid %d sets lflag %x (cmd %x)", p->pid, n.c_lflag, cmd);
#endif
        tio = n;
        if (was_canon && !(tio.c_lflag & ICANON)) {     /* the line so far is input now */
            to_ready(line, line_len);
            line_len = 0;
        }
        wake_readers();
        poll_wakeup();
        return 0;
    }
    case TIOCGWINSZ:
        return copy_to_proc(p, arg, &ws, sizeof ws);
    case TIOCSWINSZ:
        return copy_from_proc(p, &ws, arg, sizeof ws);
    case TIOCGPGRP:
        return copy_to_proc(p, arg, &tty_pgrp, sizeof tty_pgrp);
    case TIOCSPGRP: {
        int g;
        if (copy_from_proc(p, &g, arg, sizeof g))
            return -EFAULT;
        if (g <= 0)
            return -EINVAL;
        tty_pgrp = g;
        return 0;
    }
    case TIOCGSID:
        return copy_to_proc(p, arg, &tty_sid, sizeof tty_sid);
    case TIOCSCTTY:
    case TIOCNOTTY:
        return 0;
    case FIONREAD: {
        int n = (int)ready_len;
        return copy_to_proc(p, arg, &n, sizeof n);
    }
    case TCFLSH:
        if (arg == TCIFLUSH || arg == TCIOFLUSH)
            ready_len = line_len = eofs = 0;
        return 0;
    case TCXONC:
    case TCSBRK:
        return 0;
    default:
        return -ENOTTY;
    }
}

static unsigned tty_poll(struct file *f)
{
    (void)f;
    return (readable() ? POLLIN : 0) | POLLOUT;
}

static const struct file_ops tty_ops = {
    .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll,
};

struct file *tty_open(struct inode *ip, unsigned flags, int *err)
{
    struct file *f = file_new(&tty_ops, flags, ip, NULL);
    if (!f)
        *err = -ENOMEM;
    return f;
}

bool file_is_tty(const struct file *f)
{
    return f->ops == &tty_ops;
}

const struct syscall_entry tty_syscalls[] = {
    { 0, NULL, NULL },
};
