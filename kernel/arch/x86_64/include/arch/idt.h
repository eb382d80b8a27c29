/* Interrupt vectors and the IDT. */
#pragma once
#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define VEC_DE   0     /* divide error */
#define VEC_DB   1     /* debug */
#define VEC_NMI  2
#define VEC_BP   3     /* int3 */
#define VEC_UD   6     /* invalid opcode */
#define VEC_NM   7     /* device not available (FPU) */
#define VEC_DF   8     /* double fault */
#define VEC_GP   13    /* general protection */
#define VEC_PF   14    /* page fault */

/* Every interrupt the kernel programs lies below NUM_VECTORS, and the IDT
 * ends there: a vector above it (only `int n` can raise one) is a #GP with
 * the same error code as the DPL-0 gate it used to find, n * 8 + 2. The
 * timer's priority class (vector >> 4) stays above the ISA lines'. */
#define VEC_IRQ_BASE  0x20    /* ISA lines 0-15 (PIC or I/O APIC) */
#define VEC_TIMER     0x30    /* local APIC timer */
#define VEC_IPI       0x31    /* another processor's requests (arch/mp.h) */
#define VEC_SPURIOUS  0x3F    /* local APIC spurious (P6 hard-wires bits 0-3 to 1) */
#define NUM_VECTORS   64

#ifndef __ASSEMBLER__
void idt_init(void);
/* Load the IDT on this processor (idt_init does on the boot one). */
void idt_load(void);
#endif
