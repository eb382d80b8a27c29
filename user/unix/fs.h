/* The file system: one tree in the server's memory (tmpfs semantics),
 * filled at boot from the image (a cpio archive). A regular file's bytes
 * live in pool pages, its page cache, which mappings of the file share.
 * Paths are resolved against a process's root and working directory. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "linux.h"
#include "pool.h"

struct dentry {                         /* a name in a directory */
    char *name;
    struct inode *inode;
    struct dentry *next;
};

struct inode {
    uint64_t ino;
    unsigned mode;                      /* S_IF* and permission bits */
    unsigned nlink;                     /* names it has */
    unsigned refs;                      /* holders besides names: open files, mappings, cwds */
    unsigned uid, gid;
    uint64_t size;
    struct __kernel_timespec atime, mtime, ctime;
    uint32_t rdev;                      /* device nodes: major << 8 | minor */
    /* regular files: their pages, by index; 0: a hole (reads as zeros) */
    page_t *pages;
    uint64_t npages;                    /* entries in pages[] */
    char *target;                       /* symbolic links */
    struct dentry *entries;             /* directories */
    struct inode *parent;               /* directories: for ".." */
    struct pipe *fifo;                  /* FIFOs: the pipe while open (pipe.c) */
};

/* Per process: where its paths start. */
struct fsctx {
    unsigned refs;                      /* processes sharing it (CLONE_FS) */
    struct inode *root, *cwd;
    unsigned umask;
};

void fs_init(void);
struct inode *fs_root(void);
/* Load a newc cpio archive into the tree; false if it is malformed. */
bool fs_load_cpio(const void *archive, uint64_t size);

void inode_ref(struct inode *ip);
void inode_unref(struct inode *ip);     /* freed when no name and no holder is left */

/* The page of the file at index (create: a zero page if none); 0 if none
 * (or out of memory). */
page_t inode_page(struct inode *ip, uint64_t index, bool create);
/* The file's bytes at off, in place: *n (at most what was asked) of them
 * lie there, up to the end of the page or the file (0 at or past it). */
const void *inode_bytes(struct inode *ip, uint64_t off, uint64_t *n);
/* Bytes of a regular file: read (0 at the end) / write (grows it). */
long inode_read(struct inode *ip, void *buf, uint64_t off, uint64_t n);
long inode_write(struct inode *ip, const void *buf, uint64_t off, uint64_t n);

/* Resolve path for ctx: 0 with *out (a reference the caller drops), or
 * -errno. flags: FS_NOFOLLOW (a last component that is a symbolic link
 * is the result itself). */
#define FS_NOFOLLOW 1
int fs_lookup(const struct fsctx *ctx, struct inode *at, const char *path, int flags,
              struct inode **out);

/* Make a node at path (the parent must exist): regular file, directory,
 * symbolic link (target), device. 0 with *out (a reference), or -errno. */
int fs_create(const struct fsctx *ctx, struct inode *at, const char *path, unsigned mode,
              const char *target, uint32_t rdev, struct inode **out);

/* Remove a name (not a directory: -EISDIR; rmdir: an empty directory). */
int fs_unlink(const struct fsctx *ctx, struct inode *at, const char *path, bool dir);
/* Another name for an existing node (not a directory). */
int fs_link(const struct fsctx *ctx, struct inode *old_at, const char *old_path,
            struct inode *new_at, const char *new_path);
int fs_rename(const struct fsctx *ctx, struct inode *old_at, const char *old_path,
              struct inode *new_at, const char *new_path);
/* Cut or extend a regular file. */
int inode_truncate(struct inode *ip, uint64_t size);
/* The n-th entry of a directory after "." and ".." (0 and 1 are those):
 * its name and node; false past the end. */
bool dir_entry(struct inode *dir, uint64_t n, const char **name, struct inode **ip);
/* Fill a Linux struct stat for ip. */
void inode_stat(const struct inode *ip, struct stat *st);
/* Now, for times. */
struct __kernel_timespec fs_now(void);
