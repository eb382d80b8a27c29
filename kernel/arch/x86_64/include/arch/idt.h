/* Interrupt vectors and the IDT. */
#pragma once
#include <stdint.h>

#define VEC_DE   0     /* divide error */
#define VEC_DB   1     /* debug */
#define VEC_NMI  2
#define VEC_BP   3     /* int3 */
#define VEC_UD   6     /* invalid opcode */
#define VEC_NM   7     /* device not available (FPU) */
#define VEC_DF   8     /* double fault */
#define VEC_GP   13    /* general protection */
#define VEC_PF   14    /* page fault */

#define VEC_IRQ_BASE  0x20    /* legacy PIC lines 0-15 */
#define VEC_TIMER     0xF0    /* local APIC timer */
#define VEC_SPURIOUS  0xFF    /* local APIC spurious */

void idt_init(void);
