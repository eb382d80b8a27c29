/* The saved register state of a thread interrupted in, or entering from,
 * user mode. It sits at the top of the thread's kernel stack; interrupts,
 * exceptions and system calls all build this same layout (entry.S).
 * Below it, while the thread is switched out, lies the switch frame. */
#pragma once

#define VEC_SYSCALL 0x100

/* Byte offsets for assembly, checked against the structs below. */
#define TF_R15     0x00
#define TF_R14     0x08
#define TF_R13     0x10
#define TF_R12     0x18
#define TF_R11     0x20
#define TF_R10     0x28
#define TF_R9      0x30
#define TF_R8      0x38
#define TF_RBP     0x40
#define TF_RDI     0x48
#define TF_RSI     0x50
#define TF_RDX     0x58
#define TF_RCX     0x60
#define TF_RBX     0x68
#define TF_RAX     0x70
#define TF_VECTOR  0x78     /* (the general registers, SAVE_GPRS, end here) */
#define TF_ERROR   0x80
#define TF_RIP     0x88
#define TF_CS      0x90
#define TF_RFLAGS  0x98
#define TF_RSP     0xA0
#define TF_SIZE    0xB0

/* What switch_stack (entry.S) pushes and pops: SF_RET bytes of
 * callee-saved registers below the return address. */
#define SF_RET     0x30
#define SF_SIZE    0x38

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;      /* exception/interrupt vector; VEC_SYSCALL for syscall */
    uint64_t error;       /* hardware error code, or 0 */
    uint64_t rip, cs, rflags, rsp, ss;   /* as pushed by the CPU for iretq */
};

struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp, ret;
};

static inline int frame_from_user(const struct trap_frame *f)
{
    return (f->cs & 3) == 3;
}

#define TF_CHECK(field, off) \
    _Static_assert(__builtin_offsetof(struct trap_frame, field) == (off), "TF_ offsets")
TF_CHECK(r15, TF_R15);
TF_CHECK(r14, TF_R14);
TF_CHECK(r13, TF_R13);
TF_CHECK(r12, TF_R12);
TF_CHECK(r11, TF_R11);
TF_CHECK(r10, TF_R10);
TF_CHECK(r9, TF_R9);
TF_CHECK(r8, TF_R8);
TF_CHECK(rbp, TF_RBP);
TF_CHECK(rdi, TF_RDI);
TF_CHECK(rsi, TF_RSI);
TF_CHECK(rdx, TF_RDX);
TF_CHECK(rcx, TF_RCX);
TF_CHECK(rbx, TF_RBX);
TF_CHECK(rax, TF_RAX);
TF_CHECK(vector, TF_VECTOR);
TF_CHECK(error, TF_ERROR);
TF_CHECK(rip, TF_RIP);
TF_CHECK(cs, TF_CS);
TF_CHECK(rflags, TF_RFLAGS);
TF_CHECK(rsp, TF_RSP);
#undef TF_CHECK
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "TF_SIZE");
_Static_assert(__builtin_offsetof(struct switch_frame, ret) == SF_RET &&
               sizeof(struct switch_frame) == SF_SIZE, "SF_ offsets");
#endif
