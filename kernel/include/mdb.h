/* The mapping database (seed 002, appendix A): for every physical frame,
 * a tree of the mappings derived from it. The root of each tree is
 * sigma0's node for the frame; a map creates a child of the sender's
 * node, a grant moves the sender's node to the receiver; unmap revokes
 * rights from the subtree below a node (and, with flush, the node
 * itself), removing mappings left with no rights.
 *
 * One node per 4 KB page mapping:
 *
 *        sigma0 @pa (implicit, no hardware mapping of its own)
 *          ├── A @va1 rwx
 *          │     └── B @vb r-x        (A mapped it on with fewer rights)
 *          └── C @vc rw-
 *
 * Rights are fpage rwx bits: 4 = r, 2 = w, 1 = x. A child never has
 * rights its parent lacks.
 *
 * The database is pure bookkeeping; it drives the page tables through
 * the mdb_hw_* hooks its user provides (the kernel: map.c; the host
 * tests: a model). */
#pragma once
#include "types.h"

struct mnode;

/* Per-space part of the database: the space's nodes. */
struct mdb_space {
    struct mnode *nodes;        /* list through mnode.sp_next */
    size_t count;
    bool sigma0;                /* nodes here are tree roots, not mapped by us */
    bool io;                    /* I/O ports: "page" n << 12 is port n */
};

struct mnode {
    struct mdb_space *space;
    vaddr_t va;
    paddr_t pa;
    unsigned rights;
    struct mnode *parent, *child;       /* first child */
    struct mnode *prev, *next;          /* siblings */
    struct mnode *sp_prev, *sp_next;    /* the space's list */
    struct mnode *hash_next;
};

#define MDB_R 4
#define MDB_W 2
#define MDB_X 1

/* ---- hooks the user of the database provides ------------------------- */
/* A node for space s (charged to it: NULL when it may have no more), and
 * back; a granted node changes space. */
struct mnode *mdb_node_alloc(struct mdb_space *s);
void mdb_node_free(struct mnode *n);
void mdb_node_moved(struct mnode *n, struct mdb_space *from);
/* Enter, change or remove the hardware mapping of a node. The two latter
 * return the access status gathered since the last query (rwx bits:
 * referenced -> r|x, written -> r|w) and reset it. */
bool mdb_hw_map(struct mdb_space *s, vaddr_t va, paddr_t pa, unsigned rights);
unsigned mdb_hw_protect(struct mdb_space *s, vaddr_t va, unsigned rights);
unsigned mdb_hw_unmap(struct mdb_space *s, vaddr_t va);

/* ---- operations --------------------------------------------------------- */

/* The node mapping page `va` of space `s`, or NULL. */
struct mnode *mdb_lookup(const struct mdb_space *s, vaddr_t va);

/*
 * Map (or grant) the page at `from_va` of `from` to `to_va` of `to` with
 * at most `rights`. For sigma0 `from_va` is the physical address. What
 * was mapped at `to_va` before is replaced (with everything derived from
 * it) unless it is the same frame, which only gains rights. Returns false
 * when memory ran out; nothing happens when the sender has no such page.
 */
bool mdb_map(struct mdb_space *from, vaddr_t from_va, struct mdb_space *to, vaddr_t to_va,
             unsigned rights, bool grant);

/* Revoke `rights` from every mapping derived from the page `va` of `s`,
 * and with `flush` from that mapping too; mappings left without rights
 * disappear. Returns the access status of the page and all mappings
 * derived from it (see mdb_hw_protect). */
unsigned mdb_unmap(struct mdb_space *s, vaddr_t va, unsigned rights, bool flush);

/* Remove every mapping of a space that is going away, and everything
 * derived from them. */
void mdb_space_clear(struct mdb_space *s);
