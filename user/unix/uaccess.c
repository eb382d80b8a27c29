/* The server's accesses to a process's memory (unix.h). */
#include "mm.h"
#include "unix.h"

int copy_from_proc(struct proc *p, void *dst, uint64_t src, size_t n)
{
    if (!n)
        return 0;
    if (!p->mm || src + n < src || src + n > MM_USER_END)
        return -EFAULT;
    return mm_read(p->mm, dst, src, n);
}

int copy_to_proc(struct proc *p, uint64_t dst, const void *src, size_t n)
{
    if (!n)
        return 0;
    if (!p->mm || dst + n < dst || dst + n > MM_USER_END)
        return -EFAULT;
    return mm_write(p->mm, dst, src, n);
}

long string_from_proc(struct proc *p, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (copy_from_proc(p, &dst[i], src + i, 1))
            return -EFAULT;
        if (!dst[i])
            return (long)i;
    }
    return -ENAMETOOLONG;
}
