/* Files: open's flags (O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY,
 * O_NOFOLLOW, access modes), read, write, pread, pwrite, readv, writev,
 * lseek (holes included), and what stat, fstat, lstat, newfstatat and
 * statx say of modes, sizes, link counts and types.
 * Not printed: inode and device numbers, times, block counts and sizes,
 * a directory's size and link count (file systems differ: btrfs counts
 * a directory's links as 1), descriptor numbers. */
#include "lt.h"
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

/* statx through syscall(2): musl has no wrapper (layout: linux/stat.h) */
struct lt_statx_time {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct lt_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    struct lt_statx_time atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define LT_STATX_TYPE 0x1u
#define LT_STATX_MODE 0x2u
#define LT_STATX_NLINK 0x4u
#define LT_STATX_SIZE 0x200u
#define LT_STATX_BASIC_STATS 0x7ffu

static const char *type_of(mode_t m)
{
    return S_ISREG(m) ? "regular" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink"
         : S_ISFIFO(m) ? "fifo" : S_ISCHR(m) ? "char device" : S_ISBLK(m) ? "block device"
         : S_ISSOCK(m) ? "socket" : "unknown";
}

static void show_stat(const char *what, const struct stat *st)
{
    say("%s: %s, mode %04o, size %lld, nlink %lu", what, type_of(st->st_mode),
        (unsigned)(st->st_mode & 07777), (long long)st->st_size, (unsigned long)st->st_nlink);
}

static void contents(const char *what, const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        say("%s: error %s", what, errname(errno));
    } else {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == 0)
                buf[i] = '0';   /* a hole reads as zeros: show them */
        buf[n] = 0;
        say("%s: \"%s\"", what, buf);
    }
    if (fd >= 0)
        close(fd);
}

static void open_flags(void)
{
    int fd = open("f", O_WRONLY | O_CREAT | O_EXCL, 0666);
    yes("O_CREAT|O_EXCL creates a new file", fd >= 0);
    ret("write 11 bytes", write(fd, "hello world", 11));
    close(fd);
    contents("the file", "f");
    err("O_CREAT|O_EXCL on it again", open("f", O_WRONLY | O_CREAT | O_EXCL, 0666));
    err("open of a missing file", open("missing", O_RDONLY));
    err("open of a missing directory's file", open("missing/f", O_RDONLY | O_CREAT, 0644));
    err("open through a regular file", open("f/x", O_RDONLY));
    err("O_DIRECTORY on a file", open("f", O_RDONLY | O_DIRECTORY));
    fd = open(".", O_RDONLY | O_DIRECTORY);
    yes("O_DIRECTORY on a directory", fd >= 0);
    char c;
    err("read of a directory", read(fd, &c, 1));
    close(fd);
    err("open a directory for writing", open(".", O_WRONLY));
    err("open with an empty path", open("", O_RDONLY));

    symlink("f", "link");
    err("O_NOFOLLOW on a symlink", open("link", O_RDONLY | O_NOFOLLOW));
    fd = open("link", O_RDONLY);
    yes("open through a symlink", fd >= 0);
    close(fd);

    fd = open("f", O_RDONLY);
    err("write to an O_RDONLY descriptor", write(fd, "x", 1));
    close(fd);
    fd = open("f", O_WRONLY);
    err("read from an O_WRONLY descriptor", read(fd, &c, 1));
    ret("write at the start of O_WRONLY", write(fd, "J", 1));
    close(fd);
    contents("overwritten in place", "f");

    fd = open("f", O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    ret("O_APPEND write after lseek(0)", write(fd, "!", 1));
    ret("the offset is then the end", lseek(fd, 0, SEEK_CUR));
    close(fd);
    contents("appended", "f");

    fd = open("f", O_RDWR | O_TRUNC);
    struct stat st;
    fstat(fd, &st);
    say("O_TRUNC: size %lld", (long long)st.st_size);
    close(fd);

    char name[300];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    err("a name of 299 bytes", open(name, O_RDONLY | O_CREAT, 0644));
}

static void read_write_seek(void)
{
    int fd = open("rw", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ret("write", write(fd, "0123456789", 10));
    ret("lseek SEEK_SET 2", lseek(fd, 2, SEEK_SET));
    char buf[32] = { 0 };
    ret("read 3", read(fd, buf, 3));
    say("read \"%s\"", buf);
    ret("lseek SEEK_CUR +1", lseek(fd, 1, SEEK_CUR));
    ret("lseek SEEK_END -2", lseek(fd, -2, SEEK_END));
    memset(buf, 0, sizeof buf);
    ret("read 5 near the end", read(fd, buf, 5));
    say("read \"%s\"", buf);
    ret("read at the end", read(fd, buf, 5));
    err("lseek to a negative offset", lseek(fd, -100, SEEK_SET));
    err("lseek with a bad whence", lseek(fd, 0, 77));

    memset(buf, 0, sizeof buf);
    ret("pread 4 at 6", pread(fd, buf, 4, 6));
    say("pread \"%s\"", buf);
    ret("pwrite 2 at 0", pwrite(fd, "ab", 2, 0));
    ret("the offset did not move", lseek(fd, 0, SEEK_CUR));
    err("pread at a negative offset", pread(fd, buf, 1, -1));

    struct iovec iov[3] = { { "AA", 2 }, { "", 0 }, { "BBB", 3 } };
    lseek(fd, 0, SEEK_SET);
    ret("writev 2+0+3", writev(fd, iov, 3));
    char x[4] = { 0 }, y[4] = { 0 }, z[16] = { 0 };
    struct iovec in[3] = { { x, 3 }, { y, 3 }, { z, 15 } };
    lseek(fd, 0, SEEK_SET);
    ret("readv 3+3+15", readv(fd, in, 3));
    say("readv \"%s\" \"%s\" \"%s\"", x, y, z);
    err("writev of -1 vectors", syscall(SYS_writev, fd, iov, -1));

    /* a hole: write beyond the end */
    ret("lseek 4 past the end", lseek(fd, 14, SEEK_SET));
    ret("write there", write(fd, "E", 1));
    close(fd);
    contents("with a hole (zeros shown as 0)", "rw");

    fd = open("rw", O_RDONLY);
    err("pwrite on O_RDONLY", pwrite(fd, "x", 1, 0));
    close(fd);
    err("write to a closed descriptor", write(fd, "x", 1));
    int p[2];
    if (pipe(p) == 0) {
        err("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
        err("pread on a pipe", pread(p[0], buf, 1, 0));
        close(p[0]);
        close(p[1]);
    }
}

static void stats(void)
{
    umask(022);
    int fd = open("s", O_RDWR | O_CREAT | O_TRUNC, 0666);
    write(fd, "12345", 5);
    struct stat st, fst, lst;
    stat("s", &st);
    show_stat("stat of a file made with 0666 under umask 022", &st);
    fstat(fd, &fst);
    show_stat("fstat", &fst);
    yes("stat and fstat agree on the inode and device",
        st.st_ino == fst.st_ino && st.st_dev == fst.st_dev);
    close(fd);

    symlink("s", "sl");
    lstat("sl", &lst);
    show_stat("lstat of a symlink to \"s\"", &lst);
    stat("sl", &st);
    show_stat("stat through it", &st);
    symlink("nowhere", "dangling");
    err("stat of a dangling symlink", stat("dangling", &st));
    yes("lstat of it works", lstat("dangling", &st) == 0 && S_ISLNK(st.st_mode));
    err("stat of a missing file", stat("missing", &st));
    err("stat with an empty path", stat("", &st));

    mkdir("d", 0777);
    stat("d", &st);
    say("stat of a directory made with 0777: %s, mode %04o", type_of(st.st_mode),
        (unsigned)(st.st_mode & 07777));

    struct stat at;
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    yes("fstatat(dirfd, \"s\") is stat(\"s\")", fstatat(dfd, "s", &at, 0) == 0 &&
        at.st_ino == fst.st_ino && at.st_size == 5);
    yes("fstatat AT_SYMLINK_NOFOLLOW sees the link",
        fstatat(dfd, "sl", &at, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(at.st_mode));
    fd = open("s", O_RDONLY);
    yes("fstatat AT_EMPTY_PATH is fstat",
        fstatat(fd, "", &at, AT_EMPTY_PATH) == 0 && at.st_ino == fst.st_ino);
    err("fstatat with a bad flag", fstatat(dfd, "s", &at, 0x40000000));
    err("fstatat relative to a file", fstatat(fd, "x", &at, 0));

    struct lt_statx sx;
    memset(&sx, 0, sizeof sx);
    ret("statx", syscall(SYS_statx, AT_FDCWD, "s", 0, LT_STATX_BASIC_STATS, &sx));
    unsigned want = LT_STATX_TYPE | LT_STATX_MODE | LT_STATX_NLINK | LT_STATX_SIZE;
    yes("statx mask has type, mode, nlink, size", (sx.mask & want) == want);
    say("statx: %s, mode %04o, size %llu, nlink %u", type_of(sx.mode), sx.mode & 07777u,
        (unsigned long long)sx.size, sx.nlink);
    yes("statx agrees with stat on inode and device",
        sx.ino == fst.st_ino && makedev(sx.dev_major, sx.dev_minor) == fst.st_dev);
    memset(&sx, 0, sizeof sx);
    syscall(SYS_statx, AT_FDCWD, "sl", AT_SYMLINK_NOFOLLOW, LT_STATX_BASIC_STATS, &sx);
    say("statx AT_SYMLINK_NOFOLLOW: %s, size %llu", type_of(sx.mode),
        (unsigned long long)sx.size);
    memset(&sx, 0, sizeof sx);
    syscall(SYS_statx, fd, "", AT_EMPTY_PATH, LT_STATX_BASIC_STATS, &sx);
    yes("statx AT_EMPTY_PATH on a descriptor", sx.ino == fst.st_ino);
    err("statx of a missing file",
        syscall(SYS_statx, AT_FDCWD, "missing", 0, LT_STATX_BASIC_STATS, &sx));
    close(fd);
    close(dfd);

    link("s", "hard");
    stat("s", &st);
    say("after link: nlink %lu", (unsigned long)st.st_nlink);
    unlink("hard");
    stat("s", &st);
    say("after unlink: nlink %lu", (unsigned long)st.st_nlink);
}

/* read(2) of a file into a shared mapping of the same file: the server
 * copies from the file's page into the process's page, here the same
 * page. Two regions that do not overlap give the file's bytes; for
 * overlapping ones only the count and the bytes outside the target are
 * printed (what lands inside depends on the copy loop, on Linux too). */
static void read_into_own_mapping(void)
{
    int fd = open("own", O_RDWR | O_CREAT | O_TRUNC, 0644);
    unsigned char pattern[8192];
    for (unsigned i = 0; i < sizeof pattern; i++)
        pattern[i] = (unsigned char)(i * 7 + i / 256);
    write(fd, pattern, sizeof pattern);
    unsigned char *m = mmap(NULL, sizeof pattern, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        say("mmap of own file: %s", errname(errno));
        close(fd);
        return;
    }
    lseek(fd, 0, SEEK_SET);
    ret("read 100 bytes into the same page, 2048 on", read(fd, m + 2048, 100));
    yes("they are the file's first 100", memcmp(m + 2048, pattern, 100) == 0);
    yes("the file's bytes there changed with them", ({
        unsigned char back[100];
        pread(fd, back, 100, 2048);
        memcmp(back, pattern, 100) == 0;
    }));
    yes("the rest of the page kept", memcmp(m, pattern, 2048) == 0 &&
        memcmp(m + 2148, pattern + 2148, 4096 - 2148) == 0);
    ret("read 4000 bytes at offset 0 into the mapping at 1", (lseek(fd, 0, SEEK_SET),
        read(fd, m + 1, 4000)));
    yes("byte 0 and bytes 4001 on kept", m[0] == pattern[0] &&
        memcmp(m + 4001, pattern + 4001, sizeof pattern - 4001) == 0);
    munmap(m, sizeof pattern);
    close(fd);
}

int main(void)
{
    lt_tmpdir();
    umask(022);
    open_flags();
    read_write_seek();
    stats();
    read_into_own_mapping();
    lt_done();
}
