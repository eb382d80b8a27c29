/* The console session (session.h). */
#include <stdlib.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "exec.h"
#include "fd.h"
#include "fs.h"
#include "mm.h"
#include "proc.h"
#include "session.h"
#include "signal.h"
#include "tty.h"

#define MAX_ARGS 32

static struct proc *leader;             /* the program the session runs */
static bool running, ended;
static int status;                      /* its wait status, once ended */
static L4_ThreadId_t client, waiter;    /* who started it; who waits for its end */

static char *const environment[] = {
    "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root", "USER=root", "LOGNAME=root",
    "SHELL=/bin/sh", "TERM=vt100", "PWD=/", NULL,
};

/* The first process: the program at argv[0] with the terminal as its
 * standard streams; 0 or -errno. */
static int start(char **argv)
{
    struct fsctx ctx = { .root = fs_root(), .cwd = fs_root() };
    struct inode *prog = NULL, *con = NULL;
    int err = fs_lookup(&ctx, fs_root(), argv[0], 0, &prog);
    if (!err)
        err = fs_lookup(&ctx, fs_root(), "/dev/console", 0, &con);
    struct proc *p = err ? NULL : proc_new(NULL, &err);
    if (p) {
        p->mm = mm_new();
        p->files = calloc(1, sizeof *p->files);
        p->fs = malloc(sizeof *p->fs);
        signal_init(p);
        if (!p->mm || !p->files || !p->fs || !p->sig)
            err = -ENOMEM;
    }
    uint64_t entry = 0, sp = 0;
    struct file *tty = NULL;
    if (!err) {
        p->files->refs = 1;
        *p->fs = (struct fsctx){ .refs = 1, .root = fs_root(), .cwd = fs_root(), .umask = 022 };
        inode_ref(fs_root());
        inode_ref(fs_root());
        struct exec_args ea = { .argv = argv, .envp = (char **)environment, .execfn = argv[0] };
        err = exec_load(p->mm, prog, &ea, &entry, &sp);
    }
    if (!err && !(tty = file_open_inode(con, O_RDWR, &err)))
        err = err ? err : -ENOMEM;
    if (!err) {
        for (int fd = 0; fd < 3; fd++) {
            file_ref(tty);
            fd_install(p, tty, fd, false);
        }
        file_unref(tty);
        const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        strncpy0(p->comm, base, sizeof p->comm);
        for (unsigned i = 0; argv[i]; i++) {
            size_t n = strlen(argv[i]) + 1;
            if (p->cmdline_len + n > sizeof p->cmdline)
                break;
            memcpy(p->cmdline + p->cmdline_len, argv[i], n);
            p->cmdline_len += n;
        }
        struct thread *t = thread_new(p, &err);
        if (t) {
            t->r[UNIX_MR_RIP] = t->r[UNIX_MR_RCX] = entry;
            t->r[UNIX_MR_RSP] = sp;
            t->r[UNIX_MR_RFLAGS] = t->r[UNIX_MR_R11] = 0x202;
        }
    }
    if (prog)
        inode_unref(prog);
    if (con)
        inode_unref(con);
    if (err && p) {
        proc_exit(p, 0);
        proc_reap(p);
        return err;
    }
    if (err)
        return err;
    leader = p;
    tty_set_session(p->sid, p->pgid);
    return 0;
}

/* Has the session's client ended (killed, or gone without OS_UNIX_WAIT)?
 * Then its thread is no more: Schedule, which we may not do to a thread
 * that exists, says "invalid thread" instead of "no privilege". (No
 * OS_RELEASE notice for this: the root server sends those with a
 * timeout, and we call it, for address spaces; the two could wait on
 * each other.) */
static bool client_gone(void)
{
    L4_Word_t old;
    return !L4_Schedule(client, ~0UL, ~0UL, ~0UL, ~0UL, &old) &&
           L4_ErrorCode() == L4_ErrInvalidThread;
}

/* SIGHUP to the processes of session sid but `except`, as Linux does when
 * the terminal hangs up: they are to leave the terminal to the next. */
static void hang_up(int sid, const struct proc *except)
{
    struct proc *q;
    for (unsigned at = 0; (q = proc_next(&at));)
        if (q != except && q->sid == sid && q->state == P_ALIVE)
            signal_send_proc(q, SIGHUP);
}

/* The client left the session without waiting for its end: nobody types
 * into it or reads its end any more, as when a modem hangs up. Its
 * processes get SIGHUP, and its leader's end is no session's end (its
 * OS_CLOSE would be for nobody). */
static void abandon(void)
{
    ulog("the session's client (%lx) is gone: its session hangs up", client.raw);
    if (leader)
        hang_up(leader->sid, NULL);
    leader = NULL;
    running = ended = false;
    waiter = L4_nilthread;
    tty_set_session(0, 0);
}

static int run(L4_ThreadId_t from)
{
    static char text[1024];
    long n = os_get_string(1, text, sizeof text);
    if (n < 0)
        return OS_ETOOLONG;
    if (running && !client_gone())
        return OS_EBUSY;
    if (running)
        abandon();
    char *argv[MAX_ARGS + 1];
    unsigned argc = 0;
    for (char *s = text; s < text + n && argc < MAX_ARGS; s += strlen(s) + 1)
        argv[argc++] = s;                   /* words NUL-separated */
    argv[argc] = NULL;
    if (!argc)
        return OS_EINVAL;
    int err = start(argv);
    if (err) {
        ulog("cannot run %s: error %d", argv[0], -err);
        return err == -ENOENT ? OS_ENOENT : err == -ENOMEM ? OS_ENOMEM : OS_EINVAL;
    }
    running = true;
    ended = false;
    client = from;
    return OS_OK;
}

static void finish_wait(void)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 1;
    mr[1] = (L4_Word_t)status;
    L4_Send_Timeout(waiter, L4_ZeroTime);
    waiter = L4_nilthread;
    running = ended = false;
}

int session_request(L4_ThreadId_t from, L4_MsgTag_t tag)
{
    L4_Word_t label = L4_Label(tag);
    L4_Word_t *mr = __L4_Utcb();
#if defined(UNIX_TRACE) || defined(UNIX_TRACE_REQ)
    ulog("request %lx from %lx: %lx", label, from.raw, mr[2]);
#endif
    switch (label) {
    case OS_UNIX_RUN:
        return run(from);
    case OS_UNIX_INPUT: {
        if (!running || from.raw != client.raw)
            return OS_EPERM;
        char buf[OS_MSG_BYTES];
        unsigned long n = os_msg_bytes(L4_UntypedWords(tag), 2, mr[1]);
        memcpy(buf, &mr[2], (size_t)n);
        tty_input(buf, (unsigned)n);
        return OS_OK;
    }
    case OS_UNIX_WAIT:
        if (!running || from.raw != client.raw)
            return OS_EPERM;
        waiter = from;
        if (ended)
            finish_wait();
        return -1;
    }
    return OS_EINVAL;
}

void session_process_ended(struct proc *p)
{
    if (p != leader)
        return;
    leader = NULL;
    status = p->exit_status;
    ended = true;
    hang_up(p->sid, p);                     /* what the session left running */
    tty_set_session(0, 0);
#ifdef UNIX_TRACE
    ulog("session ended: status %x", status);
#endif
    /* end the client's read of the console (its next, if it is not
     * reading yet): it then asks for the status */
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t saved[3] = { mr[0], mr[1], mr[2] };
    mr[0] = MSGTAG(OS_CLOSE, 0, 2);
    mr[1] = OS_STREAM_RAW;
    mr[2] = client.raw;
    L4_Call(console_id());
    mr[0] = saved[0], mr[1] = saved[1], mr[2] = saved[2];
    if (!L4_IsNilThread(waiter))
        finish_wait();
}
