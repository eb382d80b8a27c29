/* The file system's tree (fs.h): inodes, names, lookup, and the image. */
#include <stdlib.h>
#include <string.h>
#include "fs.h"
#include "unix.h"

static struct inode *root_dir;
static uint64_t next_ino = 1;

struct __kernel_timespec fs_now(void)
{
    uint64_t t = realtime_now_us();
    return (struct __kernel_timespec){ .tv_sec = (long long)(t / 1000000),
                                       .tv_nsec = (long long)(t % 1000000) * 1000 };
}

static struct inode *inode_new(unsigned mode)
{
    struct inode *ip = calloc(1, sizeof *ip);
    if (!ip)
        return NULL;
    ip->ino = next_ino++;
    ip->mode = mode;
    ip->atime = ip->mtime = ip->ctime = fs_now();
    return ip;
}

static void inode_free(struct inode *ip)
{
    /* A removed directory kept for its holders held its parent for "..":
     * dir_remove took that reference (root_dir is its own parent). */
    if (S_ISDIR(ip->mode) && !ip->nlink && ip->parent && ip->parent != ip)
        inode_unref(ip->parent);
    for (uint64_t i = 0; i < ip->npages; i++)
        if (ip->pages[i])
            page_unref(ip->pages[i]);
    free(ip->pages);
    free(ip->target);
    free(ip);
}

void inode_ref(struct inode *ip)
{
    ip->refs++;
}

void inode_unref(struct inode *ip)
{
    if (--ip->refs == 0 && ip->nlink == 0)
        inode_free(ip);
}

void fs_init(void)
{
    root_dir = inode_new(S_IFDIR | 0755);
    root_dir->nlink = 2;
    root_dir->parent = root_dir;
}

struct inode *fs_root(void)
{
    return root_dir;
}

/* ---- file bytes ---------------------------------------------------------- */

page_t inode_page(struct inode *ip, uint64_t index, bool create)
{
    if (index >= ip->npages) {
        if (!create)
            return 0;
        uint64_t n = ip->npages ? ip->npages : 4;
        while (n <= index)
            n *= 2;
        page_t *p = realloc(ip->pages, n * sizeof *p);
        if (!p)
            return 0;
        memset(p + ip->npages, 0, (n - ip->npages) * sizeof *p);
        ip->pages = p;
        ip->npages = n;
    }
    if (!ip->pages[index] && create)
        ip->pages[index] = page_alloc();
    return ip->pages[index];
}

const void *inode_bytes(struct inode *ip, uint64_t off, uint64_t *n)
{
    static const char hole[4096];           /* a page never written reads as zeros */
    uint64_t in = off % 4096;
    if (off >= ip->size) {
        *n = 0;
        return hole;
    }
    if (*n > ip->size - off)
        *n = ip->size - off;
    if (*n > 4096 - in)
        *n = 4096 - in;
    page_t p = inode_page(ip, off / 4096, false);
    return p ? (const char *)page_addr(p) + in : hole + in;
}

long inode_read(struct inode *ip, void *buf, uint64_t off, uint64_t n)
{
    if (off >= ip->size)
        return 0;
    if (n > ip->size - off)
        n = ip->size - off;
    for (uint64_t done = 0; done < n;) {
        uint64_t in = (off + done) % 4096, chunk = 4096 - in < n - done ? 4096 - in : n - done;
        page_t p = inode_page(ip, (off + done) / 4096, false);
        if (p)
            memcpy((char *)buf + done, (char *)page_addr(p) + in, chunk);
        else
            memset((char *)buf + done, 0, chunk);
        done += chunk;
    }
    return (long)n;
}

long inode_write(struct inode *ip, const void *buf, uint64_t off, uint64_t n)
{
    uint64_t done = 0;
    while (done < n) {
        uint64_t in = (off + done) % 4096, chunk = 4096 - in < n - done ? 4096 - in : n - done;
        page_t p = inode_page(ip, (off + done) / 4096, true);
        if (!p)
            break;
        memcpy((char *)page_addr(p) + in, (const char *)buf + done, chunk);
        done += chunk;
    }
    if (done && off + done > ip->size)
        ip->size = off + done;
    return done || !n ? (long)done : -ENOSPC;
}

/* ---- names ----------------------------------------------------------------- */

static struct inode *dir_find(struct inode *dir, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return dir;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return dir->parent;
    for (struct dentry *d = dir->entries; d; d = d->next)
        if (strlen(d->name) == len && !memcmp(d->name, name, len))
            return d->inode;
    return NULL;
}

/* Names can be added to dir: not to a removed directory (Linux: ENOENT). */
static int dir_open_for_names(const struct inode *dir)
{
    return dir->nlink ? 0 : -ENOENT;
}

static int dir_add(struct inode *dir, const char *name, size_t len, struct inode *ip)
{
    struct dentry *d = malloc(sizeof *d);
    char *n = malloc(len + 1);
    if (!d || !n) {
        free(d);
        free(n);
        return -ENOMEM;
    }
    memcpy(n, name, len);
    n[len] = '\0';
    *d = (struct dentry){ .name = n, .inode = ip, .next = dir->entries };
    dir->entries = d;
    ip->nlink++;
    if (S_ISDIR(ip->mode)) {
        ip->parent = dir;
        dir->nlink++;
    }
    return 0;
}

#define MAX_LINKS 40

/* Walk `path` from `at` (or ctx's root for an absolute one). Stops before
 * the last component when `parent` is given: *parent is its directory and
 * *last and *last_len its name (empty for "/"). follow_last: resolve a final
 * symbolic link. *links counts the links followed. */
static int walk(const struct fsctx *ctx, struct inode *at, const char *path, bool follow_last,
                struct inode **out, struct inode **parent, const char **last, size_t *last_len,
                int *links)
{
    if (!*path)
        return -ENOENT;
    struct inode *cur = *path == '/' ? ctx->root : at;
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        const char *name = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - name);
        const char *rest = p;
        while (*rest == '/')
            rest++;
        bool final = !*rest;
        if (!len) {                             /* path ended in "/" (or was "/") */
            if (parent) {
                *parent = cur;
                *last = name;
                *last_len = 0;
                return 0;
            }
            *out = cur;
            return 0;
        }
        if (!S_ISDIR(cur->mode))
            return -ENOTDIR;
        if (len > 255)
            return -ENAMETOOLONG;
        if (final && parent) {
            *parent = cur;
            *last = name;
            *last_len = len;
            return 0;
        }
        struct inode *next = (cur == ctx->root && len == 2 && name[0] == '.' && name[1] == '.')
                                 ? cur : dir_find(cur, name, len);
        if (!next)
            return -ENOENT;
        if (S_ISLNK(next->mode) && (!final || follow_last || *p == '/')) {
            if (++*links > MAX_LINKS)
                return -ELOOP;
            struct inode *target;
            int err = walk(ctx, cur, next->target, true, &target, NULL, NULL, NULL, links);
            if (err)
                return err;
            next = target;
        }
        cur = next;
        if (final) {
            if (*p == '/' && !S_ISDIR(cur->mode))
                return -ENOTDIR;
            *out = cur;
            return 0;
        }
    }
}

int fs_lookup(const struct fsctx *ctx, struct inode *at, const char *path, int flags,
              struct inode **out)
{
    int links = 0;
    int err = walk(ctx, at, path, !(flags & FS_NOFOLLOW), out, NULL, NULL, NULL, &links);
    if (!err)
        inode_ref(*out);
    return err;
}

int fs_create(const struct fsctx *ctx, struct inode *at, const char *path, unsigned mode,
              const char *target, uint32_t rdev, struct inode **out)
{
    struct inode *dir;
    const char *name;
    size_t len;
    int links = 0;
    int err = walk(ctx, at, path, true, NULL, &dir, &name, &len, &links);
    if (err)
        return err;
    if (!len)
        return -EEXIST;
    if (dir_find(dir, name, len))
        return -EEXIST;
    if ((err = dir_open_for_names(dir)))
        return err;
    struct inode *ip = inode_new(mode);
    if (!ip)
        return -ENOMEM;
    ip->rdev = rdev;
    if (S_ISLNK(mode) && !(ip->target = strdup_or_null(target))) {
        inode_free(ip);
        return -ENOMEM;
    }
    if (S_ISDIR(mode))
        ip->nlink = 1;                  /* its "." (dir_add adds the name) */
    if ((err = dir_add(dir, name, len, ip))) {
        inode_free(ip);
        return err;
    }
    dir->mtime = dir->ctime = ip->mtime;
    inode_ref(ip);
    *out = ip;
    return 0;
}

/* ---- the image: newc cpio ------------------------------------------------------ */

static uint64_t hex(const char *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        v = v * 16 + (uint64_t)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
    }
    return v;
}

bool fs_load_cpio(const void *archive, uint64_t size)
{
    const char *a = archive;
    struct fsctx ctx = { .root = root_dir, .cwd = root_dir };
    uint64_t pos = 0;
    while (pos + 110 <= size) {
        const char *h = a + pos;
        if (memcmp(h, "070701", 6))
            return false;
        uint64_t mode = hex(h + 14), uid = hex(h + 22), gid = hex(h + 30),
                 mtime = hex(h + 46), fsize = hex(h + 54), rmaj = hex(h + 78),
                 rmin = hex(h + 86), nsize = hex(h + 94);
        uint64_t name_at = pos + 110, data_at = (name_at + nsize + 3) & ~3UL;
        if (nsize == 0 || data_at + fsize > size)
            return false;
        const char *name = a + name_at;
        if (name[nsize - 1] != '\0')
            return false;
        if (!strcmp(name, "TRAILER!!!"))
            return true;
        char *target = NULL;
        if (S_ISLNK(mode)) {
            target = malloc(fsize + 1);
            if (!target)
                return false;
            memcpy(target, a + data_at, fsize);
            target[fsize] = '\0';
        }
        struct inode *ip;
        int err = strcmp(name, ".") ? fs_create(&ctx, root_dir, name, (unsigned)mode, target,
                                               (uint32_t)(rmaj << 8 | rmin), &ip)
                                    : -EEXIST;
        free(target);
        if (!err) {
            ip->uid = (unsigned)uid;
            ip->gid = (unsigned)gid;
            ip->mtime = ip->ctime = ip->atime =
                (struct __kernel_timespec){ .tv_sec = (long long)mtime };
            if (S_ISREG(mode) && inode_write(ip, a + data_at, 0, fsize) != (long)fsize)
                ulog("image: no memory for %s", name);
            inode_unref(ip);
        } else if (err != -EEXIST) {
            ulog("image: %s: error %d", name, err);
        }
        pos = (data_at + fsize + 3) & ~3UL;
    }
    return false;
}

/* ---- changing the tree ------------------------------------------------------------- */

static void dir_remove(struct inode *dir, struct dentry *d, struct dentry **pp)
{
    *pp = d->next;
    struct inode *ip = d->inode;
    free(d->name);
    free(d);
    if (S_ISDIR(ip->mode))
        dir->nlink--;
    dir->mtime = dir->ctime = fs_now();
    ip->ctime = dir->mtime;
    if (--ip->nlink == 0 || (S_ISDIR(ip->mode) && ip->nlink == 1)) {
        ip->nlink = 0;
        if (!ip->refs) {
            ip->parent = NULL;              /* (held nothing: inode_free drops nothing) */
            inode_free(ip);
        } else if (S_ISDIR(ip->mode)) {
            /* Still someone's working directory or open: it stays, empty
             * and unlinked (nothing can be made in it: dir_open_for_names),
             * and its ".." must stay valid memory, as Linux's dentry keeps
             * its parent. So it holds its parent until inode_free; without
             * this, removing the parent too left ".." and getcwd pointing
             * at freed memory (also /proc/<pid>, remade under a process
             * whose working directory it was). */
            inode_ref(dir);
        }
    }
}

static struct dentry **dir_slot(struct inode *dir, const char *name, size_t len)
{
    for (struct dentry **pp = &dir->entries; *pp; pp = &(*pp)->next)
        if (strlen((*pp)->name) == len && !memcmp((*pp)->name, name, len))
            return pp;
    return NULL;
}

int fs_unlink(const struct fsctx *ctx, struct inode *at, const char *path, bool dir)
{
    struct inode *parent;
    const char *name;
    size_t len;
    int links = 0;
    int err = walk(ctx, at, path, false, NULL, &parent, &name, &len, &links);
    if (err)
        return err;
    if (!len || (len == 1 && name[0] == '.'))
        return dir ? -EINVAL : -EISDIR;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return dir ? -ENOTEMPTY : -EISDIR;
    struct dentry **pp = dir_slot(parent, name, len);
    if (!pp)
        return -ENOENT;
    struct inode *ip = (*pp)->inode;
    if (dir && !S_ISDIR(ip->mode))
        return -ENOTDIR;
    if (!dir && S_ISDIR(ip->mode))
        return -EISDIR;
    if (dir && ip->entries)
        return -ENOTEMPTY;
    if (dir && (ip == ctx->root || ip == fs_root()))
        return -EBUSY;
    dir_remove(parent, *pp, pp);
    return 0;
}

int fs_link(const struct fsctx *ctx, struct inode *old_at, const char *old_path,
            struct inode *new_at, const char *new_path)
{
    struct inode *ip, *parent;
    const char *name;
    size_t len;
    int links = 0;
    int err = walk(ctx, old_at, old_path, false, &ip, NULL, NULL, NULL, &links);
    if (err)
        return err;
    if (S_ISDIR(ip->mode))
        return -EPERM;
    links = 0;
    if ((err = walk(ctx, new_at, new_path, true, NULL, &parent, &name, &len, &links)))
        return err;
    if (!len || dir_find(parent, name, len))
        return -EEXIST;
    if ((err = dir_open_for_names(parent)))
        return err;
    if ((err = dir_add(parent, name, len, ip)))
        return err;
    ip->ctime = fs_now();
    return 0;
}

static bool is_below(struct inode *dir, struct inode *maybe_ancestor)
{
    for (struct inode *d = dir;; d = d->parent) {
        if (d == maybe_ancestor)
            return true;
        if (d->parent == d)
            return false;
    }
}

int fs_rename(const struct fsctx *ctx, struct inode *old_at, const char *old_path,
              struct inode *new_at, const char *new_path)
{
    struct inode *op, *np;
    const char *on, *nn;
    size_t ol, nl;
    int links = 0;
    int err = walk(ctx, old_at, old_path, false, NULL, &op, &on, &ol, &links);
    if (err)
        return err;
    links = 0;
    if ((err = walk(ctx, new_at, new_path, false, NULL, &np, &nn, &nl, &links)))
        return err;
    if (!ol || !nl || (ol <= 2 && on[0] == '.' && (ol == 1 || on[1] == '.')) ||
        (nl <= 2 && nn[0] == '.' && (nl == 1 || nn[1] == '.')))
        return -EBUSY;
    struct dentry **from = dir_slot(op, on, ol);
    if (!from)
        return -ENOENT;
    struct inode *ip = (*from)->inode;
    struct dentry **to = dir_slot(np, nn, nl);
    if (to && (*to)->inode == ip)
        return 0;
    if ((err = dir_open_for_names(np)))
        return err;
    if (S_ISDIR(ip->mode) && is_below(np, ip))
        return -EINVAL;                     /* into itself */
    if (to) {
        struct inode *target = (*to)->inode;
        if (S_ISDIR(ip->mode) && !S_ISDIR(target->mode))
            return -ENOTDIR;
        if (!S_ISDIR(ip->mode) && S_ISDIR(target->mode))
            return -EISDIR;
        if (S_ISDIR(target->mode) && target->entries)
            return -ENOTEMPTY;
    }
    ip->refs++;                             /* (through the move) */
    if ((err = dir_add(np, nn, nl, ip))) {
        ip->refs--;
        return err;
    }
    /* the old name (found again: adding may have put the new one first) */
    from = dir_slot(op, on, ol);
    dir_remove(op, *from, from);
    if (to) {
        to = dir_slot(np, nn, nl);
        for (struct dentry **pp = &np->entries; *pp; pp = &(*pp)->next)
            if (*pp != NULL && strlen((*pp)->name) == nl && !memcmp((*pp)->name, nn, nl) &&
                (*pp)->inode != ip) {
                dir_remove(np, *pp, pp);
                break;
            }
    }
    inode_unref(ip);
    return 0;
}

int inode_truncate(struct inode *ip, uint64_t size)
{
    if (!S_ISREG(ip->mode))
        return -EINVAL;
    uint64_t keep = (size + 4095) / 4096;
    for (uint64_t i = keep; i < ip->npages; i++)
        if (ip->pages[i]) {
            page_unref(ip->pages[i]);
            ip->pages[i] = 0;
        }
    if (size % 4096 && keep - 1 < ip->npages && ip->pages[keep - 1])
        memset((char *)page_addr(ip->pages[keep - 1]) + size % 4096, 0, 4096 - size % 4096);
    ip->size = size;
    ip->mtime = ip->ctime = fs_now();
    return 0;
}

bool dir_entry(struct inode *dir, uint64_t n, const char **name, struct inode **ip)
{
    if (n < 2) {
        *name = n ? ".." : ".";
        *ip = n ? dir->parent : dir;
        return true;
    }
    struct dentry *d = dir->entries;
    for (uint64_t i = 2; d && i < n; i++)
        d = d->next;
    if (!d)
        return false;
    *name = d->name;
    *ip = d->inode;
    return true;
}

void inode_stat(const struct inode *ip, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_dev = 1;
    st->st_ino = ip->ino;
    st->st_nlink = ip->nlink;               /* 0 once unlinked, open or not */
    st->st_mode = ip->mode;
    st->st_uid = ip->uid;
    st->st_gid = ip->gid;
    st->st_rdev = ip->rdev;
    st->st_size = S_ISLNK(ip->mode) ? (long)strlen(ip->target) : (long)ip->size;
    st->st_blksize = 4096;
    uint64_t blocks = 0;
    for (uint64_t i = 0; i < ip->npages; i++)
        blocks += ip->pages[i] != 0;
    st->st_blocks = (long)blocks * 8;
    st->st_atime = ip->atime.tv_sec;
    st->st_atime_nsec = (unsigned long)ip->atime.tv_nsec;
    st->st_mtime = ip->mtime.tv_sec;
    st->st_mtime_nsec = (unsigned long)ip->mtime.tv_nsec;
    st->st_ctime = ip->ctime.tv_sec;
    st->st_ctime_nsec = (unsigned long)ip->ctime.tv_nsec;
}
