/* Segment selectors and the per-CPU GDT/TSS. The user selectors match
 * Pistachio's (spec 9.2); sysret derives them from STAR (see gdt.c). */
#pragma once

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UCODE32 0x1B
#define SEL_UDATA   0x23
#define SEL_UCODE   0x2B
#define SEL_TSS     0x30

#ifndef __ASSEMBLER__
#include <stdint.h>
void gdt_init(void);

/* Kernel stack used on entry from user mode (TSS.rsp0). */
void tss_set_kernel_stack(uint64_t top);
#endif
