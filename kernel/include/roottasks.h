/* Loading and starting sigma0 and the root task (modules 0 and 1). */
#pragma once
#include "elf.h"
#include "multiboot.h"
#include "tcb.h"

/* Check both ELF images and compute where they load. */
void roottasks_load(const struct boot_desc *bd, struct elf_image images[2]);

/* Copy their segments to their physical addresses; fill the KIP fields. */
void roottasks_place(const struct boot_desc *bd, struct elf_image images[2]);

/* Create their spaces and threads and make them ready; the root task's
 * thread. */
struct tcb *roottasks_start(const struct elf_image images[2], paddr_t bootinfo);
