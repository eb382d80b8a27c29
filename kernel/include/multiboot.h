/* Multiboot (version 1) boot information, as left by the boot loader,
 * and a parser that turns it into the kernel's boot description. */
#pragma once
#include "types.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

/*
 * Multiboot information structure (physical addresses throughout):
 *
 *   +0   flags        bit 0: mem_lower/upper, bit 2: cmdline,
 *                     bit 3: mods_count/addr, bit 6: mmap_length/addr
 *   +4   mem_lower    +8  mem_upper (KB)
 *   +16  cmdline      +20 mods_count   +24 mods_addr
 *   +44  mmap_length  +48 mmap_addr
 */
struct mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

#define MB_INFO_MEM     (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS    (1u << 3)
#define MB_INFO_MMAP    (1u << 6)

/* Module entry: [mod_start, mod_end) and a command-line string. */
struct mb_module {
    uint32_t mod_start, mod_end;
    uint32_t cmdline;
    uint32_t reserved;
} __attribute__((packed));

/* Memory map entry; `size` counts the bytes after itself (usually 20). */
struct mb_mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;              /* 1 = usable RAM; others reserved */
} __attribute__((packed));

#define BOOT_MAX_MODULES 32
#define BOOT_MAX_REGIONS 32

struct boot_region {
    paddr_t base, end;          /* [base, end) */
    uint32_t type;              /* multiboot/e820 type */
};

struct boot_module {
    paddr_t start, end;
    const char *cmdline;        /* kernel-virtual pointer; "" if none */
    paddr_t cmdline_start, cmdline_end;   /* the string's bytes, for reserving */
};

struct boot_desc {
    const char *cmdline;
    paddr_t cmdline_start, cmdline_end;
    paddr_t info_start, info_end;   /* the multiboot info structure itself */
    paddr_t mmap_start, mmap_end;   /* the memory map array */
    paddr_t mods_start, mods_end;   /* the module array */
    size_t nmodules;
    struct boot_module modules[BOOT_MAX_MODULES];
    size_t nregions;
    struct boot_region regions[BOOT_MAX_REGIONS];
};

/* Translate a physical address the loader handed us into a pointer. */
typedef const void *(*phys_view_t)(paddr_t p);

/* Parse the info at `info_phys`. Returns NULL on success, else a message
 * saying what was wrong (no memory map, too many modules, ...). */
const char *multiboot_parse(paddr_t info_phys, phys_view_t view, struct boot_desc *out);
