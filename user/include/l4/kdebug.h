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

/* Pecan's: how often processor `cpu` took the kernel lock since it
 * started (all ones if there is no such processor), for tests that show
 * which work needs no lock. Privileged spaces only: to the others it is
 * an unknown call, an exception. */
static inline L4_Word_t L4_KDB_LockTakes(L4_Word_t cpu)
{
    __asm__ volatile("int3; cmpb $0x4C, %%al" : "+a"(cpu));
    return cpu;
}

/* Pecan's: how many requests to other processors processor `cpu` has
 * withdrawn because they were not taken within 10 ms, deferred by a
 * server whose own request was deferred too (a ring: the kernel's
 * arch/x86_64/mp.c, deferred), for the test that shows rings break.
 * As LockTakes: privileged spaces only. */
static inline L4_Word_t L4_KDB_Withdrawals(L4_Word_t cpu)
{
    __asm__ volatile("int3; cmpb $0x57, %%al" : "+a"(cpu));
    return cpu;
}

#define L4_KDB_Enter(msg)                                           \
    __asm__ volatile("int3; jmp 1f; mov $2f, %%rax; 1:\n"           \
                     ".pushsection .rodata\n 2: .asciz \"" msg "\"\n .popsection" \
                     : : : "rax", "memory")
