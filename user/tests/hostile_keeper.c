/* A fuzz space's keeper: the pager of its fuzz threads, the exception
 * handler of half of them, and their watchdog. It lives in their space,
 * so ExchangeRegisters reaches them:
 *   - a page fault where the thread may be (scratch, the image to read
 *     or run, its space's private blocks, the top page) is served by
 *     flushing the page and touching it, which makes the root task's
 *     pager map it into the space again; any other fault, and every I/O
 *     fault on ports it has not, sends the thread to hostile_reentry;
 *   - an exception is answered with hostile_reentry as the new RIP, but
 *     for #DB: with TF set (which only the thread can clear, with popf)
 *     it would come back after each instruction, so it goes on;
 *   - a thread that makes no progress for a while (blocked forever,
 *     halted, paged by someone who does not answer) is reset: resumed,
 *     its IPC aborted, its pager put back, its RIP at hostile_reentry. */
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "hostile.h"

#define PORTS_LABEL 0x4F50
#define WATCH_US    4000                /* the watchdog looks this often */
#define STALL_LOOKS 4                   /* and resets after so many looks */

struct keeper {
    struct hstate *self;
    struct kstate *ks;
    unsigned space;
    int wild_reply[H_SLOTS];            /* K2: the last reply was not canonical */
};

static int inside(L4_Word_t a, L4_Word_t base, L4_Word_t size)
{
    return a - base < size;
}

/* May the thread have a page at addr, for this access? */
static int servable(const struct keeper *k, L4_Word_t addr, unsigned access)
{
    if (inside(addr, H_SCRATCH, H_SCRATCH_SIZE))
        return !(access & 1);                           /* scratch is not code */
    if (inside(addr, hcfg.image_start, hcfg.image_end - hcfg.image_start))
        return !(access & 2);                           /* the image is read-only */
    if (inside(addr, H_PRIV(k->space), H_SLOTS * H_BLOCK))
        return 1;
    /* Not the top page: the kernel never maps the last user page
     * (USER_MAP_END, map.c), so flushing and touching it here would fault
     * for ever, the root pager's map item dropped each time: a keeper
     * livelocked, and with it every fault and reset of its space. */
    return 0;
}

/* Send sibling s to hostile_reentry, whatever it is doing. */
static void reset(struct keeper *k, unsigned s)
{
    L4_Word_t old, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(h_local_id(s), L4_ExReg_Resume | L4_ExReg_AbortIpc | L4_ExReg_SetIp |
                                            L4_ExReg_SetSp | L4_ExReg_SetPager,
                         h_block(k->space, s) + H_BLOCK, (L4_Word_t)hostile_reentry, 0, 0,
                         h_local_id(0), &old, &sp, &ip, &flags, &handle, &pager);
}

static void watchdog(struct keeper *k)
{
    for (unsigned s = 1; s <= H_THREADS; s++) {
        struct hstate *t = h_state_in((uint8_t *)h_block(k->space, s));
        uint64_t c = t->calls + t->recoveries;
        if (c != k->ks->last_calls[s]) {
            k->ks->last_calls[s] = c;
            k->ks->stalled[s] = 0;
        } else if (++k->ks->stalled[s] >= STALL_LOOKS) {
            k->ks->stalled[s] = 0;
            k->ks->rescued++;
            k->ks->rescued_in[t->op < HOP_COUNT ? t->op : HOP_COUNT]++;
            reset(k, s);
        }
    }
}

/* Returns whether to reply (MR0.. loaded). */
static int page_fault(struct keeper *k, unsigned s, L4_Word_t *mr)
{
    L4_Word_t addr = mr[1];
    unsigned access = (unsigned)(mr[0] >> 16) & 7;
    k->ks->faults++;
    if (!servable(k, addr, access)) {
        k->ks->wild++;
        reset(k, s);
        return 0;
    }
    /* Whatever is there lacks a right (a read-only page from another space,
     * or ours after a Flush took rights away): away with it, then the
     * root's pager maps the right page with all rights when we touch it. */
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(addr, 12), L4_FullyAccessible));
    (void)*(volatile uint8_t *)addr;
    k->ks->served++;
    mr[0] = 0;
    return 1;
}

static int exception(struct keeper *k, unsigned s, L4_Word_t *mr, hrng_t *r)
{
    k->ks->exceptions++;
    if (mr[19] == 1) {                  /* single steps: on to the popf that ends them */
        mr[0] = 0;
        return 1;
    }
    if (hchance(r, 4)) {                /* the other way back */
        reset(k, s);
        return 0;
    }
    mr[1] = (L4_Word_t)hostile_reentry;
    if (hon(HC_K2_NONCANONICAL) && !k->wild_reply[s] && hchance(r, 8))
        mr[1] = 0x0000800000000000UL - 2 * hpick(r, 2);
    k->wild_reply[s] = mr[1] != (L4_Word_t)hostile_reentry;
    unsigned u = 1;
    if (hchance(r, 4)) {                /* all registers: anything at all */
        for (u = 2; u <= 18; u++)
            mr[u] = hv_word(r);
        u = 18;
    }
    mr[0] = u;
    return 1;
}

/* I/O faults: the ports we have are handed on, others send it home. */
static int io_fault(struct keeper *k, unsigned s, L4_Word_t *mr)
{
    L4_Word_t port = (mr[1] >> 16) & 0xFFFF;
    k->ks->io_faults++;
    if (port - H_PORTS >= 8) {
        reset(k, s);
        return 0;
    }
    mr[0] = 2 << 6;
    mr[1] = 0x8;
    mr[2] = L4_IoFpageLog2(H_PORTS, 3).raw;
    return 1;
}

void __attribute__((noreturn)) hostile_keeper(unsigned space)
{
    L4_Word_t *mr = __L4_Utcb();
    uint8_t *block = (uint8_t *)h_block(space, 0);
    struct keeper k = { .self = h_state_in(block), .ks = h_kstate_in(block) };
    k.space = k.self->space;
    hrng_t r = hrng(hcfg.seed, 0x4B00 + k.space);
    /* our ports, from the root task (which got them from sigma0) */
    mr[0] = (L4_Word_t)PORTS_LABEL << 16;
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_Call_Timeouts(hcfg.root_pager, L4_TimePeriod(100000), L4_TimePeriod(100000));
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t last = L4_SystemClock().raw;
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(WATCH_US), &from);
        L4_Word_t now = L4_SystemClock().raw;
        if (now - last >= WATCH_US) {
            last = now;
            watchdog(&k);
        }
        unsigned space, s;
        if (L4_IpcFailed(tag))
            continue;
        if (h_whose(from, k.space, &space, &s) || space != k.space || s == 0 ||
            !L4_IsLocalId(from)) {
            k.ks->foreign++;            /* not one of ours: no answer */
            continue;
        }
        long proto = L4_Protocol(tag);
        int reply = 0;
        if (proto == L4_PAGEFAULT_PROTOCOL && L4_UntypedWords(tag) == 2 && !L4_TypedWords(tag))
            reply = page_fault(&k, s, mr);
        else if (proto == L4_EXCEPTION_PROTOCOL && L4_UntypedWords(tag) == 19)
            reply = exception(&k, s, mr, &r);
        else if (proto == L4_IO_PAGEFAULT_PROTOCOL && L4_UntypedWords(tag) == 2)
            reply = io_fault(&k, s, mr);
        if (reply)
            L4_Reply(from);
    }
}
