/* Test support: threads, spaces and a pager (see tsupport.h). */
#include <string.h>
#include <sys/io.h>
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define MAX_THREADS 48
#define STACK_SIZE  8192
#define ROOT_UTCB_BASE 0xBF000000UL
#define ROOT_UTCB_SLOTS 256

struct tthread {
    L4_ThreadId_t id;
    tsup_fn_t fn;
    L4_Word_t arg;
    volatile int done;
    int in_new_space;
    L4_Word_t utcb;          /* root-space UTCB slot, 0 if none */
};

static struct tthread threads[MAX_THREADS];
static uint8_t stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));
static uint8_t utcb_used[ROOT_UTCB_SLOTS];
static L4_Word_t next_number;
static L4_ThreadId_t pager_id;

static L4_Word_t first_number(void)
{
    return L4_ThreadIdUserBase(L4_GetKernelInterface()) + 100;
}

L4_ThreadId_t tsup_new_id(void)
{
    if (!next_number)
        next_number = first_number();
    return L4_GlobalId(next_number++, 1);
}

static L4_ThreadId_t probe_pager;

/* Memory sigma0 gave to test threads: who got it, and whether a test
 * uses it now. (Threads of several spaces take entries: claims are
 * atomic.) */
#define MAX_SIGMA0_BLOCKS 256
static struct sigma0_block {
    volatile L4_Word_t owner, fpage;
    volatile int in_use;
} sigma0_blocks[MAX_SIGMA0_BLOCKS];

L4_Fpage_t tsup_sigma0_any(int log2)
{
    L4_Word_t me = L4_MyGlobalId().raw;
    L4_Fpage_t f = L4_Nilpage;
    for (int i = 0; i < MAX_SIGMA0_BLOCKS && L4_IsNilFpage(f); i++) {
        struct sigma0_block *b = &sigma0_blocks[i];
        if (b->owner != me || L4_SizeLog2((L4_Fpage_t){ .raw = b->fpage }) != (L4_Word_t)log2 ||
            __atomic_exchange_n(&b->in_use, 1, __ATOMIC_SEQ_CST))
            continue;
        f = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(L4_Address((L4_Fpage_t){ .raw = b->fpage }),
                                                         log2));
        if (L4_IsNilFpage(f))
            b->in_use = 0;
    }
    if (L4_IsNilFpage(f)) {
        f = L4_Sigma0_GetAny(L4_nilthread, (L4_Word_t)log2, L4_CompleteAddressSpace);
        for (int i = 0; i < MAX_SIGMA0_BLOCKS && !L4_IsNilFpage(f); i++) {
            struct sigma0_block *b = &sigma0_blocks[i];
            if (!b->owner && !__atomic_exchange_n(&b->in_use, 1, __ATOMIC_SEQ_CST)) {
                b->fpage = f.raw;
                b->owner = me;
                break;
            }
        }
    }
    L4_Accept(L4_UntypedWordsAcceptor);
    return f;
}

void tsup_cleanup(void)
{
    for (int i = 0; i < MAX_SIGMA0_BLOCKS; i++) {
        struct sigma0_block *b = &sigma0_blocks[i];
        if (b->in_use)                  /* (at v = p: only that memory is there) */
            L4_Flush(L4_FpageAddRights((L4_Fpage_t){ .raw = b->fpage }, L4_FullyAccessible));
        b->in_use = 0;
    }
    for (L4_Word_t n = first_number(); n < next_number; n++)
        L4_ThreadControl(L4_GlobalId(n, 1), L4_nilthread, L4_nilthread, L4_nilthread,
                         (void *)~0UL);
    next_number = first_number();
    memset(threads, 0, sizeof threads);
    memset(utcb_used, 0, sizeof utcb_used);
    pager_id = probe_pager = L4_nilthread;
}

L4_Word_t tsup_utcb_alloc(void)
{
    for (unsigned i = 1; i < ROOT_UTCB_SLOTS; i++)       /* slot 0: root */
        if (!utcb_used[i]) {
            utcb_used[i] = 1;
            return ROOT_UTCB_BASE + i * 1024;
        }
    test_fail(__FILE__, __LINE__, "out of root-space UTCB slots");
}

void tsup_utcb_free(L4_Word_t loc)
{
    utcb_used[(loc - ROOT_UTCB_BASE) / 1024] = 0;
}

static struct tthread *slot_of(L4_ThreadId_t t)
{
    for (int i = 0; i < MAX_THREADS; i++)
        if (threads[i].id.raw == t.raw)
            return &threads[i];
    return NULL;
}

static struct tthread *new_slot(L4_ThreadId_t id, tsup_fn_t fn, L4_Word_t arg)
{
    struct tthread *s = slot_of(L4_nilthread);
    if (!s)
        test_fail(__FILE__, __LINE__, "more than %d test threads alive", MAX_THREADS);
    *s = (struct tthread){ .id = id, .fn = fn, .arg = arg };
    return s;
}

static L4_Word_t stack_top(struct tthread *s)
{
    return (L4_Word_t)stacks[s - threads + 1] - 8;      /* as after a call */
}

/* Every test thread starts here; `self` is its slot. */
static void __attribute__((noreturn)) trampoline(void)
{
    struct tthread *s = slot_of(L4_MyGlobalId());
    s->fn(s->arg);
    s->done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static void check_ok(L4_Word_t result, const char *what)
{
    if (!result)
        test_fail(__FILE__, __LINE__, "%s failed: ErrorCode %lu", what, L4_ErrorCode());
}

static L4_ThreadId_t start_thread(L4_ThreadId_t id, tsup_fn_t fn, L4_Word_t arg,
                                  L4_ThreadId_t pager)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    struct tthread *s = new_slot(id, fn, arg);
    s->utcb = tsup_utcb_alloc();
    check_ok(L4_ThreadControl(id, me, me, me, (void *)s->utcb), "ThreadControl (create)");
    L4_Start_SpIp(id, stack_top(s), (L4_Word_t)trampoline);
    if (pager.raw != me.raw)                /* (a start message comes from the pager) */
        check_ok(L4_ThreadControl(id, me, L4_nilthread, pager, (void *)~0UL), "ThreadControl (pager)");
    return id;
}

/* Threads of the root task's space are paged by the support pager too,
 * which matters for I/O ports (the root task's pages are all mapped). */
L4_ThreadId_t tsup_thread(tsup_fn_t fn, L4_Word_t arg)
{
    return tsup_thread_as(tsup_new_id(), fn, arg);
}

L4_ThreadId_t tsup_thread_as(L4_ThreadId_t id, tsup_fn_t fn, L4_Word_t arg)
{
    return start_thread(id, fn, arg, tsup_pager());
}

/* ---- the pager for new spaces ----------------------------------------- */

#define START_LABEL 0x5157      /* pager request: send a start message */
#define PAGE_LABEL  0x5158      /* pager request: a 4 KB page from sigma0 */

extern char _image_start[], _end[];     /* user.ld: the test image */

static void pager_loop(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        if (L4_Label(tag) == START_LABEL) {
            /* MR1 = thread, MR2 = ip, MR3 = sp: start it, then answer */
            L4_ThreadId_t t = { .raw = mr[1] };
            L4_Word_t ip = mr[2], sp = mr[3];
            mr[0] = 2;
            mr[1] = ip;
            mr[2] = sp;
            L4_Send(t);
            mr[0] = 0;
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        if (L4_Label(tag) == PAGE_LABEL) {
            /* a page from sigma0 (at v = p here), mapped on at the same address */
            L4_Fpage_t page = tsup_sigma0_any(12);
            mr[0] = 2 << 6;
            mr[1] = L4_Address(page) | 0x8;
            mr[2] = L4_IsNilFpage(page) ? 0 : page.raw | L4_FullyAccessible;
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        if (tsup_image_fault_reply(tag)) {
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        if ((L4_Label(tag) >> 4) == 0xFFFFFFFFFFEUL) {
            tag = L4_Wait(&from);               /* not the image: the faulter waits */
            continue;
        }
        if ((L4_Label(tag) >> 4) == 0xFFFFFFFFFF8UL && L4_UntypedWords(tag) == 2) {
            /* an I/O fault: get the ports from sigma0, pass them on */
            L4_Fpage_t want = { .raw = mr[1] };
            L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, want);
            L4_Accept(L4_UntypedWordsAcceptor);
            if (L4_IsNilFpage(got)) {
                tag = L4_Wait(&from);           /* refused: the faulter waits */
                continue;
            }
            mr[0] = 2 << 6;
            mr[1] = 0x8;
            mr[2] = got.raw;
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        tag = L4_Wait(&from);                   /* unknown: drop it */
    }
}

L4_ThreadId_t tsup_pager(void)
{
    if (!pager_id.raw) {
        pager_id = start_thread(tsup_new_id(), pager_loop, 0, L4_MyGlobalId());
        L4_Set_Priority(pager_id, 200);
    }
    return pager_id;
}

static void start_via_pager(struct tthread *s)
{
    L4_Word_t w[3] = { s->id.raw, (L4_Word_t)trampoline, stack_top(s) };
    tsup_load(START_LABEL, 3, w);
    L4_MsgTag_t tag = L4_Call(tsup_pager());
    if (L4_IpcFailed(tag))
        test_fail(__FILE__, __LINE__, "pager start request failed: error 0x%lx", L4_ErrorCode());
}

L4_Fpage_t tsup_any_page(void)
{
    tsup_load(PAGE_LABEL, 0, NULL);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call(tsup_pager());
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t *mr = __L4_Utcb();
    if (L4_IpcFailed(tag) || L4_TypedWords(tag) != 2 || !mr[2])
        return L4_Nilpage;
    return (L4_Fpage_t){ .raw = mr[2] & ~0xFUL };
}

L4_ThreadId_t tsup_space(tsup_fn_t fn, L4_Word_t arg)
{
    return tsup_space_as(tsup_new_id(), fn, arg);
}

L4_ThreadId_t tsup_space_as(L4_ThreadId_t id, tsup_fn_t fn, L4_Word_t arg)
{
    L4_ThreadId_t me = L4_MyGlobalId(), pager = tsup_pager();
    struct tthread *s = new_slot(id, fn, arg);
    s->in_new_space = 1;
    check_ok(L4_ThreadControl(id, id, me, L4_nilthread, (void *)~0UL), "ThreadControl (space)");
    L4_Word_t old;
    check_ok(L4_SpaceControl(id, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                             L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread, &old),
             "SpaceControl");
    check_ok(L4_ThreadControl(id, id, me, pager, (void *)TSUP_UTCB_AREA),
             "ThreadControl (activate)");
    start_via_pager(s);
    return id;
}

L4_ThreadId_t tsup_space_thread(L4_ThreadId_t in, tsup_fn_t fn, L4_Word_t arg)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    struct tthread *s = new_slot(id, fn, arg);
    s->in_new_space = 1;
    int n = 0;                                  /* UTCB slot: count its threads */
    for (int i = 0; i < MAX_THREADS; i++)
        n += threads[i].in_new_space && threads[i].id.raw && &threads[i] != s;
    check_ok(L4_ThreadControl(id, in, me, tsup_pager(), (void *)(TSUP_UTCB_AREA + n * 1024)),
             "ThreadControl (thread in space)");
    start_via_pager(s);
    return id;
}

int tsup_done(L4_ThreadId_t t)
{
    struct tthread *s = slot_of(t);
    return s && s->done;
}

int tsup_join(L4_ThreadId_t t, unsigned ms)
{
    for (unsigned i = 0; i < ms; i++) {
        if (tsup_done(t))
            return 1;
        tsup_sleep_ms(1);
    }
    return tsup_done(t);
}

void tsup_kill(L4_ThreadId_t t)
{
    struct tthread *s = slot_of(t);
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    if (s) {
        if (s->utcb)
            tsup_utcb_free(s->utcb);
        s->id = L4_nilthread;
    }
}

int tsup_image_fault_reply(L4_MsgTag_t tag)
{
    L4_Word_t *mr = __L4_Utcb();
    if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
        L4_UntypedWords(tag) != 2 || mr[1] < (L4_Word_t)_image_start ||
        mr[1] >= (L4_Word_t)_end)
        return 0;
    L4_Word_t page = mr[1] & ~0xFFFUL;
    (void)*(volatile const char *)page;     /* a pager in another space: fault it in here */
    mr[0] = 2 << 6;
    mr[1] = page | 0x8;
    mr[2] = L4_FpageLog2(page, 12).raw | L4_FullyAccessible;
    return 1;
}

void tsup_pager_loop(tsup_answer_t answer)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;)
        tag = tsup_image_fault_reply(tag) || answer(from, tag, __L4_Utcb())
                  ? L4_ReplyWait(from, &from)
                  : L4_Wait(&from);
}

struct tsup_record tsup_rec;

static int record(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    tsup_rec.tag = tag.raw;
    tsup_rec.mr1 = mr[1];
    tsup_rec.mr2 = mr[2];
    tsup_rec.count++;
    return 0;
}

void tsup_recording_pager(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(record);
}

struct tsup_stray tsup_stray;

void tsup_serve_faults(volatile int *flag, int until_stray, unsigned ms)
{
    uint64_t end = L4_SystemClock().raw + ms * 1000ULL;
    while (!(*flag && (!until_stray || tsup_stray.n)) && L4_SystemClock().raw < end) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(1000), &from);
        if (L4_IpcFailed(tag))
            continue;
        if (tsup_image_fault_reply(tag)) {
            L4_Reply(from);
            continue;
        }
        tsup_stray.tag = tag.raw;
        tsup_stray.addr = __L4_Utcb()[1];
        tsup_stray.ip = __L4_Utcb()[2];
        tsup_stray.n++;
    }
}

L4_MsgTag_t tsup_send_start(L4_ThreadId_t t, void (*ip)(void), L4_Word_t sp)
{
    L4_Word_t w[2] = { (L4_Word_t)ip, sp };
    tsup_load(0, 2, w);
    return L4_Send_Timeout(t, L4_TimePeriod(1000000));
}

void tsup_go_paged_by(L4_ThreadId_t t, L4_ThreadId_t pager, volatile int *go)
{
    tsup_wait_blocked(t);
    L4_ThreadControl(t, t, L4_nilthread, pager, (void *)~0UL);
    *go = 1;
}

int tsup_wait_flag(volatile int *flag, unsigned ms)
{
    for (unsigned i = 0; i < ms && !*flag; i++)
        tsup_sleep_ms(1);
    return *flag;
}

unsigned tsup_processors(void)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    return (unsigned)(k->processor_info & 0xFFFF) + 1;
}

L4_Word_t tsup_processor_of(L4_ThreadId_t t)
{
    L4_ThreadId_t local = L4_LocalIdOf(t);      /* nil: not in this space */
    return L4_IsNilThread(local) ? ~0UL : ((const L4_Word_t *)local.raw)[__L4_TCR_PROCESSOR_NO];
}

void tsup_move(L4_ThreadId_t t, L4_Word_t cpu)
{
    L4_Word_t old;
    if (!L4_Schedule(t, ~0UL, cpu, ~0UL, ~0UL, &old))
        test_fail(__FILE__, __LINE__, "moving thread %lx to processor %lu of %u: expected "
                  "Schedule to succeed, got result 0, ErrorCode %lu", t.raw, cpu,
                  tsup_processors(), L4_ErrorCode());
    L4_Word_t on = tsup_processor_of(t);
    for (int i = 0; i < 2000 && on != ~0UL && on != cpu; i++) {
        tsup_sleep_ms(1);
        on = tsup_processor_of(t);
    }
    if (on != ~0UL && on != cpu)
        test_fail(__FILE__, __LINE__, "moving thread %lx to processor %lu: expected its UTCB's "
                  "ProcessorNo to show %lu after Schedule succeeded, it shows %lu", t.raw, cpu,
                  cpu, on);
}

int tsup_wait_blocked(L4_ThreadId_t t)
{
    for (int i = 0; i < 1000; i++) {
        L4_Word_t old, st = L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
        if (st == 4 || st == 6)
            return 1;
        tsup_sleep_ms(1);
    }
    return 0;
}

void tsup_fn_sleeper(L4_Word_t unused)
{
    (void)unused;
    L4_Sleep(L4_Never);
}

void tsup_map_receiver(L4_Word_t counter)
{
    L4_ThreadId_t from;
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag))
            (*(volatile unsigned *)counter)++;
    }
}

void tsup_sleep_ms(unsigned ms)
{
    L4_Sleep(L4_TimePeriod(ms * 1000ULL));
}

void tsup_load(L4_Word_t label, unsigned n, const L4_Word_t *w)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = label << 16 | n;
    for (unsigned i = 0; i < n; i++)
        mr[1 + i] = w[i];
}

unsigned tsup_fill_spaces(L4_Word_t first, unsigned limit, L4_Word_t *err)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    *err = 0;
    for (unsigned i = 0; i < limit; i++) {
        L4_ThreadId_t t = L4_GlobalId(first + i, 1);
        L4_Word_t old;
        if (L4_ThreadControl(t, t, me, L4_nilthread, (void *)~0UL) != 1) {
            *err = L4_ErrorCode();
            return i;
        }
        if (L4_SpaceControl(t, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                            L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread, &old) != 1 ||
            L4_ThreadControl(t, t, me, me, (void *)TSUP_UTCB_AREA) != 1) {
            *err = L4_ErrorCode();
            return i + 1;
        }
    }
    return limit;
}

unsigned tsup_empty_spaces(L4_Word_t first, unsigned n)
{
    unsigned deleted = 0;
    for (unsigned i = 0; i < n; i++)
        deleted += L4_ThreadControl(L4_GlobalId(first + i, 1), L4_nilthread, L4_nilthread,
                                    L4_nilthread, (void *)~0UL) == 1;
    return deleted;
}

L4_Word_t tsup_mem_type(L4_Word_t pa)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    L4_Word_t type = 0;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(k); i++) {
        const L4_MemoryDesc_t *d = L4_MemoryDesc(k, i);
        if (!L4_IsMemoryDescVirtual(d) && pa >= L4_MemoryDescLow(d) && pa <= L4_MemoryDescHigh(d))
            type = L4_MemoryDescType(d);
    }
    return type;
}

int tsup_all_conventional(L4_Word_t base, L4_Word_t size)
{
    for (L4_Word_t a = base; a < base + size; a += 4096)
        if (tsup_mem_type(a) != L4_ConventionalMemoryType)
            return 0;
    return 1;
}

struct tsup_probe tsup_pr;

static void prober(L4_Word_t unused)
{
    (void)unused;
    while (!tsup_pr.go)
        tsup_sleep_ms(1);
    for (unsigned i = 0; i < tsup_pr.n; i++) {
        volatile L4_Word_t *p = (volatile L4_Word_t *)tsup_pr.addr[i];
        if (tsup_pr.op[i] == TSUP_PROBE_PORT) {
            tsup_pr.val[i] = inb((unsigned short)tsup_pr.addr[i]);
        } else {
            if (tsup_pr.op[i] == TSUP_PROBE_WRITE)
                *p = tsup_pr.val[i];
            tsup_pr.val[i] = *p;
        }
        tsup_pr.progress = i + 1;
    }
    tsup_pr.done = 1;
}

unsigned tsup_probe_run(L4_ThreadId_t in, unsigned n)
{
    if (!probe_pager.raw) {
        probe_pager = tsup_thread(tsup_recording_pager, 0);
        L4_Set_Priority(probe_pager, 200);
    }
    L4_Word_t before = tsup_rec.count;
    tsup_pr.n = n;
    tsup_pr.progress = 0;
    tsup_pr.go = tsup_pr.done = 0;
    L4_ThreadId_t t = L4_IsNilThread(in) ? tsup_thread(prober, 0) : tsup_space_thread(in, prober, 0);
    L4_ThreadControl(t, t, L4_nilthread, probe_pager, (void *)~0UL);
    tsup_pr.go = 1;
    for (int i = 0; i < 3000 && !tsup_pr.done && tsup_rec.count == before; i++)
        tsup_sleep_ms(1);
    int faulted = tsup_rec.count != before;
    tsup_pr.fault_tag = faulted ? tsup_rec.tag : tsup_pr.done ? 0 : ~0UL;
    tsup_pr.fault_addr = faulted ? tsup_rec.mr1 : 0;
    tsup_pr.fault_ip = faulted ? tsup_rec.mr2 : 0;
    unsigned got = tsup_pr.done ? n : tsup_pr.progress;
    tsup_kill(t);
    return got;
}
