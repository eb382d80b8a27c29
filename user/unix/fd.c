/* Open files and descriptor tables (fd.h). */
#include <stdlib.h>
#include "fd.h"
#include "fs.h"

struct file *file_new(const struct file_ops *ops, unsigned flags, struct inode *ip, void *priv)
{
    struct file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    *f = (struct file){ .ops = ops, .refs = 1, .flags = flags, .inode = ip, .priv = priv };
    if (ip)
        inode_ref(ip);
    return f;
}

void file_ref(struct file *f)
{
    f->refs++;
}

void file_unref(struct file *f)
{
    if (--f->refs)
        return;
    if (f->ops->release)
        f->ops->release(f);
    if (f->inode)
        inode_unref(f->inode);
    free(f);
}

struct file *fd_get(struct proc *p, int fd)
{
    return p->files && fd >= 0 && fd < FD_MAX ? p->files->fd[fd] : NULL;
}

int fd_install(struct proc *p, struct file *f, int min, bool cloexec)
{
    uint64_t limit = p->rlim[RLIMIT_NOFILE].rlim_cur;
    for (int fd = min < 0 ? 0 : min; fd < FD_MAX && (uint64_t)fd < limit; fd++)
        if (!p->files->fd[fd]) {
            p->files->fd[fd] = f;
            p->files->cloexec[fd] = cloexec;
            return fd;
        }
    return -EMFILE;
}

int fd_close(struct proc *p, int fd)
{
    struct file *f = fd_get(p, fd);
    if (!f)
        return -EBADF;
    p->files->fd[fd] = NULL;
    p->files->cloexec[fd] = false;
    file_unref(f);
    poll_wakeup();                          /* a pipe's last end may have gone */
    return 0;
}

int files_fork(struct proc *parent, struct proc *child, bool share)
{
    if (share) {
        child->files = parent->files;
        child->files->refs++;
        return 0;
    }
    struct files *n = calloc(1, sizeof *n);
    if (!n)
        return -ENOMEM;
    n->refs = 1;
    for (int i = 0; i < FD_MAX; i++)
        if ((n->fd[i] = parent->files->fd[i])) {
            file_ref(n->fd[i]);
            n->cloexec[i] = parent->files->cloexec[i];
        }
    child->files = n;
    return 0;
}

void files_exec(struct proc *p)
{
    if (p->files->refs > 1) {               /* exec unshares the table */
        struct proc tmp = { .files = p->files };
        if (files_fork(&tmp, p, false))
            return;
        tmp.files->refs--;
    }
    for (int i = 0; i < FD_MAX; i++)
        if (p->files->cloexec[i])
            fd_close(p, i);
}

void files_exit(struct proc *p)
{
    struct files *fs = p->files;
    p->files = NULL;
    if (!fs || --fs->refs)
        return;
    for (int i = 0; i < FD_MAX; i++)
        if (fs->fd[i])
            file_unref(fs->fd[i]);
    free(fs);
    poll_wakeup();
}

int fsctx_fork(struct proc *parent, struct proc *child, bool share)
{
    if (share) {
        child->fs = parent->fs;
        child->fs->refs++;
        return 0;
    }
    struct fsctx *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    *c = *parent->fs;
    c->refs = 1;
    inode_ref(c->root);
    inode_ref(c->cwd);
    child->fs = c;
    return 0;
}

void fsctx_exit(struct proc *p)
{
    struct fsctx *c = p->fs;
    p->fs = NULL;
    if (!c || --c->refs)
        return;
    inode_unref(c->root);
    inode_unref(c->cwd);
    free(c);
}
