/* System-call bindings (spec 4). The stub addresses come from the KIP;
 * L4_Init (crt0 calls it) copies them into __L4_* pointers. */
#pragma once
#include <l4/types.h>

extern void *__L4_SystemClock;
extern void *__L4_Ipc, *__L4_Lipc, *__L4_ExchangeRegisters, *__L4_ThreadControl,
    *__L4_ThreadSwitch, *__L4_Schedule, *__L4_Unmap, *__L4_SpaceControl,
    *__L4_ProcessorControl, *__L4_MemoryControl;

void L4_Init(void);

typedef union {
    L4_Word64_t raw;
} L4_Clock_t;

/* SystemClock: RAX = microseconds; every other register may change. */
static inline L4_Clock_t L4_SystemClock(void)
{
    L4_Clock_t c;
    __asm__ volatile("push %%rbp\n call *%1\n pop %%rbp"
                     : "=a"(c.raw)
                     : "m"(__L4_SystemClock)
                     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "memory");
    return c;
}
