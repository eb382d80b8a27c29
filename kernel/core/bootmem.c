/* Physical memory layout at boot. */
#include "bootmem.h"
#include "section.h"
#include "frame.h"
#include "kip.h"
#include "kmem.h"
#include "print.h"

extern char _kernel_phys_start[], _kernel_phys_end[], _boot_end[];

/* What RAM there is and what of it is still free: needed at boot only. */
static struct range_set usable __bootdata, free_mem __bootdata;
static paddr_t info_page __bootdata;
/* The kernel's memory: user mappings must stay clear of it. */
static struct range_set kernel_mem;

__boot static void reserve(paddr_t base, paddr_t end)
{
    if (!range_remove(&free_mem, ALIGN_DOWN(base, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE)))
        panic("boot: too many memory ranges");
}

__boot static void reserve_boot_data(const struct boot_desc *bd)
{
    reserve(0, 0x100000);                       /* BIOS data, real-mode area, ROMs */
    reserve((paddr_t)_kernel_phys_start, (paddr_t)_kernel_phys_end);
    reserve(bd->info_start, bd->info_end);
    reserve(bd->mmap_start, bd->mmap_end);
    reserve(bd->mods_start, bd->mods_end);
    reserve(bd->cmdline_start, bd->cmdline_end);
    for (size_t i = 0; i < bd->nmodules; i++) {
        reserve(bd->modules[i].start, bd->modules[i].end);
        reserve(bd->modules[i].cmdline_start, bd->modules[i].cmdline_end);
    }
}

__boot static void check_image(const struct boot_desc *bd, const struct boot_image *im, size_t idx)
{
    if (!range_contains(&usable, ALIGN_DOWN(im->low, PAGE_SIZE), ALIGN_UP(im->high, PAGE_SIZE)))
        panic("boot: module %zu loads at %lx-%lx, which is not usable RAM", idx, im->low, im->high);
    if (im->low < (paddr_t)_kernel_phys_end && (paddr_t)_kernel_phys_start < im->high)
        panic("boot: module %zu loads at %lx-%lx, over the kernel image", idx, im->low, im->high);
    for (size_t m = 0; m < bd->nmodules; m++)
        if (im->low < bd->modules[m].end && bd->modules[m].start < im->high)
            panic("boot: module %zu loads at %lx-%lx, over module %zu at %lx-%lx "
                  "(give the machine more memory or fewer modules)",
                  idx, im->low, im->high, m, bd->modules[m].start, bd->modules[m].end);
}

/* A loader puts the modules one after the other above the kernel (QEMU
 * does); a large one can then lie where sigma0 or the root task must be
 * loaded (their link addresses, 0xF00000 and 0x1000000). Such a module
 * moves to the highest free memory below 1 GB (the early direct map)
 * before anything is loaded; the boot information then names it there. */
__boot static void move_modules_off_the_images(struct boot_desc *bd,
                                               const struct boot_image *images, size_t nimages)
{
    for (size_t m = 0; m < bd->nmodules; m++) {
        struct boot_module *mod = &bd->modules[m];
        bool in_the_way = false;
        for (size_t i = 0; i < nimages; i++)
            in_the_way |= images[i].low < mod->end && mod->start < images[i].high;
        if (!in_the_way)
            continue;
        size_t size = ALIGN_UP(mod->end - ALIGN_DOWN(mod->start, 8), PAGE_SIZE);
        paddr_t to = range_find_top(&free_mem, size, PAGE_SIZE, 1UL << 30);
        if (!to)
            panic("boot: module %zu (%lx-%lx) lies where a root server loads, and there is "
                  "no room to move it (give the machine more memory)", m, mod->start, mod->end);
        reserve(to, to + size);
        copy_words(phys_to_virt(to), phys_to_virt(ALIGN_DOWN(mod->start, 8)),
                   (mod->end - ALIGN_DOWN(mod->start, 8) + 7) / 8);
        kprintf("boot: module %zu moved from %lx to %lx (a root server loads there)\n", m,
                mod->start, to + mod->start % 8);
        mod->end = to + mod->start % 8 + (mod->end - mod->start);
        mod->start = to + mod->start % 8;
    }
}

__boot void bootmem_init(struct boot_desc *bd, const struct boot_image *images, size_t nimages)
{
    for (size_t i = 0; i < bd->nregions; i++)
        if (bd->regions[i].type == 1)
            range_add(&usable, ALIGN_UP(bd->regions[i].base, PAGE_SIZE),
                      ALIGN_DOWN(bd->regions[i].end, PAGE_SIZE));
    if (usable.n == 0)
        panic("boot: the memory map lists no usable RAM");
    free_mem = usable;
    reserve_boot_data(bd);
    for (size_t i = 0; i < nimages; i++)
        reserve(images[i].low, images[i].high);
    move_modules_off_the_images(bd, images, nimages);
    for (size_t i = 0; i < nimages; i++)
        check_image(bd, &images[i], i);

    /* The kernel pool: an eighth of RAM within [KMEM_MIN, KMEM_MAX], as
     * high as possible below 1 GB (all the early direct map covers). */
    paddr_t ram = 0;
    for (size_t i = 0; i < usable.n; i++)
        ram += usable.r[i].end - usable.r[i].base;
    size_t size = ALIGN_UP(MIN(MAX(ram / 8, KMEM_MIN), KMEM_MAX), SUPERPAGE_SIZE);
    paddr_t base = range_find_top(&free_mem, size, SUPERPAGE_SIZE, 1UL << 30);
    if (!base)
        panic("boot: no room for the %zu MB kernel memory pool below 1 GB (RAM: %lu MB)",
              size >> 20, ram >> 20);
    reserve(base, base + size);
    range_add(&kernel_mem, base, base + size);
    range_add(&kernel_mem, (paddr_t)_kernel_phys_start, (paddr_t)_kernel_phys_end);

    struct range_set pool = { 0 };
    range_add(&pool, base, base + size);
    frame_init(&pool, phys_to_virt);
    kprintf("memory: %lu MB usable, kernel pool %lx-%lx (%zu MB)\n", ram >> 20, base,
            base + size, size >> 20);
}

__boot paddr_t bootmem_take_info_page(void)
{
    info_page = range_find_top(&free_mem, PAGE_SIZE, PAGE_SIZE, 1UL << 30);
    if (!info_page)
        panic("boot: no free page for the boot information");
    reserve(info_page, info_page + PAGE_SIZE);
    return info_page;
}

__boot void bootmem_describe(const struct boot_desc *bd, const struct boot_image *images,
                             size_t nimages)
{
    /* Device memory by default, then what the firmware reports. */
    kip_add_memory(MEMDESC_SHARED, 0, false, 0, ~0UL);
    for (size_t i = 0; i < bd->nregions; i++) {
        const struct boot_region *r = &bd->regions[i];
        if (r->type == 1)
            kip_add_memory(MEMDESC_CONVENTIONAL, 0, false, r->base, r->end);
        else
            kip_add_memory(MEMDESC_ARCH, r->type, false, r->base, r->end);
    }
    kip_add_memory(MEMDESC_SHARED, 0, false, 0xA0000, 0xF0000);   /* VGA and ROMs */
    for (size_t m = 0; m < bd->nmodules; m++)
        kip_add_memory(MEMDESC_BOOTLOADER, BOOTLOADER_MODULE, false,
                       ALIGN_DOWN(bd->modules[m].start, PAGE_SIZE),
                       ALIGN_UP(bd->modules[m].end, PAGE_SIZE));
    for (size_t i = 0; i < nimages; i++)
        kip_add_memory(MEMDESC_BOOTLOADER, BOOTLOADER_INIT_SERVER, false,
                       ALIGN_DOWN(images[i].low, PAGE_SIZE), ALIGN_UP(images[i].high, PAGE_SIZE));
    kip_add_memory(MEMDESC_BOOTLOADER, BOOTLOADER_INIT_TABLE, false,
                   ALIGN_DOWN(bd->info_start, PAGE_SIZE), ALIGN_UP(bd->info_end, PAGE_SIZE));
    if (info_page)
        kip_add_memory(MEMDESC_BOOTLOADER, BOOTLOADER_INIT_TABLE, false, info_page,
                       info_page + PAGE_SIZE);
    for (size_t i = 0; i < kernel_mem.n; i++)
        kip_add_memory(MEMDESC_RESERVED, 0, false, kernel_mem.r[i].base, kernel_mem.r[i].end);
    kip_add_memory(MEMDESC_CONVENTIONAL, 0, true, 0, USER_MAP_END);
    kip_set_word(KIP_RESERVED_MEM0, (paddr_t)_kernel_phys_start);
    kip_set_word(KIP_RESERVED_MEM0 + 8, (paddr_t)_kernel_phys_end);
}

bool bootmem_is_kernel(paddr_t base, paddr_t end)
{
    return range_overlaps(&kernel_mem, base, end);
}

__boot void bootmem_reserve_kernel(paddr_t base, paddr_t end)
{
    if (!range_add(&kernel_mem, base, end))
        panic("boot: too many kernel memory ranges");
}

bool bootmem_user_frame(paddr_t pa, unsigned size_log2)
{
    paddr_t end = pa + (1UL << size_log2);
    return end <= phys_map_end && !bootmem_is_kernel(pa, end);
}

__boot paddr_t bootmem_top(void)
{
    return usable.r[usable.n - 1].end;
}

/* The boot code and data (kernel.ld: the 32-bit entry, .boot.text and
 * .bss.boot with the boot stack, the image's pages up to _boot_end) join
 * the kernel pool; they stay the kernel's memory (bootmem_is_kernel, the
 * KIP). kmain calls this last, still running on that code and stack: it
 * may, because frame_add writes nothing into the pages and hands them out
 * only after the rest of the pool, and the switch to the first thread,
 * which leaves them for good, allocates nothing. */
__boot void bootmem_release(void)
{
    frame_add((paddr_t)_kernel_phys_start, virt_to_phys(_boot_end));
}
