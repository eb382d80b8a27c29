/* Access to the UTCB (spec 3): message registers, buffer registers and
 * thread control registers. %gs:0 holds the local id = address of MR0. */
#pragma once
#include <l4/types.h>

static inline L4_Word_t *__L4_Utcb(void)
{
    L4_Word_t *u;
    __asm__("mov %%gs:0, %0" : "=r"(u));
    return u;
}

/* Word indices relative to MR0 (spec 3.2):
 *
 *   MR0 + 8 i    MR i (i = 0..63)
 *   MR0 - 0x08   WordSizeMask           MR0 - 0x48   ErrorCode
 *   MR0 - 0x20   ThreadWord0            MR0 - 0x50   PreemptFlags (byte 0),
 *   MR0 - 0x28   ThreadWord1                         CopFlags (byte 1)
 *   MR0 - 0x30   Virtual/ActualSender   MR0 - 0x58   ExceptionHandler
 *   MR0 - 0x38   IntendedReceiver       MR0 - 0x60   Pager
 *   MR0 - 0x40   XferTimeouts           MR0 - 0x68   UserDefinedHandle
 *   MR0 - 0x70   ProcessorNo            MR0 - 0x78   MyGlobalId
 *   MR0 - 0x80 - 8 i   BR i (i = 0..32)
 */
#define __L4_TCR_WORD_SIZE_MASK     (-1)
#define __L4_TCR_THREAD_WORD0       (-4)
#define __L4_TCR_THREAD_WORD1       (-5)
#define __L4_TCR_VIRTUAL_SENDER     (-6)
#define __L4_TCR_INTENDED_RECEIVER  (-7)
#define __L4_TCR_XFER_TIMEOUTS      (-8)
#define __L4_TCR_ERROR_CODE         (-9)
#define __L4_TCR_FLAGS              (-10)
#define __L4_TCR_EXCEPTION_HANDLER  (-11)
#define __L4_TCR_PAGER              (-12)
#define __L4_TCR_USER_HANDLE        (-13)
#define __L4_TCR_PROCESSOR_NO       (-14)
#define __L4_TCR_MY_GLOBAL_ID       (-15)
#define __L4_BR(i)                  (-16 - (i))

#define __L4_NUM_MRS 64
#define __L4_NUM_BRS 33

/* ---- Message and buffer registers ---- */
static inline void L4_LoadMR(int i, L4_Word_t w) { __L4_Utcb()[i] = w; }
static inline void L4_StoreMR(int i, L4_Word_t *w) { *w = __L4_Utcb()[i]; }
static inline void L4_LoadMRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *mr = __L4_Utcb() + i;
    for (int n = 0; n < k; n++)
        mr[n] = w[n];
}
static inline void L4_StoreMRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *mr = __L4_Utcb() + i;
    for (int n = 0; n < k; n++)
        w[n] = mr[n];
}
static inline void L4_LoadBR(int i, L4_Word_t w) { __L4_Utcb()[__L4_BR(i)] = w; }
static inline void L4_StoreBR(int i, L4_Word_t *w) { *w = __L4_Utcb()[__L4_BR(i)]; }
static inline void L4_LoadBRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *u = __L4_Utcb();
    for (int n = 0; n < k; n++)
        u[__L4_BR(i + n)] = w[n];
}
static inline void L4_StoreBRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *u = __L4_Utcb();
    for (int n = 0; n < k; n++)
        w[n] = u[__L4_BR(i + n)];
}

/* ---- Thread control registers ---- */
static inline L4_ThreadId_t __L4_TcrId(int i) { return (L4_ThreadId_t){ .raw = __L4_Utcb()[i] }; }

static inline L4_ThreadId_t L4_MyGlobalId(void) { return __L4_TcrId(__L4_TCR_MY_GLOBAL_ID); }
static inline L4_ThreadId_t L4_MyLocalId(void)
{
    return (L4_ThreadId_t){ .raw = (L4_Word_t)__L4_Utcb() };
}
static inline L4_ThreadId_t L4_Myself(void) { return L4_MyGlobalId(); }
static inline L4_Word_t L4_ProcessorNo(void) { return __L4_Utcb()[__L4_TCR_PROCESSOR_NO]; }
static inline L4_Word_t L4_ErrorCode(void) { return __L4_Utcb()[__L4_TCR_ERROR_CODE]; }

static inline L4_Word_t L4_UserDefinedHandle(void) { return __L4_Utcb()[__L4_TCR_USER_HANDLE]; }
static inline void L4_Set_UserDefinedHandle(L4_Word_t h) { __L4_Utcb()[__L4_TCR_USER_HANDLE] = h; }
static inline L4_ThreadId_t L4_Pager(void) { return __L4_TcrId(__L4_TCR_PAGER); }
static inline void L4_Set_Pager(L4_ThreadId_t t) { __L4_Utcb()[__L4_TCR_PAGER] = t.raw; }
static inline L4_ThreadId_t L4_ExceptionHandler(void) { return __L4_TcrId(__L4_TCR_EXCEPTION_HANDLER); }
static inline void L4_Set_ExceptionHandler(L4_ThreadId_t t)
{
    __L4_Utcb()[__L4_TCR_EXCEPTION_HANDLER] = t.raw;
}

/* Layout of the Timeouts word (types.h); the send half applies when this
 * thread sends, the receive half when it receives. */
static inline L4_Word_t L4_XferTimeouts(void) { return __L4_Utcb()[__L4_TCR_XFER_TIMEOUTS]; }
static inline void L4_Set_XferTimeouts(L4_Word_t t) { __L4_Utcb()[__L4_TCR_XFER_TIMEOUTS] = t; }

/* One TCR: VirtualSender before a propagated send, ActualSender after a
 * propagated receive (spec 5.6). */
static inline void L4_Set_VirtualSender(L4_ThreadId_t t) { __L4_Utcb()[__L4_TCR_VIRTUAL_SENDER] = t.raw; }
static inline L4_ThreadId_t L4_VirtualSender(void) { return __L4_TcrId(__L4_TCR_VIRTUAL_SENDER); }
static inline L4_ThreadId_t L4_ActualSender(void) { return __L4_TcrId(__L4_TCR_VIRTUAL_SENDER); }
static inline L4_ThreadId_t L4_IntendedReceiver(void) { return __L4_TcrId(__L4_TCR_INTENDED_RECEIVER); }

/* Flags TCR:  15        8   7   6   5  4   0
 *            [ cop flags | I | d | s | 0... ]
 * s: preemption becomes an exception; d: delay preemption (requested);
 * I: a delayed preemption is pending (set by the kernel). */
static inline L4_Word8_t *__L4_Flags(void) { return (L4_Word8_t *)&__L4_Utcb()[__L4_TCR_FLAGS]; }
static inline L4_Bool_t __L4_SetFlag(int bit, int on)
{
    L4_Word8_t *f = __L4_Flags(), old = *f;
    *f = on ? old | 1 << bit : old & ~(1 << bit);
    return (old >> bit) & 1;
}
static inline L4_Bool_t L4_EnablePreemptionFaultException(void) { return __L4_SetFlag(5, 1); }
static inline L4_Bool_t L4_DisablePreemptionFaultException(void) { return __L4_SetFlag(5, 0); }
static inline L4_Bool_t L4_DisablePreemption(void) { return __L4_SetFlag(6, 1); }
static inline L4_Bool_t L4_EnablePreemption(void) { return __L4_SetFlag(6, 0); }
static inline L4_Bool_t L4_PreemptionPending(void) { return (*__L4_Flags() >> 7) & 1; }
static inline void L4_Set_CopFlag(L4_Word_t n) { __L4_Flags()[1] |= 1 << n; }
static inline void L4_Clr_CopFlag(L4_Word_t n) { __L4_Flags()[1] &= ~(1 << n); }
