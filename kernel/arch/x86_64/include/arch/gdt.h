/* Segment selectors and the per-CPU GDT/TSS. The user selectors match
 * Pistachio's (spec 9.2); sysret derives them from STAR (see gdt.c). */
#pragma once

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_SYSRET  0x18    /* STAR's user base; the slot itself is empty */
#define SEL_UDATA   0x23
#define SEL_UCODE   0x2B
#define SEL_TSS     0x30

/* The TSS (104 bytes) ends the page `tss_page`; its RSP0 field, which the
 * entry paths write, is at this offset in the page. */
#define TSS_SIZE        104
#define TSS_RSP0_OFFSET (4096 - TSS_SIZE + 4)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>
void gdt_init(void);

/* Point TR at the TSS as seen through the I/O window, with the I/O
 * permission bitmap (8 KB and one byte) behind it. */
void gdt_load_tss(uint64_t tss_va, bool with_bitmap);

/* Kernel stack used on entry from user mode (TSS.rsp0). */
extern uint8_t tss_page[4096];
static inline void tss_set_kernel_stack(uint64_t top)
{
    *(uint64_t *)(tss_page + TSS_RSP0_OFFSET) = top;
}
#endif
