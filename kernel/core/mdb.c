/* The mapping database: trees of derived mappings per frame (mdb.h).
 * Nodes are found by (space, page) through a chained hash table; trees
 * are walked iteratively through parent links, so the depth of a
 * derivation chain never grows the kernel stack. */
#include "mdb.h"

#define HASH_BITS 14
static struct mnode *buckets[1 << HASH_BITS];

static struct mnode **bucket(const struct mdb_space *s, vaddr_t va)
{
    uint64_t k = (uint64_t)(uintptr_t)s ^ (va >> 12) * 0x9E3779B97F4A7C15UL;
    return &buckets[(k ^ k >> 29) & ((1 << HASH_BITS) - 1)];
}

struct mnode *mdb_lookup(const struct mdb_space *s, vaddr_t va)
{
    va = ALIGN_DOWN(va, 4096);
    for (struct mnode *n = *bucket(s, va); n; n = n->hash_next)
        if (n->space == s && n->va == va)
            return n;
    return NULL;
}

/* ---- linking ------------------------------------------------------------ */

static void index_add(struct mnode *n)
{
    struct mnode **b = bucket(n->space, n->va);
    n->hash_next = *b;
    *b = n;
    struct mdb_space *s = n->space;
    n->sp_prev = NULL;
    n->sp_next = s->nodes;
    if (s->nodes)
        s->nodes->sp_prev = n;
    s->nodes = n;
    s->count++;
}

static void index_remove(struct mnode *n)
{
    struct mnode **p = bucket(n->space, n->va);
    while (*p != n)
        p = &(*p)->hash_next;
    *p = n->hash_next;
    struct mdb_space *s = n->space;
    if (n->sp_prev)
        n->sp_prev->sp_next = n->sp_next;
    else
        s->nodes = n->sp_next;
    if (n->sp_next)
        n->sp_next->sp_prev = n->sp_prev;
    s->count--;
}

static void tree_add(struct mnode *parent, struct mnode *n)
{
    n->parent = parent;
    n->child = NULL;
    n->prev = NULL;
    n->next = parent ? parent->child : NULL;
    if (n->next)
        n->next->prev = n;
    if (parent)
        parent->child = n;
}

static void tree_remove(struct mnode *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else if (n->parent)
        n->parent->child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->parent = n->prev = n->next = NULL;
}

/* ---- removal and revocation -------------------------------------------- */

static unsigned hw_unmap(struct mnode *n)
{
    return n->space->sigma0 ? 0 : mdb_hw_unmap(n->space, n->va);
}

/* Delete n and its whole subtree, leaves first. */
static unsigned delete_subtree(struct mnode *n)
{
    unsigned status = 0;
    tree_remove(n);
    struct mnode *cur = n;
    for (;;) {
        while (cur->child)
            cur = cur->child;
        struct mnode *up = cur->parent;
        if (cur != n)
            tree_remove(cur);
        status |= hw_unmap(cur);
        index_remove(cur);
        mdb_node_free(cur);
        if (cur == n)
            return status;
        cur = up;
    }
}

/* The next node after n in a pre-order walk of top's subtree, skipping
 * n's children unless `descend`. */
static struct mnode *walk_next(struct mnode *n, const struct mnode *top, bool descend)
{
    if (descend && n->child)
        return n->child;
    while (n != top) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

/* Take `rights` away from `top` (if `self`) and from all below it. A
 * child never has rights its parent lacks, so a node left with none takes
 * its subtree with it. */
static unsigned revoke(struct mnode *top, unsigned rights, bool self)
{
    unsigned status = 0;
    struct mnode *n = self ? top : top->child;
    while (n) {
        unsigned left = n->rights & ~rights;
        struct mnode *next;
        if (left == 0) {
            next = n == top ? NULL : walk_next(n, top, false);
            status |= delete_subtree(n);
        } else {
            n->rights = left;
            if (!n->space->sigma0)
                status |= mdb_hw_protect(n->space, n->va, left);
            next = walk_next(n, top, true);
        }
        n = next;
    }
    return status;
}

unsigned mdb_unmap(struct mdb_space *s, vaddr_t va, unsigned rights, bool flush)
{
    struct mnode *n = mdb_lookup(s, va);
    if (!n)
        return 0;
    if (flush)
        return revoke(n, rights, true);
    unsigned status = n->space->sigma0 ? 0 : mdb_hw_protect(s, n->va, n->rights);
    return status | revoke(n, rights, false);
}

void mdb_space_clear(struct mdb_space *s)
{
    while (s->nodes)
        delete_subtree(s->nodes);
}

/* ---- map and grant ------------------------------------------------------ */

static struct mnode *new_node(struct mdb_space *s, vaddr_t va, paddr_t pa, unsigned rights,
                              struct mnode *parent)
{
    struct mnode *n = mdb_node_alloc(s);
    if (!n)
        return NULL;
    *n = (struct mnode){ .space = s, .va = va, .pa = pa, .rights = rights };
    tree_add(parent, n);
    index_add(n);
    return n;
}

static bool is_ancestor(const struct mnode *a, const struct mnode *n)
{
    for (n = n->parent; n; n = n->parent)
        if (n == a)
            return true;
    return false;
}

/* Remove n alone; its children move up to its parent. */
static void splice_out(struct mnode *n)
{
    while (n->child) {
        struct mnode *c = n->child;
        tree_remove(c);
        tree_add(n->parent, c);
    }
    tree_remove(n);
    hw_unmap(n);
    index_remove(n);
    mdb_node_free(n);
}

/* Remove n, whose own mapping the hardware could not take, and what was
 * derived from it. */
static void drop_unmapped(struct mnode *n)
{
    while (n->child)
        delete_subtree(n->child);
    tree_remove(n);
    index_remove(n);
    mdb_node_free(n);
}

/* sigma0's node for frame pa: the root of its tree, made on first use. */
static struct mnode *sigma0_root(struct mdb_space *s0, paddr_t pa)
{
    struct mnode *n = mdb_lookup(s0, pa);
    return n ? n : new_node(s0, pa, pa, MDB_R | MDB_W | MDB_X, NULL);
}

bool mdb_map(struct mdb_space *from, vaddr_t from_va, struct mdb_space *to, vaddr_t to_va,
             unsigned rights, bool grant)
{
    from_va = ALIGN_DOWN(from_va, 4096);
    to_va = ALIGN_DOWN(to_va, 4096);
    struct mnode *src = from->sigma0 ? sigma0_root(from, from_va) : mdb_lookup(from, from_va);
    if (!src)
        return !from->sigma0;           /* no page to send: nothing happens */
    rights &= src->rights;
    if (!rights || (from == to && from_va == to_va))
        return true;
    if (from->sigma0)
        grant = false;                  /* sigma0 keeps what it owns */

    struct mnode *old = mdb_lookup(to, to_va);
    if (old && old->pa == src->pa && !grant) {
        /* The same frame already: it only gains rights, as far as its
         * own parent has them. */
        unsigned more = rights & (old->parent ? old->parent->rights : 7) & ~old->rights;
        if (!more)
            return true;
        old->rights |= more;
        return mdb_hw_map(to, to_va, old->pa, old->rights);
    }
    if (old && is_ancestor(old, src)) {
        /* Granting a page back onto a mapping it derives from: the
         * sender's mapping goes, what was derived from it stays. */
        splice_out(src);
        return true;
    }
    if (old)
        delete_subtree(old);

    if (grant) {
        /* The node moves with its subtree; rights shrink on the way. */
        unsigned drop = src->rights & ~rights;
        hw_unmap(src);
        index_remove(src);
        src->space = to;
        src->va = to_va;
        index_add(src);
        mdb_node_moved(src, from);
        if (!mdb_hw_map(to, to_va, src->pa, src->rights)) {
            drop_unmapped(src);         /* no node without its mapping */
            return false;
        }
        if (drop)
            revoke(src, drop, true);
        return true;
    }
    struct mnode *n = new_node(to, to_va, src->pa, rights, src);
    if (n && !mdb_hw_map(to, to_va, n->pa, rights)) {
        drop_unmapped(n);               /* out of memory for page tables: */
        return false;                   /* the next fault asks again */
    }
    return n != NULL;
}
