/* File system calls: paths, descriptors, reading and writing, metadata,
 * directories, pipes. The operations of each kind of file are in
 * fs_file.c, pipe.c and tty.c; the tree is fs.c's. */
#include <stdlib.h>
#include <string.h>
#include <asm-generic/statfs.h>
#include "fd.h"
#include "fs.h"
#include "mm.h"
#include "proc.h"
#include "signal.h"

#define PATH_MAX_BYTES 4096
#define IO_MAX 0x7FFFF000UL                 /* most bytes one call moves, as Linux */

static struct fsctx *ctx(struct thread *t)
{
    return t->proc->fs;
}

static long get_path(struct thread *t, uint64_t u, char *buf)
{
    long n = string_from_proc(t->proc, buf, u, PATH_MAX_BYTES);
    return n == 0 ? -ENOENT : n;
}

/* Where a relative path starts: the working directory or dirfd's. */
void procfs_refresh(struct proc *caller);

static int start_dir(struct thread *t, int dirfd, const char *path, struct inode **at)
{
    if (!strncmp(path, "/proc", 5) && (path[5] == '/' || !path[5]))
        procfs_refresh(t->proc);            /* (a snapshot of now: procfs.c) */
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        *at = ctx(t)->cwd;
        return 0;
    }
    struct file *f = fd_get(t->proc, dirfd);
    if (!f)
        return -EBADF;
    if (!f->inode || !S_ISDIR(f->inode->mode))
        return -ENOTDIR;
    *at = f->inode;
    return 0;
}

int path_lookup(struct thread *t, int dirfd, const char *path, int flags, struct inode **out)
{
    struct inode *at;
    int err = start_dir(t, dirfd, path, &at);
    return err ? err : fs_lookup(ctx(t), at, path, flags, out);
}

/* A path argument resolved: the node (a reference) or -errno. at_flags:
 * AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (an empty path: dirfd itself). */
static int user_lookup(struct thread *t, int dirfd, uint64_t upath, int at_flags,
                       struct inode **out)
{
    char path[PATH_MAX_BYTES];
    long n = string_from_proc(t->proc, path, upath, sizeof path);
    if (n < 0)
        return (int)n;
    if (n == 0) {
        if (!(at_flags & AT_EMPTY_PATH))
            return -ENOENT;
        struct file *f = dirfd == AT_FDCWD ? NULL : fd_get(t->proc, dirfd);
        struct inode *ip = dirfd == AT_FDCWD ? ctx(t)->cwd : f ? f->inode : NULL;
        if (!ip)
            return f ? -EINVAL : -EBADF;
        inode_ref(ip);
        *out = ip;
        return 0;
    }
    return path_lookup(t, dirfd, path, at_flags & AT_SYMLINK_NOFOLLOW ? FS_NOFOLLOW : 0, out);
}

/* ---- open and close -------------------------------------------------------------- */

static long do_open(struct thread *t, int dirfd, uint64_t upath, unsigned flags, unsigned mode)
{
    char path[PATH_MAX_BYTES];
    long n = get_path(t, upath, path);
    if (n < 0)
        return n;
    struct inode *at, *ip = NULL;
    int err = start_dir(t, dirfd, path, &at);
    if (err)
        return err;
    err = fs_lookup(ctx(t), at, path, flags & (O_NOFOLLOW | O_EXCL) ? FS_NOFOLLOW : 0, &ip);
    if (!err && (flags & O_CREAT) && (flags & O_EXCL)) {
        inode_unref(ip);
        return -EEXIST;
    }
    if (err == -ENOENT && (flags & O_CREAT))
        err = fs_create(ctx(t), at, path, S_IFREG | (mode & 07777 & ~ctx(t)->umask), NULL, 0,
                        &ip);
    if (err)
        return err;
    unsigned acc = flags & O_ACCMODE;
    if (S_ISLNK(ip->mode))
        err = -ELOOP;
    else if ((flags & O_DIRECTORY) && !S_ISDIR(ip->mode))
        err = -ENOTDIR;
    else if (S_ISDIR(ip->mode) && (acc != O_RDONLY || (flags & O_CREAT)))
        err = -EISDIR;
    else if ((flags & O_TRUNC) && S_ISREG(ip->mode) && acc != O_RDONLY)
        err = inode_truncate(ip, 0);
    struct file *f = err ? NULL : file_open_inode(ip, flags & ~(O_CREAT | O_EXCL | O_TRUNC |
                                                                O_NOCTTY | O_CLOEXEC), &err);
    inode_unref(ip);
    if (!f)
        return err ? err : -ENOMEM;
    int fd = fd_install(t->proc, f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_unref(f);
    return fd;
}

static long sys_open(struct thread *t, const uint64_t a[6])
{
    return do_open(t, AT_FDCWD, a[0], (unsigned)a[1], (unsigned)a[2]);
}

static long sys_openat(struct thread *t, const uint64_t a[6])
{
    return do_open(t, (int)a[0], a[1], (unsigned)a[2], (unsigned)a[3]);
}

static long sys_creat(struct thread *t, const uint64_t a[6])
{
    return do_open(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (unsigned)a[1]);
}

static long sys_close(struct thread *t, const uint64_t a[6])
{
    return fd_close(t->proc, (int)a[0]);
}

/* ---- reading and writing ------------------------------------------------------------ */

static struct file *readable_fd(struct thread *t, int fd, bool write)
{
    struct file *f = fd_get(t->proc, fd);
    if (!f)
        return NULL;
    unsigned acc = f->flags & O_ACCMODE;
    if (write ? acc == O_RDONLY : acc == O_WRONLY)
        return NULL;
    return f;
}

static long rw(struct thread *t, int fd, uint64_t buf, uint64_t n, bool write)
{
    struct file *f = readable_fd(t, fd, write);
    if (!f)
        return -EBADF;
    if (n > IO_MAX)
        n = IO_MAX;
    if (buf + n < buf || buf + n > MM_USER_END)
        return -EFAULT;
    return write ? f->ops->write(f, t, buf, n) : f->ops->read(f, t, buf, n);
}

static long sys_read(struct thread *t, const uint64_t a[6])
{
    return rw(t, (int)a[0], a[1], a[2], false);
}

static long sys_write(struct thread *t, const uint64_t a[6])
{
    long r = rw(t, (int)a[0], a[1], a[2], true);
    if (r == -EPIPE)
        signal_sigpipe(t);
    return r;
}

static long positioned(struct thread *t, const uint64_t a[6], bool write)
{
    struct file *f = readable_fd(t, (int)a[0], write);
    if (!f)
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if ((int64_t)a[3] < 0)
        return -EINVAL;
    uint64_t pos = f->pos;
    f->pos = a[3];
    long r = rw(t, (int)a[0], a[1], a[2], write);
    f->pos = pos;
    return r;
}

static long sys_pread64(struct thread *t, const uint64_t a[6])
{
    return positioned(t, a, false);
}

static long sys_pwrite64(struct thread *t, const uint64_t a[6])
{
    return positioned(t, a, true);
}

struct iovec_ { uint64_t base, len; };

/* readv and writev: segment by segment; a segment after the first is
 * taken only while the file is ready, so that only the first may wait. */
static long vector(struct thread *t, const uint64_t a[6], bool write)
{
    struct file *f = readable_fd(t, (int)a[0], write);
    if (!f)
        return -EBADF;
    uint64_t cnt = a[2];
    if (cnt > 1024)
        return -EINVAL;
    /* Linux reads and checks the whole vector first: EFAULT, or EINVAL
     * for a length past SSIZE_MAX (or a total past it) */
    static struct iovec_ vec[1024];
    if (cnt && copy_from_proc(t->proc, vec, a[1], cnt * sizeof vec[0]))
        return -EFAULT;
    uint64_t total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        if ((int64_t)vec[i].len < 0 || (int64_t)(total + vec[i].len) < 0)
            return -EINVAL;
        total += vec[i].len;
    }
    long done = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        struct iovec_ v = vec[i];
        if (!v.len)
            continue;
        if (done && f->ops->poll && !(f->ops->poll(f) & (write ? POLLOUT : POLLIN)))
            break;
        long r = rw(t, (int)a[0], v.base, v.len, write);
        if (r == SYS_WAIT)
            return done ? done : r;
        if (r < 0) {
            if (r == -EPIPE && !done)
                signal_sigpipe(t);
            return done ? done : r;
        }
        done += r;
        if ((uint64_t)r < v.len)
            break;
    }
    return done;
}

static long sys_readv(struct thread *t, const uint64_t a[6])
{
    return vector(t, a, false);
}

static long sys_writev(struct thread *t, const uint64_t a[6])
{
    return vector(t, a, true);
}

/* preadv, pwritev (and their *2 forms without flags): at a position, the
 * file's own left as it was (x86-64: the position is the fourth
 * argument); for the *2 forms, position -1 is the file's own. */
static long vector_at(struct thread *t, const uint64_t a[6], bool write, bool v2)
{
    struct file *f = readable_fd(t, (int)a[0], write);
    if (!f)
        return -EBADF;
    if (v2 && (int64_t)a[3] == -1)
        return vector(t, a, write);
    if (!f->ops->seekable)
        return -ESPIPE;
    if ((int64_t)a[3] < 0)
        return -EINVAL;
    uint64_t pos = f->pos;
    f->pos = a[3];
    long r = vector(t, a, write);
    f->pos = pos;
    return r;
}

static long sys_preadv(struct thread *t, const uint64_t a[6])
{
    return vector_at(t, a, false, false);
}

static long sys_pwritev(struct thread *t, const uint64_t a[6])
{
    return vector_at(t, a, true, false);
}

static long sys_preadv2(struct thread *t, const uint64_t a[6])
{
    if (a[5])
        return -EOPNOTSUPP;                 /* RWF_* flags: not served */
    return vector_at(t, a, false, true);
}

static long sys_pwritev2(struct thread *t, const uint64_t a[6])
{
    if (a[5])
        return -EOPNOTSUPP;
    return vector_at(t, a, true, true);
}

static long sys_lseek(struct thread *t, const uint64_t a[6])
{
    struct file *f = fd_get(t->proc, (int)a[0]);
    if (!f)
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    int64_t off = (int64_t)a[1], base;
    switch (a[2]) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->pos; break;
    case SEEK_END: base = f->inode ? (int64_t)f->inode->size : 0; break;
    default: return -EINVAL;
    }
    if (base + off < 0)
        return -EINVAL;
    f->pos = (uint64_t)(base + off);
    return (long)f->pos;
}

/* ---- descriptors ------------------------------------------------------------------- */

static long sys_dup(struct thread *t, const uint64_t a[6])
{
    struct file *f = fd_get(t->proc, (int)a[0]);
    if (!f)
        return -EBADF;
    file_ref(f);
    int fd = fd_install(t->proc, f, 0, false);
    if (fd < 0)
        file_unref(f);
    return fd;
}

static long dup_to(struct thread *t, int old, int new, bool cloexec)
{
    struct proc *p = t->proc;
    struct file *f = fd_get(p, old);
    if (!f)
        return -EBADF;
    if (new < 0 || new >= FD_MAX || (uint64_t)new >= p->rlim[RLIMIT_NOFILE].rlim_cur)
        return -EBADF;
    if (old == new)
        return new;
    file_ref(f);
    fd_close(p, new);
    p->files->fd[new] = f;
    p->files->cloexec[new] = cloexec;
    return new;
}

static long sys_dup2(struct thread *t, const uint64_t a[6])
{
    if ((int)a[0] == (int)a[1])
        return fd_get(t->proc, (int)a[0]) ? (long)(int)a[1] : -EBADF;
    return dup_to(t, (int)a[0], (int)a[1], false);
}

static long sys_dup3(struct thread *t, const uint64_t a[6])
{
    if ((int)a[0] == (int)a[1] || (a[2] & ~(uint64_t)O_CLOEXEC))
        return -EINVAL;
    return dup_to(t, (int)a[0], (int)a[1], a[2] & O_CLOEXEC);
}

static long sys_fcntl(struct thread *t, const uint64_t a[6])
{
    struct proc *p = t->proc;
    int fd = (int)a[0];
    struct file *f = fd_get(p, fd);
    if (!f)
        return -EBADF;
    switch (a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if ((int64_t)a[2] < 0 || a[2] >= FD_MAX)
            return -EINVAL;
        file_ref(f);
        int n = fd_install(p, f, (int)a[2], a[1] == F_DUPFD_CLOEXEC);
        if (n < 0)
            file_unref(f);
        return n;
    }
    case F_GETFD:
        return p->files->cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD:
        p->files->cloexec[fd] = a[2] & FD_CLOEXEC;
        return 0;
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & ~(unsigned)(O_APPEND | O_NONBLOCK)) |
                   ((unsigned)a[2] & (O_APPEND | O_NONBLOCK));
        return 0;
    case F_GETLK: {                         /* no locks are kept: nothing is in the way */
        struct flock l;
        if (copy_from_proc(p, &l, a[2], sizeof l))
            return -EFAULT;
        l.l_type = F_UNLCK;
        return copy_to_proc(p, a[2], &l, sizeof l);
    }
    case F_SETLK:
    case F_SETLKW:
        return 0;
    }
    return -EINVAL;
}

static long sys_ioctl(struct thread *t, const uint64_t a[6])
{
    struct proc *p = t->proc;
    int fd = (int)a[0];
    struct file *f = fd_get(p, fd);
    if (!f)
        return -EBADF;
    switch ((unsigned)a[1]) {
    case FIOCLEX:
    case FIONCLEX:
        p->files->cloexec[fd] = (unsigned)a[1] == FIOCLEX;
        return 0;
    case FIONBIO: {
        int on;
        if (copy_from_proc(p, &on, a[2], sizeof on))
            return -EFAULT;
        f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(unsigned)O_NONBLOCK;
        return 0;
    }
    }
    if (f->ops->ioctl)
        return f->ops->ioctl(f, t, (unsigned)a[1], a[2]);
    if ((unsigned)a[1] == FIONREAD && f->inode && S_ISREG(f->inode->mode)) {
        int left = f->inode->size > f->pos ? (int)(f->inode->size - f->pos) : 0;
        return copy_to_proc(p, a[2], &left, sizeof left);
    }
    return -ENOTTY;
}

static long sys_pipe2(struct thread *t, const uint64_t a[6])
{
    if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct file *r, *w;
    int err = pipe_create((unsigned)a[1], &r, &w);
    if (err)
        return err;
    int fds[2] = { fd_install(t->proc, r, 0, a[1] & O_CLOEXEC), -1 };
    if (fds[0] < 0) {
        file_unref(r);
        file_unref(w);
        return fds[0];
    }
    if ((fds[1] = fd_install(t->proc, w, 0, a[1] & O_CLOEXEC)) < 0) {
        file_unref(w);
        fd_close(t->proc, fds[0]);
        return -EMFILE;
    }
    if (copy_to_proc(t->proc, a[0], fds, sizeof fds)) {
        fd_close(t->proc, fds[0]);
        fd_close(t->proc, fds[1]);
        return -EFAULT;
    }
    return 0;
}

static long sys_pipe(struct thread *t, const uint64_t a[6])
{
    const uint64_t b[6] = { a[0], 0 };
    return sys_pipe2(t, b);
}

/* ---- metadata ------------------------------------------------------------------------- */

/* A struct stat for an open file (a pipe has no node). */
static void file_stat(const struct file *f, struct stat *st)
{
    if (f->inode) {
        inode_stat(f->inode, st);
        return;
    }
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFIFO | 0600;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_ino = (uint64_t)(uintptr_t)f->priv >> 4;
}

static long sys_fstat(struct thread *t, const uint64_t a[6])
{
    struct file *f = fd_get(t->proc, (int)a[0]);
    if (!f)
        return -EBADF;
    struct stat st;
    file_stat(f, &st);
    return copy_to_proc(t->proc, a[1], &st, sizeof st);
}

static long stat_at(struct thread *t, int dirfd, uint64_t upath, uint64_t ubuf, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    struct stat st;
    char empty;
    if ((flags & AT_EMPTY_PATH) && !copy_from_proc(t->proc, &empty, upath, 1) && !empty &&
        dirfd != AT_FDCWD) {
        const uint64_t b[6] = { (uint64_t)dirfd, ubuf };
        return sys_fstat(t, b);
    }
    struct inode *ip;
    int err = user_lookup(t, dirfd, upath, flags, &ip);
    if (err)
        return err;
    inode_stat(ip, &st);
    inode_unref(ip);
    return copy_to_proc(t->proc, ubuf, &st, sizeof st);
}

static long sys_stat(struct thread *t, const uint64_t a[6])
{
    return stat_at(t, AT_FDCWD, a[0], a[1], 0);
}

static long sys_lstat(struct thread *t, const uint64_t a[6])
{
    return stat_at(t, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

static long sys_newfstatat(struct thread *t, const uint64_t a[6])
{
    return stat_at(t, (int)a[0], a[1], a[2], (int)a[3]);
}

static long sys_statx(struct thread *t, const uint64_t a[6])
{
    int dirfd = (int)a[0], flags = (int)a[2];
    struct stat st;
    char empty;
    if ((flags & AT_EMPTY_PATH) && !copy_from_proc(t->proc, &empty, a[1], 1) && !empty &&
        dirfd != AT_FDCWD) {
        struct file *f = fd_get(t->proc, dirfd);
        if (!f)
            return -EBADF;
        file_stat(f, &st);
    } else {
        struct inode *ip;
        int err = user_lookup(t, dirfd, a[1], flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &ip);
        if (err)
            return err;
        inode_stat(ip, &st);
        inode_unref(ip);
    }
    struct statx x;
    memset(&x, 0, sizeof x);
    x.stx_mask = STATX_BASIC_STATS;
    x.stx_blksize = (uint32_t)st.st_blksize;
    x.stx_nlink = (uint32_t)st.st_nlink;
    x.stx_uid = st.st_uid;
    x.stx_gid = st.st_gid;
    x.stx_mode = (uint16_t)st.st_mode;
    x.stx_ino = st.st_ino;
    x.stx_size = (uint64_t)st.st_size;
    x.stx_blocks = (uint64_t)st.st_blocks;
    x.stx_atime = (struct statx_timestamp){ st.st_atime, (uint32_t)st.st_atime_nsec, 0 };
    x.stx_mtime = (struct statx_timestamp){ st.st_mtime, (uint32_t)st.st_mtime_nsec, 0 };
    x.stx_ctime = (struct statx_timestamp){ st.st_ctime, (uint32_t)st.st_ctime_nsec, 0 };
    x.stx_rdev_major = (uint32_t)st.st_rdev >> 8;
    x.stx_rdev_minor = (uint32_t)st.st_rdev & 0xFF;
    x.stx_dev_minor = 1;
    return copy_to_proc(t->proc, a[4], &x, sizeof x);
}

static long sys_getdents64(struct thread *t, const uint64_t a[6])
{
    struct file *f = fd_get(t->proc, (int)a[0]);
    if (!f)
        return -EBADF;
    if (!f->inode || !S_ISDIR(f->inode->mode))
        return -ENOTDIR;
    if (a[1] + a[2] < a[1] || a[1] + a[2] > MM_LINUX_TASK_SIZE)
        return -EFAULT;                     /* (Linux's access_ok, at the end too) */
    if (!f->inode->nlink)
        return -ENOENT;                     /* removed (Linux: a dead directory) */
    uint64_t count = a[2] < 65536 ? a[2] : 65536, used = 0, start = f->pos;
    char *buf = malloc(count);
    if (!buf)
        return -ENOMEM;
    const char *name;
    struct inode *ip;
    while (dir_entry(f->inode, f->pos, &name, &ip)) {
        size_t len = strlen(name);
        size_t reclen = (offsetof(struct linux_dirent64, d_name) + len + 1 + 7) & ~7UL;
        if (used + reclen > count)
            break;
        struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + used);
        memset(d, 0, reclen);
        d->d_ino = ip->ino;
        d->d_off = (int64_t)f->pos + 1;
        d->d_reclen = (uint16_t)reclen;
        d->d_type = S_ISDIR(ip->mode)    ? LINUX_DT_DIR
                    : S_ISLNK(ip->mode)  ? LINUX_DT_LNK
                    : S_ISCHR(ip->mode)  ? LINUX_DT_CHR
                    : S_ISFIFO(ip->mode) ? LINUX_DT_FIFO
                                         : LINUX_DT_REG;
        memcpy(d->d_name, name, len + 1);
        used += reclen;
        f->pos++;
    }
    long r = used || !dir_entry(f->inode, f->pos, &name, &ip) ? (long)used : -EINVAL;
    if (used && copy_to_proc(t->proc, a[1], buf, used)) {
        r = -EFAULT;
        f->pos = start;                     /* nothing was read */
    }
    free(buf);
    return r;
}

/* ---- names ------------------------------------------------------------------------------ */

static long make_at(struct thread *t, int dirfd, uint64_t upath, unsigned mode,
                    const char *target, uint32_t rdev)
{
    char path[PATH_MAX_BYTES];
    long n = get_path(t, upath, path);
    if (n < 0)
        return n;
    struct inode *at, *ip;
    int err = start_dir(t, dirfd, path, &at);
    if (!err && !(err = fs_create(ctx(t), at, path, mode, target, rdev, &ip)))
        inode_unref(ip);
    return err;
}

static long sys_mkdir(struct thread *t, const uint64_t a[6])
{
    return make_at(t, AT_FDCWD, a[0], S_IFDIR | ((unsigned)a[1] & 07777 & ~ctx(t)->umask), NULL, 0);
}

static long sys_mkdirat(struct thread *t, const uint64_t a[6])
{
    return make_at(t, (int)a[0], a[1], S_IFDIR | ((unsigned)a[2] & 07777 & ~ctx(t)->umask), NULL, 0);
}

static long mknod_at(struct thread *t, int dirfd, uint64_t upath, unsigned mode)
{
    unsigned type = mode & S_IFMT;
    if (type != S_IFIFO && type != S_IFREG && type != 0)
        return -EPERM;
    return make_at(t, dirfd, upath, (type ? type : S_IFREG) | (mode & 07777 & ~ctx(t)->umask),
                   NULL, 0);
}

static long sys_mknod(struct thread *t, const uint64_t a[6])
{
    return mknod_at(t, AT_FDCWD, a[0], (unsigned)a[1]);
}

static long sys_mknodat(struct thread *t, const uint64_t a[6])
{
    return mknod_at(t, (int)a[0], a[1], (unsigned)a[2]);
}

static long symlink_at(struct thread *t, uint64_t utarget, int dirfd, uint64_t upath)
{
    char target[PATH_MAX_BYTES];
    long n = get_path(t, utarget, target);
    return n < 0 ? n : make_at(t, dirfd, upath, S_IFLNK | 0777, target, 0);
}

static long sys_symlink(struct thread *t, const uint64_t a[6])
{
    return symlink_at(t, a[0], AT_FDCWD, a[1]);
}

static long sys_symlinkat(struct thread *t, const uint64_t a[6])
{
    return symlink_at(t, a[0], (int)a[1], a[2]);
}

static long unlink_at(struct thread *t, int dirfd, uint64_t upath, bool dir)
{
    char path[PATH_MAX_BYTES];
    long n = get_path(t, upath, path);
    if (n < 0)
        return n;
    struct inode *at;
    int err = start_dir(t, dirfd, path, &at);
    return err ? err : fs_unlink(ctx(t), at, path, dir);
}

static long sys_unlink(struct thread *t, const uint64_t a[6])
{
    return unlink_at(t, AT_FDCWD, a[0], false);
}

static long sys_rmdir(struct thread *t, const uint64_t a[6])
{
    return unlink_at(t, AT_FDCWD, a[0], true);
}

static long sys_unlinkat(struct thread *t, const uint64_t a[6])
{
    if (a[2] & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    return unlink_at(t, (int)a[0], a[1], a[2] & AT_REMOVEDIR);
}

/* rename and link: two paths */
static long two_paths(struct thread *t, int olddir, uint64_t uold, int newdir, uint64_t unew,
                      bool link)
{
    char *old = malloc(2 * PATH_MAX_BYTES), *new = old + PATH_MAX_BYTES;
    if (!old)
        return -ENOMEM;
    struct inode *oat, *nat;
    long err = get_path(t, uold, old);
    if (err >= 0)
        err = get_path(t, unew, new);
    if (err >= 0)
        err = start_dir(t, olddir, old, &oat);
    if (err >= 0)
        err = start_dir(t, newdir, new, &nat);
    if (err >= 0)
        err = link ? fs_link(ctx(t), oat, old, nat, new) : fs_rename(ctx(t), oat, old, nat, new);
    free(old);
    return err;
}

static long sys_rename(struct thread *t, const uint64_t a[6])
{
    return two_paths(t, AT_FDCWD, a[0], AT_FDCWD, a[1], false);
}

static long sys_renameat(struct thread *t, const uint64_t a[6])
{
    return two_paths(t, (int)a[0], a[1], (int)a[2], a[3], false);
}

static long sys_renameat2(struct thread *t, const uint64_t a[6])
{
    if (a[4] & RENAME_NOREPLACE) {
        struct inode *ip;
        if (!user_lookup(t, (int)a[2], a[3], AT_SYMLINK_NOFOLLOW, &ip)) {
            inode_unref(ip);
            return -EEXIST;
        }
    } else if (a[4]) {
        return -EINVAL;
    }
    return two_paths(t, (int)a[0], a[1], (int)a[2], a[3], false);
}

static long sys_link(struct thread *t, const uint64_t a[6])
{
    return two_paths(t, AT_FDCWD, a[0], AT_FDCWD, a[1], true);
}

static long sys_linkat(struct thread *t, const uint64_t a[6])
{
    return two_paths(t, (int)a[0], a[1], (int)a[2], a[3], true);
}

static long readlink_at(struct thread *t, int dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
    if ((int64_t)size <= 0)
        return -EINVAL;
    struct inode *ip;
    int err = user_lookup(t, dirfd, upath, AT_SYMLINK_NOFOLLOW, &ip);
    if (err)
        return err;
    long r = -EINVAL;
    if (S_ISLNK(ip->mode)) {
        size_t n = strlen(ip->target);
        if (n > size)
            n = size;
        r = copy_to_proc(t->proc, ubuf, ip->target, n) ? -EFAULT : (long)n;
    }
    inode_unref(ip);
    return r;
}

static long sys_readlink(struct thread *t, const uint64_t a[6])
{
    return readlink_at(t, AT_FDCWD, a[0], a[1], a[2]);
}

static long sys_readlinkat(struct thread *t, const uint64_t a[6])
{
    return readlink_at(t, (int)a[0], a[1], a[2], a[3]);
}

/* ---- the working directory ----------------------------------------------------------------- */

static long change_dir(struct thread *t, struct inode *ip)
{
    if (!S_ISDIR(ip->mode)) {
        inode_unref(ip);
        return -ENOTDIR;
    }
    inode_unref(ctx(t)->cwd);
    ctx(t)->cwd = ip;                       /* (our reference) */
    return 0;
}

static long sys_chdir(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, AT_FDCWD, a[0], 0, &ip);
    return err ? err : change_dir(t, ip);
}

static long sys_fchdir(struct thread *t, const uint64_t a[6])
{
    struct file *f = fd_get(t->proc, (int)a[0]);
    if (!f)
        return -EBADF;
    if (!f->inode)
        return -ENOTDIR;
    inode_ref(f->inode);
    return change_dir(t, f->inode);
}

/* The name of dir in its parent. */
static const char *name_in_parent(struct inode *dir)
{
    const char *name;
    struct inode *ip;
    for (uint64_t n = 2; dir_entry(dir->parent, n, &name, &ip); n++)
        if (ip == dir)
            return name;
    return NULL;
}

static long sys_getcwd(struct thread *t, const uint64_t a[6])
{
    char buf[PATH_MAX_BYTES];
    size_t pos = sizeof buf - 1;
    buf[pos] = 0;
    for (struct inode *d = ctx(t)->cwd; d != ctx(t)->root && d->parent != d; d = d->parent) {
        if (!d->nlink)
            return -ENOENT;                 /* removed (its parent may be too: fs.c) */
        const char *name = name_in_parent(d);
        if (!name)
            return -ENOENT;                 /* removed */
        size_t n = strlen(name);
        if (n + 1 > pos)
            return -ENAMETOOLONG;
        pos -= n;
        memcpy(buf + pos, name, n);
        buf[--pos] = '/';
    }
    if (pos == sizeof buf - 1)
        buf[--pos] = '/';
    size_t len = sizeof buf - pos;
    if (a[1] < len)
        return -ERANGE;
    return copy_to_proc(t->proc, a[0], buf + pos, len) ? -EFAULT : (long)len;
}

/* ---- permissions, owners, times, sizes ----------------------------------------------------- */

static long access_at(struct thread *t, int dirfd, uint64_t upath, unsigned mode, int flags)
{
    if (mode & ~7U)
        return -EINVAL;
    struct inode *ip;
    int err = user_lookup(t, dirfd, upath, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &ip);
    if (err)
        return err;
    /* (every process is root's: only execution needs a bit) */
    if ((mode & X_OK) && !S_ISDIR(ip->mode) && !(ip->mode & 0111))
        err = -EACCES;
    inode_unref(ip);
    return err;
}

static long sys_access(struct thread *t, const uint64_t a[6])
{
    return access_at(t, AT_FDCWD, a[0], (unsigned)a[1], 0);
}

static long sys_faccessat(struct thread *t, const uint64_t a[6])
{
    return access_at(t, (int)a[0], a[1], (unsigned)a[2], 0);
}

static long sys_faccessat2(struct thread *t, const uint64_t a[6])
{
    return access_at(t, (int)a[0], a[1], (unsigned)a[2], (int)a[3]);
}

/* chmod, chown, utimensat: on a node from a path or a descriptor */
static int node_of_fd(struct thread *t, int fd, struct inode **ip)
{
    struct file *f = fd_get(t->proc, fd);
    if (!f)
        return -EBADF;
    if (!f->inode)
        return -EINVAL;
    inode_ref(*ip = f->inode);
    return 0;
}

static long set_mode(struct inode *ip, unsigned mode)
{
    ip->mode = (ip->mode & S_IFMT) | (mode & 07777);
    ip->ctime = fs_now();
    inode_unref(ip);
    return 0;
}

static long sys_chmod(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, AT_FDCWD, a[0], 0, &ip);
    return err ? err : set_mode(ip, (unsigned)a[1]);
}

static long sys_fchmod(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = node_of_fd(t, (int)a[0], &ip);
    return err ? err : set_mode(ip, (unsigned)a[1]);
}

static long sys_fchmodat(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, (int)a[0], a[1], 0, &ip);
    return err ? err : set_mode(ip, (unsigned)a[2]);
}

static long set_owner(struct inode *ip, uint64_t uid, uint64_t gid)
{
    if ((uint32_t)uid != (uint32_t)-1)
        ip->uid = (unsigned)uid;
    if ((uint32_t)gid != (uint32_t)-1)
        ip->gid = (unsigned)gid;
    ip->ctime = fs_now();
    inode_unref(ip);
    return 0;
}

static long sys_chown(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, AT_FDCWD, a[0], 0, &ip);
    return err ? err : set_owner(ip, a[1], a[2]);
}

static long sys_lchown(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, &ip);
    return err ? err : set_owner(ip, a[1], a[2]);
}

static long sys_fchown(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = node_of_fd(t, (int)a[0], &ip);
    return err ? err : set_owner(ip, a[1], a[2]);
}

static long sys_fchownat(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, (int)a[0], a[1], (int)a[4], &ip);
    return err ? err : set_owner(ip, a[2], a[3]);
}

static long sys_utimensat(struct thread *t, const uint64_t a[6])
{
    /* Linux's order: the times read and checked, then the node looked up */
    struct __kernel_timespec ts[2], now = fs_now();
    if (!a[2])
        ts[0] = ts[1] = now;
    else if (copy_from_proc(t->proc, ts, a[2], sizeof ts))
        return -EFAULT;
    for (int i = 0; a[2] && i < 2; i++)
        if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
            (ts[i].tv_nsec < 0 || ts[i].tv_nsec > 999999999))
            return -EINVAL;
    struct inode *ip;
    int err = a[1] ? user_lookup(t, (int)a[0], a[1], (int)a[3], &ip)
                   : node_of_fd(t, (int)a[0], &ip);
    if (err)
        return err;
    for (int i = 0; i < 2; i++)
        if (ts[i].tv_nsec == UTIME_NOW)
            ts[i] = now;
    if (ts[0].tv_nsec != UTIME_OMIT)
        ip->atime = ts[0];
    if (ts[1].tv_nsec != UTIME_OMIT)
        ip->mtime = ts[1];
    ip->ctime = now;
    inode_unref(ip);
    return 0;
}

static long truncate_node(struct inode *ip, uint64_t size)
{
    long err = S_ISDIR(ip->mode) ? -EISDIR : !S_ISREG(ip->mode) ? -EINVAL
               : (int64_t)size < 0 ? -EINVAL : inode_truncate(ip, size);
    inode_unref(ip);
    return err;
}

static long sys_truncate(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, AT_FDCWD, a[0], 0, &ip);
    return err ? err : truncate_node(ip, a[1]);
}

static long sys_ftruncate(struct thread *t, const uint64_t a[6])
{
    /* Linux: a negative length, then no descriptor, then one that is
     * not a regular file open for writing (a directory too: EINVAL) */
    if ((int64_t)a[1] < 0)
        return -EINVAL;
    struct file *f = fd_get(t->proc, (int)a[0]);
    if (!f)
        return -EBADF;
    if (!f->inode || !S_ISREG(f->inode->mode) || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    inode_ref(f->inode);
    return truncate_node(f->inode, a[1]);
}

static long sys_umask(struct thread *t, const uint64_t a[6])
{
    unsigned old = ctx(t)->umask;
    ctx(t)->umask = (unsigned)a[0] & 0777;
    return old;
}

static long fill_statfs(struct thread *t, uint64_t ubuf)
{
    struct statfs s;
    memset(&s, 0, sizeof s);
    s.f_type = 0x01021994;                  /* TMPFS_MAGIC */
    s.f_bsize = 4096;
    s.f_blocks = pool_total_pages();
    s.f_bfree = s.f_bavail = pool_free_pages();
    s.f_files = 65536;
    s.f_ffree = 65536;
    s.f_namelen = 255;
    s.f_frsize = 4096;
    return copy_to_proc(t->proc, ubuf, &s, sizeof s);
}

static long sys_statfs(struct thread *t, const uint64_t a[6])
{
    struct inode *ip;
    int err = user_lookup(t, AT_FDCWD, a[0], 0, &ip);
    if (err)
        return err;
    inode_unref(ip);
    return fill_statfs(t, a[1]);
}

static long sys_fstatfs(struct thread *t, const uint64_t a[6])
{
    return fd_get(t->proc, (int)a[0]) ? fill_statfs(t, a[1]) : -EBADF;
}

const struct syscall_entry fs_syscalls[] = {
    { __NR_read, "read", sys_read },
    { __NR_write, "write", sys_write },
    { __NR_open, "open", sys_open },
    { __NR_openat, "openat", sys_openat },
    { __NR_creat, "creat", sys_creat },
    { __NR_close, "close", sys_close },
    { __NR_pread64, "pread64", sys_pread64 },
    { __NR_pwrite64, "pwrite64", sys_pwrite64 },
    { __NR_readv, "readv", sys_readv },
    { __NR_writev, "writev", sys_writev },
    { __NR_preadv, "preadv", sys_preadv },
    { __NR_pwritev, "pwritev", sys_pwritev },
    { __NR_preadv2, "preadv2", sys_preadv2 },
    { __NR_pwritev2, "pwritev2", sys_pwritev2 },
    { __NR_lseek, "lseek", sys_lseek },
    { __NR_dup, "dup", sys_dup },
    { __NR_dup2, "dup2", sys_dup2 },
    { __NR_dup3, "dup3", sys_dup3 },
    { __NR_fcntl, "fcntl", sys_fcntl },
    { __NR_ioctl, "ioctl", sys_ioctl },
    { __NR_pipe, "pipe", sys_pipe },
    { __NR_pipe2, "pipe2", sys_pipe2 },
    { __NR_stat, "stat", sys_stat },
    { __NR_lstat, "lstat", sys_lstat },
    { __NR_fstat, "fstat", sys_fstat },
    { __NR_newfstatat, "newfstatat", sys_newfstatat },
    { __NR_statx, "statx", sys_statx },
    { __NR_getdents64, "getdents64", sys_getdents64 },
    { __NR_mkdir, "mkdir", sys_mkdir },
    { __NR_mkdirat, "mkdirat", sys_mkdirat },
    { __NR_mknod, "mknod", sys_mknod },
    { __NR_mknodat, "mknodat", sys_mknodat },
    { __NR_symlink, "symlink", sys_symlink },
    { __NR_symlinkat, "symlinkat", sys_symlinkat },
    { __NR_unlink, "unlink", sys_unlink },
    { __NR_unlinkat, "unlinkat", sys_unlinkat },
    { __NR_rmdir, "rmdir", sys_rmdir },
    { __NR_rename, "rename", sys_rename },
    { __NR_renameat, "renameat", sys_renameat },
    { __NR_renameat2, "renameat2", sys_renameat2 },
    { __NR_link, "link", sys_link },
    { __NR_linkat, "linkat", sys_linkat },
    { __NR_readlink, "readlink", sys_readlink },
    { __NR_readlinkat, "readlinkat", sys_readlinkat },
    { __NR_chdir, "chdir", sys_chdir },
    { __NR_fchdir, "fchdir", sys_fchdir },
    { __NR_getcwd, "getcwd", sys_getcwd },
    { __NR_access, "access", sys_access },
    { __NR_faccessat, "faccessat", sys_faccessat },
    { __NR_faccessat2, "faccessat2", sys_faccessat2 },
    { __NR_chmod, "chmod", sys_chmod },
    { __NR_fchmod, "fchmod", sys_fchmod },
    { __NR_fchmodat, "fchmodat", sys_fchmodat },
    { __NR_chown, "chown", sys_chown },
    { __NR_lchown, "lchown", sys_lchown },
    { __NR_fchown, "fchown", sys_fchown },
    { __NR_fchownat, "fchownat", sys_fchownat },
    { __NR_utimensat, "utimensat", sys_utimensat },
    { __NR_truncate, "truncate", sys_truncate },
    { __NR_ftruncate, "ftruncate", sys_ftruncate },
    { __NR_umask, "umask", sys_umask },
    { __NR_statfs, "statfs", sys_statfs },
    { __NR_fstatfs, "fstatfs", sys_fstatfs },
    { 0, NULL, NULL },
};
