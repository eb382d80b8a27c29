/* The mapping database against a plain reference model: thousands of
 * random map, grant, unmap, flush and space-clear steps over a small
 * universe (4 spaces x 1024 pages, space 0 is sigma0 with 1024 frames),
 * with the database, the model and the "hardware" (what the mdb_hw hooks
 * were told) compared after every step. The model knows only 4 KB pages;
 * the database, given 2 MB pieces too, must look the same page by page.
 * Then directed tests: 1 GB and 2 MB nodes split by partial unmaps,
 * grants of large mappings, deep derivation chains, spaces deleted in the
 * middle of a chain, and memory running out during a split. */
#define CHECK_SUITE "mdb"
#include "check.h"
#include "mdb.h"

#define SPACES 4
#define PAGES 1024                      /* two 2 MB regions */
#define PG(i) ((vaddr_t)(i) * 4096)
#define MB2 (2UL << 20)
#define GB1 (1UL << 30)

/* ---- the hardware the hooks drive --------------------------------------- */

static struct mdb_space spaces[SPACES];
static int sidx(const struct mdb_space *s) { return (int)(s - spaces); }

/* Hardware mappings: a hash of (space, level, va). */
struct hw_entry {
    struct hw_entry *next;
    int space;
    unsigned level;
    vaddr_t va;
    paddr_t pa;
    unsigned rights, accessed;      /* accessed: status bits a test "caused" */
};
#define HW_BUCKETS 4096
static struct hw_entry *hw_buckets[HW_BUCKETS];
static long hw_count;

static struct hw_entry **hw_slot(int s, unsigned level, vaddr_t va)
{
    uint64_t k = ((uint64_t)s * 3 + level) ^ (va >> 12) * 0x9E3779B97F4A7C15UL;
    struct hw_entry **p = &hw_buckets[(k ^ k >> 32) % HW_BUCKETS];
    while (*p && ((*p)->space != s || (*p)->level != level || (*p)->va != va))
        p = &(*p)->next;
    return p;
}

static struct hw_entry *hw_find(int s, unsigned level, vaddr_t va)
{
    return *hw_slot(s, level, va);
}

/* The entry mapping va in space s, of any level. */
static struct hw_entry *hw_covering(int s, vaddr_t va)
{
    for (unsigned level = 0; level < MDB_LEVELS; level++) {
        struct hw_entry *e = hw_find(s, level, ALIGN_DOWN(va, mdb_level_size(level)));
        if (e)
            return e;
    }
    return NULL;
}

static void hw_clear(void)
{
    for (int i = 0; i < HW_BUCKETS; i++)
        while (hw_buckets[i]) {
            struct hw_entry *e = hw_buckets[i];
            hw_buckets[i] = e->next;
            free(e);
        }
    hw_count = 0;
}

static long live_nodes, live_tables;
static int hw_splits, hw_split_fails;
static long charged[SPACES];        /* nodes charged to each space (kernel memory) */
static long tables[SPACES];         /* node tables charged to each space */
static int out_of_memory;           /* the next so many node allocations fail */
static int hw_out_of_memory;        /* the next mdb_hw_map fails */

struct mnode *mdb_node_alloc(struct mdb_space *s)
{
    if (out_of_memory) {
        out_of_memory--;
        return NULL;
    }
    live_nodes++;
    charged[sidx(s)]++;
    return calloc(1, sizeof(struct mnode));
}

void mdb_node_free(struct mnode *n)
{
    live_nodes--;
    charged[sidx(mdb_node_space(n))]--;
    memset(n, 0x5A, sizeof *n);     /* use after free shows up */
    free(n);
}

void mdb_node_moved(struct mnode *n, struct mdb_space *from)
{
    charged[sidx(from)]--;
    charged[sidx(mdb_node_space(n))]++;
}

void *mdb_table_alloc(struct mdb_space *s)
{
    void *t = aligned_alloc(4096, 4096);
    memset(t, 0, 4096);
    live_tables++;
    tables[sidx(s)]++;
    return t;
}

void mdb_table_free(struct mdb_space *s, void *t)
{
    live_tables--;
    tables[sidx(s)]--;
    memset(t, 0x5A, 4096);
    free(t);
}

bool mdb_hw_map(struct mdb_space *s, vaddr_t va, paddr_t pa, unsigned level, unsigned rights)
{
    if (hw_out_of_memory) {
        hw_out_of_memory = 0;
        return false;
    }
    if (va % mdb_level_size(level) || pa % mdb_level_size(level))
        check_fail("hardware mapping of level %u at %lx -> %lx misaligned", level,
                   (unsigned long)va, (unsigned long)pa);
    struct hw_entry **p = hw_slot(sidx(s), level, va);
    if (*p && (*p)->pa != pa)
        check_fail("mapping over another frame at %d:%lx", sidx(s), (unsigned long)va);
    if (!*p) {
        if (hw_covering(sidx(s), va))
            check_fail("mapping at %d:%lx inside another", sidx(s), (unsigned long)va);
        *p = calloc(1, sizeof **p);
        **p = (struct hw_entry){ NULL, sidx(s), level, va, pa, 0, 0 };
        hw_count++;
    }
    (*p)->rights = rights;
    return true;
}

static struct hw_entry *hw_must(struct mdb_space *s, vaddr_t va, unsigned level, const char *what)
{
    struct hw_entry *e = hw_find(sidx(s), level, va);
    if (!e)
        check_fail("%s of absent mapping %d:%lx level %u", what, sidx(s), (unsigned long)va, level);
    return e;
}

unsigned mdb_hw_protect(struct mdb_space *s, vaddr_t va, unsigned level, unsigned rights)
{
    struct hw_entry *e = hw_must(s, va, level, "protect");
    if (!e)
        return 0;
    e->rights = rights;
    unsigned st = e->accessed;
    e->accessed = 0;
    return st;
}

unsigned mdb_hw_unmap(struct mdb_space *s, vaddr_t va, unsigned level)
{
    struct hw_entry **p = hw_slot(sidx(s), level, va);
    if (!*p) {
        check_fail("unmap of absent mapping %d:%lx level %u", sidx(s), (unsigned long)va, level);
        return 0;
    }
    struct hw_entry *e = *p;
    unsigned st = e->accessed;
    *p = e->next;
    free(e);
    hw_count--;
    return st;
}

bool mdb_hw_split(struct mdb_space *s, vaddr_t va, unsigned level)
{
    if (hw_split_fails) {
        hw_split_fails--;
        return false;
    }
    struct hw_entry **p = hw_slot(sidx(s), level, va);
    if (!*p || level == 0) {
        check_fail("split of absent mapping %d:%lx level %u", sidx(s), (unsigned long)va, level);
        return false;
    }
    struct hw_entry big = **p;
    mdb_hw_unmap(s, va, level);
    for (unsigned i = 0; i < 512; i++) {
        word_t off = (word_t)i << mdb_level_shift(level - 1);
        mdb_hw_map(s, va + off, big.pa + off, level - 1, big.rights);
        hw_find(sidx(s), level - 1, va + off)->accessed = big.accessed;    /* as x86 copies A/D */
    }
    hw_splits++;
    return true;
}

/* ---- the database's view, page by page --------------------------------- */

/* What the database says about page va of s: mapped (the node), pa,
 * rights, and the page of the parent's space it derives from. */
struct view {
    struct mnode *n;
    paddr_t pa;
    unsigned rights;
    int parent_space;
    vaddr_t parent_va;
};

static struct view view_of(int s, vaddr_t va)
{
    struct view v = { mdb_lookup(&spaces[s], va), 0, 0, -1, 0 };
    if (!v.n)
        return v;
    v.pa = mdb_node_pa(v.n) + (va - mdb_node_va(v.n));
    v.rights = mdb_node_rights(v.n);
    struct mnode *p = mdb_parent(v.n);
    if (p) {
        v.parent_space = sidx(mdb_node_space(p));
        v.parent_va = mdb_node_va(p) + (v.pa - mdb_node_pa(p));
    }
    return v;
}

/* All nodes of space s, by walking its node table. */
static long count_nodes(int s, long per_level[MDB_LEVELS])
{
    long n = 0;
    for (vaddr_t va = 0; (va = mdb_next(&spaces[s], va, MDB_END)) < MDB_END;) {
        struct mnode *m = mdb_lookup(&spaces[s], va);
        if (mdb_node_va(m) != va) {
            check_fail("mdb_next gave %lx inside the node at %lx", (unsigned long)va,
                       (unsigned long)mdb_node_va(m));
            return n;
        }
        if (per_level)
            per_level[mdb_node_level(m)]++;
        n++;
        va += mdb_level_size(mdb_node_level(m));
    }
    return n;
}

/* The node tables below entry e (of level k): how many, each with the
 * count of its entries that are not empty; -1 if a count is wrong. */
static long count_tables(uintptr_t e, unsigned k)
{
    if (!(e & MDB_TABLE))
        return 0;
    const uintptr_t *t = (const uintptr_t *)(e & MDB_TABLE_ADDR);
    long n = 1, used = 0;
    for (int i = 0; i < 512; i++) {
        used += t[i] != 0;
        long below = k > 1 ? count_tables(t[i], k - 1) : 0;
        if (below < 0 || (k == 1 && (t[i] & MDB_TABLE)))
            return -1;
        n += below;
    }
    return (unsigned long)used == (e & MDB_COUNT_MASK) >> MDB_COUNT_SHIFT ? n : -1;
}

/* The structure: every node in its tree's list once, deeper than its
 * parent by one, inside its parent's frames with no more rights; the
 * hardware has exactly the nodes' mappings; the charges add up, node
 * tables counted right. */
static int check_structure(const char *step)
{
    long total = 0, listed = 0, hw_nodes = 0;
    for (int s = 0; s < SPACES; s++) {
        long n = count_nodes(s, NULL), t = count_tables(spaces[s].top, 4);
        total += n;
        if (n != charged[s] || t != tables[s]) {
            check_fail("%s: space %d has %ld nodes and %ld node tables, %ld and %ld charged "
                       "to it", step, s, n, t, charged[s], tables[s]);
            return 0;
        }
        for (vaddr_t va = 0; (va = mdb_next(&spaces[s], va, MDB_END)) < MDB_END;) {
            struct mnode *m = mdb_lookup(&spaces[s], va), *p = mdb_parent(m);
            va += mdb_level_size(mdb_node_level(m));
            if (mdb_node_space(m) != &spaces[s] || (m->prev && m->prev->next != m) ||
                (m->next && m->next->prev != m)) {
                check_fail("%s: node %d:%lx badly linked", step, s, (unsigned long)mdb_node_va(m));
                return 0;
            }
            if (s == 0) {
                if (p || mdb_node_depth(m) != 0) {
                    check_fail("%s: sigma0's node at %lx is no root", step,
                               (unsigned long)mdb_node_va(m));
                    return 0;
                }
                for (struct mnode *c = m; c; c = c->next)
                    listed++;
                continue;
            }
            hw_nodes++;
            if (!p || mdb_node_depth(m) != mdb_node_depth(p) + 1 ||
                mdb_node_level(m) > mdb_node_level(p) || mdb_node_pa(m) < mdb_node_pa(p) ||
                mdb_node_pa(m) + mdb_level_size(mdb_node_level(m)) >
                    mdb_node_pa(p) + mdb_level_size(mdb_node_level(p)) ||
                (mdb_node_rights(m) & ~mdb_node_rights(p))) {
                check_fail("%s: node %d:%lx does not fit in its parent", step, s,
                           (unsigned long)mdb_node_va(m));
                return 0;
            }
            struct hw_entry *e = hw_find(s, mdb_node_level(m), mdb_node_va(m));
            if (!e || e->pa != mdb_node_pa(m) || e->rights != mdb_node_rights(m)) {
                check_fail("%s: hardware does not match the mapping %d:%lx", step, s,
                           (unsigned long)mdb_node_va(m));
                return 0;
            }
        }
    }
    if (listed != total || total != live_nodes || hw_nodes != hw_count) {
        check_fail("%s: %ld nodes in tables, %ld in trees, %ld allocated; %ld hardware "
                   "mappings for %ld nodes", step, total, listed, live_nodes, hw_count, hw_nodes);
        return 0;
    }
    return 1;
}

/* ---- the reference model: a table of 4 KB mappings ----------------------- */

struct rec {
    int used, parent;           /* parent: key or -1 */
    paddr_t pa;
    unsigned rights;
};
static struct rec model[SPACES][PAGES];     /* sigma0: page i = frame i */

#define KEY(s, p) ((s) * PAGES + (p))
#define REC(k) (&model[(k) / PAGES][(k) % PAGES])
#define ALL (SPACES * PAGES)

static unsigned hw_status(int k)
{
    if (k / PAGES == 0)
        return 0;
    struct hw_entry *e = hw_covering(k / PAGES, PG(k % PAGES));
    return e ? e->accessed : 0;
}

/* Mark k and everything derived from it. */
static void model_subtree(int k, char *in)
{
    memset(in, 0, ALL);
    in[k] = 1;
    for (int more = 1; more;) {
        more = 0;
        for (int c = 0; c < ALL; c++)
            if (REC(c)->used && !in[c] && REC(c)->parent >= 0 && in[REC(c)->parent])
                in[c] = more = 1;
    }
}

static unsigned model_revoke(int k, unsigned rights, int self)
{
    static char in[ALL];
    unsigned st = 0;
    model_subtree(k, in);
    if (!self)
        in[k] = 0;
    for (int c = 0; c < ALL; c++)
        if (in[c]) {
            st |= hw_status(c);
            REC(c)->rights &= ~rights;
        }
    for (int c = 0; c < ALL; c++)
        if (in[c] && !REC(c)->rights)
            REC(c)->used = 0;       /* (what was derived from it has no rights either) */
    return st;
}

static void model_delete(int k)
{
    model_revoke(k, 7, 1);
}

static int model_is_ancestor(int a, int k)
{
    for (k = REC(k)->parent; k >= 0; k = REC(k)->parent)
        if (k == a)
            return 1;
    return 0;
}

static void model_map(int fs, int fp, int ts, int tp, unsigned rights, int grant)
{
    int src = KEY(fs, fp), dst = KEY(ts, tp);
    if (fs == 0 && !REC(src)->used)
        *REC(src) = (struct rec){ 1, -1, PG(fp), 7 };
    if (!REC(src)->used)
        return;
    rights &= REC(src)->rights;
    if (!rights || src == dst)
        return;
    if (fs == 0)
        grant = 0;
    struct rec *old = REC(dst);
    if (old->used && old->pa == REC(src)->pa && !grant) {
        unsigned lim = old->parent >= 0 ? REC(old->parent)->rights : 7;
        old->rights |= rights & lim;
        return;
    }
    if (old->used && model_is_ancestor(dst, src)) {
        for (int c = 0; c < ALL; c++)
            if (REC(c)->used && REC(c)->parent == src)
                REC(c)->parent = REC(src)->parent;
        REC(src)->used = 0;
        return;
    }
    if (old->used)
        model_delete(dst);
    if (grant) {
        *REC(dst) = *REC(src);
        for (int c = 0; c < ALL; c++)
            if (REC(c)->used && REC(c)->parent == src)
                REC(c)->parent = dst;
        REC(src)->used = 0;
        if (REC(dst)->rights & ~rights)
            model_revoke(dst, REC(dst)->rights & ~rights, 1);
        return;
    }
    *REC(dst) = (struct rec){ 1, src, REC(src)->pa, rights };
}

/* ---- comparison ----------------------------------------------------------- */

static int compare(const char *step)
{
    for (int s = 0; s < SPACES; s++)
        for (int p = 0; p < PAGES; p++) {
            struct rec *r = &model[s][p];
            struct view v = view_of(s, PG(p));
            if (!r->used != !v.n) {
                check_fail("%s: page %d:%d is %s in the model, %s in the database", step, s, p,
                           r->used ? "mapped" : "absent", v.n ? "mapped" : "absent");
                return 0;
            }
            if (!v.n)
                continue;
            int vp = v.parent_space < 0 ? -1 : KEY(v.parent_space, (int)(v.parent_va / 4096));
            if (v.pa != r->pa || v.rights != r->rights || vp != r->parent) {
                check_fail("%s: page %d:%d: model pa %lx rights %u parent %d, database "
                           "pa %lx rights %u parent %d", step, s, p, (unsigned long)r->pa,
                           r->rights, r->parent, (unsigned long)v.pa, v.rights, vp);
                return 0;
            }
        }
    return check_structure(step);
}

static void reset(void)
{
    for (int s = 0; s < SPACES; s++) {
        mdb_space_clear(&spaces[s]);
        spaces[s] = (struct mdb_space){ .sigma0 = s == 0 };
    }
    memset(model, 0, sizeof model);
    hw_clear();
    out_of_memory = hw_out_of_memory = hw_split_fails = hw_splits = 0;
}

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) % n;
}

/* Map or grant [from_va, + size) as map.c does: piece by piece, each as
 * large as the alignment allows (2 MB at most), the database saying how
 * far it got. */
static word_t map_range(struct mdb_space *from, vaddr_t from_va, struct mdb_space *to,
                        vaddr_t to_va, word_t size, unsigned rights, bool grant)
{
    word_t o = 0;
    while (o < size) {
        unsigned level = (from_va + o) % MB2 == 0 && (to_va + o) % MB2 == 0 && size - o >= MB2;
        word_t done = mdb_map(from, from_va + o, to, to_va + o, level, rights, grant);
        if (!done)
            return o;
        if (done != MDB_AGAIN)
            o += done;
    }
    return o;
}

/* Unmap [va, va + size) of s as map.c does: mapping by mapping, again
 * where a call stopped half-way (counted in `calls`). */
static long calls;

static unsigned unmap_range(struct mdb_space *s, vaddr_t va, word_t size, unsigned rights,
                            bool flush)
{
    unsigned status = 0;
    vaddr_t end = va + size;
    struct mdb_cursor c = { 0 };
    while ((va = mdb_next(s, va, end)) < end) {
        va = mdb_unmap(s, va, end, rights, flush, &status, &c);
        calls++;
    }
    return status;
}

static struct mnode *node(int s, vaddr_t va)
{
    return mdb_lookup(&spaces[s], va);
}

/* ---- tests ------------------------------------------------------------------ */

CHECK_TEST(map_chain_and_flush_from_the_middle)
{
    reset();
    EXPECT(mdb_map(&spaces[0], PG(3), &spaces[1], PG(0), 0, 7, false));   /* s0 -> A */
    EXPECT(mdb_map(&spaces[1], PG(0), &spaces[2], PG(1), 0, 5, false));   /* A -> B, r-x */
    EXPECT(mdb_map(&spaces[2], PG(1), &spaces[3], PG(2), 0, 7, false));   /* B -> C: gets r-x */
    struct mnode *c = node(3, PG(2));
    EXPECT(c != NULL);
    if (!c)
        return;
    EXPECT_EQ(mdb_node_rights(c), 5);
    EXPECT_EQ(mdb_node_pa(c), PG(3));
    EXPECT_EQ(mdb_node_depth(c), 3);
    unmap_range(&spaces[1], PG(0), PG(1), 7, false);   /* A revokes: B and C go */
    EXPECT(node(2, PG(1)) == NULL);
    EXPECT(node(3, PG(2)) == NULL);
    EXPECT(node(1, PG(0)) != NULL);                    /* A keeps its own */
    EXPECT_EQ(live_nodes, 2);                          /* sigma0 root + A */
}

/* Seed 002 figure 1: f1 maps to F, F grants to A; a flush by sigma0 (the
 * standard pager) removes it from f1 and A; a flush by f1 only from A. */
CHECK_TEST(grant_example_of_the_paper)
{
    reset();
    struct mdb_space *s0 = &spaces[0], *f1 = &spaces[1], *F = &spaces[2], *A = &spaces[3];
    mdb_map(s0, PG(5), f1, PG(0), 0, 7, false);
    mdb_map(f1, PG(0), F, PG(0), 0, 7, false);
    mdb_map(F, PG(0), A, PG(4), 0, 7, true);           /* grant */
    EXPECT(mdb_lookup(F, PG(0)) == NULL);
    EXPECT(mdb_lookup(A, PG(4)) != NULL);
    unmap_range(f1, PG(0), PG(1), 7, false);
    EXPECT(mdb_lookup(A, PG(4)) == NULL);
    EXPECT(mdb_lookup(f1, PG(0)) != NULL);
    mdb_map(f1, PG(0), A, PG(4), 0, 7, false);
    unmap_range(s0, PG(5), PG(1), 7, false);           /* sigma0 flushes below itself */
    EXPECT(mdb_lookup(f1, PG(0)) == NULL);
    EXPECT(mdb_lookup(A, PG(4)) == NULL);
    EXPECT(!hw_covering(1, PG(0)) && !hw_covering(3, PG(4)));
}

CHECK_TEST(partial_revocation_keeps_the_rest)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(1), 0, 7, false);
    mdb_map(&spaces[1], PG(1), &spaces[2], PG(1), 0, 7, false);
    unmap_range(&spaces[1], PG(1), PG(1), MDB_W, false);
    EXPECT_EQ(hw_find(2, 0, PG(1))->rights, MDB_R | MDB_X);
    EXPECT_EQ(hw_find(1, 0, PG(1))->rights, 7);        /* no flush: own stays */
    unmap_range(&spaces[1], PG(1), PG(1), MDB_X, true);
    EXPECT_EQ(hw_find(1, 0, PG(1))->rights, MDB_R | MDB_W);
    EXPECT_EQ(hw_find(2, 0, PG(1))->rights, MDB_R);
}

CHECK_TEST(status_is_gathered_and_reset)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(1), 0, 7, false);
    mdb_map(&spaces[1], PG(1), &spaces[2], PG(6), 0, 7, false);
    hw_find(2, 0, PG(6))->accessed = MDB_R | MDB_W;    /* B wrote the page */
    EXPECT_EQ(unmap_range(&spaces[1], PG(1), PG(1), 0, false), MDB_R | MDB_W);
    EXPECT_EQ(unmap_range(&spaces[1], PG(1), PG(1), 0, false), 0);    /* reset by reading */
    EXPECT(hw_find(2, 0, PG(6)) != NULL);             /* rwx = 0 revokes nothing */
}

CHECK_TEST(remap_replaces_another_frame)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(0), 0, 7, false);
    mdb_map(&spaces[1], PG(0), &spaces[2], PG(0), 0, 7, false);
    mdb_map(&spaces[0], PG(2), &spaces[1], PG(0), 0, 7, false);  /* other frame over it */
    EXPECT_EQ(hw_find(1, 0, PG(0))->pa, PG(2));
    EXPECT(!hw_covering(2, PG(0)));                    /* derived from the old one: gone */
}

/* A mapping the hardware could not take (no memory for a page table)
 * leaves no node behind: the same map later, with memory, makes it. */
CHECK_TEST(failed_hardware_mapping_leaves_no_node)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(0), 0, 7, false);
    hw_out_of_memory = 1;
    EXPECT(!mdb_map(&spaces[1], PG(0), &spaces[2], PG(5), 0, 7, false));
    EXPECT(node(2, PG(5)) == NULL);
    EXPECT_EQ(live_nodes, 2);
    EXPECT(mdb_map(&spaces[1], PG(0), &spaces[2], PG(5), 0, 7, false));
    EXPECT(hw_covering(2, PG(5)));
    hw_out_of_memory = 1;                              /* a grant that fails */
    EXPECT(!mdb_map(&spaces[2], PG(5), &spaces[3], PG(2), 0, 7, true));
    EXPECT(node(2, PG(5)) == NULL && node(3, PG(2)) == NULL);
    EXPECT(!hw_covering(2, PG(5)) && !hw_covering(3, PG(2)));
    EXPECT_EQ(live_nodes, 2);
    EXPECT(check_structure("end"));
}

CHECK_TEST(clear_space_removes_derived_mappings)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(0), 0, 7, false);
    mdb_map(&spaces[1], PG(0), &spaces[2], PG(3), 0, 7, false);
    mdb_map(&spaces[2], PG(3), &spaces[3], PG(3), 0, 7, false);
    mdb_space_clear(&spaces[2]);
    EXPECT(hw_covering(1, PG(0)));
    EXPECT(!hw_covering(2, PG(3)) && !hw_covering(3, PG(3)));
    EXPECT_EQ(live_nodes, 2);
    EXPECT_EQ(tables[2], 0);                           /* its node tables went too */
}

/* mdb_next over a sparse table: past empty entries and tables left
 * empty, into tables at every level, to the end. */
CHECK_TEST(next_walks_a_sparse_node_table)
{
    reset();
    static const vaddr_t at[] = { PG(5), 3 * GB1 + PG(511), 3 * GB1 + MB2, 700 * GB1,
                                  (1UL << 46) + PG(2) };
    for (unsigned i = 0; i < 5; i++)
        EXPECT(mdb_map(&spaces[0], PG(i), &spaces[1], at[i], 0, 7, false));
    mdb_map(&spaces[0], PG(9), &spaces[1], 5 * GB1, 0, 7, false);
    unmap_range(&spaces[0], PG(9), PG(1), 7, false);   /* its tables stay, empty */
    vaddr_t va = 0;
    for (unsigned i = 0; i < 5; i++) {
        va = mdb_next(&spaces[1], va, MDB_END);
        EXPECT_EQ(va, at[i]);
        va += PG(1);
    }
    EXPECT_EQ(mdb_next(&spaces[1], va, MDB_END), MDB_END);
    EXPECT_EQ(mdb_next(&spaces[1], PG(6), 3 * GB1 + PG(511)), 3 * GB1 + PG(511));
    EXPECT_EQ(mdb_next(&spaces[1], 4 * GB1, 700 * GB1), 700 * GB1);
    EXPECT_EQ(mdb_next(&spaces[1], 3 * GB1 + PG(512), 700 * GB1), 3 * GB1 + MB2);
    EXPECT(check_structure("end"));
}

/* ---- large mappings ------------------------------------------------------- */

/* One node for 2 MB, below it a 4 KB and a 2 MB child; a partial flush
 * splits the 2 MB nodes (the children's pieces go below the right pieces
 * of the parent) and takes exactly one page away. */
CHECK_TEST(two_megabyte_node_split_by_a_partial_unmap)
{
    reset();
    EXPECT_EQ(map_range(&spaces[0], 0, &spaces[1], MB2, MB2, 7, false), MB2);
    EXPECT_EQ(live_nodes, 2);                          /* sigma0's root and A's node */
    struct mnode *a = node(1, MB2);
    EXPECT(a && mdb_node_level(a) == 1 && mdb_node_va(a) == MB2 && mdb_node_pa(a) == 0);
    EXPECT(hw_find(1, 1, MB2) != NULL);
    EXPECT_EQ(mdb_map(&spaces[1], MB2 + PG(5), &spaces[2], PG(7), 0, 5, false), PG(1));
    EXPECT_EQ(map_range(&spaces[1], MB2, &spaces[3], 0, MB2, 6, false), MB2);
    EXPECT_EQ(mdb_map(&spaces[3], PG(9), &spaces[2], PG(8), 0, 7, false), PG(1));
    EXPECT_EQ(live_nodes, 5);
    EXPECT(check_structure("mapped"));
    /* A flushes its page 9: A and C (3) split, B's page 5 and C's child stay */
    EXPECT_EQ(unmap_range(&spaces[1], MB2 + PG(9), PG(1), 7, true), 0);
    EXPECT(node(1, MB2 + PG(9)) == NULL && node(3, PG(9)) == NULL && node(2, PG(8)) == NULL);
    EXPECT(node(1, MB2 + PG(8)) && mdb_node_level(node(1, MB2 + PG(8))) == 0);
    EXPECT(node(3, PG(10)) && mdb_node_rights(node(3, PG(10))) == 6);
    struct mnode *b = node(2, PG(7));
    EXPECT(b && mdb_parent(b) == node(1, MB2 + PG(5)));
    EXPECT_EQ(charged[1], 511);
    EXPECT_EQ(charged[3], 511);
    EXPECT(check_structure("split"));
    /* and the rest goes with one flush of the whole 2 MB */
    unmap_range(&spaces[1], MB2, MB2, 7, true);
    EXPECT_EQ(live_nodes, 1);
    EXPECT_EQ(hw_count, 0);
}

/* The partial unmap without flush: A keeps its 2 MB node unsplit, the
 * derived one splits, and a rights change of one page splits too. */
CHECK_TEST(unmap_of_a_page_splits_only_what_derives)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    map_range(&spaces[1], 0, &spaces[2], MB2, MB2, 7, false);
    unmap_range(&spaces[1], PG(77), PG(1), MDB_W, false);
    EXPECT_EQ(mdb_node_level(node(1, 0)), 1);
    EXPECT_EQ(mdb_node_level(node(2, MB2)), 0);
    EXPECT_EQ(mdb_node_rights(node(2, MB2 + PG(77))), MDB_R | MDB_X);
    EXPECT_EQ(mdb_node_rights(node(2, MB2 + PG(78))), 7);
    EXPECT_EQ(charged[2], 512);
    EXPECT_EQ(hw_splits, 1);
    EXPECT(check_structure("unmapped"));
    /* the first page likewise */
    map_range(&spaces[1], 0, &spaces[3], 0, MB2, 7, false);
    unmap_range(&spaces[1], 0, PG(1), 7, false);
    EXPECT(node(3, 0) == NULL && node(3, PG(1)) != NULL && node(2, MB2) == NULL);
    EXPECT(node(2, MB2 + PG(1)) != NULL);
    EXPECT_EQ(mdb_node_level(node(1, 0)), 1);
    EXPECT(check_structure("first page"));
}

/* A large node whose frames are mapped on in smaller parts is split when
 * a part of it is revoked, so that each revocation looks at what derives
 * from that part only (the unmapper pays for the pieces). */
CHECK_TEST(partial_unmap_splits_a_node_with_smaller_children)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    for (int p = 0; p < 512; p += 2)
        mdb_map(&spaces[1], PG(p), &spaces[2], PG(p), 0, 7, false);
    unmap_range(&spaces[1], PG(4), PG(1), MDB_W, false);
    EXPECT_EQ(charged[1], 512);
    EXPECT_EQ(view_of(2, PG(4)).rights, MDB_R | MDB_X);
    EXPECT_EQ(view_of(2, PG(6)).rights, 7);
    EXPECT_EQ(view_of(1, PG(4)).rights, 7);
    struct mnode *c = node(2, PG(300));
    EXPECT(c && mdb_parent(c) == node(1, PG(300)));
    EXPECT(check_structure("end"));
}

/* 1 GB: one node a level, however many pages; revoking one page splits
 * the derived gigabyte into 511 nodes of 2 MB and 511 of 4 KB. */
CHECK_TEST(gigabyte_node_and_one_page_revoked)
{
    reset();
    EXPECT_EQ(mdb_map(&spaces[0], GB1, &spaces[1], GB1, 2, 7, false), GB1);
    EXPECT_EQ(mdb_map(&spaces[1], GB1, &spaces[2], 2 * GB1, 2, 7, false), GB1);
    EXPECT_EQ(live_nodes, 3);
    EXPECT(hw_find(2, 2, 2 * GB1) != NULL && hw_count == 2);
    EXPECT(check_structure("mapped"));
    unmap_range(&spaces[1], GB1 + PG(77), PG(1), 7, false);
    long levels[MDB_LEVELS] = { 0 };
    EXPECT_EQ(count_nodes(2, levels), 1022);
    EXPECT_EQ(levels[2], 0);
    EXPECT_EQ(levels[1], 511);
    EXPECT_EQ(levels[0], 511);
    EXPECT(node(2, 2 * GB1 + PG(77)) == NULL);
    struct view v = view_of(2, 2 * GB1 + PG(78));
    EXPECT(v.n && v.pa == GB1 + PG(78) && v.parent_space == 1 && v.parent_va == GB1 + PG(78));
    v = view_of(2, 2 * GB1 + 700 * MB2 / 2);
    EXPECT(v.n && v.pa == GB1 + 700 * MB2 / 2 && mdb_node_level(v.n) == 1);
    EXPECT_EQ(mdb_node_level(node(1, GB1)), 2);        /* the unmapper's stays whole */
    EXPECT_EQ(hw_count, 1 + 1022);
    EXPECT(check_structure("split"));
    /* sigma0 takes it all back */
    unmap_range(&spaces[0], GB1, GB1, 7, false);
    EXPECT_EQ(live_nodes, 1);
    EXPECT_EQ(hw_count, 0);
}

/* A grant moves a large node whole (its charge too); a grant of part of
 * one splits it and moves the piece, what derives from it going along. */
CHECK_TEST(grant_of_a_large_mapping)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    mdb_map(&spaces[1], PG(3), &spaces[3], PG(3), 0, 7, false);
    EXPECT_EQ(map_range(&spaces[1], 0, &spaces[2], MB2, MB2, 7, true), MB2);
    EXPECT(node(1, 0) == NULL);
    struct mnode *g = node(2, MB2);
    EXPECT(g && mdb_node_level(g) == 1 && mdb_node_depth(g) == 1);
    EXPECT(mdb_parent(node(3, PG(3))) == g);
    EXPECT_EQ(charged[1], 0);
    EXPECT_EQ(charged[2], 1);
    EXPECT(hw_find(1, 1, 0) == NULL && hw_find(2, 1, MB2) != NULL);
    EXPECT(check_structure("granted whole"));
    /* now one page of it, with fewer rights */
    EXPECT_EQ(mdb_map(&spaces[2], MB2 + PG(3), &spaces[1], PG(40), 0, MDB_R, true), PG(1));
    EXPECT(node(2, MB2 + PG(3)) == NULL);
    EXPECT_EQ(charged[2], 511);
    struct mnode *moved = node(1, PG(40));
    EXPECT(moved && mdb_node_pa(moved) == PG(3) && mdb_node_rights(moved) == MDB_R);
    EXPECT(mdb_parent(node(3, PG(3))) == moved);
    EXPECT_EQ(mdb_node_rights(node(3, PG(3))), MDB_R);
    EXPECT(check_structure("granted a page"));
}

/* A map over part of a larger mapping of other frames replaces that part
 * only; over a larger mapping of the same frames with more rights, it
 * splits it for the page that gains them. */
CHECK_TEST(map_into_part_of_a_large_mapping)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, MDB_R, false);
    map_range(&spaces[0], MB2, &spaces[2], 0, MB2, 7, false);
    EXPECT_EQ(mdb_map(&spaces[2], PG(1), &spaces[1], PG(1), 0, 7, false), PG(1));
    EXPECT_EQ(view_of(1, PG(1)).pa, MB2 + PG(1));
    EXPECT_EQ(view_of(1, PG(2)).pa, PG(2));
    EXPECT_EQ(charged[1], 512);
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    map_range(&spaces[1], 0, &spaces[2], 0, MB2, MDB_R, false);
    EXPECT_EQ(mdb_map(&spaces[1], PG(9), &spaces[2], PG(9), 0, MDB_R, false), PG(1));
    EXPECT_EQ(charged[2], 1);                          /* nothing new: no split */
    EXPECT_EQ(mdb_map(&spaces[1], PG(9), &spaces[2], PG(9), 0, 7, false), PG(1));
    EXPECT_EQ(charged[2], 512);
    EXPECT_EQ(view_of(2, PG(9)).rights, 7);
    EXPECT_EQ(view_of(2, PG(10)).rights, MDB_R);
    EXPECT(check_structure("end"));
}

/* Smaller mappings in the receiver's way: the piece comes in smaller
 * pieces, identical mappings keep what derives from them. */
CHECK_TEST(smaller_mappings_make_smaller_pieces)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    mdb_map(&spaces[1], PG(4), &spaces[2], PG(4), 0, 7, false);
    mdb_map(&spaces[2], PG(4), &spaces[3], PG(4), 0, 7, false);
    EXPECT_EQ(map_range(&spaces[1], 0, &spaces[2], 0, MB2, 7, false), MB2);
    EXPECT_EQ(charged[2], 512);
    EXPECT(node(3, PG(4)) != NULL);                    /* identical: kept, with its child */
    /* empty tables make way for a large node again */
    mdb_space_clear(&spaces[3]);
    unmap_range(&spaces[1], 0, MB2, 7, false);
    EXPECT_EQ(charged[2], 0);
    EXPECT_EQ(map_range(&spaces[1], 0, &spaces[2], 0, MB2, 7, false), MB2);
    EXPECT_EQ(charged[2], 1);
    EXPECT(check_structure("end"));
}

/* A derivation chain 65535 deep (A and B mapping to each other at ever
 * new pages): no walk recurses, the next map is refused, and one unmap
 * at the top takes it all. */
CHECK_TEST(deep_derivation_chain)
{
    reset();
    enum { N = MDB_MAX_DEPTH };
    mdb_map(&spaces[0], 0, &spaces[1], 0, 0, 7, false);
    for (vaddr_t i = 1; i < N; i++)
        if (!mdb_map(&spaces[1 + (i - 1) % 2], PG(i - 1), &spaces[1 + i % 2], PG(i), 0, 7, false)) {
            check_fail("map %lu failed", (unsigned long)i);
            return;
        }
    EXPECT_EQ(mdb_node_depth(node(1 + (N - 1) % 2, PG(N - 1))), N);
    EXPECT_EQ(mdb_map(&spaces[1 + (N - 1) % 2], PG(N - 1), &spaces[3], 0, 0, 7, false), 0);
    EXPECT(node(3, 0) == NULL);
    EXPECT_EQ(live_nodes, N + 1);
    unmap_range(&spaces[0], 0, PG(1), 7, false);
    EXPECT_EQ(live_nodes, 1);
    EXPECT_EQ(hw_count, 0);
}

/* A space in the middle of a chain goes: what derives from its mappings
 * goes with it, large or small; the others stay. */
CHECK_TEST(deleting_a_middle_space)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    map_range(&spaces[1], 0, &spaces[2], MB2, MB2, 7, false);
    map_range(&spaces[2], MB2, &spaces[3], 0, MB2, 7, false);
    mdb_map(&spaces[2], MB2 + PG(1), &spaces[3], MB2 + PG(1), 0, 7, false);
    mdb_map(&spaces[1], PG(2), &spaces[3], MB2 + PG(2), 0, 7, false);
    mdb_space_clear(&spaces[2]);
    EXPECT(node(3, 0) == NULL && node(3, MB2 + PG(1)) == NULL);
    EXPECT(node(3, MB2 + PG(2)) != NULL && node(1, 0) != NULL);
    EXPECT_EQ(charged[2] + tables[2], 0);
    EXPECT(check_structure("end"));
}

/* Memory runs out during a split: the derived node that cannot be split
 * is revoked whole (never less than asked); the unmapper's own node, when
 * it cannot be split for a flush, likewise. */
CHECK_TEST(no_memory_for_a_split)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    map_range(&spaces[1], 0, &spaces[2], 0, MB2, 7, false);
    map_range(&spaces[1], 0, &spaces[3], 0, MB2, 7, false);
    hw_split_fails = 1;                                /* the first derived one fails */
    unmap_range(&spaces[1], PG(3), PG(1), 7, false);
    long kept = (node(2, 0) != NULL) + (node(3, 0) != NULL);
    EXPECT_EQ(kept, 1);
    EXPECT(node(2, PG(3)) == NULL && node(3, PG(3)) == NULL);
    EXPECT(check_structure("derived"));
    out_of_memory = 1;
    unmap_range(&spaces[1], PG(5), PG(1), 7, true);
    EXPECT(node(1, 0) == NULL && node(1, PG(6)) == NULL);
    EXPECT_EQ(live_nodes, 1);
    EXPECT(check_structure("own"));
}

/* ---- long work in bounded steps ------------------------------------------ */

/* 2 MB mapped to space 2 (one node), whose pages it maps on, each, to
 * space 3. */
static void wide_tree(void)
{
    reset();
    map_range(&spaces[0], 0, &spaces[1], 0, MB2, 7, false);
    map_range(&spaces[1], 0, &spaces[2], 0, MB2, 7, false);
    for (int p = 0; p < 512; p++)
        mdb_map(&spaces[2], PG(p), &spaces[3], PG(p), 0, 7, false);
}

/* An unmap with much to do stops after a bounded number of node
 * operations (for a preemption point) and goes on where it stopped. */
CHECK_TEST(a_long_revocation_goes_in_bounded_steps)
{
    wide_tree();
    EXPECT_EQ(live_nodes, 3 + 512);
    calls = 0;
    unmap_range(&spaces[1], 0, MB2, MDB_W, false);     /* 513 rights changes */
    EXPECT(calls >= 513 / 64 && calls <= 513 / 64 + 2);
    EXPECT_EQ(view_of(3, PG(300)).rights, MDB_R | MDB_X);
    calls = 0;
    unmap_range(&spaces[1], 0, MB2, 7, false);         /* 513 deletions */
    EXPECT(calls >= 513 / 64 && calls <= 513 / 64 + 2);
    EXPECT_EQ(live_nodes, 2);
    EXPECT(check_structure("end"));
}

/* A change in between (another thread, at the preemption point): the
 * walk starts again from the top, and what was done stays done. */
CHECK_TEST(a_revocation_cut_short_survives_changes_in_between)
{
    wide_tree();
    struct mdb_cursor c = { 0 };
    unsigned status = 0;
    EXPECT_EQ(mdb_unmap(&spaces[1], 0, MB2, MDB_X, false, &status, &c), 0);
    EXPECT(c.top != NULL);
    mdb_unmap(&spaces[2], PG(0), PG(1), 7, true, &status, &(struct mdb_cursor){ 0 });
    mdb_map(&spaces[2], PG(511), &spaces[3], PG(600), 0, 7, false);
    vaddr_t va = 0;
    for (int i = 0; i < 100 && va == 0; i++)
        va = mdb_unmap(&spaces[1], 0, MB2, MDB_X, false, &status, &c);
    EXPECT_EQ(va, MB2);
    for (int p = 1; p < 512; p++)
        if (view_of(3, PG(p)).rights != (MDB_R | MDB_W) || view_of(2, PG(p)).rights != 6) {
            check_fail("page %d keeps x", p);
            return;
        }
    EXPECT_EQ(view_of(3, PG(600)).rights, MDB_R | MDB_W);
    EXPECT(check_structure("end"));
}

/* A map that replaces a mapping with much derived from it stops likewise
 * (MDB_AGAIN) until that is gone. */
CHECK_TEST(a_map_over_a_wide_tree_goes_in_bounded_steps)
{
    wide_tree();
    long again = 0;
    word_t done;
    while ((done = mdb_map(&spaces[0], MB2, &spaces[2], 0, 1, 7, false)) == MDB_AGAIN)
        again++;
    EXPECT_EQ(done, MB2);
    EXPECT(again >= 512 / 64);
    EXPECT_EQ(view_of(2, PG(3)).pa, MB2 + PG(3));
    EXPECT_EQ(charged[3], 0);
    EXPECT(check_structure("end"));
}

/* ---- random steps ---------------------------------------------------------- */

static void random_unmap_status_reset(int k)
{
    /* the model read the status without resetting it; do so */
    static char in[ALL];
    for (int c = 0; c < ALL; c++)
        if (!REC(c)->used && c / PAGES) {
            struct hw_entry *e = hw_covering(c / PAGES, PG(c % PAGES));
            if (e)
                e->accessed = 0;
        }
    if (k < 0 || !REC(k)->used)
        return;
    model_subtree(k, in);
    for (int c = 0; c < ALL; c++)
        if (in[c] && c / PAGES) {
            struct hw_entry *e = hw_covering(c / PAGES, PG(c % PAGES));
            if (e)
                e->accessed = 0;
        }
}

/* The random tests' third kind of step: a space (not sigma0's) cleared,
 * in the model and in the database. */
static void clear_random_space(int step, char *what, size_t size)
{
    int s = 1 + (int)rnd(SPACES - 1);
    snprintf(what, size, "step %d: clear space %d", step, s);
    for (int p = 0; p < PAGES; p++)
        if (model[s][p].used)
            model_delete(KEY(s, p));
    mdb_space_clear(&spaces[s]);
}

/* After a random test: nothing left behind once every space is cleared. */
static void expect_all_freed(void)
{
    reset();
    EXPECT_EQ(live_nodes, 0);
    EXPECT_EQ(live_tables, 0);
}

/* 4 KB mappings only, over 8 pages a space, with access status. */
CHECK_TEST(random_steps_match_the_model)
{
    reset();
    for (int step = 0; step < 20000; step++) {
        char what[96];
        int op = (int)rnd(100);
        if (op < 45) {
            int fs = (int)rnd(SPACES), fp = (int)rnd(8), ts = 1 + (int)rnd(SPACES - 1),
                tp = (int)rnd(8), grant = rnd(4) == 0;
            unsigned rights = 1 + rnd(7);
            snprintf(what, sizeof what, "step %d: %s %d:%d -> %d:%d rights %u", step,
                     grant ? "grant" : "map", fs, fp, ts, tp, rights);
            model_map(fs, fp, ts, tp, rights, grant);
            if (!mdb_map(&spaces[fs], PG(fp), &spaces[ts], PG(tp), 0, rights, grant))
                check_fail("%s: mdb_map failed", what);
        } else if (op < 90) {
            int s = (int)rnd(SPACES), p = (int)rnd(8), flush = (int)rnd(2);
            unsigned rights = rnd(8);
            snprintf(what, sizeof what, "step %d: %s %d:%d rights %u", step,
                     flush ? "flush" : "unmap", s, p, rights);
            /* some accesses happened somewhere */
            struct hw_entry *e = hw_covering(1 + (int)rnd(SPACES - 1), PG(rnd(8)));
            if (e)
                e->accessed |= rnd(2) ? MDB_R | MDB_X : MDB_R | MDB_W;
            unsigned want = 0;
            int k = KEY(s, p);
            if (REC(k)->used)
                want = flush ? model_revoke(k, rights, 1)
                             : hw_status(k) | model_revoke(k, rights, 0);
            unsigned got = unmap_range(&spaces[s], PG(p), PG(1), rights, flush);
            if (got != want)
                check_fail("%s: status %u, model says %u", what, got, want);
            random_unmap_status_reset(got == want ? k : -1);
        } else {
            clear_random_space(step, what, sizeof what);
        }
        if (check_failed_now || !compare(what))
            return;
    }
    expect_all_freed();
}

/* Pieces of 4 KB and 2 MB, unmaps of a page, 16 KB, 2 MB or everything:
 * splits, smaller pieces and large grants, page by page as the model. */
static const int spots[] = { 0, 1, 2, 5, 512, 513, 515, 1020 };

CHECK_TEST(random_large_steps_match_the_model)
{
    reset();
    for (int step = 0; step < 3000; step++) {
        char what[120];
        int op = (int)rnd(100);
        if (op < 50) {
            int big = rnd(3) == 0, fs = (int)rnd(SPACES), ts = 1 + (int)rnd(SPACES - 1),
                grant = rnd(4) == 0;
            int fp = big ? 512 * (int)rnd(2) : spots[rnd(8)];
            int tp = big ? 512 * (int)rnd(2) : spots[rnd(8)];
            int n = big ? 512 : 1;
            unsigned rights = 1 + rnd(7);
            snprintf(what, sizeof what, "step %d: %s %d:%d -> %d:%d, %d pages, rights %u", step,
                     grant ? "grant" : "map", fs, fp, ts, tp, n, rights);
            for (int i = 0; i < n; i++)
                model_map(fs, fp + i, ts, tp + i, rights, grant);
            if (map_range(&spaces[fs], PG(fp), &spaces[ts], PG(tp), PG(n), rights, grant) != PG(n))
                check_fail("%s: mdb_map failed", what);
        } else if (op < 92) {
            static const int sizes[] = { 1, 1, 4, 512, PAGES };
            int n = sizes[rnd(5)], s = (int)rnd(SPACES), flush = (int)rnd(2);
            int p = n == PAGES ? 0 : n == 512 ? 512 * (int)rnd(2) : ALIGN_DOWN(spots[rnd(8)], n);
            unsigned rights = rnd(8);
            snprintf(what, sizeof what, "step %d: %s %d:%d, %d pages, rights %u", step,
                     flush ? "flush" : "unmap", s, p, n, rights);
            for (int i = 0; i < n; i++)
                if (REC(KEY(s, p + i))->used)
                    model_revoke(KEY(s, p + i), rights, flush);
            if (unmap_range(&spaces[s], PG(p), PG(n), rights, flush) != 0)
                check_fail("%s: status without accesses", what);
        } else {
            clear_random_space(step, what, sizeof what);
        }
        if (check_failed_now || !compare(what))
            return;
    }
    expect_all_freed();
}
