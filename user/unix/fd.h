/* Open files and descriptors. An open file (struct file: what open(2)
 * makes, shared by dup and fork) has operations by kind - a regular file
 * or directory of the tree, a pipe, the terminal, a device; a process
 * has a table of descriptors pointing at open files. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "unix.h"

#define FD_MAX 256

struct file;
struct inode;

/* Operations take the calling thread and user addresses; they return a
 * result, -errno, or SYS_WAIT (the thread waits: see unix.h). */
struct file_ops {
    long (*read)(struct file *f, struct thread *t, uint64_t buf, uint64_t n);
    long (*write)(struct file *f, struct thread *t, uint64_t buf, uint64_t n);
    long (*ioctl)(struct file *f, struct thread *t, unsigned cmd, uint64_t arg);
    /* readiness for poll/select: POLLIN | POLLOUT | POLLHUP | POLLERR */
    unsigned (*poll)(struct file *f);
    void (*release)(struct file *f);    /* the last reference went */
    bool seekable;
};

struct file {
    const struct file_ops *ops;
    unsigned refs;
    unsigned flags;                     /* O_ACCMODE, O_APPEND, O_NONBLOCK, ... */
    uint64_t pos;
    struct inode *inode;                /* the file's node, if it has one */
    void *priv;                         /* the kind's own */
};

struct files {
    unsigned refs;                      /* processes sharing the table (CLONE_FILES) */
    struct file *fd[FD_MAX];
    bool cloexec[FD_MAX];
};

struct file *file_new(const struct file_ops *ops, unsigned flags, struct inode *ip, void *priv);
void file_ref(struct file *f);
void file_unref(struct file *f);

/* Descriptors of p: the file (NULL if none), a new one at the lowest free
 * number >= min (or -EMFILE), close. */
struct file *fd_get(struct proc *p, int fd);
int fd_install(struct proc *p, struct file *f, int min, bool cloexec);
int fd_close(struct proc *p, int fd);

/* The table at fork (shared or copied), exec (close-on-exec) and exit. */
int files_fork(struct proc *parent, struct proc *child, bool share);
void files_exec(struct proc *p);
void files_exit(struct proc *p);
/* The process's working directory etc. at fork, and at exit. */
int fsctx_fork(struct proc *parent, struct proc *child, bool share);
void fsctx_exit(struct proc *p);

/* Open files of the tree (fs_file.c): open what ip is. */
struct file *file_open_inode(struct inode *ip, unsigned flags, int *err);

/* Pipes (pipe.c): a pipe's two ends; a FIFO's open. */
int pipe_create(unsigned flags, struct file **r, struct file **w);
struct file *fifo_open(struct inode *ip, unsigned flags, int *err);
bool file_is_tty(const struct file *f);

/* Something a poller waits for may have happened: re-check pollers. */
void poll_wakeup(void);
