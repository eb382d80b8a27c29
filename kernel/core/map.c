/* Map and grant items (spec 5.7) and Unmap (spec 4.12), on top of the
 * mapping database. Mappings are 4 KB pages. */
#include "map.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "arch/paging.h"
#include "bootmem.h"
#include "fpage.h"
#include "ipc.h"
#include "kmem.h"
#include "mdb.h"
#include "space.h"
#include "utcb.h"
#include "xfer.h"

/* On every page mapped: decoded directly, since SpaceControl never lets
 * an area be the complete space (fpage_log2's special case). */
static bool in_area(word_t area, vaddr_t va)
{
    word_t size = 1UL << FPAGE_LOG2(area);
    return area && va - (area & FPAGE_BASE_MASK & ~(size - 1)) < size;
}

/* Receiver-side pages the kernel owns: the KIP and UTCB areas. */
static bool protected_page(const struct space *sp, vaddr_t va)
{
    return in_area(sp->kip_area, va) || in_area(sp->utcb_area, va);
}

/* One page of a map or grant item. Receivers never get pages in their
 * KIP and UTCB areas or in sigma0's space (the kernel maps sigma0);
 * sigma0 never hands out kernel memory, nor memory beyond the direct map.
 * False when kernel memory ran out (or the receiver's limit: account.h). */
static bool map_page(struct tcb *s, struct tcb *r, vaddr_t src, vaddr_t dst, unsigned rwx,
                     bool grant)
{
    if (dst >= USER_MAP_END || protected_page(r->space, dst) || r->space->sigma0)
        return true;
    if (s->space->sigma0 ? !bootmem_user_frame(src, 12) : protected_page(s->space, src))
        return true;
    return mdb_map(&s->space->mdb, src, &r->space->mdb, dst, rwx, grant);
}

/*
 * Long work (a map or unmap of many pages or ports) is a preemption point
 * every PAUSE_STEPS steps: the kernel runs with interrupts off, and no
 * system call may keep the machine from its ticks for long. Work in an
 * IPC (x) stops when the transfer ended meanwhile; an unbound transfer
 * (ipc.c) is not preempted but maps MAP_UNBOUND_PAGES at most.
 */
#define PAUSE_STEPS 64

struct work {
    struct xfer *x;             /* the transfer it belongs to; NULL: a system call's own */
    bool preemptible;
    unsigned steps;
};

/* One more step: true when the work must stop. */
static bool step(struct work *w)
{
    if (!w->preemptible)
        return ++w->steps >= MAP_UNBOUND_PAGES;
    if (++w->steps % PAUSE_STEPS)
        return false;
    if (!w->x) {
        arch_interrupt_window();
        return false;
    }
    return xfer_preempted_out(w->x);
}

/* I/O fpages (spec 2.4, 5.7): any window accepts them (the complete I/O
 * space); the receiver gets the ports of the fpage the sender has. Their
 * rwx bits mean nothing: a port is there or not. Only the ports the
 * sender has are looked at. */
static bool map_ports(struct work *w, struct space *from, struct space *to, word_t fp, bool grant)
{
    unsigned port = io_fpage_port(fp), end = port + io_fpage_count(fp);
    if (to->sigma0)
        return false;
    for (unsigned p = io_next_allowed(from, port, end); p < end;
         p = io_next_allowed(from, p + 1, end)) {
        mdb_map(&from->io_mdb, IO_PORT_VA(p), &to->io_mdb, IO_PORT_VA(p), 7, grant);
        if (step(w))
            return true;
    }
    return false;
}

/* Unmap of an I/O fpage: the ports leave every space that got them from
 * the caller, however indirectly, and with `flush` the caller's too. */
static void unmap_ports(struct work *w, struct space *sp, word_t fp, bool flush)
{
    unsigned port = io_fpage_port(fp), end = port + io_fpage_count(fp);
    for (unsigned p = io_next_allowed(sp, port, end); p < end; p = io_next_allowed(sp, p + 1, end)) {
        mdb_unmap(&sp->io_mdb, IO_PORT_VA(p), 7, flush);
        if (step(w))
            return;
    }
}

/* Unmap (or with `flush` also restrict) every page of the caller's part
 * of [base, base + size); the access status of all of them, or-ed. */
static unsigned unmap_range(struct work *w, struct space *sp, word_t base, word_t size,
                            unsigned rwx, bool flush)
{
    unsigned status = 0;
    word_t end = size > USER_END - MIN(base, USER_END) ? USER_END : base + size;
    if (sp->sigma0) {               /* its pages are tree roots, not in its page table */
        for (struct mnode *n = sp->mdb.nodes, *next; n; n = next) {
            next = n->sp_next;
            if (n->va >= base && n->va < end)
                status |= mdb_unmap(&sp->mdb, n->va, rwx, flush);
        }
        return status;
    }
    for (vaddr_t va = base; (va = paging_next_mapped(sp->pml4, va, end)) < end; va += PAGE_SIZE) {
        if (!protected_page(sp, va))
            status |= mdb_unmap(&sp->mdb, va, rwx, flush);
        if (step(w))
            break;
    }
    return status;
}

void sys_unmap(struct tcb *self, word_t control)
{
    unsigned k = UNMAP_K(control);
    bool flush = control & UNMAP_FLUSH;
    struct work w = { .preemptible = true };
    for (unsigned i = 0; i <= k; i++) {
        word_t fp = self->utcb[i];
        if (fpage_is_io(fp)) {
            unmap_ports(&w, self->space, fp, flush);
            continue;
        }
        /* s < 12 is rounded up to the page around the base (spec 2.3) */
        unsigned s = fpage_log2(fp);
        if (s == 0)
            continue;
        word_t base = s < 12 ? ALIGN_DOWN(fp, PAGE_SIZE) : fpage_base(fp);
        word_t size = s < 12 ? PAGE_SIZE : fpage_size(fp);
        unsigned status = unmap_range(&w, self->space, base, size, fp & FPAGE_RWX, flush);
        self->utcb[i] = (fp & ~FPAGE_RWX) | status;
    }
}

unsigned map_item_transfer(struct xfer *x, bool preemptible, const word_t *item, unsigned *i)
{
    struct tcb *s = x->s, *r = x->r;
    struct work w = { .x = x, .preemptible = preemptible };
    word_t w0 = item[0], fp = item[1];
    unsigned type = ITEM_TYPE(w0);
    word_t tag = utcb_get(s, UTCB_MR(0));
    if ((type != ITEM_MAP && type != ITEM_GRANT) || *i + 1 > MSGTAG_U(tag) + MSGTAG_T(tag))
        return IPC_OVERFLOW;            /* string items: not yet */
    *i += 2;
    word_t window = ACCEPT_WINDOW(utcb_get(r, UTCB_BR(0)));
    if (!window)
        return IPC_OVERFLOW;
    if (fpage_is_io(fp))
        return map_ports(&w, s->space, r->space, fp, type == ITEM_GRANT) && preemptible
                   ? IPC_ABORTED : 0;
    if (fp == 0 || fpage_log2(fp) < 12)
        return 0;                       /* nil or meaningless fpage: nothing */

    /* Window selection (spec 5.7): the smaller of send fpage S (2^s) and
     * window R (2^r) is placed inside the larger at the send base offset. */
    unsigned sl = fpage_log2(fp), rl = fpage_log2(window);
    word_t sbase = fpage_base(fp), rbase = fpage_base(window), off;
    word_t snd_base = MAP_ITEM_SND_BASE(w0);
    unsigned size_log2;
    if (sl <= rl) {
        size_log2 = sl;
        off = rl >= 64 ? snd_base : snd_base & ((1UL << rl) - 1);
        off = ALIGN_DOWN(off, 1UL << sl);
        rbase += off;
    } else {
        size_log2 = rl;
        off = sl >= 64 ? snd_base : snd_base & ((1UL << sl) - 1);
        off = ALIGN_DOWN(off, 1UL << rl);
        sbase += off;
    }
    word_t size = size_log2 >= 64 ? ~0UL : 1UL << size_log2;
    unsigned rwx = fp & FPAGE_RWX;
    if (!rwx)
        return 0;
    /* Sigma0's space is physical memory, 1:1: nothing of it lies beyond
     * the direct map (a walk over a window of terabytes ends there). */
    word_t limit = s->space->sigma0 ? MIN(phys_map_end, USER_END) : USER_END;
    for (word_t o = 0; o < size && sbase + o < limit; o += PAGE_SIZE) {
        if (!s->space->sigma0) {
            vaddr_t next = paging_next_mapped(s->space->pml4, sbase + o, sbase + size);
            if (next >= USER_END || next - sbase >= size)
                break;
            o = next - sbase;
        }
        /* Out of kernel memory: the rest is not mapped (its faults ask
         * again), and no more time goes into failing page by page. */
        if (!map_page(s, r, sbase + o, rbase + o, rwx, type == ITEM_GRANT))
            break;
        /* A whole 2 MB block of the window arrived: large pages may serve it. */
        vaddr_t end = rbase + o + PAGE_SIZE;
        if (end % SUPERPAGE_SIZE == 0 && end - SUPERPAGE_SIZE >= rbase)
            paging_promote(r->space->pml4, end - SUPERPAGE_SIZE, &r->space->kmem);
        if (step(&w))
            return preemptible ? IPC_ABORTED : 0;
    }
    /* A grant of more than the window takes the whole fpage away. */
    if (type == ITEM_GRANT && sl > rl && !s->space->sigma0) {
        unmap_range(&w, s->space, fpage_base(fp), fpage_size(fp), 7, true);
        if (preemptible && (x->aborted || x->partner_gone))
            return IPC_ABORTED;
    }
    return 0;
}
