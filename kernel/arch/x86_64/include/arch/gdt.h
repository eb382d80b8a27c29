/* Segment selectors and the per-CPU GDT/TSS. The user selectors match
 * Pistachio's (spec 9.2); sysret derives them from STAR (see gdt.c). */
#pragma once

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_SYSRET  0x18    /* STAR's user base; the slot itself is empty */
#define SEL_UDATA   0x23
#define SEL_UCODE   0x2B
#define SEL_TSS     0x30

/* The CPU's page, tss_page. Its TSS (104 bytes) ends the page, so that
 * the I/O permission bitmap follows it in the I/O window (io.c); the
 * words every IPC fast path reads or writes lie just before the TSS, in
 * the cache line of TSS.RSP0, which the fast paths write too:
 *
 *   0x000        0xf80     0xf88       0xf90          0xf98  0xf9c   0x1000
 *   | (unused) ... | current | fpu_owner | tcb_area_base | TSS: | RSP0 ... |
 *                  |<------ one 64-byte line: 0xf80..0xfbf ------------>|
 *
 * current, fpu_owner and tcb_area_base are names for these words (gdt.c),
 * in C and in assembly. */
#define TSS_SIZE          104
#define TSS_OFFSET        (4096 - TSS_SIZE)
#define TSS_RSP0_OFFSET   (TSS_OFFSET + 4)
#define CPU_CURRENT       (TSS_OFFSET - 24)   /* struct tcb *: the running thread */
#define CPU_FPU_OWNER     (TSS_OFFSET - 16)   /* struct tcb *: whose registers the FPU holds */
#define CPU_TCB_AREA_BASE (TSS_OFFSET - 8)    /* TCB_AREA_BASE, a memory operand for the fast paths */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>
void gdt_init(void);

/* An application processor's GDT and TSS, in its page (smp.c): the boot
 * processor's descriptors, a TSS of its own (no I/O bitmap: it runs no
 * thread yet), double faults on df_stack_top; loaded. */
void gdt_init_ap(uint8_t *page, uint64_t df_stack_top);

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
