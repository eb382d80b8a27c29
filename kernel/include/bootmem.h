/* Physical memory at boot: what is usable, what the boot loader and the
 * kernel occupy, the kernel pool, and the KIP's memory descriptors. */
#pragma once
#include "multiboot.h"
#include "range.h"

struct boot_image {               /* an ELF module the kernel loads itself */
    paddr_t low, high;            /* where its segments go */
};

/* Work out the memory layout, reserve everything the boot loader handed
 * over plus `images`, carve the kernel pool and start the frame allocator.
 * Panics, saying why, when the layout is impossible. */
void bootmem_init(struct boot_desc *bd, const struct boot_image *images, size_t nimages);

/* One free page outside the kernel pool for data the root task reads
 * (the boot-info record); recorded in the KIP as boot-loader memory. */
paddr_t bootmem_take_info_page(void);

/* Describe memory in the KIP (spec 8.2) once the layout is final. */
void bootmem_describe(const struct boot_desc *bd, const struct boot_image *images, size_t nimages);

/* True if [base, end) touches the kernel image, the kernel pool or the
 * kernel's devices. */
bool bootmem_is_kernel(paddr_t base, paddr_t end);

/* [base, end) is the kernel's from now on (its devices): before
 * bootmem_describe, which reports it as reserved. */
void bootmem_reserve_kernel(paddr_t base, paddr_t end);

/* May the 2^size_log2 frame at pa be mapped to user space (sigma0's own
 * faults, its map items)? Not if it is the kernel's or lies beyond the
 * direct map, where the kernel could not follow the mapping. */
bool bootmem_user_frame(paddr_t pa, unsigned size_log2);

/* End of the highest usable RAM range. */
paddr_t bootmem_top(void);

/* Give the kernel's boot code and data to the kernel pool: the last thing
 * before the first thread runs. */
void bootmem_release(void);
