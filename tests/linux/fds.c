/* Descriptors: dup, dup2, dup3, fcntl (F_GETFD, F_SETFD, F_GETFL,
 * F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC), shared offsets and flags, the
 * lowest free number, close, and descriptors across fork.
 * Not printed: descriptor numbers themselves (what is open before main
 * differs): relations between them. */
#include "lt.h"
#include <sys/resource.h>

static const char *access_mode(int fl)
{
    int acc = fl & O_ACCMODE;
    return acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : "O_RDWR";
}

static void show_fl(const char *what, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        say("%s: error %s", what, errname(errno));
        return;
    }
    say("%s: %s%s%s", what, access_mode(fl), fl & O_APPEND ? "|O_APPEND" : "",
        fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
}

static int child_reads_offset(void *fd)
{
    char c;
    return read((int)(intptr_t)fd, &c, 1) == 1 ? c : 0;
}

int main(void)
{
    lt_tmpdir();
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "abcdefgh", 8);
    lseek(fd, 0, SEEK_SET);

    int lowest = dup(fd);
    close(lowest);
    int d = dup(fd);
    yes("dup returns the lowest free number", d == lowest);
    char c;
    read(fd, &c, 1);
    say("read through the original: %c", c);
    read(d, &c, 1);
    say("read through the dup (shared offset): %c", c);
    ret("lseek through the dup", lseek(d, 5, SEEK_SET));
    ret("the original's offset", lseek(fd, 0, SEEK_CUR));
    fcntl(fd, F_SETFL, O_APPEND);
    show_fl("F_SETFL O_APPEND on the original, F_GETFL on the dup", d);
    fcntl(fd, F_SETFL, 0);

    /* the lowest free number, with a hole below */
    int a = dup(fd), b = dup(fd);
    close(a);
    int e = dup(fd);
    yes("after closing a lower one, dup fills the hole", e == a && b > a);
    close(b);
    close(e);

    int target = dup(fd);     /* a number that is open */
    write(target, "", 0);
    yes("dup2(fd, fd) returns fd", dup2(fd, fd) == fd);
    yes("dup2 onto an open number returns that number", dup2(d, target) == target);
    lseek(fd, 1, SEEK_SET);
    read(target, &c, 1);
    say("it shares the offset now: %c", c);
    err("dup2 of a closed descriptor", dup2(12345, target));
    yes("the target survives a failed dup2", fcntl(target, F_GETFD) >= 0);
    err("dup2 to a negative number", dup2(fd, -1));
    /* (musl's dup3 passes no flag but O_CLOEXEC to the system) */
    err("dup3(fd, fd, 0)", syscall(SYS_dup3, fd, fd, 0));
    err("dup3 with a bad flag", syscall(SYS_dup3, fd, target, 0x4));
    yes("dup3 O_CLOEXEC", dup3(fd, target, O_CLOEXEC) == target);
    ret("F_GETFD of it", fcntl(target, F_GETFD));
    int plain = dup(target);
    ret("F_GETFD of a dup of it (cleared)", fcntl(plain, F_GETFD));
    close(plain);

    ret("F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
    ret("F_GETFD", fcntl(fd, F_GETFD));
    ret("F_SETFD 0", fcntl(fd, F_SETFD, 0));
    ret("F_GETFD", fcntl(fd, F_GETFD));

    int hi = fcntl(fd, F_DUPFD, 100);
    yes("F_DUPFD 100 gives 100 or more", hi >= 100);
    int hi2 = fcntl(fd, F_DUPFD, hi);
    yes("F_DUPFD at an open number gives the next free one", hi2 > hi);
    ret("F_GETFD of F_DUPFD", fcntl(hi, F_GETFD));
    int hc = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    yes("F_DUPFD_CLOEXEC 100 gives 100 or more", hc >= 100);
    ret("F_GETFD of F_DUPFD_CLOEXEC", fcntl(hc, F_GETFD));
    err("F_DUPFD with a negative minimum", fcntl(fd, F_DUPFD, -1));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    err("F_DUPFD at the descriptor limit", fcntl(fd, F_DUPFD, (int)rl.rlim_cur));
    close(hi);
    close(hi2);
    close(hc);

    show_fl("F_GETFL of O_RDWR", fd);
    ret("F_SETFL O_APPEND|O_NONBLOCK", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    show_fl("F_GETFL", fd);
    ret("F_SETFL O_WRONLY (the access mode stays)", fcntl(fd, F_SETFL, O_WRONLY));
    show_fl("F_GETFL", fd);
    int ro = open("f", O_RDONLY);
    show_fl("F_GETFL of O_RDONLY", ro);
    int wo = open("f", O_WRONLY | O_APPEND);
    show_fl("F_GETFL of O_WRONLY|O_APPEND", wo);
    close(ro);
    close(wo);
    err("fcntl with a bad command", fcntl(fd, 12345));

    /* across fork: the same open file, one offset */
    lseek(fd, 2, SEEK_SET);
    int w = lt_wait(lt_fork(child_reads_offset, (void *)(intptr_t)fd));
    say("the child read: %c", WEXITSTATUS(w));
    ret("the parent's offset moved with it", lseek(fd, 0, SEEK_CUR));

    ret("close", close(d));
    err("close again", close(d));
    err("close of -1", close(-1));
    err("F_GETFD of a closed descriptor", fcntl(d, F_GETFD));
    err("dup of a closed descriptor", dup(d));
    close(target);
    close(fd);
    lt_done();
}
