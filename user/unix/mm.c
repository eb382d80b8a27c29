/* A process's memory (mm.h). The pages it has touched are kept in a
 * four-level table like the hardware's (pmap), each entry a pool page and
 * whether it is shared copy-on-write. */
#include <pecan/abi.h>
#include <stdlib.h>
#include <string.h>
#include <l4/space.h>
#include <l4/utcb.h>
#include "fs.h"
#include "mm.h"
#include "unix.h"

#define PAGE 4096UL
#define PAGE_DOWN(a) ((a) & ~(PAGE - 1))
#define PAGE_UP(a) (((a) + PAGE - 1) & ~(PAGE - 1))

/* ---- the page table ------------------------------------------------------------
 * Entry: pool page (low 32 bits), E_COW: shared with another process or a
 * file, to be copied before the process writes. */
#define E_COW (1UL << 32)
#define E_PAGE(e) ((page_t)(e))

struct pmap {
    void *top[512];
};

static unsigned idx(uint64_t va, int level)    /* level 3: top ... 0: leaf */
{
    return (va >> (12 + 9 * level)) & 511;
}

/* The entry for va; NULL if none (and !create or out of memory). */
static uint64_t *pmap_entry(struct pmap *pm, uint64_t va, bool create)
{
    void **table = pm->top;
    for (int level = 3; level > 0; level--) {
        void **slot = &table[idx(va, level)];
        if (!*slot) {
            if (!create || !(*slot = calloc(512, sizeof(void *))))
                return NULL;
        }
        table = *slot;
    }
    return (uint64_t *)&table[idx(va, 0)];
}

/* Call fn for every present entry in [start, end). */
static void pmap_each(struct pmap *pm, uint64_t start, uint64_t end,
                      void (*fn)(uint64_t va, uint64_t *e, void *ctx), void *ctx)
{
    for (uint64_t va = start; va < end;) {
        void **table = pm->top;
        int level = 3;
        for (; level > 0; level--) {
            void *next = table[idx(va, level)];
            if (!next)
                break;
            table = next;
        }
        if (level > 0) {                    /* a whole missing subtree */
            uint64_t span = 1UL << (12 + 9 * level);
            va = (va & ~(span - 1)) + span;
            continue;
        }
        uint64_t *e = (uint64_t *)&table[idx(va, 0)];
        if (*e)
            fn(va, e, ctx);
        va += PAGE;
    }
}

static void pmap_free_level(void **table, int level)
{
    if (level > 0)
        for (int i = 0; i < 512; i++)
            if (table[i])
                pmap_free_level(table[i], level - 1);
    if (level < 3)
        free(table);
}

/* ---- pages leaving a process ---------------------------------------------------- */

/* Revoke the process's mapping of a page. Mappings come from ours, and
 * X.2's Unmap takes them from everyone who has the page: other processes
 * sharing it fault it back in. */
static void unmap_page(page_t p, unsigned rights)
{
    L4_Fpage_t f = L4_FpageLog2((L4_Word_t)page_addr(p), 12);
    L4_UnmapFpage(L4_FpageAddRights(f, rights));
}

static void drop_entry(uint64_t va, uint64_t *e, void *ctx)
{
    (void)va;
    struct mm *mm = ctx;
    unmap_page(E_PAGE(*e), L4_FullyAccessible);
    page_unref(E_PAGE(*e));
    *e = 0;
    mm->resident--;
}

/* ---- mappings ------------------------------------------------------------------------ */

static struct vma *vma_find(struct mm *mm, uint64_t va)
{
    for (struct vma *v = mm->vmas; v && v->start <= va; v = v->next)
        if (va < v->end)
            return v;
    return NULL;
}

static void vma_insert(struct mm *mm, struct vma *n)
{
    struct vma **pp = &mm->vmas;
    while (*pp && (*pp)->start < n->start)
        pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
}

static void vma_free(struct vma *v)
{
    if (v->file)
        inode_unref(v->file);
    free(v);
}

/* Split v at a (v->start < a < v->end): v keeps the lower part. */
static int vma_split(struct vma *v, uint64_t a)
{
    struct vma *hi = malloc(sizeof *hi);
    if (!hi)
        return -ENOMEM;
    *hi = *v;
    hi->start = a;
    hi->offset = v->offset + (a - v->start);
    if (hi->file)
        inode_ref(hi->file);
    v->end = a;
    v->next = hi;
    return 0;
}

/* Remove [start, end) from the mappings (and its pages). */
static int unmap_range(struct mm *mm, uint64_t start, uint64_t end)
{
    for (struct vma **pp = &mm->vmas; *pp;) {
        struct vma *v = *pp;
        if (v->end <= start) {
            pp = &v->next;
            continue;
        }
        if (v->start >= end)
            break;
        if (v->start < start) {             /* keep its lower part */
            if (vma_split(v, start))
                return -ENOMEM;
            pp = &v->next;
            continue;
        }
        if (v->end > end && vma_split(v, end))
            return -ENOMEM;
        *pp = v->next;
        pmap_each(mm->pmap, v->start, v->end, drop_entry, mm);
        vma_free(v);
    }
    return 0;
}

struct mm *mm_new(void)
{
    struct mm *mm = calloc(1, sizeof *mm);
    if (mm && !(mm->pmap = calloc(1, sizeof *mm->pmap))) {
        free(mm);
        return NULL;
    }
    if (mm)
        mm->mmap_top = MM_MMAP_TOP, mm->users = 1;
    return mm;
}

void mm_get(struct mm *mm)
{
    mm->users++;
}

static void revoke_all(uint64_t va, uint64_t *e, void *ctx);

void mm_free(struct mm *mm)
{
    if (--mm->users) {
        /* A vfork child leaving the memory it shared (exec, exit): its
         * address space still has those pages mapped. Unmap takes them
         * from everyone; the others fault them back in. */
        pmap_each(mm->pmap, 0, MM_USER_END, revoke_all, NULL);
        return;
    }
    unmap_range(mm, 0, MM_USER_END);
    pmap_free_level(mm->pmap->top, 3);
    free(mm->pmap);
    free(mm);
}

/* A free range of len bytes below mm->mmap_top. */
static uint64_t find_gap(struct mm *mm, uint64_t len)
{
    uint64_t top = mm->mmap_top;
    for (;;) {
        /* (not `top < len + PAGE`: a len near 2^64 wrapped that to a
         * small number and a gap "below 0" was found) */
        if (len > top || top - len < PAGE)
            return 0;
        uint64_t start = top - len;
        struct vma *clash = NULL;
        for (struct vma *v = mm->vmas; v; v = v->next)
            if (v->start < top && v->end > start)
                clash = v;                  /* the highest one in the way */
        if (!clash)
            return start;
        top = clash->start;
    }
}

long mm_map(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
            bool fixed, struct inode *file, uint64_t offset)
{
    if (!len || (addr & (PAGE - 1)) || (offset & (PAGE - 1)))
        return -EINVAL;
    if (len > MM_USER_END)
        return -ENOMEM;                     /* (Linux: more than the address space) */
    len = PAGE_UP(len);
    bool free_there = addr && addr + len <= MM_USER_END && addr + len > addr;
    for (struct vma *v = mm->vmas; free_there && v; v = v->next)
        if (v->start < addr + len && v->end > addr)
            free_there = false;
    if (fixed) {
        if (addr + len < addr || addr + len > MM_LINUX_TASK_SIZE)
            return -ENOMEM;                 /* (Linux: past its end of user space) */
        if (!addr || addr + len > MM_USER_END)
            return -EINVAL;
        if (unmap_range(mm, addr, addr + len))
            return -ENOMEM;
    } else if (!free_there && !(addr = find_gap(mm, len))) {
        return -ENOMEM;
    }
    struct vma *v = malloc(sizeof *v);
    if (!v)
        return -ENOMEM;
    *v = (struct vma){ .start = addr, .end = addr + len, .prot = prot, .flags = flags,
                       .file = file, .offset = offset };
    if (file)
        inode_ref(file);
    vma_insert(mm, v);
    return (long)addr;
}

int mm_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
    /* Linux's bounds: what lies above MM_USER_END is no error to unmap */
    if ((addr & (PAGE - 1)) || !len || addr > MM_LINUX_TASK_SIZE || len > MM_LINUX_TASK_SIZE - addr)
        return -EINVAL;
    uint64_t end = PAGE_UP(addr + len);
    return unmap_range(mm, addr, end < MM_USER_END ? end : MM_USER_END);
}

static void revoke_write(uint64_t va, uint64_t *e, void *ctx)
{
    (void)va;
    (void)ctx;
    unmap_page(E_PAGE(*e), L4_Writable);
}

static void revoke_all(uint64_t va, uint64_t *e, void *ctx)
{
    (void)va;
    (void)ctx;
    unmap_page(E_PAGE(*e), L4_FullyAccessible);
}

int mm_protect(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot)
{
    if (addr & (PAGE - 1))
        return -EINVAL;
    /* Linux's order: no length is no change; the length rounded up may
     * wrap to 0 (len > 2^64 - 4096), and addr + len may wrap: both are
     * ENOMEM. (PAGE_UP(addr + len) hid the first: it gave end == addr
     * and "success" for len = SIZE_MAX.) */
    if (!len)
        return 0;
    uint64_t end = addr + PAGE_UP(len);
    if (end <= addr)
        return -ENOMEM;
    for (uint64_t a = addr; a < end;) {     /* all of it must be mapped */
        struct vma *v = vma_find(mm, a);
        if (!v)
            return -ENOMEM;
        a = v->end;
    }
    for (struct vma *v = mm->vmas; v; v = v->next) {
        if (v->end <= addr || v->start >= end)
            continue;
        if (v->start < addr) {
            if (vma_split(v, addr))
                return -ENOMEM;
            continue;                       /* the upper part comes next */
        }
        if (v->end > end && vma_split(v, end))
            return -ENOMEM;
        unsigned dropped = v->prot & ~prot;
        v->prot = prot;
        if (dropped & (PROT_READ | PROT_EXEC))
            pmap_each(mm->pmap, v->start, v->end, revoke_all, NULL);
        else if (dropped & PROT_WRITE)
            pmap_each(mm->pmap, v->start, v->end, revoke_write, NULL);
    }
    return 0;
}

long mm_set_brk(struct mm *mm, uint64_t brk)
{
    if (brk < mm->brk_start)
        return (long)mm->brk;
    uint64_t old_end = PAGE_UP(mm->brk), new_end = PAGE_UP(brk);
    if (new_end > old_end) {
        for (struct vma *v = mm->vmas; v; v = v->next)
            if (v->start < new_end && v->end > old_end)
                return (long)mm->brk;       /* in the way of something */
        struct vma *heap = NULL;
        for (struct vma *v = mm->vmas; v; v = v->next)
            if ((v->flags & VMA_BRK) && v->end == old_end)
                heap = v;
        if (heap)
            heap->end = new_end;
        else if (mm_map(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_BRK, true,
                        NULL, 0) < 0)
            return (long)mm->brk;
    } else if (new_end < old_end) {
        unmap_range(mm, new_end, old_end);
    }
    mm->brk = brk;
    return (long)brk;
}

int mm_dontneed(struct mm *mm, uint64_t addr, uint64_t len)
{
    if (addr & (PAGE - 1))
        return -EINVAL;
    /* Linux's: a length that rounds up to 0, or a range that wraps, is
     * EINVAL (PAGE_UP(addr + len) took len = SIZE_MAX for nothing) */
    uint64_t end = addr + PAGE_UP(len);
    if ((len && !PAGE_UP(len)) || end < addr)
        return -EINVAL;
    uint64_t covered = addr;
    for (struct vma *v = mm->vmas; v; v = v->next) {
        if (v->end <= addr || v->start >= end)
            continue;
        uint64_t from = v->start > addr ? v->start : addr, to = v->end < end ? v->end : end;
        if (from == covered)
            covered = to;
        if (!(v->flags & VMA_SHARED))       /* (shared pages keep their bytes) */
            pmap_each(mm->pmap, from, to, drop_entry, mm);
    }
    return covered >= end ? 0 : -ENOMEM;
}

/* Join the neighbouring mappings of the same kind that [start, end)
 * spans, as Linux's are joined when made (mremap sees one). */
static void vma_join(struct mm *mm, uint64_t start, uint64_t end)
{
    for (struct vma *v = vma_find(mm, start); v && v->next && v->end < end;) {
        struct vma *w = v->next;
        if (w->start != v->end || w->prot != v->prot || w->flags != v->flags ||
            w->file != v->file || (v->file && w->offset != v->offset + (v->end - v->start)))
            return;
        v->end = w->end;
        v->next = w->next;
        vma_free(w);
    }
}

long mm_remap(struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len, unsigned flags,
              uint64_t new_addr)
{
    (void)new_addr;
    if (old & (PAGE - 1))
        return -EINVAL;
    /* Every sum below must not wrap: with old + old_len and len + PAGE
     * wrapping (mremap(p, -p + 4096, 2^64 - 4096, MREMAP_MAYMOVE)) the
     * move's copy loop ran some 2^52 times and the server hung. Linux's
     * answers: a new length that rounds up to 0 or exceeds its user
     * space is EINVAL; an old length that rounds up to 0 is the
     * "duplicate a shared mapping" case (refused for private ones,
     * below); an old range past the end of user space is EINVAL when
     * shrinking (the unmap of its tail) and EFAULT when growing
     * (longer than its mapping). */
    old_len = PAGE_UP(old_len);
    new_len = PAGE_UP(new_len);
    if (!new_len || new_len > MM_LINUX_TASK_SIZE)
        return -EINVAL;
    struct vma *v = vma_find(mm, old);      /* (then old < MM_USER_END) */
    if (!v)
        return -EFAULT;
    if (old_len > MM_LINUX_TASK_SIZE - old)
        return old_len >= new_len ? -EINVAL : -EFAULT;
    if (!old_len && !(v->flags & VMA_SHARED))
        return -EINVAL;
    vma_join(mm, old, old + old_len);
    v = vma_find(mm, old);
    if (old + old_len > v->end)
        return -EFAULT;
    if (new_len <= old_len) {
        if (new_len < old_len)
            unmap_range(mm, old + new_len, old + old_len);
        return (long)old;
    }
    /* grow in place if the gap above is free */
    bool room = old + new_len <= MM_USER_END;
    for (struct vma *w = mm->vmas; room && w; w = w->next)
        if (w != v && w->start < old + new_len && w->end > old + old_len)
            room = false;
    if (room && v->end == old + old_len) {
        v->end = old + new_len;
        return (long)old;
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    /* move: a new range with the same kind, the pages carried over */
    uint64_t to = find_gap(mm, new_len);
    if (!to)
        return -ENOMEM;
    struct vma *n = malloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    *n = *v;
    n->start = to;
    n->end = to + new_len;
    n->offset = v->offset + (old - v->start);
    if (n->file)
        inode_ref(n->file);
    for (uint64_t o = 0; o < old_len; o += PAGE) {
        uint64_t *from = pmap_entry(mm->pmap, old + o, false);
        if (!from || !*from)
            continue;
        uint64_t *dst = pmap_entry(mm->pmap, to + o, true);
        if (!dst) {
            free(n);
            return -ENOMEM;
        }
        unmap_page(E_PAGE(*from), L4_FullyAccessible);
        *dst = *from;
        *from = 0;
    }
    unmap_range(mm, old, old + old_len);
    vma_insert(mm, n);
    return (long)to;
}

/* ---- faults -------------------------------------------------------------------------- */

/* The page a fresh access of v at va gets: zeros, or the file's. Private
 * file pages are shared copy-on-write until written. */
static int new_page(struct vma *v, uint64_t va, bool write, uint64_t *e)
{
    if (v->file && S_ISREG(v->file->mode)) {
        uint64_t off = v->offset + (PAGE_DOWN(va) - v->start);
        bool shared = v->flags & VMA_SHARED;
        if (off < PAGE_UP(v->file->size) || shared) {
            page_t fp = inode_page(v->file, off / PAGE, shared || !write);
            if (fp && (shared || !write)) {
                page_ref(fp);
                *e = fp | (shared ? 0 : E_COW);
                return 0;
            }
            page_t p = page_alloc();        /* a private copy at once */
            if (!p)
                return -ENOMEM;
            if (fp)
                memcpy(page_addr(p), page_addr(fp), PAGE);
            *e = p;
            return 0;
        }
    }
    page_t p = page_alloc();
    if (!p)
        return -ENOMEM;
    *e = p;
    return 0;
}

int mm_page(struct mm *mm, uint64_t va, bool write, page_t *page, bool *writable)
{
    struct vma *v = vma_find(mm, va);
    if (!v && va < MM_USER_END) {           /* the stack grows down into its gap */
        struct vma *above = mm->vmas;
        while (above && above->end <= va)
            above = above->next;
        if (above && (above->flags & VMA_GROWSDOWN) && above->start - PAGE_DOWN(va) <= MM_STACK_MAX &&
            mm->stack_top - PAGE_DOWN(va) <= MM_STACK_MAX) {
            above->start = PAGE_DOWN(va);
            v = above;
        }
    }
    if (!v)
        return -EFAULT;                     /* SEGV_MAPERR */
    if (!(v->prot & (write ? PROT_WRITE : PROT_READ | PROT_EXEC)))
        return -EACCES;                     /* mapped, but not so: SEGV_ACCERR */
    uint64_t *e = pmap_entry(mm->pmap, PAGE_DOWN(va), true);
    if (!e)
        return -ENOMEM;
    if (!*e) {
        int err = new_page(v, va, write, e);
        if (err)
            return err;
        mm->resident++;
    } else if (write && (*e & E_COW)) {
        page_t old = E_PAGE(*e);
        if (page_refs(old) == 1) {
            *e = old;                       /* nobody else has it now (nor a file) */
        } else {
            page_t p = page_alloc();
            if (!p)
                return -ENOMEM;
            memcpy(page_addr(p), page_addr(old), PAGE);
            unmap_page(old, L4_FullyAccessible);    /* the process's old, read-only view */
            page_unref(old);
            *e = p;
        }
    }
    *page = E_PAGE(*e);
    *writable = (v->prot & PROT_WRITE) && !(*e & E_COW);
    return 0;
}

int mm_fault(struct mm *mm, uint64_t va, unsigned access)
{
    page_t p;
    bool writable;
    int err = mm_page(mm, va, access & 2, &p, &writable);
    if (err)
        return err;
    struct vma *v = vma_find(mm, va);
    unsigned rights = L4_Readable | (v->prot & PROT_EXEC ? L4_eXecutable : 0) |
                      (writable ? L4_Writable : 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = MSGTAG(0, 2, 0);                /* one map item */
    mr[1] = MAP_ITEM(PAGE_DOWN(va), ITEM_MAP);
    mr[2] = L4_FpageLog2((L4_Word_t)page_addr(p), 12).raw | rights;
#ifdef UNIX_TRACE
    ulog("map %lx <- page %u at %p rights %x (vma %lx-%lx prot %x)", va, p, page_addr(p), rights,
         v->start, v->end, v->prot);
#endif
    return 0;
}

/* ---- fork ------------------------------------------------------------------------------ */

struct fork_ctx {
    struct mm *child;
    struct vma *v;
    int err;
    L4_Fpage_t revoke[64];
    unsigned nrevoke;
};

static void flush_revokes(struct fork_ctx *c)
{
    if (c->nrevoke)
        L4_UnmapFpages(c->nrevoke, c->revoke);
    c->nrevoke = 0;
}

static void fork_entry(uint64_t va, uint64_t *e, void *ctx)
{
    struct fork_ctx *c = ctx;
    if (c->err)
        return;
    uint64_t *ce = pmap_entry(c->child->pmap, va, true);
    if (!ce) {
        c->err = -ENOMEM;
        return;
    }
    page_t p = E_PAGE(*e);
    page_ref(p);
    if (!(c->v->flags & VMA_SHARED)) {      /* both copy before they write */
        if (!(*e & E_COW) && (c->v->prot & PROT_WRITE)) {
            c->revoke[c->nrevoke++] =
                L4_FpageAddRights(L4_FpageLog2((L4_Word_t)page_addr(p), 12), L4_Writable);
            if (c->nrevoke == 64)
                flush_revokes(c);
        }
        *e |= E_COW;
    }
    *ce = *e;
    c->child->resident++;
}

struct mm *mm_fork(struct mm *parent)
{
    struct mm *child = mm_new();
    if (!child)
        return NULL;
    child->brk_start = parent->brk_start;
    child->brk = parent->brk;
    child->mmap_top = parent->mmap_top;
    child->stack_top = parent->stack_top;
    struct fork_ctx c = { .child = child };
    struct vma **tail = &child->vmas;
    for (struct vma *v = parent->vmas; v && !c.err; v = v->next) {
        struct vma *n = malloc(sizeof *n);
        if (!n) {
            c.err = -ENOMEM;
            break;
        }
        *n = *v;
        n->next = NULL;
        if (n->file)
            inode_ref(n->file);
        *tail = n;
        tail = &n->next;
        c.v = v;
        pmap_each(parent->pmap, v->start, v->end, fork_entry, &c);
    }
    flush_revokes(&c);
    if (c.err) {
        mm_free(child);
        return NULL;
    }
    return child;
}

/* ---- the server's own accesses ----------------------------------------------------------- */

static int copy_pages(struct mm *mm, uint64_t va, void *buf, uint64_t n, bool to_proc)
{
    for (uint64_t done = 0; done < n;) {
        uint64_t in = (va + done) % PAGE, chunk = PAGE - in < n - done ? PAGE - in : n - done;
        page_t p;
        bool writable;
        if (va + done >= MM_USER_END || mm_page(mm, va + done, to_proc, &p, &writable))
            return -EFAULT;
        char *mem = (char *)page_addr(p) + in, *our = (char *)buf + done;
        if (!to_proc)
            memcpy(our, mem, chunk);
        else if (mem < our + chunk && our < mem + chunk)
            memmove(mem, our, chunk);       /* a file read into its own shared mapping */
        else
            memcpy(mem, our, chunk);
        done += chunk;
    }
    return 0;
}

int mm_write(struct mm *mm, uint64_t va, const void *src, uint64_t n)
{
    return copy_pages(mm, va, (void *)src, n, true);
}

int mm_read(struct mm *mm, void *dst, uint64_t va, uint64_t n)
{
    return copy_pages(mm, va, dst, n, false);
}
