/* Process system calls: fork, vfork, clone, execve, exit, wait, ids,
 * groups and sessions. */
#include <stdlib.h>
#include <string.h>
#include "exec.h"
#include "fd.h"
#include "fs.h"
#include "futex.h"
#include "mm.h"
#include "proc.h"
#include "signal.h"

/* ---- fork and clone -------------------------------------------------------------- */

/* The child of t's process: its memory (shared or copied), files, fs
 * context and actions, and one thread starting with t's registers but
 * RAX 0 (and the stack and TLS clone asks for). Returns the thread or
 * NULL with *err. */
static struct thread *new_child(struct thread *t, uint64_t flags, uint64_t stack, uint64_t tls,
                                int *err)
{
    struct proc *p = t->proc, *c;
    bool thread = flags & CLONE_THREAD;
    if (thread) {
        c = p;
    } else {
        if (!(c = proc_new(p, err)))
            return NULL;
        if (flags & CLONE_VM)               /* vfork: the parent's memory, shared */
            mm_get(c->mm = p->mm);
        else
            c->mm = mm_fork(p->mm);
        signal_init(c);
        if (!c->mm || files_fork(p, c, flags & CLONE_FILES) || fsctx_fork(p, c, flags & CLONE_FS) ||
            !c->sig || signal_fork(p, c, flags & CLONE_SIGHAND)) {
            *err = -ENOMEM;
            c->state = P_ALIVE;
            proc_exit(c, 0);
            proc_reap(c);
            return NULL;
        }
    }
    struct thread *n = thread_new(c, err);
    if (!n) {
        if (!thread) {
            proc_exit(c, 0);
            proc_reap(c);
        }
        return NULL;
    }
    memcpy(n->r, t->r, sizeof n->r);
    n->r[UNIX_MR_RAX] = 0;
    if (stack)
        n->r[UNIX_MR_RSP] = stack;
    if (flags & CLONE_SETTLS)
        n->r[UNIX_MR_FS_BASE] = tls;
    n->r[UNIX_MR_RCX] = n->r[UNIX_MR_RIP];  /* (as sysret leaves them) */
    n->r[UNIX_MR_R11] = n->r[UNIX_MR_RFLAGS];
    n->sigmask = t->sigmask;
    n->altstack_flags = SS_DISABLE;
    return n;
}

static long do_clone(struct thread *t, uint64_t flags, uint64_t stack, uint64_t parent_tid,
                     uint64_t child_tid, uint64_t tls)
{
    if ((flags & CLONE_THREAD) && !(flags & CLONE_VM))
        return -EINVAL;
    if ((flags & CLONE_VM) && !(flags & CLONE_THREAD) && !(flags & CLONE_VFORK))
        return -EINVAL;                     /* a process sharing memory: not served */
    int err;
    struct thread *n = new_child(t, flags, stack, tls, &err);
    if (!n)
        return err;
    if (flags & CLONE_PARENT_SETTID)
        copy_to_proc(t->proc, parent_tid, &n->tid, sizeof(int));
    if (flags & CLONE_CHILD_SETTID)
        copy_to_proc(n->proc, child_tid, &n->tid, sizeof(int));
    if (flags & CLONE_CHILD_CLEARTID)
        n->clear_child_tid = child_tid;
    if (flags & CLONE_VFORK) {              /* the parent waits for its exec or end */
        n->proc->vfork_parent = t;
        struct wait w = { .killable = true };   /* handlers run after it, as on Linux */
        return thread_wait(t, &w);
    }
    return n->tid;
}

static long sys_fork(struct thread *t, const uint64_t a[6])
{
    (void)a;
    return do_clone(t, SIGCHLD, 0, 0, 0, 0);
}

static long sys_vfork(struct thread *t, const uint64_t a[6])
{
    (void)a;
    return do_clone(t, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

static long sys_clone(struct thread *t, const uint64_t a[6])
{
    return do_clone(t, a[0], a[1], a[2], a[3], a[4]);
}

/* ---- execve ----------------------------------------------------------------------------- */

#define ARG_MAX_BYTES (128 * 1024)

/* argv or envp from the process into one block; NULL-terminated array. */
static char **vector_from(struct proc *p, uint64_t uv, char *buf, size_t *used, int *err)
{
    char **v = NULL;
    size_t n = 0;
    for (;; n++) {
        uint64_t s;
        if (uv && copy_from_proc(p, &s, uv + n * 8, 8)) {
            *err = -EFAULT;
            break;
        }
        char **nv = realloc(v, (n + 1) * sizeof *v);
        if (!nv) {
            *err = -ENOMEM;
            break;
        }
        v = nv;
        if (!uv || !s) {
            v[n] = NULL;
            return v;
        }
        long len = string_from_proc(p, buf + *used, s, ARG_MAX_BYTES - *used);
        if (len < 0) {
            *err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
            break;
        }
        v[n] = buf + *used;
        *used += (size_t)len + 1;
    }
    free(v);
    return NULL;
}

/* "#!interpreter [arg]" scripts: the interpreter runs with the script. */
static int script_interp(struct inode *ip, char *interp, size_t size, char **arg)
{
    char head[128];
    long n = inode_read(ip, head, 0, sizeof head - 1);
    if (n < 3 || head[0] != '#' || head[1] != '!')
        return 0;
    head[n] = '\0';
    char *s = head + 2, *e;
    while (*s == ' ' || *s == '\t')
        s++;
    for (e = s; *e && *e != '\n' && *e != ' ' && *e != '\t'; e++)
        ;
    if (e == s || (size_t)(e - s) >= size || !strchr(head, '\n'))
        return -ENOEXEC;
    char *a = e;
    while (*a == ' ' || *a == '\t')
        a++;
    char *ae = a;
    while (*ae && *ae != '\n')
        ae++;
    while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t'))
        ae--;
    memcpy(interp, s, (size_t)(e - s));
    interp[e - s] = '\0';
    if (ae > a) {
        size_t len = (size_t)(ae - a);
        memmove(interp + (e - s) + 1, a, len);
        interp[(e - s) + 1 + len] = '\0';
        *arg = interp + (e - s) + 1;
    }
    return 1;
}

static long do_execve(struct thread *t, int dirfd, uint64_t upath, uint64_t uargv, uint64_t uenvp)
{
    struct proc *p = t->proc;
    char *buf = malloc(ARG_MAX_BYTES + 512);
    if (!buf)
        return -ENOMEM;
    char *path = buf + ARG_MAX_BYTES;
    long err = string_from_proc(p, path, upath, 256);
    size_t used = 0;
    int e = 0;
    char **argv = NULL, **envp = NULL;
    struct inode *ip = NULL;
    if (err >= 0 && !(argv = vector_from(p, uargv, buf, &used, &e)))
        err = e;
    if (err >= 0 && !(envp = vector_from(p, uenvp, buf, &used, &e)))
        err = e;
    if (err >= 0)
        err = path_lookup(t, dirfd, path, 0, &ip);
    /* a script: the interpreter, its argument, the script's path, then argv[1..] */
    char interp[256], *iarg = NULL;
    if (err >= 0 && (err = script_interp(ip, interp, sizeof interp, &iarg)) > 0) {
        unsigned argc = 0;
        while (argv[argc])
            argc++;
        char **nv = malloc((argc + 3) * sizeof *nv);
        if (!nv) {
            err = -ENOMEM;
        } else {
            unsigned k = 0;
            nv[k++] = interp;
            if (iarg)
                nv[k++] = iarg;
            nv[k++] = path;
            for (unsigned i = argc ? 1 : 0; i < argc; i++)
                nv[k++] = argv[i];
            nv[k] = NULL;
            free(argv);
            argv = nv;
            inode_unref(ip);
            ip = NULL;
            err = path_lookup(t, AT_FDCWD, interp, 0, &ip);
        }
    }
    struct mm *mm = NULL;
    uint64_t entry = 0, sp = 0;
    if (err >= 0 && !(ip->mode & 0111))
        err = -EACCES;
    if (err >= 0 && !(mm = mm_new()))
        err = -ENOMEM;
    if (err >= 0) {
        struct exec_args ea = { .argv = argv, .envp = envp, .execfn = path, .uid = p->uid,
                                .gid = p->gid, .euid = p->euid, .egid = p->egid };
        err = exec_load(mm, ip, &ea, &entry, &sp);
    }
    if (err < 0) {
        if (mm)
            mm_free(mm);
    } else {
        /* the point of no return: the other threads go, the memory is new */
        for (struct thread *o = p->threads; o;) {
            struct thread *next = o->next_in_proc;
            if (o != t)
                thread_exit(o, 0);
            o = next;
        }
        struct mm *old = p->mm;
        p->mm = mm;
        mm_free(old);
        files_exec(p);
        signal_exec(p);
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        strncpy0(p->comm, base, sizeof p->comm);
        p->cmdline_len = 0;
        for (unsigned i = 0; argv[i] && p->cmdline_len < sizeof p->cmdline; i++) {
            size_t n = strlen(argv[i]) + 1;
            if (p->cmdline_len + n > sizeof p->cmdline)
                n = sizeof p->cmdline - p->cmdline_len;
            memcpy(p->cmdline + p->cmdline_len, argv[i], n);
            p->cmdline_len += n;
        }
        memset(&t->r[1], 0, UNIX_MR_RFLAGS * sizeof t->r[0]);
        t->r[UNIX_MR_RIP] = t->r[UNIX_MR_RCX] = entry;
        t->r[UNIX_MR_RSP] = sp;
        t->r[UNIX_MR_RFLAGS] = t->r[UNIX_MR_R11] = 0x202;
        t->r[UNIX_MR_FS_BASE] = t->r[UNIX_MR_GS_BASE] = 0;
        t->regs_changed = true;
        t->clear_child_tid = 0;
        if (p->vfork_parent) {
            thread_finish(p->vfork_parent, p->pid);
            p->vfork_parent = NULL;
        }
        err = 0;
    }
    if (ip)
        inode_unref(ip);
    free(argv);
    free(envp);
    free(buf);
    return err;
}

static long sys_execve(struct thread *t, const uint64_t a[6])
{
    return do_execve(t, AT_FDCWD, a[0], a[1], a[2]);
}

static long sys_execveat(struct thread *t, const uint64_t a[6])
{
    return a[4] ? -EINVAL : do_execve(t, (int)a[0], a[1], a[2], a[3]);
}

/* ---- the end ------------------------------------------------------------------------------ */

static long sys_exit(struct thread *t, const uint64_t a[6])
{
    thread_exit(t, (int)a[0]);
    return SYS_WAIT;                        /* (it is gone) */
}

static long sys_exit_group(struct thread *t, const uint64_t a[6])
{
    proc_exit(t->proc, ((int)a[0] & 0xFF) << 8);
    return SYS_WAIT;
}

/* ---- wait -------------------------------------------------------------------------------- */

#define WSTOPPED_STATUS(sig) (((sig) << 8) | 0x7F)
#define WCONTINUED_STATUS 0xFFFF

static bool matches(const struct thread *t, const struct proc *c, long id, int idtype)
{
    switch (idtype) {
    case P_ALL: return true;
    case P_PID: return c->pid == id;
    case P_PGID: return c->pgid == (id ? id : t->proc->pgid);
    default: return false;
    }
}

/* What t's wait finds now: the child's pid (and *status, *code for
 * waitid), 0 if there are children but none to report, -ECHILD. */
static long wait_find(struct thread *t, long id, int idtype, int options, int *status, int *code,
                      bool reap)
{
    bool any = false;
    for (struct proc *c = t->proc->children; c; c = c->sibling) {
        if (!matches(t, c, id, idtype))
            continue;
        any = true;
        if (c->state == P_ZOMBIE && (options & WEXITED)) {
            int pid = c->pid;
            *status = c->exit_status;
            *code = (c->exit_status & 0x7F) ? CLD_KILLED : CLD_EXITED;
            if (reap && !(options & WNOWAIT))
                proc_reap(c);
            return pid;
        }
        if (c->stop_signal && !c->waited_for_stop && (options & WSTOPPED)) {
            *status = WSTOPPED_STATUS(c->stop_signal);
            *code = CLD_STOPPED;
            if (!(options & WNOWAIT))
                c->waited_for_stop = true;
            return c->pid;
        }
        if (c->continued && (options & WCONTINUED)) {
            *status = WCONTINUED_STATUS;
            *code = CLD_CONTINUED;
            if (!(options & WNOWAIT))
                c->continued = false;
            return c->pid;
        }
    }
    return any ? 0 : -ECHILD;
}

static struct thread *child_waiters;        /* threads in wait4/waitid (wait.next) */

static void unlink_waiter(struct thread *t)
{
    for (struct thread **pp = &child_waiters; *pp; pp = &(*pp)->wait.next)
        if (*pp == t) {
            *pp = t->wait.next;
            break;
        }
}

/* Finish t's wait if it can: the call's result. */
static long wait_complete(struct thread *t, long found, int status, int code)
{
    uint64_t ustatus = t->wait.arg[0], uinfo = t->wait.arg[1];
    bool is_waitid = t->wait.arg[2];
    if (is_waitid) {
        if (uinfo) {
            struct { int signo, err, code, pad; int pid, uid, status; } info = { 0 };
            if (found > 0)
                info = (typeof(info)){ SIGCHLD, 0, code, 0, (int)found, 0,
                                       code == CLD_EXITED ? (status >> 8) & 0xFF
                                       : code == CLD_KILLED ? status & 0x7F : (status >> 8) & 0xFF };
            if (copy_to_proc(t->proc, uinfo, &info, sizeof info))
                return -EFAULT;
        }
        return found < 0 ? found : 0;
    }
    if (found > 0 && ustatus && copy_to_proc(t->proc, ustatus, &status, sizeof status))
        return -EFAULT;
    return found;
}

void proc_child_changed(struct proc *parent)
{
    for (struct thread *t = child_waiters, *next; t; t = next) {
        next = t->wait.next;
        if (t->proc != parent)
            continue;
        int status = 0, code = 0;
        long found = wait_find(t, (long)t->wait.arg[3], (int)t->wait.arg[4], (int)t->wait.arg[5],
                               &status, &code, true);
        if (found) {
            unlink_waiter(t);
            thread_finish(t, wait_complete(t, found, status, code));
        }
    }
}

static long do_wait(struct thread *t, long id, int idtype, int options, uint64_t ustatus,
                    uint64_t uinfo, bool is_waitid)
{
    int status = 0, code = 0;
    if (!is_waitid)
        options |= WEXITED;
    long found = wait_find(t, id, idtype, options, &status, &code, true);
    struct wait w = { .cancel = unlink_waiter, .restartable = true, .next = child_waiters,
                      .arg = { ustatus, uinfo, is_waitid, (uint64_t)id, (uint64_t)idtype,
                               (uint64_t)(unsigned)options } };
    t->wait.arg[0] = ustatus;
    t->wait.arg[1] = uinfo;
    t->wait.arg[2] = is_waitid;
    if (found || (options & WNOHANG))
        return wait_complete(t, found, status, code);
    child_waiters = t;
    return thread_wait(t, &w);
}

static long sys_wait4(struct thread *t, const uint64_t a[6])
{
    long pid = (int)a[0];
    int options = (int)a[2];
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE))
        return -EINVAL;
    if (options & WUNTRACED)
        options = (options & ~WUNTRACED) | WSTOPPED;
    if (a[3]) {                             /* rusage: zeros */
        static const char zero[144];
        if (copy_to_proc(t->proc, a[3], zero, sizeof zero))
            return -EFAULT;
    }
    if (pid < -1)
        return do_wait(t, -pid, P_PGID, options, a[1], 0, false);
    if (pid == -1)
        return do_wait(t, 0, P_ALL, options, a[1], 0, false);
    if (pid == 0)
        return do_wait(t, 0, P_PGID, options, a[1], 0, false);
    return do_wait(t, pid, P_PID, options, a[1], 0, false);
}

static long sys_waitid(struct thread *t, const uint64_t a[6])
{
    int idtype = (int)a[0], options = (int)a[3];
    if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
        return -EINVAL;
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    return do_wait(t, (long)a[1], idtype, options, 0, a[2], true);
}

/* ---- ids, groups, sessions -------------------------------------------------------------- */

static long sys_getpid(struct thread *t, const uint64_t a[6]) { (void)a; return t->proc->pid; }
static long sys_gettid(struct thread *t, const uint64_t a[6]) { (void)a; return t->tid; }
static long sys_getppid(struct thread *t, const uint64_t a[6])
{
    (void)a;
    return t->proc->parent ? t->proc->parent->pid : 0;
}

static long sys_set_tid_address(struct thread *t, const uint64_t a[6])
{
    t->clear_child_tid = a[0];
    return t->tid;
}

static long sys_set_robust_list(struct thread *t, const uint64_t a[6])
{
    t->robust_list = a[0];
    return 0;
}

static long sys_getpgid(struct thread *t, const uint64_t a[6])
{
    struct proc *p = a[0] ? proc_by_pid((int)a[0]) : t->proc;
    return p ? p->pgid : -ESRCH;
}

static long sys_getpgrp(struct thread *t, const uint64_t a[6])
{
    (void)a;
    return t->proc->pgid;
}

static long sys_setpgid(struct thread *t, const uint64_t a[6])
{
    struct proc *p = a[0] ? proc_by_pid((int)a[0]) : t->proc;
    int pgid = a[1] ? (int)a[1] : p ? p->pid : 0;
    if (!p || (p != t->proc && p->parent != t->proc))
        return -ESRCH;
    if ((long)a[1] < 0)
        return -EINVAL;
    if (p->sid != t->proc->sid || p->pid == p->sid)
        return -EPERM;
    if (pgid != p->pid) {                   /* an existing group of the session */
        bool found = false;
        struct proc *q;
        for (unsigned at = 0; (q = proc_next(&at));)
            found |= q->pgid == pgid && q->sid == p->sid;
        if (!found)
            return -EPERM;
    }
    p->pgid = pgid;
    return 0;
}

static long sys_getsid(struct thread *t, const uint64_t a[6])
{
    struct proc *p = a[0] ? proc_by_pid((int)a[0]) : t->proc;
    return p ? p->sid : -ESRCH;
}

static long sys_setsid(struct thread *t, const uint64_t a[6])
{
    (void)a;
    struct proc *p = t->proc;
    struct proc *q;
    for (unsigned at = 0; (q = proc_next(&at));)
        if (q->pgid == p->pid)
            return -EPERM;
    p->sid = p->pgid = p->pid;
    return p->pid;
}

const struct syscall_entry proc_syscalls[] = {
    { __NR_fork, "fork", sys_fork },
    { __NR_vfork, "vfork", sys_vfork },
    { __NR_clone, "clone", sys_clone },
    { __NR_execve, "execve", sys_execve },
    { __NR_execveat, "execveat", sys_execveat },
    { __NR_exit, "exit", sys_exit },
    { __NR_exit_group, "exit_group", sys_exit_group },
    { __NR_wait4, "wait4", sys_wait4 },
    { __NR_waitid, "waitid", sys_waitid },
    { __NR_getpid, "getpid", sys_getpid },
    { __NR_gettid, "gettid", sys_gettid },
    { __NR_getppid, "getppid", sys_getppid },
    { __NR_set_tid_address, "set_tid_address", sys_set_tid_address },
    { __NR_set_robust_list, "set_robust_list", sys_set_robust_list },
    { __NR_getpgid, "getpgid", sys_getpgid },
    { __NR_getpgrp, "getpgrp", sys_getpgrp },
    { __NR_setpgid, "setpgid", sys_setpgid },
    { __NR_getsid, "getsid", sys_getsid },
    { __NR_setsid, "setsid", sys_setsid },
    { 0, NULL, NULL },
};
