/* Helpers of the differential tests (lt.h). */
#include "lt.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char tmpdir[64];

static void write_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        s += w;
        n -= (size_t)w;
    }
}

static void vsay(const char *fmt, va_list ap)
{
    char line[1024];
    int saved = errno;
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    if (n < 0)
        n = 0;
    if (n > (int)sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    write_all(line, (size_t)n);
    errno = saved;
}

void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

void lt_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_all("FAILED: ", 8);
    vsay(fmt, ap);
    va_end(ap);
    exit(1);
}

void yes(const char *what, int cond)
{
    say("%s: %s", what, cond ? "yes" : "no");
}

void ret(const char *what, long r)
{
    if (r == -1)
        say("%s: error %s", what, errname(errno));
    else
        say("%s: %ld", what, r);
}

void err(const char *what, long r)
{
    if (r == -1)
        say("%s: %s", what, errname(errno));
    else
        say("%s: no error", what);
}

#define E(x) [x] = #x
static const char *const errnames[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
    E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
    E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE),
    E(EMFILE), E(ENOTTY), E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS),
    E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK),
    E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(EOVERFLOW), E(ETIMEDOUT), E(ENOTSUP),
};
#undef E

const char *errname(int e)
{
    static char other[16];
    if (e >= 0 && e < (int)(sizeof errnames / sizeof errnames[0]) && errnames[e])
        return errnames[e];
    snprintf(other, sizeof other, "E%d", e);
    return other;
}

#define S(x) [x] = #x
static const char *const signames[] = {
    S(SIGHUP), S(SIGINT), S(SIGQUIT), S(SIGILL), S(SIGTRAP), S(SIGABRT), S(SIGBUS),
    S(SIGFPE), S(SIGKILL), S(SIGUSR1), S(SIGSEGV), S(SIGUSR2), S(SIGPIPE), S(SIGALRM),
    S(SIGTERM), S(SIGSTKFLT), S(SIGCHLD), S(SIGCONT), S(SIGSTOP), S(SIGTSTP),
    S(SIGTTIN), S(SIGTTOU), S(SIGURG), S(SIGXCPU), S(SIGXFSZ), S(SIGVTALRM),
    S(SIGPROF), S(SIGWINCH), S(SIGIO), S(SIGPWR), S(SIGSYS),
};
#undef S

const char *signame(int s)
{
    static char other[16];
    if (s > 0 && s < (int)(sizeof signames / sizeof signames[0]) && signames[s])
        return signames[s];
    snprintf(other, sizeof other, "SIG%d", s);
    return other;
}

void status(const char *what, int w)
{
    if (WIFEXITED(w))
        say("%s: exited %d", what, WEXITSTATUS(w));
    else if (WIFSIGNALED(w))
        say("%s: killed by %s", what, signame(WTERMSIG(w)));
    else if (WIFSTOPPED(w))
        say("%s: stopped by %s", what, signame(WSTOPSIG(w)));
    else if (WIFCONTINUED(w))
        say("%s: continued", what);
    else
        say("%s: status %#x", what, w);
}

pid_t lt_fork(int (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid < 0)
        lt_fail("fork: %s", errname(errno));
    if (pid == 0)
        _exit(fn(arg));
    return pid;
}

int lt_wait(pid_t pid)
{
    int w;
    while (waitpid(pid, &w, 0) < 0)
        if (errno != EINTR)
            lt_fail("waitpid: %s", errname(errno));
    return w;
}

void lt_msleep(long ms)
{
    struct timespec t = { ms / 1000, ms % 1000 * 1000000L };
    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

void *lt_ptr(uintptr_t address)
{
    static volatile uintptr_t hidden;
    hidden = address;
    return (void *)hidden;
}

void lt_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/lt-XXXXXX");
    if (!mkdtemp(tmpdir) || chdir(tmpdir) < 0)
        lt_fail("cannot make a directory in /tmp: %s", errname(errno));
}

/* Remove a tree below the current directory (the test's own files). */
static void rmtree(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                rmtree(fd, e->d_name);
        if (d)
            closedir(d);
        else
            close(fd);
        unlinkat(dirfd, name, AT_REMOVEDIR);
    } else {
        unlinkat(dirfd, name, 0);
    }
}

void lt_done(void)
{
    if (tmpdir[0]) {
        chmod(tmpdir, 0700);
        if (chdir("/") == 0)
            rmtree(AT_FDCWD, tmpdir);
    }
    say("done");
    exit(0);
}
