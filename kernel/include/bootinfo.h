/* The generic boot-information record (spec 9.3) that KIP BootInfo names. */
#pragma once
#include "elf.h"
#include "multiboot.h"

/* Write the record into the page at `phys`: SimpleExec records for the
 * `nexec` ELF modules the kernel loaded (images[i] for module i), Module
 * records for the others, and a Multiboot record. */
void bootinfo_build(paddr_t phys, const struct boot_desc *bd, paddr_t mbi_phys,
                    const struct elf_image *images, size_t nexec);
