/* /proc, as much as busybox's ps, free and uptime read: made afresh, as
 * ordinary files of the tree, whenever a path under /proc is looked up -
 * a snapshot at the moment of the open, which is all these programs need.
 *   /proc/meminfo, /proc/uptime, /proc/self -> <pid>,
 *   /proc/<pid>/stat, /proc/<pid>/cmdline, /proc/<pid>/comm */
#include <string.h>
#include <format.h>
#include "fs.h"
#include "mm.h"
#include "proc.h"

void procfs_refresh(struct proc *caller);

static struct fsctx root_ctx(void)
{
    return (struct fsctx){ .root = fs_root(), .cwd = fs_root() };
}

static void put_file(const char *path, const char *text, size_t n, unsigned uid)
{
    struct fsctx ctx = root_ctx();
    struct inode *ip;
    if (fs_create(&ctx, fs_root(), path, S_IFREG | 0444, NULL, 0, &ip))
        return;
    inode_write(ip, text, 0, n);
    ip->uid = uid;
    inode_unref(ip);
}

/* Every name under dir goes (directories with what is in them). */
static void empty(const char *dir)
{
    struct fsctx ctx = root_ctx();
    struct inode *d;
    if (fs_lookup(&ctx, fs_root(), dir, FS_NOFOLLOW, &d))
        return;
    const char *name;
    struct inode *ip;
    while (dir_entry(d, 2, &name, &ip)) {
        char path[64];
        format_buf(path, sizeof path, "%s/%s", dir, name);
        if (S_ISDIR(ip->mode))
            empty(path);
        if (fs_unlink(&ctx, fs_root(), path, S_ISDIR(ip->mode)))
            break;                          /* (cannot happen: do not loop) */
    }
    inode_unref(d);
}

static char state_letter(const struct proc *p)
{
    if (p->state == P_ZOMBIE)
        return 'Z';
    if (p->stop_signal)
        return 'T';
    for (const struct thread *t = p->threads; t; t = t->next_in_proc)
        if (t->state != T_WAITING)
            return 'R';
    return 'S';
}

static void put_proc(const struct proc *p)
{
    char dir[32], path[48], text[512];
    struct fsctx ctx = root_ctx();
    struct inode *ip;
    format_buf(dir, sizeof dir, "/proc/%d", p->pid);
    if (fs_create(&ctx, fs_root(), dir, S_IFDIR | 0555, NULL, 0, &ip))
        return;
    ip->uid = p->uid;
    inode_unref(ip);
    uint64_t start = p->start_us / 10000;
    unsigned long vsize = 0, rss = p->mm ? p->mm->resident : 0;
    for (const struct vma *v = p->mm ? p->mm->vmas : NULL; v; v = v->next)
        vsize += v->end - v->start;
    int n = format_buf(text, sizeof text,
                       "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %lu %lu 0 0 20 0 %u 0 %lu %lu %lu\n",
                       p->pid, p->comm, state_letter(p), p->parent ? p->parent->pid : 0, p->pgid,
                       p->sid, (unsigned long)(p->utime_us / 10000),
                       (unsigned long)(p->stime_us / 10000), p->nthreads ? p->nthreads : 1,
                       (unsigned long)start, vsize, rss);
    format_buf(path, sizeof path, "%s/stat", dir);
    put_file(path, text, (size_t)n, p->uid);
    format_buf(path, sizeof path, "%s/cmdline", dir);
    put_file(path, p->cmdline, p->cmdline_len, p->uid);
    n = format_buf(text, sizeof text, "%s\n", p->comm);
    format_buf(path, sizeof path, "%s/comm", dir);
    put_file(path, text, (size_t)n, p->uid);
}

void procfs_refresh(struct proc *caller)
{
    char text[512];
    empty("/proc");
    uint64_t total = pool_total_pages() * 4, free = pool_free_pages() * 4;
    int n = format_buf(text, sizeof text,
                       "MemTotal: %lu kB\nMemFree: %lu kB\nMemAvailable: %lu kB\n"
                       "Buffers: 0 kB\nCached: 0 kB\nShmem: 0 kB\nSwapTotal: 0 kB\n"
                       "SwapFree: 0 kB\n",
                       (unsigned long)total, (unsigned long)free, (unsigned long)free);
    put_file("/proc/meminfo", text, (size_t)n, 0);
    uint64_t up = now_us();
    n = format_buf(text, sizeof text, "%lu.%02lu 0.00\n", (unsigned long)(up / 1000000),
                   (unsigned long)(up / 10000 % 100));
    put_file("/proc/uptime", text, (size_t)n, 0);
    struct proc *p;
    for (unsigned at = 0; (p = proc_next(&at));)
        put_proc(p);
    char self[16];
    format_buf(self, sizeof self, "%d", caller->pid);
    struct fsctx ctx = root_ctx();
    struct inode *ip;
    if (!fs_create(&ctx, fs_root(), "/proc/self", S_IFLNK | 0777, self, 0, &ip))
        inode_unref(ip);
}
