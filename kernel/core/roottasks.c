/* Starting the initial servers (spec 9.2): sigma0 and the root task, each
 * in a new privileged space with the root servers' KIP and UTCB areas. */
#include "roottasks.h"
#include "section.h"
#include "arch/context.h"
#include "arch/paging.h"
#include "bootmem.h"
#include "fpage.h"
#include "kip.h"
#include "kmem.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "threadid.h"
#include "arch/io.h"
#include "mdb.h"
#include "utcb.h"

#define ROOT_KIP_AREA  0xBFF00000UL
#define ROOT_UTCB_AREA 0xBF000000UL
#define ROOT_UTCB_LOG2 18

__boot static void place_segment(void *ctx, paddr_t pa, const void *src, uint64_t filesz,
                                 uint64_t memsz)
{
    (void)ctx;
    uint8_t *dst = phys_to_virt(pa);
    const uint8_t *s = src;
    for (uint64_t i = 0; i < memsz; i++)
        dst[i] = i < filesz ? s[i] : 0;
}

__boot void roottasks_load(const struct boot_desc *bd, struct elf_image images[2])
{
    static const char *const what[2] = { "sigma0", "root task" };
    if (bd->nmodules < 2)
        panic("boot: need at least two modules (sigma0, root task), got %zu", bd->nmodules);
    for (int i = 0; i < 2; i++) {
        const struct boot_module *m = &bd->modules[i];
        const char *err = elf_inspect(phys_to_virt(m->start), m->end - m->start, &images[i]);
        if (err)
            panic("boot: %s (module %d, \"%s\"): %s", what[i], i, m->cmdline, err);
        if (images[i].vlow != images[i].low)
            panic("boot: %s must be linked virtual = physical (vaddr %lx, paddr %lx)",
                  what[i], images[i].vlow, images[i].low);
    }
}

__boot void roottasks_place(const struct boot_desc *bd, struct elf_image images[2])
{
    for (int i = 0; i < 2; i++) {
        const struct boot_module *m = &bd->modules[i];
        elf_load(phys_to_virt(m->start), m->end - m->start, place_segment, NULL, &images[i]);
    }
    kip_set_word(KIP_SIGMA0 + 8, images[0].entry);
    kip_set_word(KIP_SIGMA0 + 16, images[0].low);
    kip_set_word(KIP_SIGMA0 + 24, images[0].high);
    kip_set_word(KIP_ROOT + 8, images[1].entry);
    kip_set_word(KIP_ROOT + 16, images[1].low);
    kip_set_word(KIP_ROOT + 24, images[1].high);
}

__boot static struct tcb *start_server(word_t number, word_t entry, word_t pager, word_t scheduler,
                                       bool sigma0)
{
    struct space *s = space_create(KMEM_UNLIMITED);
    if (!s)
        panic("boot: out of kernel memory creating a root server's space");
    s->privileged = true;
    s->sigma0 = sigma0;
    s->mdb.sigma0 = sigma0;
    s->io_mdb.sigma0 = sigma0;
    if (sigma0 && !io_allow(s, 0, IO_PORTS))
        panic("boot: out of kernel memory for sigma0's I/O ports");
    int err = space_init_areas(s, fpage_make(ROOT_KIP_AREA, 12, 0),
                               fpage_make(ROOT_UTCB_AREA, ROOT_UTCB_LOG2, 0));
    if (err)
        panic("boot: initialising a root server's space failed (error %d)", err);
    struct tcb *t = tcb_create(tid_make(number, 1), s, 255);
    if (!t || !tcb_activate(t, ROOT_UTCB_AREA, pager))
        panic("boot: out of kernel memory creating a root server's thread");
    t->scheduler = scheduler ? scheduler : t->global_id;
    t->start_wait = false;              /* root servers start at once */
    arch_thread_init_user(t, entry, 0);
    t->state = TS_READY;
    sched_make_ready(t);
    return t;
}

__boot static bool map_from_sigma0(struct tcb *s0, struct tcb *to, paddr_t base, paddr_t end,
                                   unsigned rights)
{
    for (paddr_t p = ALIGN_DOWN(base, PAGE_SIZE); p < end; p += PAGE_SIZE)
        if (!mdb_map(&s0->space->mdb, p, &to->space->mdb, p, 0, rights, false))
            return false;
    return true;
}

__boot struct tcb *roottasks_start(const struct elf_image images[2], paddr_t bootinfo)
{
    word_t root_id = tid_make(USER_BASE + 2, 1);
    struct tcb *s0 = start_server(USER_BASE, images[0].entry, NILTHREAD, root_id, true);
    s0->name = "sigma0";
    struct tcb *root = start_server(USER_BASE + 2, images[1].entry, s0->global_id, 0, false);
    root->name = "root";
    /* The root task starts with its image and the boot information
     * mapped 1:1 from sigma0, as if it had faulted them in. */
    if (!map_from_sigma0(s0, root, images[1].low, images[1].high, MDB_R | MDB_W | MDB_X) ||
        !map_from_sigma0(s0, root, bootinfo, bootinfo + PAGE_SIZE, MDB_R))
        panic("boot: out of kernel memory mapping the root task");
    return root;
}
