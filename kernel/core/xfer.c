/* String items: the copy from the sender's strings into the receiver's
 * buffers (xfer.h). Both sides are reached through their page tables and
 * the kernel's direct map of physical memory, so the copy works from
 * either partner's context.
 *
 * The receiver's buffer items (BR1.., linked by C or c) are one sequence
 * of substrings. Each send string (an item and its compound
 * continuations) starts at a fresh buffer item and fills substrings in
 * order, going on into the following items while the string lasts; when
 * it ends, the rest of the item it ended in stays unused. The message is
 * cut (overflow) only when the buffers run out. */
#include "arch/mp.h"
#include "xfer.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include "ipc.h"
#include "kmem.h"
#include "space.h"
#include "timeout.h"
#include "utcb.h"

#define BR_END       NUM_BRS        /* buffer registers BR1..BR32 */
#define MAX_SUBSTRINGS 32

/* Chunks (of at most a page) copied between preemption points. */
#define CHUNKS_PER_WINDOW 16

/* One string item being copied from or into, and how far. */
struct run {
    word_t addr[MAX_SUBSTRINGS];
    word_t len;                 /* of each substring */
    word_t hdr;                 /* the item's first word */
    unsigned n, k;              /* substrings; the current one */
    word_t off;                 /* bytes done in it */
    unsigned next;              /* index of the word after the item */
};

/* The item at word i of w (MRs: step 1; BRs: step -1, BR i at w[-i]),
 * read once: a user thread may change the words meanwhile. False if it
 * is no string item or does not end before `end` (or i is 0: MR0 is the
 * tag, BR0 the acceptor, and next_buffer 0 means no buffer). */
static bool load(const word_t *w, long step, unsigned i, unsigned end, struct run *r)
{
    if (i == 0 || i >= end)
        return false;
    word_t h = w[step * i];
    unsigned j = STRING_J(h);
    if ((h & ITEM_NOT_STRING) || i + 2 + j > end)
        return false;
    *r = (struct run){ .len = STRING_LENGTH(h), .hdr = h, .n = j + 1, .next = i + 2 + j };
    for (unsigned k = 0; k <= j; k++)
        r->addr[k] = w[step * (i + 1 + k)];
    return true;
}

/* Skip finished substrings; true if the item has bytes left. */
static bool bytes_left(struct run *r)
{
    while (r->k < r->n && r->off == r->len) {
        r->k++;
        r->off = 0;
    }
    return r->k < r->n;
}

/* Kernel pointer to user address va of t, if mapped for the access. */
static uint8_t *reach(struct tcb *t, word_t va, bool write)
{
    paddr_t pa;
    uint64_t pte;
    if (!paging_lookup(t->space->pml4, va, &pa, &pte) || !(pte & PTE_U) ||
        (write && !(pte & PTE_W)))
        return NULL;
    return user_frame_to_virt(pa);
}

void xfer_begin(struct xfer *x, struct tcb *s, struct tcb *r)
{
    bool accepts = utcb_get(r, UTCB_BR(0)) & ACCEPT_STRINGS;
    *x = (struct xfer){ .s = s, .r = r, .next_buffer = accepts ? 1 : 0 };
}

void xfer_claim_partners(const struct xfer *x)
{
    mp_claim(x->s->cpu);
    mp_claim(x->r->cpu);
}

bool xfer_preempted_out(struct xfer *x)
{
    mp_preemption_point();
    xfer_claim_partners(x);
    return x->aborted || x->partner_gone;
}

unsigned xfer_string(struct xfer *x, unsigned *i, unsigned end)
{
    const word_t *mrs = x->s->utcb, *brs = &x->r->utcb[UTCB_BR(0)];
    struct run src, dst;
    if (!load(mrs, 1, *i, end, &src) || !load(brs, -1, x->next_buffer, BR_END, &dst))
        return IPC_OVERFLOW;            /* (no buffer left: even an empty string is cut) */
    for (unsigned chunks = 0;;) {
        if (!bytes_left(&src)) {
            if (!(src.hdr & STRING_COMPOUND))
                break;                  /* the send string is placed */
            if (!load(mrs, 1, src.next, end, &src))
                return IPC_OVERFLOW;
            continue;
        }
        if (!bytes_left(&dst)) {
            /* this buffer item is full: on into the next one, if linked */
            if (!(dst.hdr & (ITEM_MORE | STRING_COMPOUND)) ||
                !load(brs, -1, dst.next, BR_END, &dst))
                return IPC_OVERFLOW;
            continue;
        }
        word_t sa = src.addr[src.k] + src.off, da = dst.addr[dst.k] + dst.off;
        word_t n = MIN(src.len - src.off, dst.len - dst.off);
        n = MIN(n, PAGE_SIZE - (sa & (PAGE_SIZE - 1)));
        n = MIN(n, PAGE_SIZE - (da & (PAGE_SIZE - 1)));
        uint8_t *from = reach(x->s, sa, false), *to = from ? reach(x->r, da, true) : NULL;
        if (!to) {
            unsigned err = from ? ipc_xfer_fault(x, x->r, da, true)
                                : ipc_xfer_fault(x, x->s, sa, false);
            if (err)
                return err;
            continue;                   /* look both pages up again */
        }
        copy_bytes(to, from, n);
        src.off += n;
        dst.off += n;
        x->offset += n;
        if (++chunks % CHUNKS_PER_WINDOW == 0 && xfer_preempted_out(x))
            return IPC_ABORTED;
    }
    *i = src.next;
    /* The next send string starts at the buffer item after this one. */
    x->next_buffer = dst.hdr & (ITEM_MORE | STRING_COMPOUND) ? dst.next : 0;
    return 0;
}
