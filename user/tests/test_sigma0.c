/* The sigma0 protocol (spec 10): pages for their owner only, any page of
 * a size, refusal of kernel memory and of attributes, and a requester
 * that accepts no mappings. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

static L4_Fpage_t ask(L4_Word_t base, int log2, L4_Word_t attributes)
{
    L4_Fpage_t f = __L4_Sigma0_Request(L4_nilthread, L4_FpageLog2(base, log2), attributes,
                                       L4_CompleteAddressSpace);
    L4_Accept(L4_UntypedWordsAcceptor);
    return f;
}

static volatile L4_Word_t other_result;
static void ask_for(L4_Word_t base)
{
    other_result = ask(base, 12, 0).raw;
}

TEST(sigma0, a_page_is_its_owners)
{
    L4_Fpage_t any = ask(~0UL, 12, 0);
    EXPECT(!L4_IsNilFpage(any));
    L4_Word_t pa = L4_Address(any);
    *(volatile L4_Word_t *)pa = 42;                  /* at virtual = physical, writable */
    EXPECT_EQ(ask(pa, 12, 0).raw & ~0xFUL, any.raw & ~0xFUL);   /* the owner again: yes */
    other_result = 1;
    L4_ThreadId_t t = tsup_space(ask_for, pa);       /* another thread: no */
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(other_result, 0);
}

TEST(sigma0, any_page_of_a_size_is_aligned)
{
    L4_Fpage_t f = ask(~0UL, 16, 0);
    EXPECT(!L4_IsNilFpage(f));
    EXPECT_EQ(L4_SizeLog2(f), 16);
    EXPECT_EQ(L4_Address(f) % 65536, 0);
    L4_Flush(L4_FpageAddRights(f, L4_FullyAccessible));
}

TEST(sigma0, kernel_memory_is_refused)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    L4_Word_t kernel = k->reserved_mem[0] & ~0xFFFUL;   /* the kernel image */
    EXPECT(kernel != 0);
    EXPECT(L4_IsNilFpage(ask(kernel, 12, 0)));
    EXPECT(L4_IsNilFpage(ask(kernel + 0x10000, 12, 0)));
}

TEST(sigma0, attributes_are_refused)
{
    EXPECT(L4_IsNilFpage(ask(~0UL, 12, 1)));        /* MemoryControl: unsupported */
}

TEST(sigma0, phony_receive_overflows)
{
    /* accepting no mappings, the reply's map item cannot land: error 4 in
     * the receive phase (spec 5.7) */
    __L4_Sigma0_LoadRequest(L4_FpageLog2(~0UL, 12), 0);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Call(__L4_Sigma0_Id());
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode() & 0xF, 4 << 1 | 1);
}

TEST(sigma0, unknown_request_gets_no_answer)
{
    __L4_Utcb()[0] = 0x1234UL << 16 | 2;
    __L4_Utcb()[1] = 0;
    __L4_Utcb()[2] = 0;
    L4_MsgTag_t tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_Never, L4_TimePeriod(20000));
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), 1 << 1 | 1);          /* receive timeout */
}
