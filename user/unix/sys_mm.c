/* Memory system calls: brk, mmap, munmap, mprotect, mremap, and the
 * advice we take without acting on it. */
#include "fd.h"
#include "fs.h"
#include "mm.h"
#include "unix.h"

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

static long sys_brk(struct thread *t, const uint64_t a[6])
{
    return mm_set_brk(t->proc->mm, a[0]);
}

static long sys_mmap(struct thread *t, const uint64_t a[6])
{
    uint64_t addr = a[0], len = a[1], off = a[5];
    unsigned prot = (unsigned)a[2], flags = (unsigned)a[3];
    int fd = (int)a[4];
    if ((prot & ~PROT_ALL) || !len)
        return -EINVAL;
    unsigned type = flags & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    struct inode *ip = NULL;
    if (!(flags & MAP_ANONYMOUS)) {
        struct file *f = fd_get(t->proc, fd);
        if (!f)
            return -EBADF;
        if (!f->inode || !S_ISREG(f->inode->mode))
            return -ENODEV;
        if ((f->flags & O_ACCMODE) == O_WRONLY ||
            (type != MAP_PRIVATE && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR))
            return -EACCES;
        ip = f->inode;
    }
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & 0xFFF))
        return -EINVAL;
    /* A range at addr past the end of user space, or wrapping: Linux's
     * ENOMEM, for MAP_FIXED_NOREPLACE too (which would otherwise go
     * elsewhere and be taken back as EEXIST). */
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
        (len > MM_LINUX_TASK_SIZE || addr > MM_LINUX_TASK_SIZE - ((len + 0xFFF) & ~0xFFFUL)))
        return -ENOMEM;
    long r = mm_map(t->proc->mm, addr & ~0xFFFUL, len, prot, type == MAP_PRIVATE ? 0 : VMA_SHARED,
                    flags & MAP_FIXED, ip, off);
    if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && r >= 0 && (uint64_t)r != addr) {
        mm_unmap(t->proc->mm, (uint64_t)r, len);
        return -EEXIST;                     /* something is there */
    }
    return r;
}

static long sys_munmap(struct thread *t, const uint64_t a[6])
{
    return mm_unmap(t->proc->mm, a[0], a[1]);
}

static long sys_mprotect(struct thread *t, const uint64_t a[6])
{
    if (a[2] & ~(uint64_t)PROT_ALL)
        return -EINVAL;
    return mm_protect(t->proc->mm, a[0], a[1], (unsigned)a[2]);
}

static long sys_mremap(struct thread *t, const uint64_t a[6])
{
    if (a[3] & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED))
        return -EINVAL;
    if (a[3] & MREMAP_FIXED)
        return -EINVAL;                     /* not served: programs fall back */
    return mm_remap(t->proc->mm, a[0], a[1], a[2], (unsigned)a[3], a[4]);
}

static long sys_madvise(struct thread *t, const uint64_t a[6])
{
    if (a[2] == MADV_DONTNEED)
        return mm_dontneed(t->proc->mm, a[0], a[1]);
    if (a[0] & 0xFFF)
        return -EINVAL;
    return 0;                               /* other advice: taken, not acted on */
}

static long sys_advice(struct thread *t, const uint64_t a[6])
{
    (void)t;
    (void)a;
    return 0;                               /* madvise, msync, mlock: nothing to do here */
}

const struct syscall_entry mm_syscalls[] = {
    { __NR_brk, "brk", sys_brk },
    { __NR_mmap, "mmap", sys_mmap },
    { __NR_munmap, "munmap", sys_munmap },
    { __NR_mprotect, "mprotect", sys_mprotect },
    { __NR_mremap, "mremap", sys_mremap },
    { __NR_madvise, "madvise", sys_madvise },
    { __NR_msync, "msync", sys_advice },
    { __NR_mlock, "mlock", sys_advice },
    { __NR_munlock, "munlock", sys_advice },
    { 0, NULL, NULL },
};
