/* Address spaces: creation, KIP and UTCB areas. */
#include "space.h"
#include "arch/io.h"
#include "arch/mp.h"
#include "tcb.h"
#include "arch/paging.h"
#include "fpage.h"
#include "frame.h"
#include "kip.h"
#include "kmem.h"
#include "print.h"
#include "slab.h"
#include "utcb.h"

static struct slab spaces = SLAB_INIT(struct space);

COLD struct space *space_create(size_t limit)
{
    struct space *s = slab_alloc(&spaces);
    if (!s)
        return NULL;
    s->kmem.limit = limit;
    kmem_charge_anyway(&s->kmem, spaces.size);
    s->pml4 = paging_new_space(&s->kmem);
    if (!s->pml4) {
        slab_free(&spaces, s);
        return NULL;
    }
    s->io_mdb.io = true;
    return s;
}

size_t space_default_kmem_limit(void)
{
    return frame_total() * PAGE_SIZE / KMEM_DEFAULT_SHARE;
}

static bool in_user_area(word_t base, word_t size)
{
    return size <= USER_MAP_END && base <= USER_MAP_END - size;
}

COLD int space_init_areas(struct space *s, word_t kip, word_t utcb)
{
    word_t ub = fpage_base(utcb), us = fpage_size(utcb);
    word_t kb = fpage_base(kip), ks = fpage_size(kip);
    if (fpage_log2(utcb) < 12 || !in_user_area(ub, us))
        return ERR_INVALID_UTCB;
    if (fpage_log2(kip) < 12 || !in_user_area(kb, ks) || (kb < ub + us && ub < kb + ks))
        return ERR_INVALID_KIP_AREA;
    if (!space_map(s, kb, kip_phys(), 12, paging_nx_enabled() ? PTE_NX : 0))
        return ERR_NO_MEMORY;
    s->kip_area = kip;
    s->utcb_area = utcb;
    return ERR_OK;
}

paddr_t space_root(struct space *s, unsigned cpu)
{
    if (cpu == 0 || !s->pml4) {         /* (the interrupt threads' has none) */
        s->cpus |= 1u << cpu;
        return s->pml4;
    }
    if (!s->cpu_root[cpu])
        s->cpu_root[cpu] = paging_new_cpu_root(s->pml4, mp_kernel_root(cpu), &s->kmem);
    if (s->cpu_root[cpu])               /* (a processor it may run on: claimed) */
        s->cpus |= 1u << cpu;
    return s->cpu_root[cpu];
}

void space_claim_wait(struct space *s)
{
    for (uint32_t others = s->cpus & ~(1u << cpu_index()); others; others &= others - 1)
        mp_claim_wait((unsigned)__builtin_ctz(others));
}

void space_sync_roots(struct space *s, vaddr_t va)
{
    for (unsigned c = 1; c < mp_cpus; c++)
        if (s->cpu_root[c])
            paging_copy_slot(s->cpu_root[c], s->pml4, va);
}

bool space_map(struct space *s, vaddr_t va, paddr_t pa, unsigned size_log2, uint64_t flags)
{
    if (!paging_map_user(s->pml4, va, pa, size_log2, flags, &s->kmem))
        return false;
    space_sync_roots(s, va);
    return true;
}

void *space_utcb(struct space *s, vaddr_t loc)
{
    paddr_t pa;
    if (!paging_lookup(s->pml4, loc, &pa, NULL)) {
        paddr_t f = kmem_frame(&s->kmem);
        if (!f)
            return NULL;
        uint64_t flags = PTE_W | (paging_nx_enabled() ? PTE_NX : 0);
        if (!space_map(s, ALIGN_DOWN(loc, PAGE_SIZE), f, 12, flags)) {
            kmem_frame_free(&s->kmem, f);
            return NULL;
        }
        pa = f + (loc & (PAGE_SIZE - 1));
    }
    return phys_to_virt(pa);
}

/* Kernel-owned frames in a dying space: the UTCB pages. */
static void release_page(vaddr_t va, paddr_t pa, void *ctx)
{
    struct space *s = ctx;
    word_t ub = fpage_base(s->utcb_area);
    if (s->utcb_area && va - ub < fpage_size(s->utcb_area))
        kmem_frame_free(&s->kmem, pa);
}

COLD void space_destroy(struct space *s)
{
    mdb_space_clear(&s->mdb);
    mdb_space_clear(&s->io_mdb);
    io_release(s);
    paging_free_space(s->pml4, release_page, s, &s->kmem);
    for (unsigned c = 1; c < MAX_CPUS; c++)
        if (s->cpu_root[c])
            kmem_frame_free(&s->kmem, s->cpu_root[c]);
    kmem_uncharge(&s->kmem, spaces.size);
    ASSERT(s->kmem.used == 0);
    slab_free(&spaces, s);
}

COLD void space_set_redirector(struct space *s, word_t id)
{
    s->redirector = id;
    space_claim(s);                     /* its threads' no_fast_send */
    struct tcb *t;
    tcb_for_each(t)
        if (t->space == s)
            t->no_fast_send = space_no_fast_send(s);
}
