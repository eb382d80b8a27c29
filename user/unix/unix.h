/* The Unix server (docs/unix.md): Linux processes on Pecan. One thread
 * serves every message of every Linux thread it runs - their system
 * calls, page faults, exceptions and starts (pecan/unix_abi.h) - one at a
 * time, so its data need no locks. A system call that must wait is simply
 * not answered yet: its thread stays blocked in the kernel until a module
 * finishes the call (thread_finish).
 *
 * This header is the core as the modules see it: threads, processes,
 * system-call handlers, waiting, and access to a process's memory. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <l4/types.h>
#include <pecan/unix_abi.h>
#include "linux.h"

struct proc;
struct thread;
struct mm;
struct files;
struct fsctx;

/* ---- waiting ---------------------------------------------------------------
 * A handler that returns SYS_WAIT has put its thread on some wait list and
 * filled t->wait; whoever can complete the call later calls
 * thread_finish(t, result). The core calls wait.cancel when the wait must
 * end otherwise (a signal to handle, the process ends, the deadline
 * passes: then wait.timeout first decides the result). */
#define SYS_WAIT ((long)0x7FFFFFFFFFFFF000)

struct wait {
    void (*cancel)(struct thread *t);   /* take t off its wait list (may be NULL) */
    long (*timeout)(struct thread *t);  /* at the deadline: the call's result */
    uint64_t deadline;                  /* SystemClock in µs; 0: none */
    bool restartable;                   /* ended by a signal: -ERESTARTSYS (SA_RESTART) */
    bool killable;                      /* only a fatal signal ends it (vfork's) */
    void *obj;                          /* for the module: what it waits on */
    uint64_t arg[6];
    struct thread *next;                /* for the module's wait list */
};

/* ---- signals: where a pending one came from (its siginfo) --------------------- */
struct sig_origin {
    int code;                           /* si_code: SI_USER, SI_TKILL, SI_KERNEL, CLD_* */
    int pid;                            /* the sender, or SIGCHLD's child */
    unsigned uid;
    int status;                         /* SIGCHLD's si_status */
};

/* ---- threads ------------------------------------------------------------------ */
enum thread_state {
    T_STARTING,         /* created, its start message not yet answered */
    T_RUNNING,          /* in user mode (or answered and about to be) */
    T_IN_CALL,          /* its message is being handled */
    T_WAITING,          /* its system call waits (struct wait) */
    T_STOPPED,          /* SIGSTOP: halted */
    T_DEAD,
};

struct thread {
    L4_ThreadId_t id;                   /* the kernel's */
    int tid;
    struct proc *proc;
    struct thread *next_in_proc;
    unsigned utcb_slot;                 /* its UTCB in the space's area */
    enum thread_state state;
    L4_Word_t r[UNIX_MSG_WORDS + 1];    /* its registers, by UNIX_MR_* (MR0 unused) */
    bool regs_changed;                  /* answer with all of them, not only RAX */
    struct wait wait;
    struct thread *timer_next;          /* waiting with a deadline (syscall.c) */
    uint64_t clear_child_tid;           /* set_tid_address, CLONE_CHILD_CLEARTID */
    uint64_t robust_list;
    /* signals (signal.c) */
    uint64_t sigmask, sigpending;
    struct sig_origin sigorigin[LINUX_NSIG];    /* each pending signal's */
    uint16_t sigqueued[LINUX_NSIG];     /* real-time ones: instances behind the first */
    uint64_t sigwait_set, sigwait_info; /* rt_sigtimedwait: what it waits for, where to */
    uint64_t sigwait_mask;              /*  put the siginfo, the mask to restore */
    uint64_t saved_sigmask;             /* rt_sigsuspend's, back after delivery */
    bool restore_sigmask;
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;
    int fault_code;                     /* a fault's signal: si_code, si_addr */
    uint64_t fault_addr;
    long restart_nr;                    /* the call being served: its number */
};

/* ---- processes ---------------------------------------------------------------- */
enum proc_state { P_ALIVE, P_ZOMBIE };

struct sigaction_set { struct linux_sigaction act[LINUX_NSIG]; };

struct proc {
    int pid, pgid, sid;
    struct proc *parent, *children, *sibling;
    struct thread *threads;
    unsigned nthreads;
    enum proc_state state;
    int exit_status;                    /* wait status word */
    bool waited_for_stop;               /* a stop reported by wait already */
    int stop_signal;                    /* stopped by it (0: not stopped) */
    bool continued;                     /* SIGCONT, not yet reported by wait */
    struct mm *mm;
    struct files *files;                /* descriptors (fd.c) */
    struct fsctx *fs;                   /* cwd, root, umask (fs) */
    struct sigaction_set *sig;
    uint64_t sigpending;                /* for the process as a whole */
    struct sig_origin sigorigin[LINUX_NSIG];
    uint16_t sigqueued[LINUX_NSIG];
    unsigned uid, gid, euid, egid;
    char comm[16];                      /* the program's name */
    char cmdline[256];                  /* NUL-separated arguments */
    size_t cmdline_len;
    uint64_t start_us;                  /* when it was made */
    uint64_t alarm_at, alarm_interval;  /* ITIMER_REAL (alarm): when, and again every (µs) */
    uint64_t utime_us, stime_us;
    struct rlimit rlim[RLIM_NLIMITS];
    L4_ThreadId_t space;                /* its first kernel thread: names the space */
    struct thread *vfork_parent;        /* vfork: blocked until we exec or exit */
    uint64_t enosys_said[512 / 64 + 1]; /* calls it was told are not served (syscall.c) */
};

/* ---- system calls ------------------------------------------------------------- */
/* A handler: the calling thread and its six arguments; returns the result
 * (>= 0 or -errno) or SYS_WAIT. The registers are in t->r: a handler that
 * changes more than RAX sets t->regs_changed. */
typedef long (*syscall_fn)(struct thread *t, const uint64_t a[6]);

struct syscall_entry {
    unsigned nr;
    const char *name;
    syscall_fn fn;
};

/* Each module's table, ended by { 0, NULL, NULL }; listed in syscall.c. */
extern const struct syscall_entry proc_syscalls[], mm_syscalls[], fs_syscalls[],
    signal_syscalls[], time_syscalls[], misc_syscalls[], futex_syscalls[], tty_syscalls[],
    poll_syscalls[];

/* Answer the call `t` waits in with `result` (and its registers). */
void thread_finish(struct thread *t, long result);

/* Leave t's call unanswered: it waits as w describes (NULL: only a
 * signal ends it). Returns SYS_WAIT, for the handler to return. */
long thread_wait(struct thread *t, const struct wait *w);

/* Let t run on (after an exception or an interrupt message): answer with
 * its registers as they are now, after delivering its signals. */
void thread_resume(struct thread *t);

/* ---- a process's memory --------------------------------------------------------
 * Copies between the server and process p's memory as p would see it:
 * pages not there yet are made as p's fault would make them. Return 0, or
 * -EFAULT when some byte lies outside p's mappings or lacks the right. */
int copy_from_proc(struct proc *p, void *dst, uint64_t src, size_t n);
int copy_to_proc(struct proc *p, uint64_t dst, const void *src, size_t n);
/* A NUL-terminated string of at most max bytes (with the NUL): its length,
 * -EFAULT, or -ENAMETOOLONG. */
long string_from_proc(struct proc *p, char *dst, uint64_t src, size_t max);

/* ---- the rest of the core --------------------------------------------------------- */
uint64_t now_us(void);                  /* SystemClock */
uint64_t realtime_now_us(void);         /* the wall clock (time.c) */
uint64_t random_u64(void);              /* not for secrets */
/* Log a line on the console as "unix: ..." */
void ulog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *calloc_or_die(size_t n, size_t size);     /* at boot: no memory ends the server */
char *strdup_or_null(const char *s);
void strncpy0(char *dst, const char *src, size_t size);     /* always terminated */
void console_write(const char *s, size_t n);    /* the terminal's output, as it is */
L4_ThreadId_t console_id(void);                 /* the console server (a call may clobber
                                                   the message registers) */

/* A path of a system call, from dirfd (AT_FDCWD: the working directory):
 * 0 with *out (a reference), or -errno. flags: FS_NOFOLLOW. */
struct inode;
int path_lookup(struct thread *t, int dirfd, const char *path, int flags, struct inode **out);
