/* The mapping database's hooks on x86-64: nodes from a slab, node tables
 * from frames, mappings as page-table entries of the node's level (4 KB,
 * 2 MB, 1 GB). Rights to PTE bits: any right makes the page present (x86
 * cannot map write-only or execute-only), w sets W, no x sets NX when the
 * CPU has it. Access status from the PTE: A (accessed)
 * reads as r|x, D (dirty) as r|w (spec 4.12). I/O ports: a node allows
 * its port in the space's bitmap (arch/io.h). */
#include "mdb.h"
#include "arch/cpu.h"
#include "arch/mp.h"
#include "arch/io.h"
#include "arch/paging.h"
#include "kmem.h"
#include "print.h"
#include "slab.h"
#include "space.h"

static struct slab nodes = SLAB_INIT(struct mnode);

static struct space *space_of(struct mdb_space *m)
{
    size_t off = m->io ? __builtin_offsetof(struct space, io_mdb)
                       : __builtin_offsetof(struct space, mdb);
    return (struct space *)((char *)m - off);
}

/* space_claim (space.h) before an entry that a processor running the
 * space may hold in its TLB changes; one compare on one processor. Only
 * the lock's holder claims: a mapping made without the lock is one that
 * needs no claim (map_item_fresh), which this checks. */
static __attribute__((noinline)) void claim_others(struct mdb_space *m)
{
    if (!mp_holds_lock())
        panic("mdb: a mapping without the kernel lock changed an entry a TLB may hold");
    space_claim_wait(space_of(m));
}

static inline void claim(struct mdb_space *m)
{
    if (mp_cpus > 1)
        claim_others(m);
}

/* A node, and a node table, is charged to the space whose mapping it
 * serves. */
struct mnode *mdb_node_alloc(struct mdb_space *s)
{
    return kmem_object(&space_of(s)->kmem, &nodes);
}

void mdb_node_free(struct mnode *n)
{
    kmem_object_free(&space_of(mdb_node_space(n))->kmem, &nodes, n);
}

/* (A grant moves memory the sender had: the receiver takes it over even
 * past its limit, having accepted the grant.) */
void mdb_node_moved(struct mnode *n, struct mdb_space *from)
{
    kmem_uncharge(&space_of(from)->kmem, nodes.size);
    kmem_charge_anyway(&space_of(mdb_node_space(n))->kmem, nodes.size);
}

void *mdb_table_alloc(struct mdb_space *s)
{
    paddr_t f = kmem_frame(&space_of(s)->kmem);
    return f ? phys_to_virt(f) : NULL;
}

void mdb_table_free(struct mdb_space *s, void *table)
{
    kmem_frame_free(&space_of(s)->kmem, virt_to_phys(table));
}

static uint64_t pte_rights(unsigned rights)
{
    uint64_t f = PTE_P | PTE_U;
    if (rights & MDB_W)
        f |= PTE_W;
    if (!(rights & MDB_X) && paging_nx_enabled())
        f |= PTE_NX;
    return f;
}

static unsigned take_status(uint64_t *e)
{
    unsigned st = (*e & PTE_A ? MDB_R | MDB_X : 0) | (*e & PTE_D ? MDB_R | MDB_W : 0);
    *e &= ~(PTE_A | PTE_D);
    return st;
}

bool mdb_hw_map(struct mdb_space *m, vaddr_t va, paddr_t pa, unsigned level, unsigned rights)
{
    struct space *s = space_of(m);
    if (m->io)
        return io_allow(s, IO_PORT_OF(va), 1);
    uint64_t *e = paging_entry(s->pml4, va, level), big = level ? PTE_PS : 0;
    if (e && (*e & PTE_P) && (*e & PTE_ADDR) == pa) {   /* rights change only */
        claim(m);
        *e = (*e & (PTE_ADDR | PTE_PS | PTE_A | PTE_D)) | pte_rights(rights);
        user_tlb_flush(va);
        return true;
    }
    if (e && !(*e & PTE_P)) {                           /* the tables are there */
        *e = pa | big | pte_rights(rights);
        invlpg(va);                     /* (no TLB holds a not-present entry: */
        return true;                    /* the other processors need no flush) */
    }
    if (level)
        claim(m);                       /* (an empty table may make way) */
    return space_map(s, va, pa, mdb_level_shift(level), pte_rights(rights) & ~(PTE_P | PTE_U));
}

unsigned mdb_hw_protect(struct mdb_space *m, vaddr_t va, unsigned level, unsigned rights)
{
    if (m->io)
        return 0;                       /* a port has no rights but "there" */
    uint64_t *e = paging_entry(space_of(m)->pml4, va, level);
    if (!e || !(*e & PTE_P))
        return 0;
    claim(m);
    unsigned st = take_status(e);
    *e = (*e & (PTE_ADDR | PTE_PS)) | pte_rights(rights);
    user_tlb_flush(va);
    return st;
}

unsigned mdb_hw_unmap(struct mdb_space *m, vaddr_t va, unsigned level)
{
    if (m->io) {
        io_deny(space_of(m), IO_PORT_OF(va), 1);
        return 0;
    }
    uint64_t *e = paging_entry(space_of(m)->pml4, va, level);
    if (!e || !(*e & PTE_P))
        return 0;
    claim(m);
    unsigned st = take_status(e);
    *e = 0;
    user_tlb_flush(va);
    return st;
}

bool mdb_hw_split(struct mdb_space *m, vaddr_t va, unsigned level)
{
    struct space *s = space_of(m);
    claim(m);
    return paging_split(s->pml4, va, level, &s->kmem);
}
