/* The sigma0 protocol, client side (spec 10.2): ask sigma0 for a specific
 * page of physical memory or for any free page of a given size. */
#pragma once
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/types.h>

/* Request:  MR0 = label -6 << 4, u = 2;  MR1 = fpage wanted (base bits
 * 10-63 all set: any page of that size);  MR2 = attributes (0 = default).
 * Reply:    one map item; its fpage is nil if sigma0 refused. */
static inline void __L4_Sigma0_LoadRequest(L4_Fpage_t f, L4_Word_t attributes)
{
    L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, L4_ProtocolLabel(L4_SIGMA0_PROTOCOL));
    L4_LoadMR(0, tag.raw | 2);
    L4_LoadMR(1, f.raw);
    L4_LoadMR(2, attributes);
}

/* sigma0's id: the first user thread (spec 2.1). */
static inline L4_ThreadId_t __L4_Sigma0_Id(void)
{
    return L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
}

/* The fpage sigma0 mapped into `window` (nil on failure). s0 = nilthread
 * asks the sigma0 named by the KIP. */
static inline L4_Fpage_t __L4_Sigma0_Request(L4_ThreadId_t s0, L4_Fpage_t f, L4_Word_t attributes,
                                             L4_Fpage_t window)
{
    if (L4_IsNilThread(s0))
        s0 = __L4_Sigma0_Id();
    __L4_Sigma0_LoadRequest(f, attributes);
    L4_Accept(L4_MapGrantItems(window));
    L4_MsgTag_t tag = L4_Call(s0);
    L4_MapItem_t m;
    L4_StoreMR(1, &m.raw[0]);
    L4_StoreMR(2, &m.raw[1]);
    if (L4_IpcFailed(tag) || L4_TypedWords(tag) != 2 || L4_UntypedWords(tag) != 0 || !L4_IsMapItem(m))
        return L4_Nilpage;
    return L4_MapItemSndFpage(m);
}

static inline L4_Fpage_t L4_Sigma0_GetPage_RcvWindow(L4_ThreadId_t s0, L4_Fpage_t f, L4_Fpage_t window)
{
    return __L4_Sigma0_Request(s0, f, L4_DefaultMemory, window);
}
/* The page appears at its physical address (complete-space window). */
static inline L4_Fpage_t L4_Sigma0_GetPage(L4_ThreadId_t s0, L4_Fpage_t f)
{
    return __L4_Sigma0_Request(s0, f, L4_DefaultMemory, L4_CompleteAddressSpace);
}
/* Any free page of 2^log2_size bytes. */
static inline L4_Fpage_t L4_Sigma0_GetAny(L4_ThreadId_t s0, L4_Word_t log2_size, L4_Fpage_t window)
{
    return __L4_Sigma0_Request(s0, L4_FpageLog2(~0UL, (int)log2_size), L4_DefaultMemory, window);
}
