/* Open files of the tree: regular files, directories, and the devices
 * /dev/null, /dev/zero, /dev/urandom (the terminal is tty.c's). */
#include <string.h>
#include "fd.h"
#include "fs.h"
#include "tty.h"
void fs_make_devices(void);

#define CHUNK 4096

/* ---- regular files ------------------------------------------------------------ */

/* Straight from the file's pages into the process: one copy. */
static long reg_read(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    uint64_t done = 0;
    while (done < n) {
        uint64_t got = n - done;
        const void *bytes = inode_bytes(f->inode, f->pos, &got);
        if (!got)
            break;
        if (copy_to_proc(t->proc, buf + done, bytes, got))
            return done ? (long)done : -EFAULT;
        f->pos += got;
        done += got;
    }
    f->inode->atime = fs_now();
    return (long)done;
}

static long reg_write(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    char tmp[CHUNK];
    if (f->flags & O_APPEND)
        f->pos = f->inode->size;
    uint64_t done = 0;
    while (done < n) {
        uint64_t want = n - done < CHUNK ? n - done : CHUNK;
        if (copy_from_proc(t->proc, tmp, buf + done, want))
            return done ? (long)done : -EFAULT;
        long put = inode_write(f->inode, tmp, f->pos, want);
        if (put <= 0)
            return done ? (long)done : put;
        f->pos += (uint64_t)put;
        done += (uint64_t)put;
    }
    f->inode->mtime = f->inode->ctime = fs_now();
    return (long)done;
}

static unsigned always_ready(struct file *f)
{
    (void)f;
    return POLLIN | POLLOUT;
}

static const struct file_ops reg_ops = {
    .read = reg_read, .write = reg_write, .poll = always_ready, .seekable = true,
};

static long dir_read(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    (void)f, (void)t, (void)buf, (void)n;
    return -EISDIR;
}

static const struct file_ops dir_ops = {
    .read = dir_read, .write = dir_read, .poll = always_ready, .seekable = true,
};

/* ---- devices --------------------------------------------------------------------- */

static long null_read(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    (void)f, (void)t, (void)buf, (void)n;
    return 0;
}

static long null_write(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    (void)f, (void)t, (void)buf;
    return (long)n;
}

static long fill_read(struct file *f, struct thread *t, uint64_t buf, uint64_t n)
{
    char tmp[CHUNK];
    bool random = f->priv != NULL;
    uint64_t done = 0;
    while (done < n) {
        uint64_t want = n - done < CHUNK ? n - done : CHUNK;
        if (random)
            for (uint64_t i = 0; i < want; i += 8) {
                uint64_t r = random_u64();
                memcpy(tmp + i, &r, want - i < 8 ? want - i : 8);
            }
        else
            memset(tmp, 0, want);
        if (copy_to_proc(t->proc, buf + done, tmp, want))
            return done ? (long)done : -EFAULT;
        done += want;
    }
    return (long)done;
}

static const struct file_ops null_ops = { .read = null_read, .write = null_write,
                                          .poll = always_ready };
static const struct file_ops fill_ops = { .read = fill_read, .write = null_write,
                                          .poll = always_ready };

/* Device numbers (major << 8 | minor), as Linux's. */
#define DEV_NULL    0x103
#define DEV_ZERO    0x105
#define DEV_URANDOM 0x109
#define DEV_RANDOM  0x108
#define DEV_TTY     0x500
#define DEV_CONSOLE 0x501

struct file *file_open_inode(struct inode *ip, unsigned flags, int *err)
{
    const struct file_ops *ops = &reg_ops;
    void *priv = NULL;
    if (S_ISDIR(ip->mode)) {
        ops = &dir_ops;
    } else if (S_ISCHR(ip->mode)) {
        switch (ip->rdev) {
        case DEV_NULL: ops = &null_ops; break;
        case DEV_ZERO: ops = &fill_ops; break;
        case DEV_RANDOM:
        case DEV_URANDOM: ops = &fill_ops; priv = (void *)1; break;
        case DEV_TTY:
        case DEV_CONSOLE: return tty_open(ip, flags, err);
        default: *err = -ENXIO; return NULL;
        }
    } else if (S_ISFIFO(ip->mode)) {
        return fifo_open(ip, flags, err);
    } else if (!S_ISREG(ip->mode)) {
        *err = -ENXIO;
        return NULL;
    }
    struct file *f = file_new(ops, flags, ip, priv);
    if (!f)
        *err = -ENOMEM;
    return f;
}

void fs_make_devices(void)
{
    struct fsctx ctx = { .root = fs_root(), .cwd = fs_root() };
    static const struct { const char *path; unsigned dev; } devs[] = {
        { "/dev/null", DEV_NULL }, { "/dev/zero", DEV_ZERO }, { "/dev/urandom", DEV_URANDOM },
        { "/dev/random", DEV_RANDOM }, { "/dev/tty", DEV_TTY }, { "/dev/console", DEV_CONSOLE },
    };
    struct inode *ip;
    if (!fs_create(&ctx, fs_root(), "/dev", S_IFDIR | 0755, NULL, 0, &ip))
        inode_unref(ip);
    for (unsigned i = 0; i < sizeof devs / sizeof devs[0]; i++)
        if (!fs_create(&ctx, fs_root(), devs[i].path, S_IFCHR | 0666, NULL, devs[i].dev, &ip))
            inode_unref(ip);
}
