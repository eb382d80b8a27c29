/* The pager of every task: its image from the program's ELF segments
 * (file bytes copied, the rest zero, rights from the segment flags), its
 * argument page, its stack, zero-filled heap pages up to its break, and
 * a supervised server's kept pages. An access anywhere else, or one its
 * region does not allow, ends the task. */
#include <pecan/abi.h>
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>
#include "root.h"

#define R L4_Readable
#define W L4_Writable
#define X L4_eXecutable
/* Faults this far below the stack are reported as its overflow (nothing
 * is ever mapped there: the guard). */
#define GUARD_BYTES (64 * 1024UL)

static void reply_map(L4_Word_t page, L4_Word_t fault_page, unsigned rights)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = MSGTAG(0, 2, 0);                 /* one map item */
    mr[1] = MAP_ITEM(fault_page, ITEM_MAP);
    mr[2] = L4_FpageLog2(page, 12).raw | rights;
}

/* The rights of the image's segments at page va (0: none there). */
static unsigned image_rights(const struct program *p, L4_Word_t va)
{
    unsigned rights = 0;
    for (unsigned i = 0; i < p->nseg; i++) {
        const struct segment *s = &p->seg[i];
        if (va + 4096 > s->vaddr && va < s->vaddr + s->memsz)
            rights |= R | (s->flags & 2 ? W : 0) | (s->flags & 1 ? X : 0);
    }
    return rights;
}

/* Copy the file bytes of the image that fall into page va. */
static void image_fill(const struct program *p, L4_Word_t va, L4_Word_t page)
{
    for (unsigned i = 0; i < p->nseg; i++) {
        const struct segment *s = &p->seg[i];
        L4_Word_t from = s->vaddr > va ? s->vaddr : va;
        L4_Word_t to = s->vaddr + s->filesz < va + 4096 ? s->vaddr + s->filesz : va + 4096;
        if (from < to)
            memcpy((void *)(page + (from - va)), s->file + (from - s->vaddr), to - from);
    }
}

enum fault_verdict pager_fault(struct task *t, L4_Word_t addr, unsigned access)
{
    int slot = task_slot(t);
    L4_Word_t va = addr & ~0xFFFUL;
    const struct service *svc = t->svc;
    unsigned rights;
    L4_Word_t kept = 0;
    if (va == OS_ARGS_VA)
        rights = R;
    else if (va >= OS_STACK_BOTTOM && va < OS_ARGS_VA)
        rights = R | W;
    else if (va >= t->heap_start && va < t->brk)
        rights = R | W | (svc && svc->unix_spaces ? X : 0);   /* (the Unix server maps its
                                                                  heap on to programs) */
    else if (svc && va >= OS_KEEP_VA && va < OS_KEEP_VA + svc->keep_pages * 4096UL)
        rights = R | W, kept = pool_page(KEEP_OWNER + (int)(svc - services),
                                         (unsigned)((va - OS_KEEP_VA) / 4096));
    else
        rights = image_rights(t->prog, va);
    if (!rights)
        return va < OS_STACK_BOTTOM && va >= OS_STACK_BOTTOM - GUARD_BYTES ? FAULT_STACK_OVERFLOW
                                                                           : FAULT_NOTHING_THERE;
    if (access & ~rights)
        return FAULT_NOT_ALLOWED;
    L4_Word_t page = va == OS_ARGS_VA ? t->args_page : kept;
    if (!page) {
        if (pool_pages(slot) >= t->limit)
            return FAULT_OVER_LIMIT;
        if (!(page = pool_alloc(slot)))
            return FAULT_NO_MEMORY;
        image_fill(t->prog, va, page);       /* (outside the image: nothing) */
    }
    reply_map(page, va, rights);
    return FAULT_MAPPED;
}

int pager_io_fault(struct task *t, L4_Word_t io_fpage)
{
    L4_Word_t port = IO_FPAGE_PORT(io_fpage), n = 1UL << IO_FPAGE_LOG2(io_fpage);
    const struct service *svc = t->svc;
    if (!svc || port < svc->port || port + n > svc->port + svc->nports)
        return 0;
    L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, (L4_Fpage_t){ .raw = io_fpage });
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IsNilFpage(got))
        return 0;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = MSGTAG(0, 2, 0);
    mr[1] = MAP_ITEM(0, ITEM_MAP);
    mr[2] = got.raw;
    return 1;
}
