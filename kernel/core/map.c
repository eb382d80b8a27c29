/* Map and grant items: copying page-table entries from the sender's space
 * into the receiver's window (spec 5.7). The mapping database, unmap and
 * large pages come with the memory issue; this is the basic transfer. */
#include "map.h"
#include "arch/paging.h"
#include "bootmem.h"
#include "fpage.h"
#include "ipc.h"
#include "space.h"
#include "utcb.h"

/*
 * Map item: word 0 = send base (bits 10-63) | type << 1 (4 map, 5 grant) | C
 *           word 1 = send fpage
 */
#define ITEM_TYPE(w0) (((w0) >> 1) & 7)
#define ITEM_MAP   4
#define ITEM_GRANT 5

static bool in_area(word_t area, vaddr_t va)
{
    return area && va - fpage_base(area) < fpage_size(area);
}

/* Receiver-side pages the kernel owns: the KIP and UTCB areas. */
static bool protected_page(const struct space *sp, vaddr_t va)
{
    return in_area(sp->kip_area, va) || in_area(sp->utcb_area, va);
}

static uint64_t pte_flags_for(unsigned rwx, uint64_t src_pte)
{
    uint64_t f = 0;
    if ((rwx & 2) && (src_pte & PTE_W))
        f |= PTE_W;
    if (paging_nx_enabled() && (!(rwx & 1) || (src_pte & PTE_NX)))
        f |= PTE_NX;
    return f;
}

static void map_page(struct tcb *s, struct tcb *r, vaddr_t src, vaddr_t dst, unsigned rwx,
                     bool grant)
{
    paddr_t pa;
    uint64_t pte = PTE_W;
    if (s->space->sigma0) {
        pa = src;                       /* sigma0 names physical memory */
        if (bootmem_is_kernel(pa, pa + PAGE_SIZE))
            return;
    } else if (!paging_lookup(s->space->pml4, src, &pa, &pte) || protected_page(s->space, src)) {
        return;
    }
    if (dst >= USER_END || protected_page(r->space, dst))
        return;
    paging_map_user(r->space->pml4, dst, ALIGN_DOWN(pa, PAGE_SIZE), 12, pte_flags_for(rwx, pte));
    if (grant && !s->space->sigma0 && s->space != r->space)
        paging_unmap_user(s->space->pml4, src);
}

unsigned map_item_transfer(struct tcb *s, struct tcb *r, const word_t *item, unsigned *i)
{
    word_t w0 = item[0], fp = item[1];
    unsigned type = ITEM_TYPE(w0);
    word_t tag = utcb_get(s, UTCB_MR(0));
    if ((type != ITEM_MAP && type != ITEM_GRANT) || *i + 1 > TAG_U(tag) + TAG_T(tag))
        return IPC_OVERFLOW;            /* string items: not yet */
    *i += 2;
    word_t window = utcb_get(r, UTCB_BR(0)) & ~0xFUL;
    if (!window)
        return IPC_OVERFLOW;
    if (fp == 0 || fpage_log2(fp) < 12)
        return 0;                       /* nil or meaningless fpage: nothing */

    /* Window selection (spec 5.7): the smaller of send fpage S (2^s) and
     * window R (2^r) is placed inside the larger at the send base offset. */
    unsigned sl = fpage_log2(fp), rl = fpage_log2(window);
    word_t sbase = fpage_base(fp), rbase = fpage_base(window), off;
    word_t snd_base = w0 & ~0x3FFUL;
    unsigned size_log2;
    if (sl <= rl) {
        size_log2 = sl;
        off = rl >= 64 ? snd_base : snd_base & ((1UL << rl) - 1);
        off = ALIGN_DOWN(off, 1UL << sl);
        rbase += off;
    } else {
        size_log2 = rl;
        off = ALIGN_DOWN(snd_base & ((1UL << sl) - 1), 1UL << rl);
        sbase += off;
    }
    word_t size = size_log2 >= 64 ? ~0UL : 1UL << size_log2;
    unsigned rwx = fp & 7;
    for (word_t o = 0; o < size && sbase + o < USER_END; o += PAGE_SIZE) {
        if (!s->space->sigma0) {
            vaddr_t next = paging_next_mapped(s->space->pml4, sbase + o, sbase + size);
            if (next >= USER_END || next - sbase >= size)
                break;
            o = next - sbase;
        }
        map_page(s, r, sbase + o, rbase + o, rwx, type == ITEM_GRANT);
    }
    return 0;
}
