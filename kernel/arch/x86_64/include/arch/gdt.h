/* Segment selectors and the per-CPU GDT/TSS. The user selectors match
 * Pistachio's (spec 9.2); sysret derives them from STAR (see gdt.c). */
#pragma once

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_SYSRET  0x18    /* STAR's user base; the slot itself is empty */
#define SEL_UDATA   0x23
#define SEL_UCODE   0x2B
#define SEL_TSS     0x30

/* The TSS ends each processor's kernel page (percpu.h: TSS_OFFSET). */
#include "arch/percpu.h"

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>
void gdt_init(void);

/* An application processor's GDT and TSS, in its kernel page (percpu.h,
 * running on its own page tables): the boot processor's descriptors, a
 * TSS of its own, seen at tss_va in the I/O window with the bitmap of
 * the running space behind it (arch/io.h), double faults on
 * df_stack_top; loaded. */
void gdt_init_ap(uint64_t df_stack_top, uint64_t tss_va);

/* Point TR at the TSS as seen through the I/O window, with the I/O
 * permission bitmap (8 KB and one byte) behind it. */
void gdt_load_tss(uint64_t tss_va, bool with_bitmap);

/* Kernel stack used on entry from user mode (TSS.rsp0), this processor's. */
static inline void tss_set_kernel_stack(uint64_t top)
{
    *(uint64_t *)(cpu_pages.kernel + TSS_RSP0_OFFSET) = top;
}
#endif
