/* Address spaces: page tables plus the KIP and UTCB areas. */
#pragma once
#include "arch/smp.h"
#include "account.h"
#include "arch/mp.h"
#include "mdb.h"
#include "types.h"

struct space {
    paddr_t pml4;             /* its root on the boot processor */
    paddr_t cpu_root[MAX_CPUS];  /* on the others, made when a thread of it goes there:
                               * the same user half, that processor's PML4 511 */
    uint32_t cpus;            /* the processors it may run on (a bit each): those
                               * of its roots that space_root handed out */
    word_t kip_area;          /* fpage; 0 until initialised */
    word_t utcb_area;         /* fpage */
    unsigned nthreads;
    unsigned active_threads;  /* of them with a UTCB */
    bool unix_abi;            /* runs Linux programs (unix.h, pecan/spacectl.h "UX") */
    bool privileged;          /* sigma0, root task (spec 0: "privileged space") */
    bool sigma0;              /* faults resolved idempotently by the kernel */
    struct mdb_space mdb;     /* this space's mappings in the mapping database */
    struct mdb_space io_mdb;  /* and its I/O ports (arch/io.h) */
    word_t redirector;        /* global id of the redirector (appendix C); 0: none */
    paddr_t io_window;        /* arch: its own I/O window (port bitmap); 0: none */
    struct kmem_account kmem; /* the kernel memory it caused, and its limit */
};

/* A new space whose kernel memory may grow to `limit` bytes (the space
 * itself is charged to it too); NULL when out of memory. */
struct space *space_create(size_t limit);

/* The limit of spaces ThreadControl creates: a share of the kernel pool. */
size_t space_default_kmem_limit(void);

/* Its root on processor `cpu` (made, and charged, on first use); 0 when
 * out of memory. */
paddr_t space_root(struct space *s, unsigned cpu);

/* The kernel lock's holder is about to change the space's page tables
 * where a processor running it may hold the old entries (or freed
 * tables): every processor it may run on is claimed (arch/mp.h). */
void space_claim_wait(struct space *s);
static inline void space_claim(struct space *s)
{
    if (mp_cpus > 1)
        space_claim_wait(s);
}

/* paging_map_user for the space: the same in all its roots. */
bool space_map(struct space *s, vaddr_t va, paddr_t pa, unsigned size_log2, uint64_t flags);

/* Its roots take top-level entry of `va` from the boot processor's. */
void space_sync_roots(struct space *s, vaddr_t va);

/* Free the page tables and UTCB pages of a space without threads. */
void space_destroy(struct space *s);

/* Initialise the KIP and UTCB areas (SpaceControl's first call) and map
 * the KIP. Returns an X.2 error code (0 = ok). */
int space_init_areas(struct space *s, word_t kip_fpage, word_t utcb_fpage);

/* Kernel pointer to the UTCB whose user address is `loc`, backing and
 * mapping its page on first use. NULL when out of memory. */
void *space_utcb(struct space *s, vaddr_t loc);

/* Set (id) or switch off (0) the space's redirector (appendix C). */
void space_set_redirector(struct space *s, word_t id);

/* Must the space's threads send on the general path? With a redirector
 * (it supervises their IPC), and sigma0's: were it ever blocked by the
 * fast path, an unprivileged sender could reach it there (ipc.c serves
 * it to privileged spaces only). */
static inline bool space_no_fast_send(const struct space *s)
{
    return s->redirector || s->sigma0;
}
