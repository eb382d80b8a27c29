/* The mapping database: trees of derived mappings as preorder lists with
 * depths, nodes found through each space's node table (mdb.h). Every walk
 * is iterative, so the depth of a derivation chain never grows the
 * kernel stack. */
#include "mdb.h"
#include "print.h"

#define FANOUT 512
#define TABLE MDB_TABLE
#define COUNT_ONE (1UL << MDB_COUNT_SHIFT)

typedef uintptr_t entry_t;

static inline unsigned idx(vaddr_t va, unsigned level)
{
    return (va >> mdb_level_shift(level)) & (FANOUT - 1);
}

static inline entry_t *table(entry_t e)
{
    return (entry_t *)(e & MDB_TABLE_ADDR);
}

/* ---- node fields ---------------------------------------------------------- */

static inline struct mdb_space *space_of(const struct mnode *n) { return mdb_node_space(n); }
static inline unsigned depth_of(const struct mnode *n) { return mdb_node_depth(n); }
static inline unsigned rights_of(const struct mnode *n) { return mdb_node_rights(n); }
static inline vaddr_t va_of(const struct mnode *n) { return mdb_node_va(n); }
static inline paddr_t pa_of(const struct mnode *n) { return mdb_node_pa(n); }
static inline unsigned level_of(const struct mnode *n) { return mdb_node_level(n); }
static inline word_t size_of(const struct mnode *n) { return mdb_level_size(level_of(n)); }

#define SPACE_BITS (((1UL << 48) - 1) & ~7UL)

static uintptr_t owner(const struct mdb_space *s, unsigned depth, unsigned rights)
{
    return (uintptr_t)depth << 48 | ((uintptr_t)s & SPACE_BITS) | rights;
}

/* (va lies below 2^47, the user area; pa below 2^39, the end of the
 * direct map, which sigma0_root checks.) */
static uint64_t where(vaddr_t va, paddr_t pa, unsigned level)
{
    return va >> 12 << 29 | pa >> 12 << 2 | level;
}

static void set_rights(struct mnode *n, unsigned rights)
{
    n->owner = (n->owner & ~7UL) | rights;
}

static void set_depth(struct mnode *n, unsigned depth)
{
    n->owner = (n->owner & ((1UL << 48) - 1)) | (uintptr_t)depth << 48;
}

/* ---- node tables ---------------------------------------------------------- */

/* The entry of level k - 1 for va in the table that the entry e (of
 * level k) leads to. */
static inline entry_t *below(entry_t e, vaddr_t va, unsigned k)
{
    return &table(e)[idx(va, k - 1)];
}

static inline unsigned count(entry_t e)
{
    return (e & MDB_COUNT_MASK) >> MDB_COUNT_SHIFT;
}

/* Is nothing behind entry e: empty, or a table with no entries? */
static inline bool vacant(entry_t e)
{
    return !e || (e & (MDB_COUNT_MASK | TABLE)) == TABLE;
}

/* Put `value`, a node of `level`, into the entry for va that is e (of
 * level k, empty; `above` the entry before it on the way) or below it,
 * making the tables on the way (charged to s). False when memory ran out. */
static bool fill(struct mdb_space *s, entry_t *e, entry_t *above, unsigned k, vaddr_t va,
                 unsigned level, entry_t value)
{
    for (; k > level; k--) {
        if (!*e) {
            entry_t *t = mdb_table_alloc(s);
            if (!t)
                return false;           /* (a table made on the way stays, empty) */
            *e = (entry_t)t | TABLE;
            if (above)
                *above += COUNT_ONE;
        }
        above = e;
        e = below(*e, va, k);
    }
    ASSERT(!*e);
    *e = value;
    *above += COUNT_ONE;
    return true;
}

/* The same from the top. */
static bool place(struct mdb_space *s, vaddr_t va, unsigned level, entry_t value)
{
    return fill(s, &s->top, NULL, 4, va, level, value);
}

/* Take node n out of its space's node table. Tables left empty stay until
 * a larger node needs their place or the space goes: mapping and
 * unmapping a page again and again should not make and free them. */
static void drop_entry(const struct mnode *n)
{
    vaddr_t va = va_of(n);
    unsigned level = level_of(n);
    entry_t *e = &space_of(n)->top, *above = NULL;
#pragma GCC unroll 4
    for (unsigned k = 4; k > 0; k--)
        if (k > level) {
            above = e;
            e = below(*e, va, k);
        }
    ASSERT(*e == (entry_t)n);
    *e = 0;
    *above -= COUNT_ONE;
}

/* The entry that holds node n. */
static entry_t *entry_of(const struct mnode *n)
{
    vaddr_t va = va_of(n);
    unsigned level = level_of(n);
    entry_t *e = &space_of(n)->top;
#pragma GCC unroll 4
    for (unsigned k = 4; k > 0; k--)
        if (k > level)
            e = below(*e, va, k);
    ASSERT(*e == (entry_t)n);
    return e;
}

/* mdb_lookup, written out where time counts */
static inline struct mnode *lookup(const struct mdb_space *s, vaddr_t va)
{
    entry_t e = s->top;
#pragma GCC unroll 4
    for (int k = 4; k > 0; k--)
        if (e & TABLE)
            e = *below(e, va, (unsigned)k);
    return (struct mnode *)e;
}

__attribute__((noinline)) struct mnode *mdb_lookup(const struct mdb_space *s, vaddr_t va)
{
    return lookup(s, va);
}

/* The first entry of table t from i on that is not 0 (FANOUT: none);
 * eight at a time where it can. */
static unsigned next_set(const entry_t *t, unsigned i)
{
    for (; i < FANOUT; i++) {
        while (!(i & 7) && !(t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] |
                             t[i + 6] | t[i + 7]))
            if ((i += 8) == FANOUT)
                return FANOUT;
        if (t[i])
            return i;
    }
    return FANOUT;
}

vaddr_t mdb_next(const struct mdb_space *s, vaddr_t va, vaddr_t end)
{
    if (va >= end || lookup(s, va))
        return MIN(va, end);            /* (the usual case) */
    /* down to the empty entry for va, then on through the tables */
    const entry_t *t[4];
    entry_t e = s->top;
    unsigned k = 4;
    while (e & TABLE) {
        t[--k] = table(e);
        e = t[k][idx(va, k)];
    }
    if (k == 4)
        return end;                     /* no table at all */
    vaddr_t base = ALIGN_DOWN(va, mdb_level_size(k + 1));      /* t[k]'s first address */
    for (unsigned i = idx(va, k) + 1;;) {
        while ((i = next_set(t[k], i)) < FANOUT && vacant(t[k][i]))
            i++;
        if (i == FANOUT) {              /* this table is done: on in the one above */
            if (k == 3)
                return end;
            i = idx(base, ++k) + 1;
            base = ALIGN_DOWN(base, mdb_level_size(k + 1));
            continue;
        }
        va = base + (vaddr_t)i * mdb_level_size(k);
        if (va >= end)
            return end;
        if (!(t[k][i] & TABLE))
            return va;                  /* a node */
        t[k - 1] = table(t[k][i]);
        k--;
        base = va;
        i = 0;
    }
}

/* If nothing is mapped through the table behind entry e, free it (and
 * the tables below) and empty e: true then. */
static __attribute__((cold)) bool prune(struct mdb_space *s, entry_t *e)
{
    entry_t *t = table(*e);
    for (unsigned i = 0; i < FANOUT && count(*e); i++)
        if (t[i]) {
            if (!(t[i] & TABLE) || !prune(s, &t[i]))
                return false;
            *e -= COUNT_ONE;
        }
    mdb_table_free(s, t);
    *e = 0;
    return true;
}

/* Where a node of s goes: an empty entry, of level k, and the entry
 * before it on the way (at(), fill()). */
struct slot {
    entry_t *e, *above;
    unsigned k;
};

/* What s has at [va, va + size of *level): the node that maps va if it is
 * at least that large. Else NULL; where smaller nodes lie in the way,
 * *level comes down to where there are none (empty tables in the way
 * go), and *where is the empty entry the walk ended at. */
static inline __attribute__((always_inline)) struct mnode *at(struct mdb_space *s, vaddr_t va,
                                                             unsigned *level, struct slot *where)
{
    entry_t *e = &s->top, *above = NULL;
    unsigned k, want = *level;
#pragma GCC unroll 4
    for (k = 4; k > 0; k--) {
        if (!(*e & TABLE))
            break;
        if (unlikely(k == want)) {
            if (prune(s, e)) {
                *above -= COUNT_ONE;
                break;
            }
            want--;
        }
        above = e;
        e = below(*e, va, k);
    }
    *level = want;
    *where = (struct slot){ e, above, k };
    return (struct mnode *)*e;
}

/* ---- the trees ------------------------------------------------------------- */

/* The last node of n's subtree (n itself if it has no children). */
static struct mnode *subtree_last(struct mnode *n)
{
    unsigned d = depth_of(n);
    while (n->next && depth_of(n->next) > d)
        n = n->next;
    return n;
}

struct mnode *mdb_parent(const struct mnode *n)
{
    struct mnode *p = n->prev;
    while (p && depth_of(p) >= depth_of(n))
        p = p->prev;
    return p;
}

static bool is_ancestor(const struct mnode *a, const struct mnode *n)
{
    if (depth_of(a) >= depth_of(n))
        return false;
    const struct mnode *p = n->prev;
    while (p && depth_of(p) > depth_of(a))
        p = p->prev;
    return p == a;
}

/* Put the list first..last right after pos. */
static void link_after(struct mnode *pos, struct mnode *first, struct mnode *last)
{
    last->next = pos->next;
    if (last->next)
        last->next->prev = last;
    pos->next = first;
    first->prev = pos;
}

/* Take first..last out of their list. */
static void unlink(struct mnode *first, struct mnode *last)
{
    if (first->prev)
        first->prev->next = last->next;
    if (last->next)
        last->next->prev = first->prev;
    first->prev = last->next = NULL;
}

/* Append first..last to the ring whose first node is head (split()). */
static void ring_append(struct mnode *head, struct mnode *first, struct mnode *last)
{
    struct mnode *tail = head->prev;
    tail->next = first;
    first->prev = tail;
    last->next = head;
    head->prev = last;
}

/* ---- removal and revocation -------------------------------------------- */

static unsigned hw_unmap(const struct mnode *n)
{
    struct mdb_space *s = space_of(n);
    return s->sigma0 ? 0 : mdb_hw_unmap(s, va_of(n), level_of(n));
}

static unsigned hw_protect(const struct mnode *n, unsigned rights)
{
    struct mdb_space *s = space_of(n);
    return s->sigma0 ? 0 : mdb_hw_protect(s, va_of(n), level_of(n), rights);
}

/* Remove n, which has no children: its mapping, its entry, the node. */
static unsigned delete_leaf(struct mnode *n)
{
    unsigned status = hw_unmap(n);
    drop_entry(n);
    unlink(n, n);
    mdb_node_free(n);
    return status;
}

/* Node operations (deletions, rights changes, splits) one call of
 * mdb_map or mdb_unmap makes at most: then it stops, with the trees
 * whole, for its caller to pass a preemption point and call again. */
#define BUDGET 64
#define UNLIMITED (~0u)

/* Bumped by every call that may change the database: a walk cut short
 * may go on where it stopped only if nothing changed meanwhile. */
static unsigned long generation;

/* Delete top and its subtree, leaves first: the first leaf below, then
 * its parent's next child or the parent itself, and so on up; the trees
 * are whole after each step. True when top is gone; false when the
 * budget ran out before. */
static bool delete_subtree(struct mnode *top, unsigned *budget, unsigned *status)
{
    for (struct mnode *n = top;; (*budget)--) {
        if (!*budget)
            return false;
        while (n->next && depth_of(n->next) > depth_of(n))
            n = n->next;                /* (a first child: n->prev is its parent) */
        struct mnode *parent = n->prev;
        bool last = n == top;
        *status |= delete_leaf(n);
        if (last)
            return true;
        n = parent;
    }
}

static bool split(struct mnode *x);
static entry_t *make_pieces(struct mnode *n);

/* A split makes the pieces of every node of its size below it at once
 * (512 nodes, a node table and a page table each), so it is refused when
 * more than SPLIT_SAME such nodes lie below: the callers remove the node
 * whole then, in bounded steps (never less revoked than asked). Else a
 * space could map one large page of its own on to thousands of addresses
 * and have all of them split in one step, with interrupts off. */
#define SPLIT_SAME 8

/* Take `rights` from the nodes of top's subtree (top too, if n is top)
 * from n on that map frames in [lo, hi): nodes that reach beyond the part
 * are split first, nodes left without rights go with their subtrees (a
 * child never has rights its parent lacks). With `redo` (a walk cut short
 * before, and the database changed since) nodes with none of the rights
 * are passed over. Returns NULL when done, else the node to go on with
 * after the budget ran out. (Two copies, by `redo`: revoke and the rare
 * revoke_again, so that the usual walk pays nothing for the other's test.) */
static inline __attribute__((always_inline)) struct mnode *
revoke_walk(struct mnode *top, struct mnode *n, paddr_t lo, paddr_t hi, unsigned rights,
            bool redo, unsigned *budget, unsigned *status)
{
    unsigned d = depth_of(top);
    while (n && (n == top || depth_of(n) > d)) {
        if (!*budget)
            return n;
        paddr_t nlo = pa_of(n), nhi = nlo + size_of(n);
        if (nhi <= lo || nlo >= hi) {
            n = subtree_last(n)->next;          /* none of the part below */
            continue;
        }
        if (redo && !(rights_of(n) & rights)) {
            /* Walked again from the top after a change (mdb_unmap), or
             * after map.c took the rights first (move): a node done before,
             * or that had none of the rights, is passed over, uncharged
             * like a subtree outside the part. Were it done again, a walk
             * over more nodes than one window of work between preemption
             * points would start again for as long as other processors
             * keep changing the database. (Not its subtree: the walk did
             * its children after it.) */
            n = n->next;
            continue;
        }
        struct mnode *p = n->prev;
        if (nlo < lo || nhi > hi) {             /* larger: split, look again */
            (*budget)--;
            if (!split(n)) {
                if (!delete_subtree(n, budget, status))
                    return n;
                n = p->next;                    /* (never less revoked than asked) */
            }
            continue;
        }
        unsigned left = rights_of(n) & ~rights;
        if (left == 0) {
            bool was_top = n == top;
            if (!delete_subtree(n, budget, status))
                return n;
            if (was_top)
                return NULL;
            n = p->next;
            continue;
        }
        set_rights(n, left);
        *status |= hw_protect(n, left);
        (*budget)--;
        n = n->next;
    }
    return NULL;
}

static struct mnode *revoke(struct mnode *top, struct mnode *n, paddr_t lo, paddr_t hi,
                            unsigned rights, unsigned *budget, unsigned *status)
{
    return revoke_walk(top, n, lo, hi, rights, false, budget, status);
}

static COLD struct mnode *revoke_again(struct mnode *top, struct mnode *n, paddr_t lo,
                                       paddr_t hi, unsigned rights, unsigned *budget,
                                       unsigned *status)
{
    return revoke_walk(top, n, lo, hi, rights, true, budget, status);
}

/*
 * Replace x (level 1 or 2) by the 512 nodes of the next level down that
 * map the same frames with the same rights, in the same space at the same
 * depth; and so every node of its size below it (it maps the same frames
 * too). Smaller nodes below go, with their subtrees, below the piece
 * whose frames they map. A node below that cannot be split for want of
 * memory goes with its subtree (never less revoked than asked); false,
 * with nothing changed, when x itself cannot, or when more than
 * SPLIT_SAME nodes of its size lie below it.
 *
 * The list becomes: x's piece 0 with what stays below it (in place), then
 * for i = 1..511 (in lists of their own if x is a root) the ring of piece
 * i: x's piece i, then, in their old order, the pieces i of the large
 * nodes and the small subtrees of piece i. Each ring is a preorder list:
 * leaving subtrees out of a preorder list leaves one.
 */
static bool split(struct mnode *x)
{
    unsigned level = level_of(x), d = depth_of(x), same = 0;
    for (struct mnode *n = x->next; n && depth_of(n) > d; n = n->next)
        if (level_of(n) == level && ++same > SPLIT_SAME)
            return false;
    paddr_t base = pa_of(x);
    entry_t *xt = make_pieces(x);
    if (!xt)
        return false;
    struct mnode *last0 = x, *n = x->next;
    while (n && depth_of(n) > d) {
        if (level_of(n) == level) {
            entry_t *nt = make_pieces(n);
            if (!nt) {
                struct mnode *p = n->prev;
                unsigned budget = UNLIMITED, status = 0;
                delete_subtree(n, &budget, &status);
                n = p->next;
                continue;
            }
            for (unsigned i = 1; i < FANOUT; i++)
                ring_append((struct mnode *)xt[i], (struct mnode *)nt[i], (struct mnode *)nt[i]);
            last0 = n;
            n = n->next;
        } else {
            struct mnode *last = subtree_last(n), *after = last->next;
            unsigned i = (pa_of(n) - base) >> mdb_level_shift(level - 1);
            if (i) {
                unlink(n, last);
                ring_append((struct mnode *)xt[i], n, last);
            } else {
                last0 = last;
            }
            n = after;
        }
    }
    for (unsigned i = 1; i < FANOUT; i++) {
        struct mnode *head = (struct mnode *)xt[i], *tail = head->prev;
        last0->next = d ? head : NULL;          /* (a root's pieces are trees of their own) */
        head->prev = d ? last0 : NULL;
        last0 = tail;
    }
    last0->next = n;
    if (n)
        n->prev = last0;
    return true;
}

/* n's 512 pieces: a new table in its space with them in its entries,
 * piece 0 being n itself; the others, new nodes, each a ring of its own.
 * Charged to the space within its limit, like its other mappings (were
 * splits charged past it, a space could map one large page of its own
 * on to many addresses, a node each, and have every one split: some 24
 * KB each). NULL, with nothing changed, when the space's limit or kernel
 * memory ran out: the caller removes the node whole instead. */
static COLD entry_t *make_pieces(struct mnode *n)
{
    struct mdb_space *s = space_of(n);
    unsigned level = level_of(n) - 1;
    vaddr_t va = va_of(n);
    paddr_t pa = pa_of(n);
    entry_t *e = entry_of(n);
    entry_t *t = mdb_table_alloc(s);
    if (!t)
        return NULL;
    unsigned i;
    for (i = 1; i < FANOUT; i++) {
        struct mnode *p = mdb_node_alloc(s);
        if (!p)
            break;
        word_t off = (word_t)i << mdb_level_shift(level);
        *p = (struct mnode){ .next = p, .prev = p, .owner = n->owner,
                             .where = where(va + off, pa + off, level) };
        t[i] = (entry_t)p;
    }
    if (i < FANOUT || (!s->sigma0 && !mdb_hw_split(s, va, level + 1))) {
        while (--i > 0)
            mdb_node_free((struct mnode *)t[i]);
        mdb_table_free(s, t);
        return NULL;
    }
    n->where = where(va, pa, level);
    t[0] = (entry_t)n;
    *e = (entry_t)t | (entry_t)FANOUT << MDB_COUNT_SHIFT | TABLE;
    return t;
}

/* Part [va, upto) of the unmapper's own mapping n is revoked: n is split
 * down to the part, and the piece at va is the one to go on with (the next
 * calls take the others). Where it cannot be split (memory, SPLIT_SAME), n
 * stays whole (and with flush goes whole). */
static __attribute__((noinline)) struct mnode *cut_down(struct mdb_space *s, vaddr_t va,
                                                       vaddr_t upto, struct mnode *n)
{
    while (size_of(n) > upto - va && split(n))
        n = mdb_lookup(s, va);
    return n;
}

vaddr_t mdb_unmap(struct mdb_space *s, vaddr_t va, vaddr_t end, unsigned rights, bool flush,
                  unsigned *status, struct mdb_cursor *c)
{
    struct mnode *n = lookup(s, va);
    bool resume = c->top && c->top == n && c->generation == generation;
    bool redo = c->top && c->top == n && !resume;
    generation++;
    c->top = NULL;
    if (!n)
        return va + mdb_level_size(0);
    vaddr_t upto = MIN(end, va_of(n) + size_of(n));
    bool whole = va == va_of(n) && upto == va_of(n) + size_of(n);
    /* Part of n: with flush, n itself loses it, so n is split down to the
     * part; so too when smaller mappings derive from it (its latest child
     * is smaller), so that each is found below the piece it maps from and
     * the revocation of a part looks at what derives from that part only. */
    struct mnode *child = n->next && depth_of(n->next) > depth_of(n) ? n->next : NULL;
    if (!whole && !resume && (flush || (child && level_of(child) < level_of(n)))) {
        n = cut_down(s, va, upto, n);
        upto = MIN(end, va_of(n) + size_of(n));
        whole = va == va_of(n) && upto == va_of(n) + size_of(n);
    }
    whole |= flush;                                 /* (all of n if it could not be split) */
    paddr_t lo = whole ? pa_of(n) : pa_of(n) + (va - va_of(n));
    paddr_t hi = whole ? pa_of(n) + size_of(n) : lo + (upto - va);
    if (!flush && !resume)
        *status |= hw_protect(n, rights_of(n));     /* its own status */
    unsigned budget = BUDGET;
    struct mnode *from = resume ? c->next : flush ? n : n->next;
    struct mnode *stop = redo ? revoke_again(n, from, lo, hi, rights, &budget, status)
                              : revoke(n, from, lo, hi, rights, &budget, status);
    if (!stop)
        return upto;
    *c = (struct mdb_cursor){ .top = n, .next = stop, .generation = generation };
    return va;
}

/* Delete the nodes behind entry e (a table) with their subtrees, table by
 * table, freeing each when done. (A subtree may take nodes of s in tables
 * not yet done along: it leaves their entries empty. None goes from one
 * done: it was deleted there, with its subtree.) */
static void clear_tables(struct mdb_space *s, entry_t *e)
{
    entry_t *t = table(*e);
    for (unsigned i = 0; (i = next_set(t, i)) < FANOUT; i++) {
        if (t[i] & TABLE) {
            clear_tables(s, &t[i]);
            *e -= COUNT_ONE;
        } else {
            unsigned budget = UNLIMITED, status = 0;
            delete_subtree((struct mnode *)t[i], &budget, &status);
        }
    }
    mdb_table_free(s, t);
    *e = 0;
}

void mdb_space_clear(struct mdb_space *s)
{
    generation++;
    if (s->top)
        clear_tables(s, &s->top);
}

/* ---- map and grant ------------------------------------------------------ */

/* Remove n, whose own mapping the hardware could not take, and what was
 * derived from it. */
static COLD void drop_unmapped(struct mnode *n)
{
    unsigned budget = UNLIMITED, status = 0;
    while (n->next && depth_of(n->next) > depth_of(n))
        delete_subtree(n->next, &budget, &status);
    drop_entry(n);
    unlink(n, n);
    mdb_node_free(n);
}

/* Remove n alone; its children move up to its parent. */
static void splice_out(struct mnode *n)
{
    for (struct mnode *c = n->next; c && depth_of(c) > depth_of(n); c = c->next)
        set_depth(c, depth_of(c) - 1);
    delete_leaf(n);
}

/* sigma0's node for the frames at pa: the root of their tree, made on
 * first use as large as *level allows (smaller where smaller roots are in
 * the way). NULL when memory ran out. */
static struct mnode *sigma0_root(struct mdb_space *s0, paddr_t pa, unsigned *level)
{
    struct slot slot;
    struct mnode *n = at(s0, pa, level, &slot);
    if (n)
        return n;
    pa = ALIGN_DOWN(pa, mdb_level_size(*level));
    ASSERT(pa < (1UL << 39));                       /* (all frames come from here) */
    n = mdb_node_alloc(s0);
    if (!n)
        return NULL;
    *n = (struct mnode){ .owner = owner(s0, 0, MDB_R | MDB_W | MDB_X),
                         .where = where(pa, pa, *level) };
    if (!fill(s0, slot.e, slot.above, slot.k, pa, *level, (entry_t)n)) {
        mdb_node_free(n);
        return NULL;
    }
    return n;
}

/* Make the receiver's node at va exactly `level` large, splitting a larger
 * one: the node then, NULL if it cannot be split (memory, SPLIT_SAME). */
static __attribute__((noinline)) struct mnode *cut_to(struct mdb_space *s, vaddr_t va,
                                                     struct mnode *n, unsigned level)
{
    while (n && level_of(n) > level)
        n = split(n) ? mdb_lookup(s, va) : NULL;
    return n;
}

/* The grant of the sender's mapping at from_va (cut down to `level`) to
 * to_va, where nothing is: the node moves with its subtree, rights shrink
 * on the way. False when memory ran out. */
static COLD __attribute__((noinline)) bool move(struct mdb_space *from, vaddr_t from_va,
                                           struct mdb_space *to, vaddr_t to_va, unsigned level,
                                           unsigned rights)
{
    struct mnode *src = cut_to(from, from_va, mdb_lookup(from, from_va), level);
    if (!src || !place(to, to_va, level, (entry_t)src))
        return false;
    paddr_t pa = pa_of(src) + (from_va - va_of(src));
    unsigned drop = rights_of(src) & ~rights;
    hw_unmap(src);
    drop_entry(src);
    src->owner = owner(to, depth_of(src), rights_of(src));
    src->where = where(to_va, pa, level);
    mdb_node_moved(src, from);
    /* The entry gets the fewer rights at once: with the node's until
     * revoke_again, the receiver's threads on processors not yet claimed
     * could use them meanwhile (an attacker's review: a page granted
     * read-only written by a racing thread). */
    if (!mdb_hw_map(to, to_va, pa, level, rights_of(src) & ~drop)) {
        drop_unmapped(src);                         /* no node without its mapping */
        return false;
    }
    unsigned budget = UNLIMITED, status = 0;
    if (drop)       /* (a preemptible grant's: taken before, in bounded steps, map.c) */
        revoke_again(src, src, pa, pa + mdb_level_size(level), drop, &budget, &status);
    return true;
}

word_t mdb_map(struct mdb_space *from, vaddr_t from_va, struct mdb_space *to, vaddr_t to_va,
               unsigned level, unsigned rights, bool grant)
{
    generation++;
    struct mnode *src = from->sigma0 ? sigma0_root(from, from_va, &level)
                                     : lookup(from, from_va);
    if (!src)
        return from->sigma0 ? 0 : mdb_level_size(0);       /* no page to send: nothing happens */
    level = MIN(level, level_of(src));
    paddr_t pa = pa_of(src) + (from_va - va_of(src));
    rights &= rights_of(src);
    if (!rights || (from == to && from_va == to_va))
        return mdb_level_size(level);
    if (from->sigma0)
        grant = false;                              /* sigma0 keeps what it owns */

    struct slot slot;
    struct mnode *old = at(to, to_va, &level, &slot);
    word_t size = mdb_level_size(level);
    if (old && level_of(old) > level) {
        /* a larger mapping there: nothing to do if it has this already,
         * else it is split to make room */
        if (pa_of(old) + (to_va - va_of(old)) == pa && !grant && !(rights & ~rights_of(old)))
            return size;
        old = cut_to(to, to_va, old, level);
        src = mdb_lookup(from, from_va);            /* (it may have been split too) */
        if (!old || !src)
            return 0;
    }
    if (old && pa_of(old) == pa && !grant) {
        /* The same frames already: they only gain rights, as far as their
         * own parent has them. */
        struct mnode *parent = mdb_parent(old);
        unsigned more = rights & ~rights_of(old) & (parent ? rights_of(parent) : 7);
        if (!more)
            return size;
        set_rights(old, rights_of(old) | more);
        return mdb_hw_map(to, to_va, pa, level, rights_of(old)) ? size : 0;
    }
    if (old && pa_of(old) == pa && is_ancestor(old, src)) {
        /* Granting pages back onto a mapping they derive from: the
         * sender's mapping goes, what was derived from it stays. */
        splice_out(src);
        return size;
    }
    unsigned budget = BUDGET, status = 0;
    if (old && !delete_subtree(old, &budget, &status))
        return MDB_AGAIN;                           /* (what was there is not gone yet) */

    if (grant)
        return move(from, from_va, to, to_va, level, rights) ? size : 0;
    if (depth_of(src) == MDB_MAX_DEPTH)
        return 0;
    struct mnode *n = mdb_node_alloc(to);
    if (!n)
        return 0;
    *n = (struct mnode){ .owner = owner(to, depth_of(src) + 1, rights),
                         .where = where(to_va, pa, level) };
    if (old)
        slot = (struct slot){ &to->top, NULL, 4 };  /* (where old was: the way may have changed) */
    if (slot.k == level) {                          /* (the usual case: the tables are there) */
        *slot.e = (entry_t)n;
        *slot.above += COUNT_ONE;
    } else if (!fill(to, slot.e, slot.above, slot.k, to_va, level, (entry_t)n)) {
        mdb_node_free(n);
        return 0;
    }
    link_after(src, n, n);
    if (!mdb_hw_map(to, to_va, pa, level, rights)) {
        drop_unmapped(n);                           /* out of memory for page tables: */
        return 0;                                   /* the next fault asks again */
    }
    return size;
}
