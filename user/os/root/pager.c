/* The default pager of every task: its image from the program's ELF
 * segments (file bytes copied, the rest zero), its argument page, and
 * zero-filled heap pages up to the task's break. Anything else ends it. */
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>
#include "root.h"

static void reply_map(L4_Word_t page, L4_Word_t fault_page, unsigned rights)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;                          /* one map item */
    mr[1] = (fault_page & ~0x3FFUL) | 0x8;
    mr[2] = L4_FpageLog2(page, 12).raw | rights;
}

/* Fill a fresh page for address va of the task's image. */
static int image_page(struct task *t, L4_Word_t va, L4_Word_t page, unsigned *rights)
{
    int found = 0;
    for (unsigned i = 0; i < t->prog->nseg; i++) {
        const struct segment *s = &t->prog->seg[i];
        if (va + 4096 <= s->vaddr || va >= s->vaddr + s->memsz)
            continue;
        found = 1;
        *rights |= (s->flags & 2 ? L4_Writable : 0) | L4_Readable | L4_eXecutable;
        /* the file bytes of this segment that fall into the page */
        L4_Word_t from = s->vaddr > va ? s->vaddr : va;
        L4_Word_t to = s->vaddr + s->filesz < va + 4096 ? s->vaddr + s->filesz : va + 4096;
        if (from < to)
            memcpy((void *)(page + (from - va)), s->file + (from - s->vaddr), to - from);
    }
    return found;
}

int pager_fault(struct task *t, L4_Word_t addr, unsigned access)
{
    (void)access;
    int index = (int)(t - tasks);
    L4_Word_t va = addr & ~0xFFFUL;
    if (va == OS_ARGS_VA) {
        reply_map(t->args_page, va, L4_Readable);
        return 1;
    }
    int in_heap = va >= t->heap_start && va < t->brk;
    if (pool_pages(index) >= t->limit)
        return 0;
    L4_Word_t page = pool_alloc(index);
    if (!page)
        return 0;
    unsigned rights = 0;
    if (!image_page(t, va, page, &rights) && !in_heap)
        return 0;                            /* page freed with the task */
    if (in_heap)
        rights = L4_FullyAccessible;
    reply_map(page, va, rights);
    return 1;
}

int pager_io_fault(struct task *t, L4_Word_t io_fpage)
{
    if (!t->driver)
        return 0;
    L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, (L4_Fpage_t){ .raw = io_fpage });
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IsNilFpage(got))
        return 0;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = 0x8;
    mr[2] = got.raw;
    return 1;
}
