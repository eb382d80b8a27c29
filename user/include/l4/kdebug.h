/* The kernel-debugger interface (spec 11.1): int3 followed by a marker. */
#pragma once
#include <l4/types.h>

static inline void L4_KDB_PrintChar(char c)
{
    __asm__ volatile("int3; cmpb $0, %%al" : : "a"(c));
}

static inline void L4_KDB_PrintString(const char *s)
{
    __asm__ volatile("int3; cmpb $1, %%al" : : "a"(s) : "memory");
}

static inline int L4_KDB_ReadChar(void)
{
    long c;
    __asm__ volatile("int3; cmpb $8, %%al" : "=a"(c));
    return (int)c;
}

static inline int L4_KDB_ReadChar_Blocked(void)
{
    long c;
    __asm__ volatile("int3; cmpb $13, %%al" : "=a"(c));
    return (int)c;
}

#define L4_KDB_Enter(msg)                                           \
    __asm__ volatile("int3; jmp 1f; mov $2f, %%rax; 1:\n"           \
                     ".pushsection .rodata\n 2: .asciz \"" msg "\"\n .popsection" \
                     : : : "rax", "memory")
