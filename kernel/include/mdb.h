/* The mapping database (seed 002, appendix A): for every piece of
 * physical memory sigma0 handed out, a tree of the mappings derived from
 * it. The root of each tree is sigma0's node for the piece; a map creates
 * a child of the sender's node, a grant moves the sender's node to the
 * receiver; unmap revokes rights from the subtree below a node (and, with
 * flush, the node itself), removing mappings left with no rights.
 *
 * One node per hardware mapping, of 4 KB, 2 MB or 1 GB (level 0, 1, 2):
 *
 *        sigma0 @pa 1 GB (a root: no hardware mapping of its own)
 *          ├── A @va1 1 GB rwx
 *          │     ├── B @vb 4 KB r-x   (A mapped one page of it on, fewer rights)
 *          │     └── C @vc 2 MB rw-
 *          └── D @vd 2 MB rwx
 *
 * A child maps all or part of its parent's frames (an aligned block of
 * them), never with rights its parent lacks. Rights are fpage rwx bits:
 * 4 = r, 2 = w, 1 = x. A node larger than a map, unmap or grant needs is
 * split first into the 512 nodes of the next size down (with the nodes
 * of its size below it: they map the same frames).
 *
 * A tree is a list in preorder, each node with its depth (the root's is
 * 0): a node's subtree is the nodes after it that are deeper than it.
 * A node, 32 bytes:
 *
 *   next   the next node of the tree in preorder (NULL: the last)
 *   prev   the node before it (NULL: the root)
 *
 *           63        48 47                                 3 2   0
 *   owner  |   depth    |   struct mdb_space * (bits 47-3)  | rwx |
 *
 *           63                 29 28                   2 1     0
 *   where  |   va >> 12           |   pa >> 12           | level |
 *
 * (The space pointer is canonical: bits 63-48 repeat bit 47. Virtual
 * addresses lie below 2^47, physical ones below 2^39, the end of the
 * kernel's direct map.)
 *
 * Each space finds its nodes by address in a node table of its own, four
 * levels like the x86-64 page tables: an entry of level k (va bits
 * 12 + 9k to 20 + 9k) is empty, the node of a level-k mapping, or the next
 * table down, with the number of entries in it that are not empty:
 *
 *           63                        12 11      1 0
 *   entry  |   the table (4 KB aligned)   |  count  | 1 |
 *
 * Tables come from 4 KB frames charged to the space; one left empty stays
 * until a larger node needs its place or the space goes. The database
 * needs no table of its own.
 *
 * The database is pure bookkeeping; it drives the page tables through
 * the mdb_hw_* hooks its user provides (the kernel: mdb_hw.c; the host
 * tests: a model). */
#pragma once
#include "types.h"

#define MDB_TABLE       1UL         /* a node-table entry that is a table */
#define MDB_COUNT_SHIFT 1
#define MDB_COUNT_MASK  (0x3FFUL << MDB_COUNT_SHIFT)
#define MDB_TABLE_ADDR  (~0xFFFUL)

/* Per-space part of the database. */
struct mdb_space {
    uintptr_t top;              /* the node table: the entry for its level 3; 0 while empty */
    bool sigma0;                /* nodes here are tree roots, not mapped by us */
    bool io;                    /* I/O ports: "page" n << 12 is port n */
};

struct mnode {
    struct mnode *next, *prev;
    uintptr_t owner;
    uint64_t where;
};

_Static_assert(sizeof(struct mnode) <= 32, "a mapping node takes at most 32 bytes");
_Static_assert(_Alignof(struct mdb_space) >= 8, "rights go in the space pointer's low bits");

#define MDB_R 4
#define MDB_W 2
#define MDB_X 1

#define MDB_LEVELS 3                    /* 4 KB, 2 MB, 1 GB */
#define MDB_MAX_DEPTH 0xFFFF            /* a longer derivation chain is refused */
#define MDB_END (1UL << 48)             /* what a node table reaches */

static inline unsigned mdb_level_shift(unsigned level) { return 12 + 9 * level; }
static inline word_t mdb_level_size(unsigned level) { return 1UL << mdb_level_shift(level); }

static inline struct mdb_space *mdb_node_space(const struct mnode *n)
{
    return (struct mdb_space *)((intptr_t)(n->owner << 16) >> 16 & ~7L);
}
static inline unsigned mdb_node_depth(const struct mnode *n) { return (unsigned)(n->owner >> 48); }
static inline unsigned mdb_node_rights(const struct mnode *n) { return n->owner & 7; }
static inline vaddr_t mdb_node_va(const struct mnode *n) { return n->where >> 29 << 12; }
static inline paddr_t mdb_node_pa(const struct mnode *n)
{
    return (n->where >> 2 & ((1UL << 27) - 1)) << 12;
}
static inline unsigned mdb_node_level(const struct mnode *n) { return n->where & 3; }

/* ---- hooks the user of the database provides ------------------------- */
/* A node for space s (charged to it: NULL when it may have no more),
 * and back; a granted node changes space. Node tables likewise: 4 KB,
 * zero-filled. */
struct mnode *mdb_node_alloc(struct mdb_space *s);
void mdb_node_free(struct mnode *n);
void mdb_node_moved(struct mnode *n, struct mdb_space *from);
void *mdb_table_alloc(struct mdb_space *s);
void mdb_table_free(struct mdb_space *s, void *table);
/* Enter, change or remove the hardware mapping of a node (2^(12 + 9 *
 * level) bytes at va). The two latter return the access status gathered
 * since the last query (rwx bits: referenced -> r|x, written -> r|w) and
 * reset it. mdb_hw_split replaces a mapping of level 1 or 2 by the 512 of
 * the next level with the same frames and rights (false: no memory). */
bool mdb_hw_map(struct mdb_space *s, vaddr_t va, paddr_t pa, unsigned level, unsigned rights);
unsigned mdb_hw_protect(struct mdb_space *s, vaddr_t va, unsigned level, unsigned rights);
unsigned mdb_hw_unmap(struct mdb_space *s, vaddr_t va, unsigned level);
bool mdb_hw_split(struct mdb_space *s, vaddr_t va, unsigned level);

/* ---- operations --------------------------------------------------------- */

/* The node mapping address `va` of space `s`, or NULL. */
struct mnode *mdb_lookup(const struct mdb_space *s, vaddr_t va);

/* The first address in [va, end) that a node of `s` maps; `end` if none. */
vaddr_t mdb_next(const struct mdb_space *s, vaddr_t va, vaddr_t end);

/* The node n derives from (NULL: n is a root). */
struct mnode *mdb_parent(const struct mnode *n);

/*
 * Map (or grant) what `from` has at `from_va` to `to_va` of `to` with at
 * most `rights`: one hardware mapping of at most level `level` (both
 * addresses aligned to its size), smaller where the sender's mapping is
 * or where the receiver has smaller mappings there. For sigma0 `from_va`
 * is the physical address. What was mapped there before is replaced
 * (with everything derived from it) unless it is the same frame, which
 * only gains rights. Returns the bytes dealt with from `from_va` on
 * (nothing happens for a page the sender does not have), 0 when memory
 * ran out, or MDB_AGAIN: the call stopped half-way (see mdb_unmap) and
 * must be made again.
 */
#define MDB_AGAIN ((word_t)1)
word_t mdb_map(struct mdb_space *from, vaddr_t from_va, struct mdb_space *to, vaddr_t to_va,
               unsigned level, unsigned rights, bool grant);

/* Where a long revocation stopped (mdb_unmap): zero at first. */
struct mdb_cursor {
    const struct mnode *top;
    struct mnode *next;
    unsigned long generation;
};

/*
 * Revoke `rights` from every mapping derived from the part of [va, end)
 * that the mapping at `va` of `s` covers, and with `flush` from that
 * mapping too; mappings left without rights disappear. Or-s the access
 * status of that mapping and all derived from it (see mdb_hw_protect)
 * into *status and returns the address where the work goes on: `va`
 * again when the call stopped half-way, after a bounded number of node
 * operations, so that the caller may pass a preemption point first. The
 * next call goes on where `c` says, unless the database changed
 * meanwhile: then it walks again from the top (what is done stays done).
 */
vaddr_t mdb_unmap(struct mdb_space *s, vaddr_t va, vaddr_t end, unsigned rights, bool flush,
                  unsigned *status, struct mdb_cursor *c);

/* Remove every mapping of a space that is going away, and everything
 * derived from them; its node tables go too. */
void mdb_space_clear(struct mdb_space *s);
