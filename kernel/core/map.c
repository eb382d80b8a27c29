/* Map and grant items (spec 5.7) and Unmap (spec 4.12), on top of the
 * mapping database. Mappings are 4 KB, 2 MB or 1 GB pages: each piece of
 * an item as large as both sides allow. */
#include "arch/mp.h"
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

/* Does [va, va + size) reach into the KIP or UTCB area `area`, pages the
 * kernel owns? On every piece mapped: decoded directly, since SpaceControl
 * never lets an area be the complete space (fpage_log2's special case). */
static bool touches_area(word_t area, vaddr_t va, word_t size)
{
    word_t asize = 1UL << FPAGE_LOG2(area), abase = area & FPAGE_BASE_MASK & ~(asize - 1);
    return area && va < abase + asize && abase < va + size;
}

/* The same for the page at va: its bits above the area's size (or the
 * page's, for an area inside one page) are the area's. */
static bool page_in_area(word_t area, vaddr_t va)
{
    return area && !(((va ^ area) & FPAGE_BASE_MASK) >> MAX(FPAGE_LOG2(area), 12));
}

/* The level of the largest mapping that may carry the piece src -> dst
 * (at most `left` bytes): both addresses aligned to its size; receivers
 * never get pages in their KIP and UTCB areas or at USER_MAP_END; sigma0
 * never hands out kernel memory, nor memory beyond the direct map. -1:
 * not even the page at dst may go. */
static int piece_level(const struct space *from, const struct space *to, vaddr_t src, vaddr_t dst,
                       word_t left)
{
    unsigned aligned = (src | dst) ? __builtin_ctzl(src | dst) : 63;
    for (int level = MIN((int)paging_max_level(), ((int)aligned - 12) / 9); level >= 0; level--) {
        word_t size = mdb_level_size(level);
        if (size > left || dst >= USER_MAP_END ||
            size > USER_MAP_END - dst || touches_area(to->kip_area, dst, size) ||
            touches_area(to->utcb_area, dst, size) ||
            (from->sigma0 && !bootmem_user_frame(src, mdb_level_shift(level))))
            continue;
        return level;
    }
    return -1;
}

/*
 * Long work (a map or unmap of many pages or ports) is a preemption point
 * every PAUSE_STEPS steps: the kernel runs with interrupts off, and no
 * system call may keep the machine from its ticks for long. Work in an
 * IPC (x) stops when the transfer ended meanwhile; an unbound transfer
 * (ipc.c) is not preempted but maps MAP_UNBOUND_PAGES at most. A step is
 * one mapping, or a bounded part of the work on one (the database stops
 * half-way through a large revocation: mdb.h).
 */
#define PAUSE_STEPS 64

struct work {
    struct xfer *x;             /* the transfer it belongs to; NULL: a system call's own */
    struct space *space;        /* a system call's: the space it works on, its
                                 * caller's (current's) when it began */
    bool preemptible;
    unsigned steps;
    struct mdb_cursor cursor;   /* where an unmap cut short goes on */
};

/* Every PAUSE_STEPS steps of preemptible work: the pause. True when the
 * work must stop. */
static __attribute__((noinline)) bool pause(struct work *w)
{
    if (!w->x) {
        /* The caller may have been moved to another space meanwhile
         * (ThreadControl), its old space gone with it, its memory even
         * another space's by now: the work ends. */
        mp_preemption_point();
        return current->space != w->space;
    }
    return xfer_preempted_out(w->x);
}

/* One more step: true when the work must stop. (Inline: a step is taken
 * per page and node; the pause is rare.) */
static inline bool step(struct work *w)
{
    if (!w->preemptible)
        return ++w->steps >= MAP_UNBOUND_PAGES;
    return ++w->steps % PAUSE_STEPS == 0 && pause(w);
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
        while (mdb_map(&from->io_mdb, IO_PORT_VA(p), &to->io_mdb, IO_PORT_VA(p), 0, 7, grant) ==
               MDB_AGAIN)
            if (step(w))
                return true;
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
        unsigned status = 0;
        vaddr_t va = IO_PORT_VA(p);
        while (mdb_unmap(&sp->io_mdb, va, va + PAGE_SIZE, 7, flush, &status, &w->cursor) == va)
            if (step(w))
                return;
        if (step(w))
            return;
    }
}

/* Unmap (or with `flush` also restrict) every page of the caller's part
 * of [base, base + size), mapping by mapping (sigma0's are the roots of
 * the physical memory it gave out); the access status of all of them,
 * or-ed. */
static unsigned unmap_range(struct work *w, struct space *sp, word_t base, word_t size,
                            unsigned rwx, bool flush)
{
    unsigned status = 0;
    word_t end = size > USER_END - MIN(base, USER_END) ? USER_END : base + size;
    for (vaddr_t va = base; (va = mdb_next(&sp->mdb, va, end)) < end;) {
        va = mdb_unmap(&sp->mdb, va, end, rwx, flush, &status, &w->cursor);
        if (step(w))
            break;
    }
    return status;
}

void sys_unmap(struct tcb *self, word_t control)
{
    unsigned k = UNMAP_K(control);
    bool flush = control & UNMAP_FLUSH;
    struct work w = { .preemptible = true, .space = self->space };
    for (unsigned i = 0; i <= k; i++) {
        word_t fp = self->utcb[i];
        /* Moved to another space meanwhile (`pause`), the caller's request
         * ends there: its other fpages report no access. */
        bool moved = self->space != w.space;
        if (fpage_is_io(fp)) {
            if (!moved)
                unmap_ports(&w, w.space, fp, flush);
            continue;
        }
        /* s < 12 is rounded up to the page around the base (spec 2.3) */
        unsigned s = fpage_log2(fp);
        if (s == 0)
            continue;
        word_t base = s < 12 ? ALIGN_DOWN(fp, PAGE_SIZE) : fpage_base(fp);
        word_t size = s < 12 ? PAGE_SIZE : fpage_size(fp);
        unsigned status = moved ? 0 : unmap_range(&w, w.space, base, size, fp & FPAGE_RWX, flush);
        self->utcb[i] = (fp & ~FPAGE_RWX) | status;
    }
}

bool map_item_short(struct tcb *s, struct tcb *r, const word_t *item)
{
    word_t w0 = item[0], fp = item[1];
    struct space *from = s->space, *to = r->space;
    /* (log2 12: neither nil, nor the complete space, nor an I/O fpage) */
    if (ITEM_TYPE(w0) != ITEM_MAP || FPAGE_LOG2(fp) != 12 || from->sigma0 ||
        ACCEPT_WINDOW(utcb_get(r, UTCB_BR(0))) != FPAGE_COMPLETE)
        return false;
    unsigned rwx = fp & FPAGE_RWX;
    vaddr_t src = fp & FPAGE_BASE_MASK & ~(PAGE_SIZE - 1);
    vaddr_t dst = ALIGN_DOWN(MAP_ITEM_SND_BASE(w0), PAGE_SIZE);     /* (window: everything) */
    if (!rwx || src >= USER_END || dst >= USER_MAP_END || to->sigma0 ||
        page_in_area(to->kip_area, dst) || page_in_area(to->utcb_area, dst))
        return true;                    /* nothing to map (piece_level's rules for a page) */
    return mdb_map(&from->mdb, src, &to->mdb, dst, 0, rwx, false) != MDB_AGAIN;
}

bool map_item_fresh(struct tcb *s, struct tcb *r, const word_t *item)
{
    /* Read once: the item may lie in the sender's UTCB, which its other
     * threads rewrite as they like, and the page looked at must be the
     * page mapped (an attacker's review: a second read made it map over
     * a page the space had, without the claims that needs, a panic;
     * mp.a_pagers_map_item_rewritten_while_the_kernel_maps_it_without_the_lock). */
    word_t once[2] = { __atomic_load_n(&item[0], __ATOMIC_RELAXED),
                       __atomic_load_n(&item[1], __ATOMIC_RELAXED) };
    vaddr_t dst = ALIGN_DOWN(MAP_ITEM_SND_BASE(once[0]), PAGE_SIZE);
    return dst < USER_MAP_END && !mdb_lookup(&r->space->mdb, dst) && map_item_short(s, r, once);
}

static unsigned map_item(struct work *w, const word_t *item, unsigned *i, unsigned last)
{
    struct xfer *x = w->x;
    bool preemptible = w->preemptible;
    struct tcb *s = x->s, *r = x->r;
    if (*i + 1 > last)
        return IPC_OVERFLOW;            /* its second word is not in the message */
    word_t w0 = item[0], fp = item[1];
    unsigned type = ITEM_TYPE(w0);
    if (type != ITEM_MAP && type != ITEM_GRANT)
        return IPC_OVERFLOW;            /* string items: not yet */
    *i += 2;
    word_t window = ACCEPT_WINDOW(utcb_get(r, UTCB_BR(0)));
    if (!window)
        return IPC_OVERFLOW;
    if (fpage_is_io(fp))
        return map_ports(w, s->space, r->space, fp, type == ITEM_GRANT) && preemptible
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
    word_t end = size > limit - MIN(sbase, limit) ? limit : sbase + size;
    for (vaddr_t src = sbase; src < end;) {
        if (!s->space->sigma0 && (src = mdb_next(&s->space->mdb, src, end)) >= end)
            break;                      /* only what the sender has */
        vaddr_t dst = rbase + (src - sbase);
        if (dst >= USER_MAP_END)
            break;                      /* (and all after it) */
        int level = piece_level(s->space, r->space, src, dst, end - src);
        if (type == ITEM_GRANT && level >= 0 && preemptible && rwx != 7 && !s->space->sigma0 &&
            !r->space->sigma0) {
            /* A grant with fewer rights takes them from what derives from
             * the piece too (mdb.c, move): first here, in bounded steps,
             * so that the grant itself only passes over those mappings. */
            struct space *from = s->space;
            unmap_range(w, from, src, mdb_level_size((unsigned)level), 7 & ~rwx, false);
            if (x->aborted || x->partner_gone)
                return IPC_ABORTED;
            if (s->space != from)
                break;
        }
        word_t done = level < 0 || r->space->sigma0 ? PAGE_SIZE
                      : mdb_map(&s->space->mdb, src, &r->space->mdb, dst, (unsigned)level, rwx,
                                type == ITEM_GRANT);
        /* Out of kernel memory: the rest is not mapped (its faults ask
         * again), and no more time goes into failing page by page. */
        if (!done)
            break;
        if (done != MDB_AGAIN)
            src += done;
        if (step(w))
            return preemptible ? IPC_ABORTED : 0;
    }
    /* A grant of more than the window takes the whole fpage away. */
    if (type == ITEM_GRANT && sl > rl && !s->space->sigma0) {
        unmap_range(w, s->space, fpage_base(fp), fpage_size(fp), 7, true);
        if (preemptible && (x->aborted || x->partner_gone))
            return IPC_ABORTED;
    }
    return 0;
}

/* The steps count for the whole message, not item by item: a message of
 * 31 items of 63 pages each went 1953 steps without a pause (an
 * attacker's review), and an unbound transfer's MAP_UNBOUND_PAGES is for
 * all its items. */
unsigned map_item_transfer(struct xfer *x, bool preemptible, const word_t *item, unsigned *i,
                           unsigned last)
{
    struct work w = { .x = x, .preemptible = preemptible, .steps = x->map_steps };
    unsigned err = map_item(&w, item, i, last);
    x->map_steps = w.steps;
    return err;
}
