/* A Linux process's memory (docs/unix.md): its mappings (vmas) and, for
 * each page it has touched, the pool page behind it. The server is the
 * process's pager: a page fault finds the page (a zero page, a file's
 * page, a copy of a shared one) and answers with a map item of it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <os/proto.h>
#include "pool.h"

struct inode;
struct proc;

/* vma flags (besides PROT_* in prot) */
#define VMA_SHARED    0x1               /* MAP_SHARED: writes reach the page everyone has */
#define VMA_GROWSDOWN 0x2               /* the stack: grows into the gap below */
#define VMA_BRK       0x4               /* the heap brk moves */

struct vma {
    uint64_t start, end;                /* [start, end), page aligned */
    unsigned prot;                      /* PROT_READ | PROT_WRITE | PROT_EXEC */
    unsigned flags;
    struct inode *file;                 /* file-backed: its file (a reference) */
    uint64_t offset;                    /* file offset of start */
    struct vma *next;                   /* by address */
};

struct pmap;

struct mm {
    struct vma *vmas;
    struct pmap *pmap;
    uint64_t brk_start, brk;
    uint64_t mmap_top;                  /* mmap without a hint places below this */
    uint64_t stack_top;
    unsigned resident;                  /* pages */
    unsigned users;                     /* processes: more than one after vfork */
};

/* Where things go in a process (the server's choices; all below the
 * KIP and UTCB areas, which the kernel owns). */
#define MM_USER_END    OS_UX_UTCB_AREA   /* nothing of the process at or above: the
                                            kernel's UTCBs and KIP (os/proto.h) */
#define MM_STACK_TOP   0x7FFFFE000000UL
#define MM_STACK_MAX   (8UL << 20)
#define MM_MMAP_TOP    0x7F0000000000UL
#define MM_LINUX_TASK_SIZE 0x7FFFFFFFF000UL /* Linux's end of user space (its EINVAL bounds) */

struct mm *mm_new(void);
/* Drop a process's use of mm: the last one frees it. */
void mm_free(struct mm *mm);
/* One more process uses mm (vfork's child, until its exec or end). */
void mm_get(struct mm *mm);
/* The child's memory at fork: shared mappings shared, private ones copied
 * on write. NULL when out of memory. */
struct mm *mm_fork(struct mm *parent);

/* A mapping at addr (MAP_FIXED: exactly there, replacing what is there;
 * else there if free, else a free place), len bytes. Returns the address
 * or -errno. file: NULL for anonymous memory. */
long mm_map(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
            bool fixed, struct inode *file, uint64_t offset);
int mm_unmap(struct mm *mm, uint64_t addr, uint64_t len);
int mm_protect(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot);
/* madvise(MADV_DONTNEED): the private pages of the range go (they come
 * back as zeros, or the file's); -ENOMEM if part of it is not mapped. */
int mm_dontneed(struct mm *mm, uint64_t addr, uint64_t len);
long mm_set_brk(struct mm *mm, uint64_t brk);
long mm_remap(struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len, unsigned flags,
              uint64_t new_addr);

/* The page behind va for an access (write or not), made if the mapping
 * allows it: 0, or -EFAULT (no mapping, no right), -ENOMEM. *writable:
 * whether the process may have it writable now. */
int mm_page(struct mm *mm, uint64_t va, bool write, page_t *page, bool *writable);

/* A page fault of the process at va (access: 4 r, 2 w, 1 x): 0 with the
 * map item in MR0..MR2 of our UTCB, or -EFAULT/-ENOMEM. */
int mm_fault(struct mm *mm, uint64_t va, unsigned access);

/* Put the initial stack's bytes at [sp, top) (exec). */
int mm_write(struct mm *mm, uint64_t va, const void *src, uint64_t n);
int mm_read(struct mm *mm, void *dst, uint64_t va, uint64_t n);
