/* String items: parsing send strings and receive buffers into substring
 * lists, and the copy between them (xfer.h). Both sides are reached
 * through their page tables and the kernel's direct map of physical
 * memory, so the copy works from either partner's context. */
#include "xfer.h"
#include "arch/paging.h"
#include "ipc.h"
#include "kmem.h"
#include "space.h"
#include "timeout.h"
#include "utcb.h"

#define STR_MORE     (1UL << 0)     /* C: another string (buffer) follows */
#define STR_NOT      (1UL << 3)     /* set: not a string item */
#define STR_COMPOUND (1UL << 9)     /* c: continued by the next item */
#define BR_LIMIT     33             /* buffer registers BR1..BR32 */
#define MAX_SUBSTRINGS 64

struct substring {
    word_t addr, len;
};

typedef word_t (*word_at_t)(struct tcb *t, unsigned i);
static word_t mr_at(struct tcb *t, unsigned i) { return t->utcb[i]; }
static word_t br_at(struct tcb *t, unsigned i) { return utcb_get(t, UTCB_BR(i)); }

/* One string: the item at word *i and its compound continuations, all
 * before `end`. Advances *i past them; *more = the last item's C bit.
 * False if malformed or too long. */
static bool parse(struct tcb *t, word_at_t at, unsigned *i, unsigned end,
                  struct substring *sub, unsigned *n, bool *more)
{
    *n = 0;
    for (;;) {
        if (*i >= end)
            return false;
        word_t h = at(t, *i);
        unsigned j = (h >> 4) & 0x1F;
        if ((h & STR_NOT) || *i + 2 + j > end || *n + j + 1 > MAX_SUBSTRINGS)
            return false;
        for (unsigned k = 0; k <= j; k++)
            sub[(*n)++] = (struct substring){ at(t, *i + 1 + k), h >> 10 };
        *i += 2 + j;
        *more = h & STR_MORE;
        if (!(h & STR_COMPOUND))
            return true;
    }
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
    bool accepts = utcb_get(r, UTCB_BR(0)) & 1;
    *x = (struct xfer){ .s = s, .r = r, .next_buffer = accepts ? 1 : 0 };
}

unsigned xfer_string(struct xfer *x, unsigned *i, unsigned end)
{
    struct substring src[MAX_SUBSTRINGS], dst[MAX_SUBSTRINGS];
    unsigned ns, nd, b = x->next_buffer;
    bool more;
    if (!parse(x->s, mr_at, i, end, src, &ns, &more) || !b ||
        !parse(x->r, br_at, &b, BR_LIMIT, dst, &nd, &more))
        return IPC_OVERFLOW;
    x->next_buffer = more ? b : 0;

    unsigned si = 0, di = 0;
    word_t so = 0, dof = 0;             /* offsets within the current substrings */
    for (;;) {
        while (si < ns && so == src[si].len) {
            si++;
            so = 0;
        }
        if (si == ns)
            return 0;                   /* the rest of the buffer stays unused */
        while (di < nd && dof == dst[di].len) {
            di++;
            dof = 0;
        }
        if (di == nd)
            return IPC_OVERFLOW;        /* the string is longer than its buffer */
        word_t sa = src[si].addr + so, da = dst[di].addr + dof;
        word_t n = MIN(src[si].len - so, dst[di].len - dof);
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
        so += n;
        dof += n;
        x->offset += n;
    }
}
