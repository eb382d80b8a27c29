/* Bad input: wild pointers (null, 1, the last user page, a kernel
 * address, a non-canonical one, a hole between two mappings) in the
 * calls that read or write user memory must fail with EFAULT and harm
 * nothing; huge lengths; closed, negative and too large descriptors
 * (EBADF); signals that interrupt a blocking read, wait or nanosleep
 * (EINTR, or the call restarted with SA_RESTART); children killed while
 * blocked in read, wait and nanosleep. The calls go through syscall(2),
 * so that neither libc looks at the arguments first. That the server
 * still serves afterwards is shown by what make test runs next. */
#include "lt.h"
#include <poll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

static uintptr_t hole;                  /* an unmapped page between two mapped ones */
static char *ro, *none;                 /* a read-only page, a PROT_NONE page */
static char *self;                      /* our path (argv[0]: absolute) */

static const struct {
    const char *name;
    uintptr_t address;
} wild[] = {
    { "null", 0 },
    { "address 1", 1 },
    { "the last user page", 0x7ffffffff000UL },
    { "the first non-canonical address", 0x800000000000UL },
    { "a kernel address", 0xffff800000000000UL },
    { "the top page", 0xfffffffffffff000UL },
    { "a hole between mappings", 0 },           /* (hole, set in main) */
};
#define NWILD (sizeof wild / sizeof wild[0])

static void *at(size_t i)
{
    return lt_ptr(i == NWILD - 1 ? hole : wild[i].address);
}

static void wild_pointers(void)
{
    int fd = open("file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "some bytes", 10) != 10)
        lt_fail("file: %s", errname(errno));
    int p[2];
    if (pipe(p) < 0)
        lt_fail("pipe: %s", errname(errno));
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    if (dir < 0 || symlink("file", "link") < 0)
        lt_fail("open . or symlink: %s", errname(errno));
    char line[128];
    for (size_t i = 0; i < NWILD; i++) {
        void *b = at(i);
        const char *n = wild[i].name;
#define TRY(what, call) snprintf(line, sizeof line, "%s into %s", what, n), err(line, call)
        TRY("pread of a file", syscall(SYS_pread64, fd, b, 10, 0));
        TRY("pwrite to a file", syscall(SYS_pwrite64, fd, b, 10, 0));
        if (write(p[1], "x", 1) != 1)
            lt_fail("write to the pipe: %s", errname(errno));
        TRY("read of a pipe", syscall(SYS_read, p[0], b, 1));
        char c;
        while (poll(&(struct pollfd){ .fd = p[0], .events = POLLIN }, 1, 0) == 1)
            read(p[0], &c, 1);                  /* (Linux may or may not have taken the byte) */
        TRY("write to a pipe", syscall(SYS_write, p[1], b, 1));
        TRY("open of a path", syscall(SYS_openat, AT_FDCWD, b, O_RDONLY));
        TRY("stat of a path", syscall(SYS_newfstatat, AT_FDCWD, b, lt_ptr(0x1000), 0));
        TRY("stat's buffer", syscall(SYS_newfstatat, AT_FDCWD, "file", b, 0));
        TRY("fstat's buffer", syscall(SYS_fstat, fd, b));
        TRY("mkdir of a path", syscall(SYS_mkdirat, AT_FDCWD, b, 0755));
        TRY("unlink of a path", syscall(SYS_unlinkat, AT_FDCWD, b, 0));
        TRY("chdir to a path", syscall(SYS_chdir, b));
        TRY("execve of a path", syscall(SYS_execve, b, NULL, NULL));
        TRY("getcwd's buffer", syscall(SYS_getcwd, b, 256));
        TRY("pipe's array", syscall(SYS_pipe2, b, 0));
        TRY("readv's vector", syscall(SYS_readv, fd, b, 1));
        TRY("writev's vector", syscall(SYS_writev, fd, b, 1));
        TRY("clock_gettime's result", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, b));
        TRY("nanosleep's time", syscall(SYS_nanosleep, b, NULL));
        TRY("rt_sigaction's new action", syscall(SYS_rt_sigaction, SIGUSR1, b, NULL, 8));
        TRY("rt_sigaction's old action", syscall(SYS_rt_sigaction, SIGUSR1, NULL, b, 8));
        TRY("rt_sigprocmask's set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, b, NULL, 8));
        TRY("poll's array", syscall(SYS_poll, b, 1, 0));
        TRY("select's set", syscall(SYS_select, 1, b, NULL, NULL, &(struct timeval){ 0, 0 }));
        TRY("uname's buffer", syscall(SYS_uname, b));
        TRY("wait4's status (no child)", syscall(SYS_wait4, -1, b, WNOHANG, NULL));
        TRY("readlink's buffer", syscall(SYS_readlinkat, AT_FDCWD, "link", b, 64));
        TRY("getdents64's buffer", syscall(SYS_getdents64, dir, b, 4096));
        TRY("sigaltstack's new stack", syscall(SYS_sigaltstack, b, NULL));
        /* (a null there ends the array, or is an empty one: the call runs) */
        char *args[] = { b, NULL }, *env[] = { "LT_EXECED=1", NULL };
        char *args2[] = { self, NULL }, *env2[] = { "LT_EXECED=1", b, NULL };
        if (b) {
            TRY("execve's argv[0]", syscall(SYS_execve, self, args, env));
            TRY("execve's envp[1]", syscall(SYS_execve, self, args2, env2));
            TRY("execve's argv array", syscall(SYS_execve, self, b, env));
        }
#undef TRY
    }
    /* a child's status into a hole: EFAULT, and the child is gone */
    pid_t child = fork();
    if (child == 0)
        _exit(7);
    lt_msleep(50);
    err("wait4 for an ended child, its status into the hole",
        syscall(SYS_wait4, child, lt_ptr(hole), 0, NULL));
    err("waitpid for it again", waitpid(child, NULL, 0));

    /* the file is as it was: nothing above wrote to it */
    char back[16] = { 0 };
    ret("the file after all that: pread", pread(fd, back, sizeof back, 0));
    say("it holds \"%s\"", back);

    /* a buffer that begins in memory and runs into the hole: Linux copies
     * up to the hole (a short count) or fails with EFAULT */
    char *before = lt_ptr(hole - 4096);
    memset(before, 'y', 4096);
    long r = syscall(SYS_pwrite64, fd, before + 4000, 200, 0);
    yes("pwrite of a buffer running into the hole: EFAULT or up to the hole",
        (r == -1 && errno == EFAULT) || (r > 0 && r <= 96));
    r = syscall(SYS_pread64, fd, before + 4090, 10, 0);
    yes("pread into a buffer running into the hole: EFAULT or up to the hole",
        (r == -1 && errno == EFAULT) || (r > 0 && r <= 6));

    /* memory that is there but may not be written, or not touched */
    /* (mapped in main before the hole was made: a new mapping may fill it) */
    err("pread into a read-only page", syscall(SYS_pread64, fd, ro, 10, 0));
    err("pread into a PROT_NONE page", syscall(SYS_pread64, fd, none, 10, 0));
    err("pwrite from a PROT_NONE page", syscall(SYS_pwrite64, fd, none, 10, 0));
    err("pread into the program's code", syscall(SYS_pread64, fd, (void *)wild_pointers, 10, 0));
    err("fstat into a read-only page", syscall(SYS_fstat, fd, ro));
    yes("the read-only page is still zero", ro[0] == 0 && ro[9] == 0);
    /* vectors: one good and one bad buffer */
    char good[4];
    struct iovec iov[2] = { { good, sizeof good }, { lt_ptr(hole), 8 } };
    r = syscall(SYS_preadv, fd, iov, 2, 0, 0);
    yes("preadv with a bad second buffer: EFAULT or the first one's bytes",
        (r == -1 && errno == EFAULT) || r == 4);
    iov[0].iov_base = lt_ptr(hole);
    err("writev with a bad first buffer", syscall(SYS_writev, fd, iov, 2));
    iov[0].iov_len = (size_t)1 << 63;
    err("writev with lengths past SSIZE_MAX", syscall(SYS_writev, fd, iov, 2));
    long size = lseek(fd, 0, SEEK_END);
    yes("the file's size after all that: 10, or 96 after a short write up to the hole",
        size == 10 || size == 96);
    close(fd);
    close(dir);
    close(p[0]);
    close(p[1]);
}

static void huge_lengths(void)
{
    int fd = open("small", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "12345", 5) != 5)
        lt_fail("small: %s", errname(errno));
    char buf[16];
    /* the count is how much may be written, not how much will */
    ret("pread of a 5-byte file, count 1 MB, into 16 bytes",
        syscall(SYS_pread64, fd, buf, 1 << 20, 0));
    err("pread with count SIZE_MAX", syscall(SYS_pread64, fd, buf, SIZE_MAX, 0));
    err("pwrite with count SIZE_MAX", syscall(SYS_pwrite64, fd, buf, SIZE_MAX, 0));
    err("pwrite with count 2^47", syscall(SYS_pwrite64, fd, buf, 1UL << 47, 0));
    err("pread at offset -1", syscall(SYS_pread64, fd, buf, 1, -1L));
    err("lseek to -1", lseek(fd, -1, SEEK_SET));
    err("ftruncate to -1", ftruncate(fd, -1));
    struct stat st;
    fstat(fd, &st);
    say("the file's size after all that: %ld", (long)st.st_size);
    close(fd);
    int p[2];
    pipe(p);
    err("write to a pipe with count SIZE_MAX", syscall(SYS_write, p[1], buf, SIZE_MAX));
    close(p[0]);
    close(p[1]);
    err("mmap of 2^50 bytes", mmap(NULL, 1UL << 50, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                  == MAP_FAILED ? -1 : 0);
    err("mmap of SIZE_MAX bytes", mmap(NULL, SIZE_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                                       0) == MAP_FAILED ? -1 : 0);
    err("mmap of 0 bytes", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                               == MAP_FAILED ? -1 : 0);
    err("munmap of a kernel address", syscall(SYS_munmap, 0xffff800000000000UL, 4096));
    err("mprotect of a kernel address", syscall(SYS_mprotect, 0xffff800000000000UL, 4096,
                                                PROT_READ));
    err("readv with 2^31 vectors", syscall(SYS_readv, 0, buf, 1L << 31));
    err("poll of 2^31 descriptors", syscall(SYS_poll, buf, 1L << 31, 0));
    err("select of -1 descriptors", syscall(SYS_select, -1, NULL, NULL, NULL, NULL));
    char path[5000];
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = 0;
    err("open of a 4999-byte name", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY));
}

/* Lengths and addresses whose sums wrap around 2^64, or pass the end of
 * user space, in the memory calls, on our own mappings only (nothing
 * here may unmap or change anything else: a length from p to the end of
 * user space would take the stack on Linux). Before the fix, the first
 * mremap hung Pecan's Unix server: old + old_len wrapped, and so did
 * find_gap's len + PAGE, and the move copied some 2^52 pages. */
static void wrapping_lengths(void)
{
    uintptr_t p = (uintptr_t)mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t q = (uintptr_t)mmap(NULL, 8192, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == (uintptr_t)MAP_FAILED || q == (uintptr_t)MAP_FAILED)
        lt_fail("mmap: %s", errname(errno));
    const uint64_t top = 0xfffffffffffff000UL, task = 0x7ffffffff000UL;
    err("mremap(p, -p + 4096, 2^64 - 4096, MAYMOVE)",
        syscall(SYS_mremap, p, -p + 4096, top, MREMAP_MAYMOVE));
    err("mremap to 2^64 - 4096 bytes", syscall(SYS_mremap, p, 4096, top, MREMAP_MAYMOVE));
    err("mremap to SIZE_MAX bytes", syscall(SYS_mremap, p, 4096, SIZE_MAX, MREMAP_MAYMOVE));
    err("mremap to 2^47 bytes", syscall(SYS_mremap, p, 4096, 1UL << 47, MREMAP_MAYMOVE));
    err("mremap to 2^47 bytes in place", syscall(SYS_mremap, p, 4096, 1UL << 47, 0));
    err("mremap from SIZE_MAX bytes", syscall(SYS_mremap, p, SIZE_MAX, 8192, MREMAP_MAYMOVE));
    err("mremap from -p bytes", syscall(SYS_mremap, p, -p, 8192, MREMAP_MAYMOVE));
    err("mremap from 2^64 - 4096 bytes to 4096", syscall(SYS_mremap, p, top, 4096, 0));
    err("mremap from -p + 4096 bytes to 4096", syscall(SYS_mremap, p, -p + 4096, 4096, 0));
    err("mremap of 2 pages from 2^64 - 4096 bytes", syscall(SYS_mremap, q, top, 4096, 0));
    err("mremap of the top page", syscall(SYS_mremap, top, 4096, 8192, MREMAP_MAYMOVE));
    err("mremap of the last user page", syscall(SYS_mremap, task, 4096, 8192, MREMAP_MAYMOVE));
    err("mmap MAP_FIXED of the top page, 2 pages",
        syscall(SYS_mmap, top, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    err("mmap MAP_FIXED of the last user page, 2 pages",
        syscall(SYS_mmap, task, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    err("mmap MAP_FIXED at p, 2^64 - 4096 bytes",
        syscall(SYS_mmap, p, top, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    err("mmap MAP_FIXED at p, -p bytes",
        syscall(SYS_mmap, p, -p, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    err("mmap MAP_FIXED_NOREPLACE of the top page, 2 pages",
        syscall(SYS_mmap, top, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                -1, 0));
    err("mmap of 2^64 - 4096 bytes",
        syscall(SYS_mmap, 0, top, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    err("mmap of SIZE_MAX - 4095 bytes",
        syscall(SYS_mmap, 0, SIZE_MAX - 4095, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    err("munmap(p, SIZE_MAX)", syscall(SYS_munmap, p, SIZE_MAX));
    err("munmap(p, -p)", syscall(SYS_munmap, p, -p));
    err("munmap(p, 2^64 - 4096)", syscall(SYS_munmap, p, top));
    err("munmap of the top page, 2 pages", syscall(SYS_munmap, top, 8192));
    err("munmap of the last user page, 2 pages", syscall(SYS_munmap, task, 8192));
    err("mprotect(p, SIZE_MAX)", syscall(SYS_mprotect, p, SIZE_MAX, PROT_READ));
    err("mprotect(p, -p)", syscall(SYS_mprotect, p, -p, PROT_READ));
    err("mprotect(p, 2^64 - 4096)", syscall(SYS_mprotect, p, top, PROT_READ));
    err("mprotect of the top page, 2 pages", syscall(SYS_mprotect, top, 8192, PROT_READ));
    err("mprotect(p, 0)", syscall(SYS_mprotect, p, 0, PROT_READ));
    err("madvise(p, SIZE_MAX, MADV_DONTNEED)", syscall(SYS_madvise, p, SIZE_MAX, MADV_DONTNEED));
    err("madvise(p, -p, MADV_DONTNEED)", syscall(SYS_madvise, p, -p, MADV_DONTNEED));
    err("madvise(p, 2^64 - 4096, MADV_DONTNEED)", syscall(SYS_madvise, p, top, MADV_DONTNEED));
    /* all of that left p and q as they were */
    ((volatile char *)p)[0] = 'p';
    ((volatile char *)q)[8191] = 'q';
    yes("p and q still mapped and writable",
        ((volatile char *)p)[0] == 'p' && ((volatile char *)q)[8191] == 'q');
    ret("munmap(p, 4096)", syscall(SYS_munmap, p, 4096));
    ret("munmap(q, 8192)", syscall(SYS_munmap, q, 8192));
}

static void bad_descriptors(void)
{
    int closed = open("small", O_RDONLY);
    close(closed);
    const struct {
        const char *name;
        long fd;
    } fds[] = { { "-1", -1 }, { "a closed one", closed }, { "2^20", 1 << 20 },
                { "2^31 - 1", 0x7fffffff }, { "-2^31", -0x7fffffffL - 1 } };
    char line[128], buf[4];
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        long fd = fds[i].fd;
        const char *n = fds[i].name;
#define TRY(what, call) snprintf(line, sizeof line, "%s of %s", what, n), err(line, call)
        TRY("read", syscall(SYS_read, fd, buf, 1));
        TRY("write", syscall(SYS_write, fd, "x", 1));
        TRY("close", syscall(SYS_close, fd));
        TRY("fstat", syscall(SYS_fstat, fd, &(struct stat){ 0 }));
        TRY("lseek", syscall(SYS_lseek, fd, 0, SEEK_SET));
        TRY("dup", syscall(SYS_dup, fd));
        TRY("fcntl F_GETFL", syscall(SYS_fcntl, fd, F_GETFL));
        TRY("fchdir", syscall(SYS_fchdir, fd));
        TRY("openat relative to it", syscall(SYS_openat, fd, "x", O_RDONLY));
        TRY("ioctl", syscall(SYS_ioctl, fd, 0x5401 /* TCGETS */, buf));
        TRY("getdents64", syscall(SYS_getdents64, fd, buf, sizeof buf));
        TRY("mmap", syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
        TRY("dup2 from 1 to it", syscall(SYS_dup2, 1, fd));
        if (fd == closed)
            close(closed);                      /* (that one was allowed) */
#undef TRY
    }
    struct pollfd pf = { .fd = closed, .events = POLLIN };
    ret("poll of a closed descriptor", poll(&pf, 1, 0));
    yes("its revents is POLLNVAL", pf.revents == POLLNVAL);
    pf.fd = -1;
    pf.revents = 5;
    ret("poll of descriptor -1", poll(&pf, 1, 0));
    say("its revents: %d", pf.revents);
}

static volatile int handled;

static void on_signal(int s)
{
    (void)s;
    handled++;
}

static void handle(int sig, int flags)
{
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = flags };
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0)
        lt_fail("sigaction: %s", errname(errno));
}

/* The child of the interrupting tests: after 100 ms a SIGUSR1 to its
 * parent, after 300 ms a byte into the pipe, then it ends. */
static int ping_fd;

static int pinger(void *arg)
{
    (void)arg;
    lt_msleep(100);
    kill(getppid(), SIGUSR1);
    lt_msleep(300);
    write(ping_fd, "z", 1);
    return 0;
}

static void interrupted(void)
{
    int p[2];
    char c;
    pipe(p);
    ping_fd = p[1];

    handle(SIGUSR1, 0);
    handled = 0;
    pid_t pid = lt_fork(pinger, NULL);
    long r = read(p[0], &c, 1);
    err("a blocking read of a pipe, a signal without SA_RESTART", r);
    say("the handler ran %d time(s)", handled);
    status("the pinger", lt_wait(pid));
    ret("the byte is there afterwards", read(p[0], &c, 1));

    handle(SIGUSR1, SA_RESTART);
    handled = 0;
    pid = lt_fork(pinger, NULL);
    ret("a blocking read of a pipe, a signal with SA_RESTART", read(p[0], &c, 1));
    say("the handler ran %d time(s), the read got '%c'", handled, c);
    status("the pinger", lt_wait(pid));

    handle(SIGUSR1, SA_RESTART);
    handled = 0;
    pid = lt_fork(pinger, NULL);
    struct timespec t = { 5, 0 }, left = { 0, 0 };
    /* nanosleep is never restarted, SA_RESTART or not */
    err("nanosleep of 5 s, a signal with SA_RESTART", nanosleep(&t, &left));
    /* (the signal comes after 100 ms; a loaded machine may take longer) */
    yes("the time left is less than 5 s and more than 2 s", left.tv_sec >= 2 && left.tv_sec < 5);
    say("the handler ran %d time(s)", handled);
    status("the pinger", lt_wait(pid));
    read(p[0], &c, 1);

    handle(SIGUSR1, 0);
    handled = 0;
    pid = lt_fork(pinger, NULL);
    int w;
    err("waitpid for the pinger, a signal without SA_RESTART", waitpid(pid, &w, 0));
    say("the handler ran %d time(s)", handled);
    status("the pinger", lt_wait(pid));
    read(p[0], &c, 1);

    handle(SIGUSR1, SA_RESTART);
    handled = 0;
    pid = lt_fork(pinger, NULL);
    ret("waitpid for the pinger, a signal with SA_RESTART, is its pid",
        waitpid(pid, &w, 0) == pid ? 1 : -1);
    status("the pinger", w);
    say("the handler ran %d time(s)", handled);
    read(p[0], &c, 1);
    /* vfork's wait is not interrupted by a signal with a handler: that
     * runs after the child's end */
    handle(SIGUSR1, 0);
    handled = 0;
    pid_t v = vfork();
    if (v == 0) {                           /* (the signal while its parent waits) */
        struct timespec t200 = { 0, 200 * 1000000L };
        syscall(SYS_kill, syscall(SYS_getppid), SIGUSR1);
        syscall(SYS_nanosleep, &t200, NULL);
        _exit(5);
    }
    yes("vfork, a signal with a handler meanwhile: it returns the child's pid", v > 0);
    say("the handler ran %d time(s)", handled);
    if (v > 0)
        status("the vfork child", lt_wait(v));

    signal(SIGUSR1, SIG_DFL);
    close(p[0]);
    close(p[1]);
}

/* Children killed while blocked. */
static int blocked_fd;

static int reader(void *arg)
{
    (void)arg;
    char c;
    read(blocked_fd, &c, 1);
    return 1;
}

static int sleeper(void *arg)
{
    (void)arg;
    struct timespec t = { 1000, 0 };
    nanosleep(&t, NULL);
    return 1;
}

static int grandchild(void *arg)
{
    (void)arg;
    pause();
    return 1;
}

static int waiter(void *arg)
{
    (void)arg;
    pid_t g = lt_fork(grandchild, NULL);
    write(*(int *)arg, &g, sizeof g);
    lt_wait(g);
    return 1;
}

/* A parent waiting in vfork for its child (which sleeps, then ends). */
static int vforker(void *arg)
{
    (void)arg;
    pid_t pid = vfork();
    if (pid == 0) {
        struct timespec t = { 0, 300 * 1000000L };
        syscall(SYS_nanosleep, &t, NULL);
        _exit(0);
    }
    return 1;
}

static void killed_while_blocked(void)
{
    int p[2], q[2];
    pipe(p);
    pipe(q);
    blocked_fd = p[0];
    const int sigs[] = { SIGKILL, SIGTERM };
    for (int i = 0; i < 2; i++) {
        char what[64];
        int s = sigs[i];
        pid_t pid = lt_fork(reader, NULL);
        lt_msleep(100);
        snprintf(what, sizeof what, "a child in read of a pipe, sent %s", signame(s));
        err(what, kill(pid, s));
        status("its end", lt_wait(pid));

        pid = lt_fork(sleeper, NULL);
        lt_msleep(100);
        snprintf(what, sizeof what, "a child in nanosleep, sent %s", signame(s));
        err(what, kill(pid, s));
        status("its end", lt_wait(pid));

        pid = lt_fork(waiter, &q[1]);
        pid_t g;
        if (read(q[0], &g, sizeof g) != sizeof g)
            lt_fail("the grandchild's pid: %s", errname(errno));
        lt_msleep(100);
        snprintf(what, sizeof what, "a child in wait for its child, sent %s", signame(s));
        err(what, kill(pid, s));
        status("its end", lt_wait(pid));
        err("the orphaned grandchild, sent SIGKILL", kill(g, SIGKILL));
        lt_msleep(100);         /* (reaped by init, its new parent) */

        pid = lt_fork(vforker, NULL);
        lt_msleep(100);
        snprintf(what, sizeof what, "a child in vfork, its child running, sent %s", signame(s));
        err(what, kill(pid, s));
        status("its end", lt_wait(pid));
        lt_msleep(400);         /* (its child ends on its own) */
    }
    /* the pipe the killed readers waited on still works */
    ret("write to the pipe they read", write(p[1], "ok", 2));
    char buf[4];
    ret("read it back", read(p[0], buf, sizeof buf));
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (getenv("LT_EXECED")) {              /* an execve that should have failed */
        say("FAILED: execve with a bad pointer ran the program");
        return 1;
    }
    self = argv[0];
    if (self[0] != '/')
        lt_fail("start me by an absolute path");
    lt_tmpdir();
    ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED || none == MAP_FAILED)
        lt_fail("mmap: %s", errname(errno));
    char *three = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (three == MAP_FAILED || munmap(three + 4096, 4096) < 0)
        lt_fail("mmap: %s", errname(errno));
    hole = (uintptr_t)three + 4096;
    wild_pointers();
    huge_lengths();
    wrapping_lengths();
    bad_descriptors();
    interrupted();
    killed_while_blocked();
    lt_done();
}
