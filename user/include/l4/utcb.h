/* Access to the UTCB (spec 3): %gs:0 holds the local id = address of MR0. */
#pragma once
#include <l4/types.h>

static inline L4_Word_t *__L4_Utcb(void)
{
    L4_Word_t *u;
    __asm__("mov %%gs:0, %0" : "=r"(u));
    return u;
}

#define __L4_TCR_MY_GLOBAL_ID     (-15)
#define __L4_TCR_PROCESSOR_NO     (-14)
#define __L4_TCR_USER_HANDLE      (-13)
#define __L4_TCR_PAGER            (-12)
#define __L4_TCR_EXCEPTION_HANDLER (-11)
#define __L4_TCR_ERROR_CODE       (-9)
#define __L4_TCR_XFER_TIMEOUTS    (-8)

static inline L4_ThreadId_t L4_MyGlobalId(void)
{
    return (L4_ThreadId_t){ .raw = __L4_Utcb()[__L4_TCR_MY_GLOBAL_ID] };
}
static inline L4_ThreadId_t L4_MyLocalId(void)
{
    return (L4_ThreadId_t){ .raw = (L4_Word_t)__L4_Utcb() };
}
static inline L4_ThreadId_t L4_Pager(void)
{
    return (L4_ThreadId_t){ .raw = __L4_Utcb()[__L4_TCR_PAGER] };
}
static inline L4_ThreadId_t L4_ExceptionHandler(void)
{
    return (L4_ThreadId_t){ .raw = __L4_Utcb()[__L4_TCR_EXCEPTION_HANDLER] };
}
static inline L4_Word_t L4_ErrorCode(void) { return __L4_Utcb()[__L4_TCR_ERROR_CODE]; }
static inline L4_Word_t L4_ProcessorNo(void) { return __L4_Utcb()[__L4_TCR_PROCESSOR_NO]; }
