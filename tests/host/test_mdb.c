/* The mapping database against a plain reference model: thousands of
 * random map, grant, unmap, flush and space-clear steps over a small
 * universe (4 spaces x 8 pages, space 0 is sigma0 with 8 frames), with
 * the database, the model and the "hardware" (what the mdb_hw hooks were
 * told) compared after every step. */
#define CHECK_SUITE "mdb"
#include "check.h"
#include "mdb.h"

#define SPACES 4
#define PAGES 8
#define PG(i) ((vaddr_t)(i) * 4096)

/* ---- the hardware the hooks drive --------------------------------------- */

static struct mdb_space spaces[SPACES];
struct hw_entry {
    int present;
    paddr_t pa;
    unsigned rights, accessed;      /* accessed: status bits a test "caused" */
};
static struct hw_entry hw[SPACES][PAGES];
static long live_nodes;
static long charged[SPACES];        /* nodes charged to each space (kernel memory) */

static int sidx(const struct mdb_space *s) { return (int)(s - spaces); }

struct mnode *mdb_node_alloc(struct mdb_space *s)
{
    live_nodes++;
    charged[sidx(s)]++;
    return calloc(1, sizeof(struct mnode));
}

void mdb_node_free(struct mnode *n)
{
    live_nodes--;
    charged[sidx(n->space)]--;
    memset(n, 0x5A, sizeof *n);     /* use after free shows up */
    free(n);
}

void mdb_node_moved(struct mnode *n, struct mdb_space *from)
{
    charged[sidx(from)]--;
    charged[sidx(n->space)]++;
}

static int hw_out_of_memory;        /* the next mdb_hw_map fails */

bool mdb_hw_map(struct mdb_space *s, vaddr_t va, paddr_t pa, unsigned rights)
{
    if (hw_out_of_memory) {
        hw_out_of_memory = 0;
        return false;
    }
    struct hw_entry *e = &hw[sidx(s)][va / 4096];
    if (!e->present || e->pa != pa)
        e->accessed = 0;
    e->present = 1;
    e->pa = pa;
    e->rights = rights;
    return true;
}

unsigned mdb_hw_protect(struct mdb_space *s, vaddr_t va, unsigned rights)
{
    struct hw_entry *e = &hw[sidx(s)][va / 4096];
    if (!e->present)
        check_fail("protect of absent page %d:%lx", sidx(s), (unsigned long)va);
    e->rights = rights;
    unsigned st = e->accessed;
    e->accessed = 0;
    return st;
}

unsigned mdb_hw_unmap(struct mdb_space *s, vaddr_t va)
{
    struct hw_entry *e = &hw[sidx(s)][va / 4096];
    if (!e->present)
        check_fail("unmap of absent page %d:%lx", sidx(s), (unsigned long)va);
    unsigned st = e->accessed;
    *e = (struct hw_entry){ 0 };
    return st;
}

/* ---- the reference model: a table of mappings, recursion everywhere ---- */

struct rec {
    int used, parent;           /* parent: index or -1 */
    paddr_t pa;
    unsigned rights;
};
static struct rec model[SPACES][PAGES];     /* sigma0: page i = frame i */

#define KEY(s, p) ((s) * PAGES + (p))
#define REC(k) (&model[(k) / PAGES][(k) % PAGES])

static unsigned model_status(int k);

static unsigned model_delete(int k)    /* k and everything below it */
{
    unsigned st = 0;
    for (int c = 0; c < SPACES * PAGES; c++)
        if (REC(c)->used && REC(c)->parent == k)
            st |= model_delete(c);
    if (k / PAGES != 0) {
        st |= hw[k / PAGES][k % PAGES].accessed;
    }
    REC(k)->used = 0;
    return st;
}

static unsigned model_revoke(int k, unsigned rights, int self)
{
    unsigned st = 0;
    if (self) {
        unsigned left = REC(k)->rights & ~rights;
        if (!left)
            return model_delete(k);
        REC(k)->rights = left;
        if (k / PAGES != 0)
            st |= hw[k / PAGES][k % PAGES].accessed;
    }
    for (int c = 0; c < SPACES * PAGES; c++)
        if (REC(c)->used && REC(c)->parent == k)
            st |= model_revoke(c, rights, 1);
    return st;
}

static unsigned model_status(int k)
{
    return k / PAGES ? hw[k / PAGES][k % PAGES].accessed : 0;
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
        for (int c = 0; c < SPACES * PAGES; c++)
            if (REC(c)->used && REC(c)->parent == src)
                REC(c)->parent = REC(src)->parent;
        REC(src)->used = 0;
        return;
    }
    if (old->used)
        model_delete(dst);
    if (grant) {
        *REC(dst) = *REC(src);
        for (int c = 0; c < SPACES * PAGES; c++)
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
    long nodes = 0;
    for (int s = 0; s < SPACES; s++)
        for (int p = 0; p < PAGES; p++) {
            struct rec *r = &model[s][p];
            struct mnode *n = mdb_lookup(&spaces[s], PG(p));
            nodes += r->used;
            if (!r->used != !n) {
                check_fail("%s: page %d:%d is %s in the model, %s in the database", step, s, p,
                           r->used ? "mapped" : "absent", n ? "mapped" : "absent");
                return 0;
            }
            if (!n)
                continue;
            int np = n->parent ? KEY(sidx(n->parent->space), (int)(n->parent->va / 4096)) : -1;
            if (n->pa != r->pa || n->rights != r->rights || np != r->parent) {
                check_fail("%s: page %d:%d: model pa %lx rights %u parent %d, database "
                           "pa %lx rights %u parent %d", step, s, p, (unsigned long)r->pa,
                           r->rights, r->parent, (unsigned long)n->pa, n->rights, np);
                return 0;
            }
            if (s != 0 && (!hw[s][p].present || hw[s][p].pa != r->pa ||
                           hw[s][p].rights != r->rights)) {
                check_fail("%s: page %d:%d: hardware does not match the mapping", step, s, p);
                return 0;
            }
        }
    for (int s = 1; s < SPACES; s++)
        for (int p = 0; p < PAGES; p++)
            if (hw[s][p].present && !model[s][p].used) {
                check_fail("%s: page %d:%d left in the hardware", step, s, p);
                return 0;
            }
    if (nodes != live_nodes) {
        check_fail("%s: %ld mappings in the model, %ld nodes allocated", step, nodes, live_nodes);
        return 0;
    }
    for (int s = 0; s < SPACES; s++) {
        long mine = 0;
        for (int p = 0; p < PAGES; p++)
            mine += model[s][p].used;
        if (charged[s] != mine) {
            check_fail("%s: space %d has %ld mappings, %ld nodes charged to it", step, s, mine,
                       charged[s]);
            return 0;
        }
    }
    return 1;
}

static void reset(void)
{
    for (int s = 0; s < SPACES; s++) {
        mdb_space_clear(&spaces[s]);
        spaces[s] = (struct mdb_space){ .sigma0 = s == 0 };
    }
    memset(model, 0, sizeof model);
    memset(hw, 0, sizeof hw);
}

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) % n;
}

/* ---- tests ------------------------------------------------------------------ */

CHECK_TEST(map_chain_and_flush_from_the_middle)
{
    reset();
    EXPECT(mdb_map(&spaces[0], PG(3), &spaces[1], PG(0), 7, false));   /* s0 -> A */
    EXPECT(mdb_map(&spaces[1], PG(0), &spaces[2], PG(1), 5, false));   /* A -> B, r-x */
    EXPECT(mdb_map(&spaces[2], PG(1), &spaces[3], PG(2), 7, false));   /* B -> C: gets r-x */
    struct mnode *c = mdb_lookup(&spaces[3], PG(2));
    EXPECT(c != NULL);
    if (!c)
        return;
    EXPECT_EQ(c->rights, 5);
    EXPECT_EQ(c->pa, PG(3));
    mdb_unmap(&spaces[1], PG(0), 7, false);        /* A revokes: B and C go */
    EXPECT(mdb_lookup(&spaces[2], PG(1)) == NULL);
    EXPECT(mdb_lookup(&spaces[3], PG(2)) == NULL);
    EXPECT(mdb_lookup(&spaces[1], PG(0)) != NULL);  /* A keeps its own */
    EXPECT_EQ(live_nodes, 2);                       /* sigma0 root + A */
}

/* Seed 002 figure 1: f1 maps to F, F grants to A; a flush by sigma0 (the
 * standard pager) removes it from f1 and A; a flush by f1 only from A. */
CHECK_TEST(grant_example_of_the_paper)
{
    reset();
    struct mdb_space *s0 = &spaces[0], *f1 = &spaces[1], *F = &spaces[2], *A = &spaces[3];
    mdb_map(s0, PG(5), f1, PG(0), 7, false);
    mdb_map(f1, PG(0), F, PG(0), 7, false);
    mdb_map(F, PG(0), A, PG(4), 7, true);           /* grant */
    EXPECT(mdb_lookup(F, PG(0)) == NULL);
    EXPECT(mdb_lookup(A, PG(4)) != NULL);
    mdb_unmap(f1, PG(0), 7, false);
    EXPECT(mdb_lookup(A, PG(4)) == NULL);
    EXPECT(mdb_lookup(f1, PG(0)) != NULL);
    mdb_map(f1, PG(0), A, PG(4), 7, false);
    mdb_unmap(s0, PG(5), 7, false);                 /* sigma0 flushes below itself */
    EXPECT(mdb_lookup(f1, PG(0)) == NULL);
    EXPECT(mdb_lookup(A, PG(4)) == NULL);
    EXPECT(!hw[1][0].present && !hw[3][4].present);
}

CHECK_TEST(partial_revocation_keeps_the_rest)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(1), 7, false);
    mdb_map(&spaces[1], PG(1), &spaces[2], PG(1), 7, false);
    mdb_unmap(&spaces[1], PG(1), MDB_W, false);
    EXPECT_EQ(hw[2][1].rights, MDB_R | MDB_X);
    EXPECT_EQ(hw[1][1].rights, 7);                  /* no flush: own stays */
    mdb_unmap(&spaces[1], PG(1), MDB_X, true);
    EXPECT_EQ(hw[1][1].rights, MDB_R | MDB_W);
    EXPECT_EQ(hw[2][1].rights, MDB_R);
}

CHECK_TEST(status_is_gathered_and_reset)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(1), 7, false);
    mdb_map(&spaces[1], PG(1), &spaces[2], PG(6), 7, false);
    hw[2][6].accessed = MDB_R | MDB_W;              /* B wrote the page */
    EXPECT_EQ(mdb_unmap(&spaces[1], PG(1), 0, false), MDB_R | MDB_W);
    EXPECT_EQ(mdb_unmap(&spaces[1], PG(1), 0, false), 0);   /* reset by reading */
    EXPECT(hw[2][6].present);                       /* rwx = 0 revokes nothing */
}

CHECK_TEST(remap_replaces_another_frame)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(0), 7, false);
    mdb_map(&spaces[1], PG(0), &spaces[2], PG(0), 7, false);
    mdb_map(&spaces[0], PG(2), &spaces[1], PG(0), 7, false);  /* other frame over it */
    EXPECT_EQ(hw[1][0].pa, PG(2));
    EXPECT(!hw[2][0].present);                      /* derived from the old one: gone */
}

/* A mapping the hardware could not take (no memory for a page table)
 * leaves no node behind: the same map later, with memory, makes it. */
CHECK_TEST(failed_hardware_mapping_leaves_no_node)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(0), 7, false);
    hw_out_of_memory = 1;
    EXPECT(!mdb_map(&spaces[1], PG(0), &spaces[2], PG(5), 7, false));
    EXPECT(mdb_lookup(&spaces[2], PG(5)) == NULL);
    EXPECT_EQ(live_nodes, 2);
    EXPECT(mdb_map(&spaces[1], PG(0), &spaces[2], PG(5), 7, false));
    EXPECT(hw[2][5].present);
    hw_out_of_memory = 1;                           /* a grant that fails */
    EXPECT(!mdb_map(&spaces[2], PG(5), &spaces[3], PG(2), 7, true));
    EXPECT(mdb_lookup(&spaces[2], PG(5)) == NULL && mdb_lookup(&spaces[3], PG(2)) == NULL);
    EXPECT(!hw[2][5].present && !hw[3][2].present);
    EXPECT_EQ(live_nodes, 2);
}

CHECK_TEST(clear_space_removes_derived_mappings)
{
    reset();
    mdb_map(&spaces[0], PG(1), &spaces[1], PG(0), 7, false);
    mdb_map(&spaces[1], PG(0), &spaces[2], PG(3), 7, false);
    mdb_map(&spaces[2], PG(3), &spaces[3], PG(3), 7, false);
    mdb_space_clear(&spaces[2]);
    EXPECT(hw[1][0].present);
    EXPECT(!hw[2][3].present && !hw[3][3].present);
    EXPECT_EQ(live_nodes, 2);
}

CHECK_TEST(random_steps_match_the_model)
{
    reset();
    for (int step = 0; step < 20000; step++) {
        char what[96];
        int op = (int)rnd(100);
        if (op < 45) {
            int fs = (int)rnd(SPACES), fp = (int)rnd(PAGES), ts = 1 + (int)rnd(SPACES - 1),
                tp = (int)rnd(PAGES), grant = rnd(4) == 0;
            unsigned rights = 1 + rnd(7);
            snprintf(what, sizeof what, "step %d: %s %d:%d -> %d:%d rights %u", step,
                     grant ? "grant" : "map", fs, fp, ts, tp, rights);
            model_map(fs, fp, ts, tp, rights, grant);
            if (!mdb_map(&spaces[fs], PG(fp), &spaces[ts], PG(tp), rights, grant))
                check_fail("%s: mdb_map failed", what);
        } else if (op < 90) {
            int s = (int)rnd(SPACES), p = (int)rnd(PAGES), flush = (int)rnd(2);
            unsigned rights = rnd(8);
            snprintf(what, sizeof what, "step %d: %s %d:%d rights %u", step,
                     flush ? "flush" : "unmap", s, p, rights);
            /* some accesses happened somewhere */
            int as = 1 + (int)rnd(SPACES - 1), ap = (int)rnd(PAGES);
            if (hw[as][ap].present)
                hw[as][ap].accessed |= rnd(2) ? MDB_R | MDB_X : MDB_R | MDB_W;
            unsigned want = 0;
            int k = KEY(s, p);
            if (REC(k)->used) {
                if (flush)
                    want = model_revoke(k, rights, 1);
                else
                    want = model_status(k) | model_revoke(k, rights, 0);
            }
            unsigned got = mdb_unmap(&spaces[s], PG(p), rights, flush);
            if (got != want)
                check_fail("%s: status %u, model says %u", what, got, want);
            /* the model read the status without resetting it; do so */
            for (int a = 1; a < SPACES; a++)
                for (int b = 0; b < PAGES; b++)
                    if (!REC(KEY(a, b))->used)
                        hw[a][b].accessed = 0;
            if (got == want && REC(k)->used)
                for (int a = 1; a < SPACES; a++)
                    for (int b = 0; b < PAGES; b++)
                        if (REC(KEY(a, b))->used &&
                            (KEY(a, b) == k || model_is_ancestor(k, KEY(a, b))))
                            hw[a][b].accessed = 0;
        } else {
            int s = 1 + (int)rnd(SPACES - 1);
            snprintf(what, sizeof what, "step %d: clear space %d", step, s);
            for (int p = 0; p < PAGES; p++)
                if (model[s][p].used)
                    model_delete(KEY(s, p));
            mdb_space_clear(&spaces[s]);
        }
        if (check_failed_now || !compare(what))
            return;
    }
    reset();
    EXPECT_EQ(live_nodes, 0);
}
