/* The IPC of the round-trip benchmarks (ipc.c, smp.c), the way
 * Pistachio's pingpong does it (spec 4.5): R9 = tag, RSI = To, RDX =
 * FromSpecifier, R8 = timeouts (never, or those given), RDI = own UTCB,
 * through the KIP's Ipc stub; MR1..MR7 travel in whatever RAX, RBX, R10, R12-R15 hold, MR8
 * and up stay in the UTCB. Returns the received tag and the sender in
 * *from. */
#pragma once
#include <l4/ipc.h>
#include <l4/utcb.h>

static inline L4_Word_t pp_ipc_timeouts(L4_Word_t to, L4_Word_t from_spec, L4_Word_t tag,
                                        L4_Word_t timeouts, L4_Word_t *from)
{
    register L4_Word_t r9 __asm__("r9") = tag;
    register L4_Word_t r8 __asm__("r8") = timeouts;
    L4_Word_t rsi = to, rdx = from_spec, rdi = (L4_Word_t)__L4_Utcb();
    __asm__ volatile("push %%rbp\n\tcall *%[stub]\n\tpop %%rbp"
                     : "+r"(r9), "+r"(r8), "+S"(rsi), "+d"(rdx), "+D"(rdi)
                     : [stub] "m"(__L4_Ipc)
                     : "rax", "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    *from = rsi;
    return r9;
}

static inline L4_Word_t pp_ipc(L4_Word_t to, L4_Word_t from_spec, L4_Word_t tag,
                               L4_Word_t *from)
{
    return pp_ipc_timeouts(to, from_spec, tag, 0, from);
}
