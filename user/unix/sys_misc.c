/* The rest: who we are (uname, ids), limits, the system's state,
 * randomness, the thread's FS/GS bases, and small things. */
#include <string.h>
#include "fs.h"
#include "pool.h"
#include "proc.h"
#include "unix.h"

static long sys_uname(struct thread *t, const uint64_t a[6])
{
    struct new_utsname u;
    memset(&u, 0, sizeof u);
    strcpy(u.sysname, "Linux");             /* what programs expect of this ABI */
    strcpy(u.nodename, "pecan");
    strcpy(u.release, "6.1.0-pecan");
    strcpy(u.version, "#1 Pecan L4 X.2 microkernel, Unix server");
    strcpy(u.machine, "x86_64");
    strcpy(u.domainname, "(none)");
    return copy_to_proc(t->proc, a[0], &u, sizeof u);
}

static long sys_getuid(struct thread *t, const uint64_t a[6]) { (void)a; return t->proc->uid; }
static long sys_geteuid(struct thread *t, const uint64_t a[6]) { (void)a; return t->proc->euid; }
static long sys_getgid(struct thread *t, const uint64_t a[6]) { (void)a; return t->proc->gid; }
static long sys_getegid(struct thread *t, const uint64_t a[6]) { (void)a; return t->proc->egid; }

/* Everyone is root here: setting ids succeeds and is remembered. */
static long sys_setuid(struct thread *t, const uint64_t a[6])
{
    t->proc->uid = t->proc->euid = (unsigned)a[0];
    return 0;
}

static long sys_setgid(struct thread *t, const uint64_t a[6])
{
    t->proc->gid = t->proc->egid = (unsigned)a[0];
    return 0;
}

static long sys_getresuid(struct thread *t, const uint64_t a[6])
{
    unsigned ids[3] = { t->proc->uid, t->proc->euid, t->proc->euid };
    for (int i = 0; i < 3; i++)
        if (copy_to_proc(t->proc, a[i], &ids[i], sizeof ids[i]))
            return -EFAULT;
    return 0;
}

static long sys_getresgid(struct thread *t, const uint64_t a[6])
{
    unsigned ids[3] = { t->proc->gid, t->proc->egid, t->proc->egid };
    for (int i = 0; i < 3; i++)
        if (copy_to_proc(t->proc, a[i], &ids[i], sizeof ids[i]))
            return -EFAULT;
    return 0;
}

static long sys_getgroups(struct thread *t, const uint64_t a[6])
{
    if (a[0] == 0)
        return 1;
    unsigned g = t->proc->gid;
    return copy_to_proc(t->proc, a[1], &g, sizeof g) ? -EFAULT : 1;
}

/* Known and deliberately not served, without a word (the C libraries and
 * busybox try them and do without): restartable sequences; clone3
 * (glibc's pthread_create then uses clone); sendfile (cat then reads and
 * writes). */
static long sys_quiet_enosys(struct thread *t, const uint64_t a[6])
{
    (void)t, (void)a;
    return -ENOSYS;
}

static long sys_ok(struct thread *t, const uint64_t a[6])
{
    (void)t;
    (void)a;
    return 0;
}

static long sys_getrlimit(struct thread *t, const uint64_t a[6])
{
    if (a[0] >= RLIM_NLIMITS)
        return -EINVAL;
    return copy_to_proc(t->proc, a[1], &t->proc->rlim[a[0]], sizeof(struct rlimit));
}

static long sys_setrlimit(struct thread *t, const uint64_t a[6])
{
    struct rlimit r;
    if (a[0] >= RLIM_NLIMITS)
        return -EINVAL;
    if (copy_from_proc(t->proc, &r, a[1], sizeof r))
        return -EFAULT;
    if (r.rlim_cur > r.rlim_max)
        return -EINVAL;
    t->proc->rlim[a[0]] = r;
    return 0;
}

static long sys_prlimit64(struct thread *t, const uint64_t a[6])
{
    struct proc *p = a[0] ? proc_by_pid((int)a[0]) : t->proc;
    if (!p)
        return -ESRCH;
    if (a[1] >= RLIM_NLIMITS)
        return -EINVAL;
    struct rlimit old = p->rlim[a[1]], n;
    if (a[2]) {
        if (copy_from_proc(t->proc, &n, a[2], sizeof n))
            return -EFAULT;
        if (n.rlim_cur > n.rlim_max)
            return -EINVAL;
    }
    if (a[3] && copy_to_proc(t->proc, a[3], &old, sizeof old))
        return -EFAULT;
    if (a[2])
        p->rlim[a[1]] = n;
    return 0;
}

static long sys_sysinfo(struct thread *t, const uint64_t a[6])
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    si.uptime = (long)(now_us() / 1000000);
    si.totalram = pool_total_pages();
    si.freeram = pool_free_pages();
    si.mem_unit = 4096;
    unsigned n = 0;
    struct proc *p;
    for (unsigned at = 0; (p = proc_next(&at));)
        n++;
    si.procs = (unsigned short)n;
    return copy_to_proc(t->proc, a[0], &si, sizeof si);
}

/* Not a cryptographic generator: xorshift seeded from the clock. */
static uint64_t random_state;

uint64_t random_u64(void)
{
    if (!random_state)
        random_state = now_us() * 0x9E3779B97F4A7C15UL | 1;
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return random_state;
}

static long sys_getrandom(struct thread *t, const uint64_t a[6])
{
    uint64_t n = a[1] > 256 ? 256 : a[1];
    unsigned char buf[256];
    for (uint64_t i = 0; i < n; i += 8) {
        uint64_t r = random_u64();
        memcpy(buf + i, &r, n - i < 8 ? n - i : 8);
    }
    return copy_to_proc(t->proc, a[0], buf, n) ? -EFAULT : (long)n;
}

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)v >> 47) + 1 <= 1;
}

static long sys_arch_prctl(struct thread *t, const uint64_t a[6])
{
    switch (a[0]) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
        if (!canonical(a[1]))
            return -EPERM;
        t->r[a[0] == ARCH_SET_FS ? UNIX_MR_FS_BASE : UNIX_MR_GS_BASE] = a[1];
        t->regs_changed = true;
        return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS: {
        uint64_t v = t->r[a[0] == ARCH_GET_FS ? UNIX_MR_FS_BASE : UNIX_MR_GS_BASE];
        return copy_to_proc(t->proc, a[1], &v, sizeof v);
    }
    default:
        return -EINVAL;
    }
}

static long sys_prctl(struct thread *t, const uint64_t a[6])
{
    switch (a[0]) {
    case 15: {                              /* PR_SET_NAME */
        char name[16];
        long n = string_from_proc(t->proc, name, a[1], sizeof name);
        if (n == -EFAULT)
            return -EFAULT;
        name[15] = '\0';
        memcpy(t->proc->comm, name, sizeof name);
        return 0;
    }
    case 16:                                /* PR_GET_NAME */
        return copy_to_proc(t->proc, a[1], t->proc->comm, sizeof t->proc->comm);
    default:
        return -EINVAL;
    }
}

static long sys_sched_getaffinity(struct thread *t, const uint64_t a[6])
{
    if (a[1] < 8)
        return -EINVAL;
    uint64_t mask = 1;                      /* one processor */
    return copy_to_proc(t->proc, a[2], &mask, sizeof mask) ? -EFAULT : 8;
}

const struct syscall_entry misc_syscalls[] = {
    { __NR_uname, "uname", sys_uname },
    { __NR_getuid, "getuid", sys_getuid },
    { __NR_geteuid, "geteuid", sys_geteuid },
    { __NR_getgid, "getgid", sys_getgid },
    { __NR_getegid, "getegid", sys_getegid },
    { __NR_setuid, "setuid", sys_setuid },
    { __NR_setgid, "setgid", sys_setgid },
    { __NR_rseq, "rseq", sys_quiet_enosys },
    { __NR_clone3, "clone3", sys_quiet_enosys },
    { __NR_sendfile, "sendfile", sys_quiet_enosys },
    { __NR_setreuid, "setreuid", sys_ok },
    { __NR_setregid, "setregid", sys_ok },
    { __NR_setresuid, "setresuid", sys_ok },
    { __NR_setresgid, "setresgid", sys_ok },
    { __NR_getresuid, "getresuid", sys_getresuid },
    { __NR_getresgid, "getresgid", sys_getresgid },
    { __NR_getgroups, "getgroups", sys_getgroups },
    { __NR_setgroups, "setgroups", sys_ok },
    { __NR_getrlimit, "getrlimit", sys_getrlimit },
    { __NR_setrlimit, "setrlimit", sys_setrlimit },
    { __NR_prlimit64, "prlimit64", sys_prlimit64 },
    { __NR_sysinfo, "sysinfo", sys_sysinfo },
    { __NR_getrandom, "getrandom", sys_getrandom },
    { __NR_arch_prctl, "arch_prctl", sys_arch_prctl },
    { __NR_prctl, "prctl", sys_prctl },
    { __NR_sched_yield, "sched_yield", sys_ok },
    { __NR_sched_getaffinity, "sched_getaffinity", sys_sched_getaffinity },
    { __NR_sync, "sync", sys_ok },
    { __NR_fsync, "fsync", sys_ok },
    { __NR_fdatasync, "fdatasync", sys_ok },
    { 0, NULL, NULL },
};
