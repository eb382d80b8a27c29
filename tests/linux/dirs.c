/* Directories and names: mkdir, rmdir, getdents64 (names printed
 * sorted: the order is the file system's), rename, link, symlink,
 * readlink, unlink, chdir, fchdir, getcwd, access, faccessat, chmod,
 * fchmod, truncate, ftruncate, umask, utimensat, and the *at forms.
 * Not printed: the temporary directory's name (getcwd is compared with
 * it), times other than those the test sets, permission checks that
 * root would pass (the tests may run as root or not). */
#include "lt.h"
#include <dirent.h>
#include <time.h>

struct lt_dirent64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted, with their d_type, via getdents64
 * in small chunks (several calls). */
static void list(const char *what, const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        say("%s: error %s", what, errname(errno));
        return;
    }
    static char names[64][80];
    char *sorted[64];
    int n = 0;
    char buf[128] __attribute__((aligned(8)));
    long got;
    while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < got;) {
            struct lt_dirent64 *d = (struct lt_dirent64 *)(buf + off);
            if (n < 64) {
                const char *t = d->type == DT_DIR ? "/" : d->type == DT_LNK ? "@"
                              : d->type == DT_REG ? "" : d->type == DT_UNKNOWN ? "?" : "*";
                snprintf(names[n], sizeof names[n], "%s%s", d->name, t);
                sorted[n] = names[n];
                n++;
            }
            off += d->reclen;
        }
    if (got < 0)
        say("%s: getdents64 error %s", what, errname(errno));
    qsort(sorted, (size_t)n, sizeof sorted[0], cmp);
    char line[1024] = "";
    for (int i = 0; i < n; i++) {
        strcat(line, " ");
        strcat(line, sorted[i]);
    }
    say("%s:%s", what, line);
    close(fd);
}

static void make_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        lt_fail("creat %s: %s", path, errname(errno));
    write(fd, text, strlen(text));
    close(fd);
}

static void show_file(const char *what, const char *path)
{
    char buf[64] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        say("%s: error %s", what, errname(errno));
        return;
    }
    read(fd, buf, sizeof buf - 1);
    close(fd);
    say("%s: \"%s\"", what, buf);
}

static void make_and_remove(void)
{
    ret("mkdir a", mkdir("a", 0755));
    err("mkdir a again", mkdir("a", 0755));
    ret("mkdir a/b", mkdir("a/b", 0755));
    err("mkdir x/y (no x)", mkdir("x/y", 0755));
    make_file("a/file", "data");
    symlink("file", "a/link");
    list("a holds (/ dir, @ symlink)", "a");
    err("rmdir a (not empty)", rmdir("a"));
    err("rmdir a/file", rmdir("a/file"));
    err("rmdir a/b/.", rmdir("a/b/."));
    err("unlink a/b (a directory)", unlink("a/b"));
    ret("rmdir a/b", rmdir("a/b"));
    err("rmdir a/b again", rmdir("a/b"));
    int afd = open("a", O_RDONLY | O_DIRECTORY);
    ret("mkdirat(dirfd, \"c\")", mkdirat(afd, "c", 0700));
    close(afd);
    struct stat st;
    stat("a/c", &st);
    say("a/c mode %04o", (unsigned)(st.st_mode & 07777));
    ret("unlinkat AT_REMOVEDIR", unlinkat(AT_FDCWD, "a/c", AT_REMOVEDIR));
    err("unlinkat of a file with AT_REMOVEDIR", unlinkat(AT_FDCWD, "a/file", AT_REMOVEDIR));

    /* an open file outlives its last name */
    make_file("gone", "still here");
    int fd = open("gone", O_RDONLY);
    ret("unlink an open file", unlink("gone"));
    char buf[16] = { 0 };
    read(fd, buf, sizeof buf - 1);
    say("it reads \"%s\"", buf);
    fstat(fd, &st);
    say("fstat nlink %lu", (unsigned long)st.st_nlink);
    close(fd);
    err("open it by name", open("gone", O_RDONLY));
    list("the directory", ".");
}

static void renames_and_links(void)
{
    make_file("r1", "one");
    make_file("r2", "two");
    ret("rename r1 r3", rename("r1", "r3"));
    err("rename of a missing file", rename("r1", "r4"));
    ret("rename r3 over r2", rename("r3", "r2"));
    show_file("r2", "r2");
    err("r3 afterwards", access("r3", F_OK));
    ret("rename r2 r2", rename("r2", "r2"));
    mkdir("d1", 0755);
    mkdir("d2", 0755);
    make_file("d2/x", "x");
    err("rename a directory over a non-empty one", rename("d1", "d2"));
    err("rename a directory into itself", rename("d1", "d1/sub"));
    err("rename a directory over a file", rename("d1", "r2"));
    err("rename a file over a directory", rename("r2", "d1"));
    ret("rename d1 d3", rename("d1", "d3"));
    int d2 = open("d2", O_RDONLY | O_DIRECTORY);
    ret("renameat into d2", renameat(AT_FDCWD, "r2", d2, "moved"));
    close(d2);
    list("d2 holds", "d2");

    ret("link d2/moved hard", link("d2/moved", "hard"));
    struct stat a, b;
    stat("d2/moved", &a);
    stat("hard", &b);
    yes("both names, one inode", a.st_ino == b.st_ino && a.st_nlink == 2);
    err("link to an existing name", link("hard", "d2/x"));
    err("link of a directory", link("d2", "d2link"));
    ret("linkat", linkat(AT_FDCWD, "hard", AT_FDCWD, "hard2", 0));
    stat("hard", &b);
    say("nlink %lu", (unsigned long)b.st_nlink);

    ret("symlink", symlink("d2/moved", "sym"));
    char t[64];
    memset(t, 0, sizeof t);
    ret("readlink", readlink("sym", t, sizeof t));
    say("target \"%s\"", t);
    memset(t, 0, sizeof t);
    ret("readlink into 4 bytes (truncated)", readlink("sym", t, 4));
    say("got \"%s\"", t);
    err("readlink of a file", readlink("hard", t, sizeof t));
    err("readlink of a missing name", readlink("none", t, sizeof t));
    ret("readlinkat", readlinkat(AT_FDCWD, "sym", t, sizeof t));
    err("symlink over an existing name", symlink("x", "hard"));
    show_file("read through the symlink", "sym");
    symlink("loop2", "loop1");
    symlink("loop1", "loop2");
    err("open a symlink loop", open("loop1", O_RDONLY));
    symlink(".", "self");
    show_file("through a symlink to . (twice)", "self/self/hard");
    list("the directory", ".");
}

static void cwd(void)
{
    char here[256], buf[256];
    if (!getcwd(here, sizeof here))
        lt_fail("getcwd: %s", errname(errno));
    yes("getcwd starts with /tmp/", !strncmp(here, "/tmp/", 5));
    mkdir("sub", 0755);
    mkdir("sub/deeper", 0755);
    ret("chdir sub/deeper", chdir("sub/deeper"));
    getcwd(buf, sizeof buf);
    yes("getcwd is ours + /sub/deeper",
        !strncmp(buf, here, strlen(here)) && !strcmp(buf + strlen(here), "/sub/deeper"));
    ret("chdir ..", chdir(".."));
    getcwd(buf, sizeof buf);
    yes("getcwd is ours + /sub", !strcmp(buf + strlen(here), "/sub"));
    int fd = open(here, O_RDONLY | O_DIRECTORY);
    ret("fchdir back", fchdir(fd));
    getcwd(buf, sizeof buf);
    yes("getcwd is ours again", !strcmp(buf, here));
    err("getcwd into 2 bytes", getcwd(buf, 2) ? 0 : -1);
    make_file("plain", "");
    err("chdir to a file", chdir("plain"));
    int ffd = open("plain", O_RDONLY);
    err("fchdir to a file", fchdir(ffd));
    close(ffd);
    err("chdir to a missing directory", chdir("missing"));
    ret("chdir /", chdir("/"));
    getcwd(buf, sizeof buf);
    say("getcwd \"%s\"", buf);
    ret("chdir /tmp/../tmp", chdir("/tmp/../tmp"));
    getcwd(buf, sizeof buf);
    say("getcwd \"%s\"", buf);
    fchdir(fd);
    close(fd);
    err("fchdir to a closed descriptor", fchdir(fd));
}

/* A removed directory still in use (issue: dangling ".." and getcwd after
 * rmdir): the working directory and an open descriptor of a directory
 * removed with its parent stay valid, empty and unlinked; ".." still
 * leads to the removed parent, then to ours; nothing can be made there;
 * and a working directory under /proc/<pid> survives /proc's remaking. */
static void removed_dirs(void)
{
    char here[256], buf[256], path[300];
    if (!getcwd(here, sizeof here))
        lt_fail("getcwd: %s", errname(errno));
    ret("mkdir gone", mkdir("gone", 0755));
    ret("mkdir gone/sub", mkdir("gone/sub", 0755));
    ret("chdir gone/sub", chdir("gone/sub"));
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    yes("open . of gone/sub", fd >= 0);
    snprintf(path, sizeof path, "%s/gone/sub", here);
    ret("rmdir gone/sub (our working directory)", rmdir(path));
    snprintf(path, sizeof path, "%s/gone", here);
    ret("rmdir gone", rmdir(path));
    err("getcwd in a removed directory", syscall(SYS_getcwd, buf, sizeof buf));
    struct stat st;
    ret("stat .", stat(".", &st));
    yes("it is a directory", S_ISDIR(st.st_mode));
    ret("stat ..", stat("..", &st));
    err("open x, O_CREAT", open("x", O_CREAT | O_WRONLY, 0644));
    err("mkdir c", mkdir("c", 0755));
    err("open ../x", open("../x", O_RDONLY));
    err("open ../x, O_CREAT", open("../x", O_CREAT | O_WRONLY, 0644));
    err("mkdir ../c", mkdir("../c", 0755));
    err("symlink to ../l", symlink("x", "../l"));
    err("open ../../gone", open("../../gone", O_RDONLY));
    char dents[256] __attribute__((aligned(8)));
    err("getdents64 of the removed directory", syscall(SYS_getdents64, fd, dents, sizeof dents));
    ret("chdir .. (the removed parent)", chdir(".."));
    err("getcwd there", syscall(SYS_getcwd, buf, sizeof buf));
    ret("chdir .. again", chdir(".."));
    yes("getcwd is ours again", getcwd(buf, sizeof buf) && !strcmp(buf, here));
    ret("fchdir to the removed directory", fchdir(fd));
    ret("chdir ../..", chdir("../.."));
    yes("getcwd is ours once more", getcwd(buf, sizeof buf) && !strcmp(buf, here));
    close(fd);
    /* /proc/<pid> is made afresh (on Pecan: removed and made again) */
    snprintf(path, sizeof path, "/proc/%d", (int)getpid());
    ret("chdir /proc/<pid>", chdir(path));
    ret("stat /proc/meminfo", stat("/proc/meminfo", &st));
    ret("stat /proc/uptime", stat("/proc/uptime", &st));
    ret("chdir .. from /proc/<pid>", chdir(".."));
    yes("getcwd is /proc", getcwd(buf, sizeof buf) && !strcmp(buf, "/proc"));
    ret("chdir back", chdir(here));
}

static void modes(void)
{
    say("umask(077) returns the previous %04o", (unsigned)umask(077));
    make_file("u", "");
    struct stat st;
    stat("u", &st);
    say("a file made 0644 under umask 077: %04o", (unsigned)(st.st_mode & 07777));
    mkdir("ud", 0777);
    stat("ud", &st);
    say("a directory made 0777 under umask 077: %04o", (unsigned)(st.st_mode & 07777));
    say("umask(022) returns %04o", (unsigned)umask(022));

    ret("chmod 4751", chmod("u", 04751));
    stat("u", &st);
    say("mode %04o", (unsigned)(st.st_mode & 07777));
    int fd = open("u", O_RDONLY);
    ret("fchmod 0640", fchmod(fd, 0640));
    fstat(fd, &st);
    say("mode %04o", (unsigned)(st.st_mode & 07777));
    ret("fchmodat 0600", fchmodat(AT_FDCWD, "u", 0600, 0));
    stat("u", &st);
    say("mode %04o", (unsigned)(st.st_mode & 07777));
    close(fd);
    err("chmod of a missing file", chmod("missing", 0644));

    ret("access F_OK", access("u", F_OK));
    ret("access R_OK|W_OK", access("u", R_OK | W_OK));
    err("access of a missing file", access("missing", F_OK));
    err("access with a bad mode", access("u", 0100));
    chmod("u", 0644);
    /* (root too needs an x bit for X_OK) */
    err("access X_OK of a 0644 file", access("u", X_OK));
    chmod("u", 0744);
    ret("access X_OK of a 0744 file", access("u", X_OK));
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    ret("faccessat(dirfd)", faccessat(dfd, "u", R_OK, 0));
    err("faccessat(dirfd) of a missing file", faccessat(dfd, "none", R_OK, 0));
    close(dfd);

    make_file("t", "0123456789");
    ret("truncate to 4", truncate("t", 4));
    show_file("t", "t");
    ret("truncate to 8 (zeros)", truncate("t", 8));
    stat("t", &st);
    say("size %lld", (long long)st.st_size);
    fd = open("t", O_RDWR);
    ret("ftruncate to 2", ftruncate(fd, 2));
    fstat(fd, &st);
    say("size %lld", (long long)st.st_size);
    err("ftruncate to -1", ftruncate(fd, -1));
    close(fd);
    fd = open("t", O_RDONLY);
    err("ftruncate of O_RDONLY", ftruncate(fd, 0));
    close(fd);
    err("truncate of a directory", truncate(".", 0));

    struct timespec ts[2] = { { 1234567890, 500000000 }, { 1000000000, 250000000 } };
    ret("utimensat", utimensat(AT_FDCWD, "t", ts, 0));
    stat("t", &st);
    say("atime %lld.%09ld mtime %lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
        (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 2000000000, 0 } };
    utimensat(AT_FDCWD, "t", omit, 0);
    stat("t", &st);
    say("with UTIME_OMIT for atime: atime %lld mtime %lld", (long long)st.st_atim.tv_sec,
        (long long)st.st_mtim.tv_sec);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec tnow[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    utimensat(AT_FDCWD, "t", tnow, 0);
    stat("t", &st);
    /* (file times may lag the clock by a tick) */
    yes("UTIME_NOW: mtime within a second of clock_gettime",
        st.st_mtim.tv_sec >= now.tv_sec - 1 && st.st_mtim.tv_sec <= now.tv_sec + 1);
    symlink("t", "tl");
    struct timespec old[2] = { { 100, 0 }, { 200, 0 } };
    ret("utimensat AT_SYMLINK_NOFOLLOW", utimensat(AT_FDCWD, "tl", old, AT_SYMLINK_NOFOLLOW));
    lstat("tl", &st);
    say("the link's mtime %lld", (long long)st.st_mtim.tv_sec);
    stat("t", &st);
    yes("the file's mtime unchanged", st.st_mtim.tv_sec != 200);
    err("utimensat of a missing file", utimensat(AT_FDCWD, "missing", ts, 0));
    struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    err("utimensat with tv_nsec 10^9", utimensat(AT_FDCWD, "t", bad, 0));
}

int main(void)
{
    lt_tmpdir();
    umask(022);
    make_and_remove();
    renames_and_links();
    cwd();
    removed_dirs();
    modes();
    lt_done();
}
