/* Test hooks on the kernel command line, for the fatal-boot tests of
 * make test (docs/security.md): the kernel does what it must never do and
 * the CPU's protection has to stop it with a panic.
 *
 *   selftest=smap   read the root task's first instruction through its
 *                   user address, outside a stac window
 *   selftest=smep   call the root task's entry point in ring 0
 *   selftest=wx     call a kernel-pool frame through the kernel image
 *                   window (KERNEL_VMA + physical), where only the image's
 *                   code may be executable (paging.c, image_window)
 *
 * Without the protection the boot goes on, saying so, and the test fails. */
#include "selftest.h"
#include "section.h"
#include "arch/paging.h"
#include "frame.h"
#include "kmem.h"
#include "print.h"
#include "space.h"
#include "tcb.h"

__boot void selftest_run(bool smap, bool smep, bool wx, const struct tcb *root, word_t entry)
{
    if (wx) {
        paddr_t frame = frame_alloc();      /* a `ret`, written through the direct map */
        *(volatile uint8_t *)phys_to_virt(frame) = 0xC3;
        kprintf("selftest: executing kernel-pool frame %lx at %lx\n", frame, KERNEL_VMA + frame);
        ((void (*)(void))(KERNEL_VMA + frame))();
        kprintf("selftest: the kernel image window executed a pool frame\n");
    }
    if (!smap && !smep)
        return;
    paging_switch(root->space->pml4);
    if (smap) {
        kprintf("selftest: reading user memory at %lx outside a stac window\n", entry);
        uint8_t byte = *(volatile const uint8_t *)entry;
        kprintf("selftest: SMAP did not stop it (read %02x)\n", byte);
    }
    if (smep) {
        /* a `ret` there (through the direct map: the root task's image
         * lies at virtual = physical), so that without SMEP the call
         * comes back */
        *(volatile uint8_t *)phys_to_virt(entry) = 0xC3;
        kprintf("selftest: executing user memory at %lx in ring 0\n", entry);
        ((void (*)(void))entry)();
        kprintf("selftest: SMEP did not stop it\n");
    }
}
