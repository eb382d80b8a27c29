/* The saved register state of a thread interrupted in, or entering from,
 * user mode. It sits at the top of the thread's kernel stack; interrupts,
 * exceptions and system calls all build this same layout (entry.S). */
#pragma once

#define VEC_SYSCALL 0x100

/* Byte offsets used by assembly (checked by static asserts in trap.c). */
#define TF_R11     0x20
#define TF_RCX     0x60
#define TF_RAX     0x70
#define TF_VECTOR  0x78
#define TF_RIP     0x88
#define TF_CS      0x90
#define TF_RFLAGS  0x98
#define TF_RSP     0xA0
#define TF_SIZE    0xB0

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;      /* exception/interrupt vector; VEC_SYSCALL for syscall */
    uint64_t error;       /* hardware error code, or 0 */
    uint64_t rip, cs, rflags, rsp, ss;   /* as pushed by the CPU for iretq */
};

static inline int frame_from_user(const struct trap_frame *f)
{
    return (f->cs & 3) == 3;
}
#endif
