/* The sigma0 protocol (spec 10; reply formats 10.1, requests 10.2, pools and
 * owners 10.3; sigma0 maps physical addresses, spec 5.7).
 *
 * Whether a page really arrived is checked without letting sigma0 repair a
 * miss: a probe thread in the root task's space, whose pager is a
 * recording pager of the test support (it answers faults in the test image
 * only), touches the page. A page that is not mapped makes the probe fault
 * to that pager, which records the fault and leaves the probe waiting. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* Specific free conventional pages (77 MB+, far from the test image at
 * 16 MB and from GetAny, which takes the top of conventional memory);
 * each test asks for its own. */
#define PAGE_OWNER   0x04D00000UL
#define PAGE_ATTR    0x04D01000UL
#define PAGE_PHONY   0x04D02000UL
#define PAGE_FAULT   0x04D03000UL
#define PAGE_REPLY   0x04D04000UL
#define PAGE_FREE    0x04D05000UL

#define FAULT_LABEL_READ 0xFFFFFFFFFFE4UL      /* page-fault protocol, access r */
#define SIGMA0_LABEL     0xFFFFFFFFFFA0UL      /* sigma0 RPC (-6 << 4) */

/* ---- asking sigma0 ------------------------------------------------------------ */

/* One RPC; the reply's fpage (nil if refused or failed). Leaves the
 * acceptor as it was (untyped words only). */
static L4_Fpage_t ask(L4_Word_t base, int log2, L4_Word_t attributes)
{
    L4_Fpage_t f = __L4_Sigma0_Request(L4_nilthread, L4_FpageLog2(base, log2), attributes,
                                       L4_CompleteAddressSpace);
    L4_Accept(L4_UntypedWordsAcceptor);
    return f;
}

/* Another thread of ours asks: its answer. (Threads of other spaces
 * cannot ask: sigma0 serves privileged spaces only, security group.) */
static volatile L4_Word_t other_base, other_attr, other_result;
static volatile int other_log2;
static void ask_as_other(L4_Word_t unused)
{
    (void)unused;
    other_result = ask(other_base, other_log2, other_attr).raw;
}

static L4_Word_t other_asks(L4_Word_t base, int log2, L4_Word_t attributes)
{
    other_base = base;
    other_log2 = log2;
    other_attr = attributes;
    other_result = 0xBADUL;
    L4_ThreadId_t t = tsup_thread(ask_as_other, 0);
    int ok = tsup_join(t, 3000);
    tsup_kill(t);
    return ok ? other_result : 0xBADUL;
}

/* ---- probing the root task's space -------------------------------------------- */

/* Is the page at pa mapped (readable) in our space, without asking sigma0? */
static int readable(L4_Word_t pa)
{
    tsup_pr.addr[0] = pa;
    tsup_pr.op[0] = TSUP_PROBE_READ;
    return tsup_probe_run(L4_nilthread, 1) == 1;
}

/* Can we write v to pa (and read it back) without a fault? */
static int writable(L4_Word_t pa, L4_Word_t v)
{
    tsup_pr.addr[0] = pa;
    tsup_pr.op[0] = TSUP_PROBE_WRITE;
    tsup_pr.val[0] = v;
    return tsup_probe_run(L4_nilthread, 1) == 1 && tsup_pr.val[0] == v;
}

/* ---- a specific page (spec 10.2, 10.3) ------------------------------------------ */

/* A free conventional page asked for by address comes back at that
 * address (complete-space window: virtual = physical), writable, with the
 * rights sigma0 always gives (rwx, spec 10.1). */
TEST(sigma0, specific_page_arrives_at_its_physical_address)
{
    EXPECT_EQ(tsup_mem_type(PAGE_FREE), L4_ConventionalMemoryType);
    EXPECT(!readable(PAGE_FREE));                    /* not ours yet */
    L4_Fpage_t f = ask(PAGE_FREE, 12, 0);
    EXPECT(!L4_IsNilFpage(f));
    EXPECT_EQ(L4_Address(f), PAGE_FREE);
    EXPECT_EQ(L4_SizeLog2(f), 12);
    EXPECT_EQ(L4_Rights(f), L4_FullyAccessible);
    int w = writable(PAGE_FREE + 8, 0x5167A0UL);
    EXPECT(w);
    EXPECT_EQ(*(volatile L4_Word_t *)(PAGE_FREE + 8), 0x5167A0UL);
    L4_Flush(L4_FpageAddRights(f, L4_FullyAccessible));     /* not ours for the next run */
}

/* The owner may ask again (a re-map); another thread may not, neither in
 * a new space nor in the owner's own space. A refusal changes nothing:
 * the owner still gets it. */
TEST(sigma0, a_page_is_its_owners_alone)
{
    L4_Fpage_t first = ask(PAGE_OWNER, 12, 0);      /* (owned since the test above, or now) */
    EXPECT(!L4_IsNilFpage(first));
    L4_Fpage_t again = ask(PAGE_OWNER, 12, 0);
    EXPECT(!L4_IsNilFpage(again));
    EXPECT_EQ(L4_Address(again), PAGE_OWNER);
    EXPECT_EQ(L4_SizeLog2(again), 12);
    EXPECT_EQ(other_asks(PAGE_OWNER, 12, 0), 0);  /* nil fpage */
    /* a larger fpage that contains the owned page: refused too */
    EXPECT_EQ(other_asks(PAGE_OWNER & ~0xFFFFUL, 16, 0), 0);
    EXPECT(!L4_IsNilFpage(ask(PAGE_OWNER, 12, 0)));
}

/* The reply is exactly one map item (spec 10.1): MR0 = 0x80 (label 0,
 * u = 0, t = 2), MR1 = send base (the physical address) | map-item type,
 * MR2 = the fpage with rwx = 7. */
TEST(sigma0, reply_is_one_map_item)
{
    __L4_Sigma0_LoadRequest(L4_FpageLog2(PAGE_REPLY, 12), 0);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call(__L4_Sigma0_Id());
    L4_Word_t mr0 = __L4_Utcb()[0], mr1 = __L4_Utcb()[1], mr2 = __L4_Utcb()[2];
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(mr0, 0x80);
    EXPECT_EQ(mr1 & ~0x3FFUL, PAGE_REPLY);
    EXPECT_EQ(mr1 & 0xE, 0x8);
    EXPECT_EQ(mr2, L4_FpageLog2(PAGE_REPLY, 12).raw | 7);
    EXPECT(readable(PAGE_REPLY));
    /* refused: the nil map item, MR1 = 0x8, MR2 = 0 */
    __L4_Sigma0_LoadRequest(L4_FpageLog2(PAGE_REPLY, 12), 0);
    __L4_Utcb()[2] = 1;                              /* attributes: refused */
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    tag = L4_Call(__L4_Sigma0_Id());
    mr0 = __L4_Utcb()[0];
    mr1 = __L4_Utcb()[1];
    mr2 = __L4_Utcb()[2];
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(mr0, 0x80);
    EXPECT_EQ(mr1, 0x8);
    EXPECT_EQ(mr2, 0);
}

/* ---- any page of a size (spec 10.2: base bits 10-63 all set) -------------------- */

TEST(sigma0, any_4k_page_is_conventional_and_mapped)
{
    L4_Fpage_t a = ask(~0UL, 12, 0), b = ask(~0UL, 12, 0);
    EXPECT(!L4_IsNilFpage(a));
    EXPECT(!L4_IsNilFpage(b));
    EXPECT_EQ(L4_SizeLog2(a), 12);
    EXPECT_EQ(L4_SizeLog2(b), 12);
    EXPECT_NE(L4_Address(a), L4_Address(b));        /* the first is no longer free */
    EXPECT(tsup_all_conventional(L4_Address(a), 4096));
    EXPECT(tsup_all_conventional(L4_Address(b), 4096));
    EXPECT(writable(L4_Address(a) + 16, 0xA4A4UL));
    EXPECT(writable(L4_Address(b) + 16, 0xB4B4UL));
    EXPECT_EQ(*(volatile L4_Word_t *)(L4_Address(a) + 16), 0xA4A4UL);
    L4_Flush(L4_FpageAddRights(a, L4_FullyAccessible));
    L4_Flush(L4_FpageAddRights(b, L4_FullyAccessible));
}

TEST(sigma0, any_64k_page_is_aligned_conventional_and_mapped)
{
    L4_Fpage_t f = ask(~0UL, 16, 0);
    EXPECT(!L4_IsNilFpage(f));
    EXPECT_EQ(L4_SizeLog2(f), 16);
    L4_Word_t base = L4_Address(f);
    EXPECT_EQ(base % 0x10000, 0);
    EXPECT(tsup_all_conventional(base, 0x10000));
    for (unsigned i = 0; i < 16; i++) {              /* all 16 pages, at v = p */
        tsup_pr.addr[i] = base + i * 4096UL + 8;
        tsup_pr.op[i] = TSUP_PROBE_WRITE;
        tsup_pr.val[i] = 0x6400 + i;
    }
    unsigned done = tsup_probe_run(L4_nilthread, 16);
    L4_Word_t mid = *(volatile L4_Word_t *)(base + 7 * 4096UL + 8);
    L4_Flush(L4_FpageAddRights(f, L4_FullyAccessible));
    EXPECT_EQ(done, 16);
    EXPECT_EQ(mid, 0x6400 + 7);
}

/* Memory no descriptor mentions is free for the asking (spec 10.3): a
 * request for 16 TB at 16 TB gets that fpage. The kernel walks sigma0's
 * space only as far as physical memory goes (map.c); it walked all 2^32
 * pages one by one before, for hours under TCG. The asker's answer comes,
 * and nothing beyond physical memory is mapped. */
TEST(sigma0, a_request_for_terabytes_beyond_memory_ends)
{
    L4_Word_t got = other_asks(1UL << 44, 44, 0);
    EXPECT_NE(got, 0xBADUL);                    /* (0xBAD: no answer in 3 s) */
    EXPECT(!readable(1UL << 44));
    EXPECT(!readable((1UL << 45) - 4096));
}

/* The last page of the address space: its end is 2^64, where sigma0's
 * bookkeeping wrapped and spun for ever (found by the hostile fuzzer).
 * The request is answered, and sigma0 serves on. */
TEST(sigma0, a_request_for_the_last_page_is_answered)
{
    L4_Word_t got = other_asks(0xFFFFFFFFFFFFF000UL, 12, 0);
    EXPECT_NE(got, 0xBADUL);                    /* (0xBAD: no answer in 3 s) */
    L4_Fpage_t any = L4_Sigma0_GetAny(L4_nilthread, 12, L4_CompleteAddressSpace);
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(!L4_IsNilFpage(any));
}

/* ---- what sigma0 refuses ------------------------------------------------------------ */

/* Kernel-reserved memory (KIP descriptors of type 2: the kernel image,
 * its boot memory, the kernel pool; spec 10.3) is never handed out. */
TEST(sigma0, kernel_reserved_memory_is_refused)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    unsigned reserved = 0, granted = 0;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(k); i++) {
        const L4_MemoryDesc_t *d = L4_MemoryDesc(k, i);
        if (L4_IsMemoryDescVirtual(d) || L4_MemoryDescType(d) != L4_ReservedMemoryType)
            continue;
        L4_Word_t lo = L4_MemoryDescLow(d) & ~0xFFFUL, hi = L4_MemoryDescHigh(d) & ~0xFFFUL;
        reserved++;
        granted += !L4_IsNilFpage(ask(lo, 12, 0));
        granted += !L4_IsNilFpage(ask(hi, 12, 0));
        granted += !L4_IsNilFpage(ask(lo + ((hi - lo) / 2 & ~0xFFFUL), 12, 0));
    }
    /* the kernel image named by the KIP's ReservedMem[0] */
    L4_Word_t kimage = k->reserved_mem[0] & ~0xFFFUL;
    EXPECT_NE(kimage, 0);
    granted += !L4_IsNilFpage(ask(kimage, 12, 0));
    /* a 4 MB fpage containing the kernel image */
    granted += !L4_IsNilFpage(ask(kimage & ~0x3FFFFFUL, 22, 0));
    EXPECT(reserved >= 1);
    EXPECT_EQ(granted, 0);
}

/* The servers' images belong to them (spec 10.3 pre-assignment): the root
 * task may ask for its own image page again, no one else may; sigma0's
 * image is sigma0's. */
TEST(sigma0, server_images_belong_to_their_servers)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    L4_Word_t root_page = k->root[2] & ~0xFFFUL, s0_page = k->sigma0[2] & ~0xFFFUL;
    EXPECT_NE(root_page, 0);
    EXPECT_NE(s0_page, 0);
    L4_Fpage_t mine = ask(root_page, 12, 0);
    EXPECT(!L4_IsNilFpage(mine));
    EXPECT_EQ(L4_Address(mine), root_page);
    EXPECT_EQ(other_asks(root_page, 12, 0), 0);
    EXPECT(L4_IsNilFpage(ask(s0_page, 12, 0)));
}

/* Non-zero attributes make sigma0 call MemoryControl, which fails: nil
 * fpage (spec 10.2). The refusal does not claim the page: another thread
 * gets it afterwards. */
TEST(sigma0, attributes_are_refused)
{
    EXPECT_EQ(tsup_mem_type(PAGE_ATTR), L4_ConventionalMemoryType);
    EXPECT(L4_IsNilFpage(ask(PAGE_ATTR, 12, 1)));
    EXPECT(L4_IsNilFpage(ask(PAGE_ATTR, 12, 0x80)));
    EXPECT(L4_IsNilFpage(ask(~0UL, 12, 1)));
    EXPECT(!readable(PAGE_ATTR));                    /* nothing was mapped */
    L4_Word_t theirs = other_asks(PAGE_ATTR, 12, 0);
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(PAGE_ATTR, 12), L4_FullyAccessible));
    EXPECT_EQ(theirs & ~0xFUL, L4_FpageLog2(PAGE_ATTR, 12).raw);    /* (not ours: flushed) */
}

/* Shared memory (type 4, e.g. the VGA area the KIP declares shared) goes
 * to anyone, repeatedly (spec 10.3). */
TEST(sigma0, shared_memory_goes_to_everyone)
{
    L4_Word_t vga = 0xB8000;
    EXPECT_EQ(tsup_mem_type(vga), L4_SharedMemoryType);
    EXPECT(!L4_IsNilFpage(ask(vga, 12, 0)));
    EXPECT_EQ(other_asks(vga, 12, 0) & ~0xFUL, L4_FpageLog2(vga, 12).raw);
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(vga, 12), L4_FullyAccessible));
}

/* ---- the page-fault protocol (spec 6.2, 10.2) ------------------------------------ */

static L4_MsgTag_t send_fault(L4_Word_t addr, L4_Word_t ip, L4_Word_t *mr1, L4_Word_t *mr2)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = FAULT_LABEL_READ << 16 | 2;
    mr[1] = addr;
    mr[2] = ip;
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_Never, L4_TimePeriod(500000));
    *mr1 = mr[1];
    *mr2 = mr[2];
    L4_Accept(L4_UntypedWordsAcceptor);
    return tag;
}

/* A fault on a free conventional page: sigma0 maps the 4 KB page that
 * contains the address, at the same address. A fault on kernel memory or
 * on non-conventional memory (the BIOS area the KIP lists as
 * architecture-specific) gets the nil map item: faults take conventional
 * memory only. */
TEST(sigma0, page_faults_take_conventional_memory_only)
{
    EXPECT_EQ(tsup_mem_type(PAGE_FAULT), L4_ConventionalMemoryType);
    L4_Word_t mr1, mr2;
    L4_MsgTag_t tag = send_fault(PAGE_FAULT + 0x123, 0x1000000, &mr1, &mr2);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(tag.raw & 0xFFF, 0x80);
    EXPECT_EQ(mr1 & ~0xFFFUL, PAGE_FAULT);
    EXPECT_EQ(mr1 & 0xE, 0x8);
    EXPECT_EQ(mr2, L4_FpageLog2(PAGE_FAULT, 12).raw | 7);
    EXPECT(readable(PAGE_FAULT + 0x120));

    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    L4_Word_t kimage = k->reserved_mem[0] & ~0xFFFUL;
    tag = send_fault(kimage + 0x10, 0x1000000, &mr1, &mr2);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(mr2, 0);

    L4_Word_t bios = 0xF1000;
    EXPECT_EQ(tsup_mem_type(bios) & 0xF, L4_ArchitectureSpecificMemoryType);
    tag = send_fault(bios, 0x1000000, &mr1, &mr2);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(mr2, 0);
}

/* The RPC may also hand out non-conventional memory (architecture-specific
 * ranges, spec 10.3); it arrives at v = p. */
TEST(sigma0, rpc_takes_non_conventional_memory)
{
    L4_Word_t bios = 0xF0000;
    EXPECT_EQ(tsup_mem_type(bios) & 0xF, L4_ArchitectureSpecificMemoryType);
    L4_Fpage_t f = ask(bios, 12, 0);
    EXPECT(!L4_IsNilFpage(f));
    EXPECT_EQ(L4_Address(f), bios);
    EXPECT(readable(bios));
    L4_Flush(L4_FpageAddRights(f, L4_FullyAccessible));
}

/* ---- requests that are not answered, or answered in vain ----------------------- */

/* A requester that accepts no map items (BR0 = 0): sigma0's reply carries
 * a map item, which fails in the requester's receive phase with message
 * overflow (spec 5.7 first bullet): error 4, receive phase, offset 0. And
 * sigma0 goes on serving. */
TEST(sigma0, phony_receive_is_message_overflow)
{
    EXPECT(!L4_IsNilFpage(ask(PAGE_PHONY, 12, 0)));  /* ours: the reply maps it */
    __L4_Sigma0_LoadRequest(L4_FpageLog2(PAGE_PHONY, 12), 0);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_Never, L4_TimePeriod(500000));
    L4_Word_t err = L4_ErrorCode();
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, 4 << 1 | 1);
    /* the same for a refused request: the nil map item needs a window too */
    __L4_Sigma0_LoadRequest(L4_FpageLog2(PAGE_PHONY, 12), 1);
    tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_Never, L4_TimePeriod(500000));
    err = L4_ErrorCode();
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, 4 << 1 | 1);
    EXPECT(!L4_IsNilFpage(ask(PAGE_PHONY, 12, 0)));
}

/* Call sigma0 with tag `tag`, MR1 and MR2; the IPC error (0 if answered). */
static L4_Word_t call_unanswered(L4_Word_t tag, L4_Word_t w1, L4_Word_t w2)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = tag;
    mr[1] = w1;
    mr[2] = w2;
    mr[3] = 0;
    mr[4] = 0;
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t t = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_Never, L4_TimePeriod(30000));
    L4_Word_t err = L4_IpcFailed(t) ? L4_ErrorCode() : 0;
    L4_Accept(L4_UntypedWordsAcceptor);
    return err;
}

/* Unknown request labels, and sigma0 RPCs with u not in {2, 3}, get no
 * reply (spec 10.1): the caller's receive times out (error 1, receive
 * phase). Sigma0 still serves afterwards. */
TEST(sigma0, unknown_requests_get_no_reply)
{
    L4_Word_t any = L4_FpageLog2(~0UL, 12).raw;
    EXPECT_EQ(call_unanswered(0x1234UL << 16 | 2, any, 0), 1 << 1 | 1);
    EXPECT_EQ(call_unanswered(0xFFFFFFFFFFB0UL << 16 | 2, any, 0), 1 << 1 | 1);  /* -5: exception */
    EXPECT_EQ(call_unanswered(SIGMA0_LABEL << 16 | 1, any, 0), 1 << 1 | 1);       /* u = 1 */
    EXPECT_EQ(call_unanswered(SIGMA0_LABEL << 16 | 4, any, 0), 1 << 1 | 1);       /* u = 4 */
    EXPECT_EQ(call_unanswered(0, 0, 0), 1 << 1 | 1);                             /* empty */
    EXPECT_EQ(call_unanswered(2, any, 0), 1 << 1 | 1);      /* label 0, u = 2 (l4test's sig0) */
    L4_Fpage_t f = ask(~0UL, 12, 0);
    EXPECT(!L4_IsNilFpage(f));
    L4_Flush(L4_FpageAddRights(f, L4_FullyAccessible));
}

/* l4test's mem test: the root task touches 1000 consecutive fresh pages
 * (4 MB at 32 MB, free conventional RAM); each first touch is a page
 * fault that sigma0, the root task's pager, resolves with a 4 KB mapping
 * at virtual = physical, and each page keeps what was written to it. */
TEST(sigma0, root_faults_in_a_thousand_fresh_pages)
{
    volatile L4_Word_t *base = (volatile L4_Word_t *)0x02000000UL;
    EXPECT_EQ(tsup_mem_type(0x02000000UL), L4_ConventionalMemoryType);
    for (L4_Word_t i = 0; i < 1000; i++)
        base[i * 512] = 0xF00D0000UL + i;
    for (L4_Word_t i = 0; i < 1000; i++)
        EXPECT_EQ(base[i * 512], 0xF00D0000UL + i);
}

/* The extension protocol (spec 10.2, label -1001 * 16), from the root
 * task: "dump the pools" (MR1 = 2) is answered with a nil tag when MR2 is
 * not 0, and not answered when it is. */
TEST(sigma0, extension_dump_pools_is_answered)
{
    L4_Word_t label = (L4_Word_t)(-1001L * 16) & 0xFFFFFFFFFFFFUL;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = label << 16 | 2;
    mr[1] = 2;
    mr[2] = 1;
    L4_MsgTag_t tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_Never, L4_TimePeriod(1000000));
    L4_Word_t answered = L4_IpcSucceeded(tag), reply = tag.raw;
    EXPECT(answered);
    EXPECT_EQ(reply, 0);                                /* L4_Niltag */
    EXPECT_EQ(call_unanswered(label << 16 | 2, 2, 0), 1 << 1 | 1);   /* MR2 = 0: silence */
}
