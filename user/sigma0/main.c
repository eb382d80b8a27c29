/* sigma0 (spec 10): the root pager. It owns all physical memory (the
 * kernel maps it 1:1 into sigma0's space on demand) and hands pages out
 * by mapping them: for page faults of the threads it pages, and for
 * explicit requests of the sigma0 protocol. */
#include <pecan/abi.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/utcb.h>
#include "pool.h"

/* The answer to every request (spec 10.1): label 0, u = 0, one map item
 * (t = 2); a nil fpage in it refuses. */
static void reply_item(L4_MapItem_t item)
{
    L4_Msg_t m;
    L4_MsgClear(&m);
    L4_MsgAppendMapItem(&m, item);
    L4_MsgLoad(&m);
}

static int verbose;
static L4_Word_t root_id;

/* Sort the KIP's memory descriptors into pools (spec 10.3). */
static void init_pools(const L4_KernelInterfacePage_t *kip)
{
    pool_set(0, 0, POOL_NONCONV, 0);
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        const L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        if (L4_IsMemoryDescVirtual(d))
            continue;
        uint64_t lo = L4_MemoryDescLow(d) & ~0xFFFUL, hi = (L4_MemoryDescHigh(d) + 1 + 0xFFF) & ~0xFFFUL;
        switch (L4_MemoryDescType(d) & 0xF) {
        case L4_ConventionalMemoryType: pool_set(lo, hi, POOL_CONV, 0); break;
        case L4_ReservedMemoryType:     pool_set(lo, hi, POOL_OWNED, 0); break;
        case L4_SharedMemoryType:       pool_set(lo, hi, POOL_SHARED, 0); break;
        case L4_UndefinedMemoryType:    break;
        default:                        pool_set(lo, hi, POOL_NONCONV, 0); break;
        }
    }
    /* The servers' own images belong to them. */
    pool_set(kip->sigma0[2] & ~0xFFFUL, (kip->sigma0[3] + 0xFFF) & ~0xFFFUL, POOL_OWNED,
             L4_MyGlobalId().raw);
    root_id = L4_GlobalId(L4_ThreadIdUserBase(kip) + 2, 1).raw;
    pool_set(kip->root[2] & ~0xFFFUL, (kip->root[3] + 0xFFF) & ~0xFFFUL, POOL_OWNED, root_id);
}

/* Load a reply mapping `fp` (nil if refused) with send base `base`. */
static void reply_map(L4_Word_t base, L4_Fpage_t fp)
{
    reply_item(L4_IsNilFpage(fp) ? L4_MapItem(L4_Nilpage, 0)
                                 : L4_MapItem(L4_FpageAddRights(fp, L4_FullyAccessible), base));
}

static void page_fault(L4_ThreadId_t from, L4_Word_t addr)
{
    L4_Word_t page = addr & ~0xFFFUL;
    int ok = pool_claim(page, 0x1000, from.raw, 0);
    if (verbose || !ok)
        printf("sigma0: page fault of %lx at %lx: %s\n", from.raw, addr, ok ? "mapped" : "refused");
    reply_map(addr, ok ? L4_FpageLog2(page, 12) : L4_Nilpage);
}

/* I/O ports (spec 10.1): all free at first, first come first served; a
 * thread may ask again for ports it owns. Owners by thread number. */
static uint32_t port_owner[65536];          /* 0 = free */

static void ports(L4_ThreadId_t from, L4_Fpage_t want, int any)
{
    unsigned log2 = (unsigned)L4_IoFpageSizeLog2(want), n = 1u << (log2 > 16 ? 16 : log2);
    unsigned port = (unsigned)L4_IoFpagePort(want) & ~(n - 1);
    uint32_t who = (uint32_t)L4_ThreadNo(from) + 1;
    int ok = !any;
    for (unsigned p = port; ok && p < port + n && p < 65536; p++)
        ok = port_owner[p] == 0 || port_owner[p] == who;
    if (ok)
        for (unsigned p = port; p < port + n && p < 65536; p++)
            port_owner[p] = who;
    if (verbose || !ok)
        printf("sigma0: ports %x-%x for %lx: %s\n", port, port + n - 1, from.raw,
               ok ? "mapped" : "refused");
    reply_item(L4_MapItem(ok ? L4_IoFpage(port, n) : L4_Nilpage, 0));
}

static void request(L4_ThreadId_t from, L4_Fpage_t want, L4_Word_t attributes)
{
    if (L4_IsIoFpage(want)) {               /* "any" I/O page is refused */
        ports(from, want, (want.raw & FPAGE_BASE_MASK) == FPAGE_BASE_MASK);
        return;
    }
    unsigned s = (unsigned)L4_SizeLog2(want);
    L4_Word_t base = want.raw & FPAGE_BASE_MASK, got = ~0UL;
    if (attributes != 0 || s < 12 || s > 63) {
        got = ~0UL;                     /* MemoryControl: not supported (spec 4.14) */
    } else if (base == FPAGE_BASE_MASK) {  /* base bits all set: any page */
        got = pool_claim_any(1UL << s, from.raw);
    } else {
        base &= ~((1UL << s) - 1);
        if (pool_claim(base, 1UL << s, from.raw, 1))
            got = base;
    }
    if (verbose || got == ~0UL)
        printf("sigma0: request of %lx for %lx (2^%u): %s\n", from.raw, want.raw, s,
               got == ~0UL ? "refused" : "granted");
    reply_map(got, got == ~0UL ? L4_Nilpage : L4_FpageLog2(got, (int)s));
}

/* The extension protocol: returns 1 if a reply is due. */
static int extension(L4_ThreadId_t from, L4_Word_t what, L4_Word_t arg)
{
    if (from.raw != root_id)
        return 0;
    if (what == 1) {
        verbose = (int)arg;
        return 0;
    }
    if (what == 2) {
        pool_dump();
        __L4_Utcb()[0] = 0;
        return arg != 0;
    }
    return 0;
}

int main(void)
{
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    init_pools(kip);
    printf("sigma0: serving physical memory as thread %lx\n", L4_MyGlobalId().raw);

    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        long req = L4_Protocol(tag);
        int answer = 0;
        if (!L4_IpcFailed(tag) && (L4_UntypedWords(tag) == 2 || L4_UntypedWords(tag) == 3) &&
            L4_TypedWords(tag) == 0) {
            if (req == L4_PAGEFAULT_PROTOCOL) {
                page_fault(from, mr[1]);
                answer = 1;
            } else if (req == L4_IO_PAGEFAULT_PROTOCOL) {
                ports(from, (L4_Fpage_t){ .raw = mr[1] }, 0);
                answer = 1;
            } else if (req == L4_SIGMA0_PROTOCOL) {
                request(from, (L4_Fpage_t){ .raw = mr[1] }, mr[2]);
                answer = 1;
            } else if (req == L4_SIGMA0_EXT_PROTOCOL) {
                answer = extension(from, mr[1], mr[2]);
            }
        }
        if (answer)
            tag = L4_ReplyWait(from, &from);
        else
            tag = L4_Wait(&from);
    }
}
