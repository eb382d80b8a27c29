/* The root task's side of the hostile fuzzer: the pager of the keepers
 * (which maps the root's own pages into the fuzz spaces), the exception
 * handler of half the fuzz threads, and the creation and deletion of
 * fuzz threads and spaces. The servers answer only the threads they
 * serve and only what those may have; everything else goes unanswered. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "hostile.h"
#include "testlib.h"

#define START_LABEL 0x5354
#define PORTS_LABEL 0x4F50

struct hconfig hcfg;
uint8_t h_priv[H_SPACES][H_SLOTS][H_BLOCK] __attribute__((aligned(H_BLOCK)));
static uint8_t pool[H_POOL_PAGES][4096] __attribute__((aligned(0x200000)));
static uint8_t top[H_SPACES][4096] __attribute__((aligned(4096)));
static uint32_t version[H_SPACES][H_SLOTS];
uint64_t h_root_exceptions;

uint8_t *h_pool(void)
{
    return pool[0];
}

uint8_t *h_root_page(unsigned i)
{
    unsigned priv = sizeof h_priv / 4096;
    return i < H_POOL_PAGES ? pool[i]
           : i < H_POOL_PAGES + H_SPACES ? top[i - H_POOL_PAGES]
           : i < H_POOL_PAGES + H_SPACES + priv ? h_priv[0][0] + (i - H_POOL_PAGES - H_SPACES) * 4096
           : NULL;
}

/* The root's page behind address a of space k, and the rights it has
 * there; 0 if none. */
static L4_Word_t backing(unsigned k, L4_Word_t a, unsigned *rights)
{
    L4_Word_t page = a & ~0xFFFUL;
    if (a - hcfg.image_start < hcfg.image_end - hcfg.image_start) {
        *rights = L4_ReadeXecOnly;
        return page;
    }
    if (a - H_PRIV(k) < H_SLOTS * H_BLOCK) {
        *rights = L4_FullyAccessible;
        return (L4_Word_t)h_priv[k][0] + (page - H_PRIV(k));
    }
    if (a - H_SCRATCH < H_SCRATCH_SIZE) {
        L4_Word_t n = (page - H_SCRATCH) >> 12;
        *rights = L4_ReadWriteOnly;
        return (L4_Word_t)pool[(n * 2654435761UL + k * 97) % H_POOL_PAGES];
    }
    if (a - H_TOP_PAGE < 0x1000) {
        *rights = hon(HC_K2_NONCANONICAL) ? L4_FullyAccessible : L4_ReadWriteOnly;
        return (L4_Word_t)top[k];
    }
    return 0;
}

/* A server: answer() loads the reply into the MRs and says whether
 * there is one. */
static void __attribute__((noreturn)) serve(int (*answer)(L4_MsgTag_t tag, L4_ThreadId_t from))
{
    L4_ThreadId_t from;
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;)
        tag = L4_IpcSucceeded(tag) && answer(tag, from) ? L4_ReplyWait(from, &from)
                                                         : L4_Wait(&from);
}

static int pager_answer(L4_MsgTag_t tag, L4_ThreadId_t from)
{
    L4_Word_t *mr = __L4_Utcb();
    if (L4_Label(tag) == START_LABEL && L4_IsLocalId(from)) {
        L4_ThreadId_t t = { .raw = mr[1] };         /* from the root task itself */
        mr[0] = 2;
        mr[1] = mr[2];
        mr[2] = mr[3];
        L4_Send_Timeout(t, L4_TimePeriod(100000));
        mr[0] = 0;
        return 1;
    }
    /* Keepers only, in their own name (not a redirector speaking for one) */
    unsigned k, s, rights;
    if (L4_IsLocalId(from) || L4_IpcPropagated(tag) || h_whose(from, 0, &k, &s) ||
        hcfg.id[k][s].raw != from.raw || s != 0)
        return 0;
    L4_Word_t addr = mr[1], page;
    if (L4_Label(tag) == PORTS_LABEL) {
        mr[0] = 2 << 6;
        mr[1] = 0x8;
        mr[2] = L4_IoFpageLog2(H_PORTS, 3).raw;
        return 1;
    }
    if (L4_Protocol(tag) != L4_PAGEFAULT_PROTOCOL || L4_UntypedWords(tag) != 2 ||
        !(page = backing(k, addr, &rights)))
        return 0;
    (void)*(volatile uint8_t *)page;                /* ours in our space first */
    mr[0] = 2 << 6;
    mr[1] = (addr & ~0x3FFUL) | 0x8;
    mr[2] = L4_FpageLog2(page, 12).raw | rights;
    return 1;
}

void h_root_pager(L4_Word_t unused)
{
    (void)unused;
    serve(pager_answer);
}

static hrng_t handler_rng;

static int handler_answer(L4_MsgTag_t tag, L4_ThreadId_t from)
{
    L4_Word_t *mr = __L4_Utcb();
    unsigned k, s;
    if (L4_Protocol(tag) != L4_EXCEPTION_PROTOCOL || L4_UntypedWords(tag) != 19 ||
        L4_IsLocalId(from) || h_whose(from, 0, &k, &s))
        return 0;
    h_root_exceptions++;
    mr[0] = mr[19] != 1;                            /* #DB: on to the popf (hostile_keeper.c) */
    mr[1] = (L4_Word_t)hostile_reentry;
    if (hon(HC_K2_NONCANONICAL) && hchance(&handler_rng, 16))
        mr[1] = 0x0000800000000000UL;               /* it comes back, with a #GP */
    return 1;
}

void h_root_handler(L4_Word_t unused)
{
    (void)unused;
    handler_rng = hrng(hcfg.seed, 0x4800);
    serve(handler_answer);
}

/* Ask the root pager to send t its start message. */
static void h_start(L4_ThreadId_t t, const void *ip, L4_Word_t sp)
{
    L4_Word_t w[3] = { t.raw, (L4_Word_t)ip, sp };
    tsup_load(START_LABEL, 3, w);
    if (L4_IpcFailed(L4_Call(hcfg.root_pager)))
        test_fail(__FILE__, __LINE__, "hostile: start request failed (error 0x%lx)", L4_ErrorCode());
}

/* ---- fuzz threads and spaces --------------------------------------------- */

static L4_ThreadId_t next_id(unsigned k, unsigned s)
{
    version[k][s] += 2;                 /* odd: never a local id */
    return L4_GlobalId(H_NUMBER + 8 * k + s, version[k][s] - 1);
}

static void must(L4_Word_t ok, const char *what, L4_ThreadId_t t)
{
    if (!ok)
        test_fail(__FILE__, __LINE__, "hostile: %s of %lx failed: error %lu", what, t.raw,
                  L4_ErrorCode());
}

/* Slot s of space k starts on processor (k * H_SLOTS + s) mod N: on a
 * multiprocessor the spaces' threads are spread over all of them, so
 * that their calls race each other's kernels. */
static void start(unsigned k, unsigned s, L4_ThreadId_t t, unsigned prio)
{
    struct hstate *st = h_state_in(h_priv[k][s]);
    st->space = k;
    st->slot = s;
    st->gen++;
    hcfg.id[k][s] = t;
    L4_Word_t old, cpu = (k * H_SLOTS + s) % tsup_processors();
    must(L4_Schedule(t, ~0UL, cpu, prio, ~0UL, &old), "Schedule", t);
    h_start(t, hostile_reentry, h_block(k, s) + H_BLOCK);
}

/* Slot s is scheduled by slot s % H_THREADS + 1 (hostile_calls.c). */
static void thread_create(unsigned k, unsigned s)
{
    L4_ThreadId_t t = next_id(k, s);
    unsigned next = s % H_THREADS + 1, prev = s > 1 ? s - 1 : H_THREADS;
    L4_ThreadId_t sched = hcfg.id[k][next].raw ? hcfg.id[k][next] : L4_MyGlobalId();
    must(L4_ThreadControl(t, hcfg.id[k][0], sched, hcfg.root_pager,
                          (void *)(TSUP_UTCB_AREA + s * 1024)), "ThreadControl (create)", t);
    L4_ThreadId_t p = hcfg.id[k][prev];
    if (p.raw)
        must(L4_ThreadControl(p, p, t, L4_nilthread, (void *)~0UL), "ThreadControl (scheduler)", p);
    start(k, s, t, 100);
}

static void forget(L4_ThreadId_t t)
{
    hcfg.stale[hcfg.nstale++ % 16] = t;
}

void h_thread_delete(unsigned k, unsigned s)
{
    L4_ThreadId_t t = hcfg.id[k][s];
    must(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL),
         "ThreadControl (delete)", t);
    hcfg.id[k][s] = L4_nilthread;       /* (a ThreadControl naming it would make it anew) */
    forget(t);
}

void h_thread_renew(unsigned k, unsigned s)
{
    h_thread_delete(k, s);
    thread_create(k, s);
}

/* A new space: its keeper first, then the fuzz threads. `redirector`: nil
 * (none), or a thread of another fuzz space. */
void h_space_create(unsigned k, L4_ThreadId_t redirector)
{
    L4_ThreadId_t me = L4_MyGlobalId(), t = next_id(k, 0);
    L4_Word_t old;
    must(L4_ThreadControl(t, t, me, L4_nilthread, (void *)~0UL), "ThreadControl (space)", t);
    must(L4_SpaceControl(t, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                         L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), redirector, &old),
         "SpaceControl", t);
    must(L4_ThreadControl(t, t, me, hcfg.root_pager, (void *)TSUP_UTCB_AREA),
         "ThreadControl (activate)", t);
    start(k, 0, t, 150);
    for (unsigned s = 1; s <= H_THREADS; s++)
        thread_create(k, s);
}

/* The fuzz threads first: none of them waits for a keeper that is gone. */
void h_space_delete(unsigned k)
{
    for (unsigned s = H_THREADS + 1; s-- > 0;)
        h_thread_delete(k, s);
}
