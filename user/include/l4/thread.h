/* Threads (spec 4.6, 4.7, 7): starting, stopping and inspecting threads
 * with ExchangeRegisters, interrupt association with ThreadControl. */
#pragma once
#include <l4/syscalls.h>
#include <l4/types.h>
#include <l4/utcb.h>

/* ---- ExchangeRegisters control word (spec 4.6) ----------------------------
 *
 *    9   8   7   6   5   4   3   2   1   0
 *   [ d | H | p | u | F | I | S | s | r | h ]
 *
 * h: halt (1) or resume (0), applied when H is set; r/s: abort a receive/
 * send phase; S I F u p: set SP, IP, FLAGS, UserDefinedHandle, pager;
 * d: deliver the old values (the kernel always does). On return the low
 * three bits report: h halted, r in a receive phase, s in a send phase.
 */
#define L4_ExReg_Halt        0x001UL
#define L4_ExReg_AbortRecv   0x002UL
#define L4_ExReg_AbortSend   0x004UL
#define L4_ExReg_AbortIpc    (L4_ExReg_AbortRecv | L4_ExReg_AbortSend)
#define L4_ExReg_SetSp       0x008UL
#define L4_ExReg_SetIp       0x010UL
#define L4_ExReg_SetFlags    0x020UL
#define L4_ExReg_SetHandle   0x040UL
#define L4_ExReg_SetPager    0x080UL
#define L4_ExReg_SetHalt     0x100UL
#define L4_ExReg_Deliver     0x200UL
#define L4_ExReg_Resume      L4_ExReg_SetHalt
#define L4_ExReg_Stop        (L4_ExReg_SetHalt | L4_ExReg_Halt)

/* ExchangeRegisters with only `control` (and the values it sets) given. */
static inline L4_ThreadId_t __L4_ExReg(L4_ThreadId_t t, L4_Word_t control, L4_Word_t sp,
                                       L4_Word_t ip, L4_Word_t flags, L4_Word_t handle,
                                       L4_ThreadId_t pager, L4_Word_t *old_control)
{
    L4_Word_t o_sp, o_ip, o_flags, o_handle;
    L4_ThreadId_t o_pager;
    return L4_ExchangeRegisters(t, control, sp, ip, flags, handle, pager, old_control, &o_sp,
                                &o_ip, &o_flags, &o_handle, &o_pager);
}

/* Resume t, cancelling the wait for its start message (spec 4.7). */
static inline void L4_Start(L4_ThreadId_t t)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Resume | L4_ExReg_AbortIpc, 0, 0, 0, 0, L4_nilthread, &old);
}
/* ... at a new SP and IP: control 0x11E. */
static inline void L4_Start_SpIp(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Resume | L4_ExReg_AbortIpc | L4_ExReg_SetSp | L4_ExReg_SetIp, sp, ip,
               0, 0, L4_nilthread, &old);
}
static inline void L4_Start_SpIpFlags(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip, L4_Word_t flags)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Resume | L4_ExReg_AbortIpc | L4_ExReg_SetSp | L4_ExReg_SetIp |
                      L4_ExReg_SetFlags, sp, ip, flags, 0, L4_nilthread, &old);
}

/* Halt t; the Abort variants first cancel its IPC. All return the old
 * control bits. */
static inline L4_Word_t L4_Stop(L4_ThreadId_t t)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Stop, 0, 0, 0, 0, L4_nilthread, &old);
    return old;
}
static inline L4_Word_t L4_AbortReceive_and_stop(L4_ThreadId_t t)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Stop | L4_ExReg_AbortRecv, 0, 0, 0, 0, L4_nilthread, &old);
    return old;
}
static inline L4_Word_t L4_AbortSend_and_stop(L4_ThreadId_t t)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Stop | L4_ExReg_AbortSend, 0, 0, 0, 0, L4_nilthread, &old);
    return old;
}
static inline L4_Word_t L4_AbortIpc_and_stop(L4_ThreadId_t t)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_Stop | L4_ExReg_AbortIpc, 0, 0, 0, 0, L4_nilthread, &old);
    return old;
}
/* Halt t and report where it stopped. */
static inline void L4_Stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip, L4_Word_t *flags)
{
    L4_Word_t old, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_ExReg_Stop | L4_ExReg_Deliver, 0, 0, 0, 0, L4_nilthread, &old, sp,
                         ip, flags, &handle, &pager);
}

/* Global id of a local id and vice versa: ExchangeRegisters with control 0
 * returns the other form (spec 4.6); ids already in the wanted form are
 * returned as they are. nilthread on an invalid id. */
static inline L4_ThreadId_t L4_GlobalIdOf(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_IsLocalId(t) ? __L4_ExReg(t, 0, 0, 0, 0, 0, L4_nilthread, &old) : t;
}
static inline L4_ThreadId_t L4_LocalIdOf(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_IsGlobalId(t) ? __L4_ExReg(t, 0, 0, 0, 0, 0, L4_nilthread, &old) : t;
}
static inline L4_Bool_t L4_SameThreads(L4_ThreadId_t a, L4_ThreadId_t b)
{
    return L4_GlobalIdOf(a).raw == L4_GlobalIdOf(b).raw;
}

static inline L4_Word_t L4_UserDefinedHandleOf(L4_ThreadId_t t)
{
    L4_Word_t old, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_ExReg_Deliver, 0, 0, 0, 0, L4_nilthread, &old, &sp, &ip, &flags,
                         &handle, &pager);
    return handle;
}
static inline void L4_Set_UserDefinedHandleOf(L4_ThreadId_t t, L4_Word_t handle)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_SetHandle, 0, 0, 0, handle, L4_nilthread, &old);
}
static inline L4_ThreadId_t L4_PagerOf(L4_ThreadId_t t)
{
    L4_Word_t old, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_ExReg_Deliver, 0, 0, 0, 0, L4_nilthread, &old, &sp, &ip, &flags,
                         &handle, &pager);
    return pager;
}
static inline void L4_Set_PagerOf(L4_ThreadId_t t, L4_ThreadId_t pager)
{
    L4_Word_t old;
    __L4_ExReg(t, L4_ExReg_SetPager, 0, 0, 0, 0, pager, &old);
}

/* ---- ThreadControl idioms (spec 4.7, 7) ---- */
#define __L4_NO_UTCB ((void *)~0UL)

/* Make `handler` receive the interrupts of `irq` (an interrupt thread id). */
static inline L4_Word_t L4_AssociateInterrupt(L4_ThreadId_t irq, L4_ThreadId_t handler)
{
    return L4_ThreadControl(irq, irq, L4_nilthread, handler, __L4_NO_UTCB);
}
static inline L4_Word_t L4_DeassociateInterrupt(L4_ThreadId_t irq)
{
    return L4_ThreadControl(irq, irq, L4_nilthread, irq, __L4_NO_UTCB);
}
