/* Kernel start-up: from the multiboot hand-over to the first user thread. */
#include "arch/context.h"
#include "arch/console.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/intctl.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/pic.h"
#include "arch/smp.h"
#include "arch/timer.h"
#include "bootinfo.h"
#include "arch/gdt.h"
#include "arch/io.h"
#include "bootmem.h"
#include "kdebug.h"
#include "kip.h"
#include "kmem.h"
#include "print.h"
#include "roottasks.h"
#include "sched.h"
#include "section.h"
#include "selftest.h"

__boot static const void *boot_view(paddr_t p)
{
    if (p >= (1UL << 30))
        panic("boot: boot data at %lx lies above the early 1 GB map", p);
    return phys_to_virt(p);
}

/* True if the command line contains `word` as a whole word. */
__boot static bool cmdline_has(const char *cmdline, const char *word)
{
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *w = word;
        while (*w && *p == *w)
            p++, w++;
        if (!*w && (*p == ' ' || *p == '\0'))
            return true;
        while (*p && *p != ' ')
            p++;
    }
    return false;
}

__boot NORETURN void kmain(uint32_t magic, uint32_t mbi_phys)
{
    console_init();
    kprintf("\nPecan L4 X.2 microkernel (x86-64), built " __DATE__ " " __TIME__ "\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not started by a multiboot loader (eax = %x, expected %x)", magic,
              MULTIBOOT_BOOTLOADER_MAGIC);

    static struct boot_desc bd __bootdata;
    const char *err = multiboot_parse(mbi_phys, boot_view, &bd);
    if (err)
        panic("boot: %s", err);
    kprintf("boot: command line \"%s\", %zu modules\n", bd.cmdline, bd.nmodules);
    kdb_mode = cmdline_has(bd.cmdline, "kdb=all") ? KDB_ENTER_ALL
               : cmdline_has(bd.cmdline, "kdb")   ? KDB_ENTER_PRIVILEGED
                                                  : KDB_ENTER_HALTS;

    gdt_init();
    idt_init();

    struct elf_image images[2];
    roottasks_load(&bd, images);
    struct boot_image ranges[2] = { { images[0].low, images[0].high },
                                    { images[1].low, images[1].high } };
    bootmem_init(&bd, ranges, 2);
    paging_init(bootmem_top());
    bool all_ports = cmdline_has(bd.cmdline, "ioports=all");
    io_init(all_ports);
    gdt_load_tss(IO_CPU_TSS(0), true);
    if (all_ports)
        kprintf("boot: every user thread may use every I/O port (ioports=all)\n");
    bool fast = !cmdline_has(bd.cmdline, "nofastpath");
    arch_cpu_init(fast);
    if (!fast)
        kprintf("boot: IPC fast path off (nofastpath)\n");
    pic_init();
    timer_init();
    intctl_init();
    kprintf("interrupts: ISA lines through the %s\n", intctl_name());
    smp_boot();

    kip_init();
    paddr_t bootinfo = bootmem_take_info_page();
    bootmem_describe(&bd, ranges, 2);
    roottasks_place(&bd, images);
    bootinfo_build(bootinfo, &bd, mbi_phys, images, 2);
    kip_set_word(KIP_BOOT_INFO, bootinfo);

    sched_init();
    struct tcb *root = roottasks_start(images, bootinfo);
    selftest_run(cmdline_has(bd.cmdline, "selftest=smap"), cmdline_has(bd.cmdline, "selftest=smep"),
                 cmdline_has(bd.cmdline, "selftest=wx"),
                 root, images[1].entry);
    kprintf("boot: starting sigma0 at %lx and the root task at %lx\n", images[0].entry,
            images[1].entry);
    bootmem_release();
    sched_start();
}
