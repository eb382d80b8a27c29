/* Address spaces built by pagers (seed 002 section 2.1, spec 5.7, 4.12):
 * the granting example of the paper's figure 1, a stack of pagers with a
 * demand pager that hands out zero-filled memory, and bad map and unmap
 * requests, each leaving the kernel healthy.
 *
 * Each space runs an agent: it receives mappings into its window at
 * WINDOW and, told so by the root thread, maps, grants or unmaps pages of
 * it. A page is checked by a fresh reader thread in the space: the support
 * pager answers no fault outside the test image, so a reader of an
 * unmapped page just waits, and its flag stays clear. */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define WINDOW 0x50000000UL
#define MAGIC  0x600DF00DUL

enum { CMD_MAP = 0x71, CMD_GRANT, CMD_UNMAP, CMD_FLUSH, CMD_QUIT };

static void agent(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_FpageLog2(WINDOW, 24)));
        L4_MsgTag_t tag = L4_Wait(&from);
        L4_Word_t *mr = __L4_Utcb(), label = L4_Label(tag);
        if (L4_IpcFailed(tag) || label < CMD_MAP || label > CMD_QUIT)
            continue;                       /* a mapping arriving, say */
        L4_Fpage_t fp = L4_FpageAddRights(L4_FpageLog2(mr[1], 12), L4_FullyAccessible);
        if (label == CMD_MAP || label == CMD_GRANT) {
            L4_ThreadId_t to = { .raw = mr[2] };
            L4_MapItem_t m = label == CMD_MAP ? L4_MapItem(fp, mr[1])
                                              : (L4_MapItem_t){ .raw = { L4_GrantItem(fp, mr[1]).raw[0],
                                                                         L4_GrantItem(fp, mr[1]).raw[1] } };
            mr[0] = 2 << 6;
            mr[1] = m.raw[0];
            mr[2] = m.raw[1];
            L4_Send(to);
        } else if (label == CMD_UNMAP) {
            L4_UnmapFpage(fp);
        } else if (label == CMD_FLUSH) {
            L4_Flush(fp);
        }
        mr[0] = 0;
        L4_Reply(from);
        if (label == CMD_QUIT)
            return;
    }
}

static void command(L4_ThreadId_t agent_id, L4_Word_t cmd, L4_Word_t va, L4_ThreadId_t to)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = cmd << 16 | 2;
    mr[1] = va;
    mr[2] = to.raw;
    L4_Call(agent_id);
}

/* ---- readers ---------------------------------------------------------------- */
static volatile L4_Word_t read_value[4];
static volatile int read_done[4];
static void reader(L4_Word_t slot)
{
    read_value[slot] = *(volatile L4_Word_t *)WINDOW;
    read_done[slot] = 1;
}

/* Does the space of `agent_id` have the page at WINDOW (with MAGIC)? */
static int has_page(L4_ThreadId_t agent_id, unsigned slot)
{
    read_done[slot] = 0;
    read_value[slot] = 0;
    L4_ThreadId_t r = tsup_space_thread(agent_id, reader, slot);
    for (int i = 0; i < 20 && !read_done[slot]; i++)
        tsup_sleep_ms(1);
    int got = read_done[slot] && read_value[slot] == MAGIC;
    tsup_kill(r);
    return got;
}

static L4_Fpage_t magic_page(void)
{
    L4_Fpage_t p = tsup_sigma0_any(12);
    if (!L4_IsNilFpage(p))
        *(volatile L4_Word_t *)L4_Address(p) = MAGIC;
    return p;
}

static void map_to(L4_Fpage_t page, L4_ThreadId_t agent_id)
{
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(page, L4_FullyAccessible), WINDOW);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_Send(agent_id);
}

TEST(pagers, granting_example_of_the_paper)
{
    L4_Fpage_t p = magic_page();
    EXPECT(!L4_IsNilFpage(p));
    L4_ThreadId_t f1 = tsup_space(agent, 0), F = tsup_space(agent, 0), A = tsup_space(agent, 0);
    tsup_wait_blocked(f1);
    tsup_wait_blocked(F);
    tsup_wait_blocked(A);
    map_to(p, f1);                                   /* the standard pager (we) -> f1 */
    command(f1, CMD_MAP, WINDOW, F);                 /* f1 maps to F */
    command(F, CMD_GRANT, WINDOW, A);                /* F grants to A */
    int f1_has = has_page(f1, 0), F_has = has_page(F, 1), A_has = has_page(A, 2);
    L4_UnmapFpage(L4_FpageAddRights(p, L4_FullyAccessible));   /* the standard pager's flush */
    int f1_after = has_page(f1, 0), A_after = has_page(A, 2);
    map_to(p, f1);                                   /* again, and this time f1 flushes */
    command(f1, CMD_MAP, WINDOW, F);
    command(F, CMD_GRANT, WINDOW, A);
    command(f1, CMD_UNMAP, WINDOW, L4_nilthread);
    int f1_keeps = has_page(f1, 0), A_lost = !has_page(A, 2);
    tsup_kill(A);
    tsup_kill(F);
    tsup_kill(f1);
    L4_Flush(L4_FpageAddRights(p, L4_FullyAccessible));
    EXPECT(f1_has);
    EXPECT(!F_has);                                  /* granted away */
    EXPECT(A_has);
    EXPECT(!f1_after);                               /* removed from f1 ... */
    EXPECT(!A_after);                                /* ... and from A */
    EXPECT(f1_keeps);                                /* f1's flush: only from A */
    EXPECT(A_lost);
}

/* ---- a stack of pagers with a demand pager ------------------------------------ */

/* A pager in its own space: each fault gets a fresh page from sigma0
 * (through the support pager: sigma0 serves privileged spaces only),
 * zeroed here, mapped at the fault address. */
static volatile L4_Word_t demand_faults;
static int demand_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL)
        return 0;
    L4_Word_t addr = mr[1];
    L4_Fpage_t page = tsup_any_page();
    for (L4_Word_t o = 0; o < 4096; o += 8)
        *(volatile L4_Word_t *)(L4_Address(page) + o) = 0;
    demand_faults++;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(page, L4_FullyAccessible), addr);
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    return 1;
}

static void demand_pager(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(demand_answer);     /* (its client's code and data too) */
}

static volatile int heap_ok, heap_done;
static volatile int go_heap;
static void heap_user(L4_Word_t unused)
{
    (void)unused;
    heap_done = 0;                          /* (its page is in before the pager changes) */
    while (!go_heap)
        tsup_sleep_ms(1);
    int ok = 1;
    for (L4_Word_t p = 0; p < 8; p++) {
        volatile L4_Word_t *w = (volatile L4_Word_t *)(0x60000000UL + p * 4096 + 64);
        ok &= *w == 0;                      /* zero on first touch */
        *w = p + 1;
    }
    for (L4_Word_t p = 0; p < 8; p++)
        ok &= *(volatile L4_Word_t *)(0x60000000UL + p * 4096 + 64) == p + 1;
    heap_ok = ok;
    heap_done = 1;
}

/* Run thread_fn in a space of its own, paged by pager_fn in another;
 * true if it completed within two seconds. Both are gone afterwards. */
static int run_paged_by(tsup_fn_t pager_fn, tsup_fn_t thread_fn)
{
    go_heap = 0;
    L4_ThreadId_t pager = tsup_space(pager_fn, 0);
    L4_ThreadId_t t = tsup_space(thread_fn, 0);
    tsup_go_paged_by(t, pager, &go_heap);
    int ok = tsup_join(t, 2000);
    tsup_kill(t);
    tsup_kill(pager);
    return ok;
}

TEST(pagers, stacked_pagers_and_demand_zero)
{
    demand_faults = 0;
    heap_ok = 0;
    /* the demand pager lives in space P1, paged by the support pager (in
     * the root task, paged by sigma0): three pagers stacked */
    EXPECT(run_paged_by(demand_pager, heap_user));
    EXPECT(heap_ok);
    EXPECT_EQ(demand_faults, 8);
}

/* ---- bad requests ---------------------------------------------------------------- */

TEST(pagers, unaligned_fpage_is_aligned_down)
{
    L4_Fpage_t p = magic_page();
    L4_ThreadId_t a = tsup_space(agent, 0);
    tsup_wait_blocked(a);
    /* the fpage names the page with an address 0x123 into it */
    L4_Fpage_t odd = { .raw = (L4_Address(p) + 0x123) & ~0x3FFUL };
    odd = L4_FpageAddRights((L4_Fpage_t){ .raw = odd.raw | 12 << 4 }, L4_FullyAccessible);
    L4_MapItem_t m = L4_MapItem(odd, WINDOW);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_Send(a);
    int got = has_page(a, 0);
    tsup_kill(a);
    L4_Flush(L4_FpageAddRights(p, L4_FullyAccessible));
    EXPECT(got);
}

TEST(pagers, mapping_what_one_does_not_have_maps_nothing)
{
    L4_ThreadId_t a = tsup_space(agent, 0);
    tsup_wait_blocked(a);
    /* 0x70000000 is mapped nowhere in our space */
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(0x70000000, 12), 7), WINDOW);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_MsgTag_t tag = L4_Send(a);
    int got = has_page(a, 0);
    tsup_kill(a);
    EXPECT(L4_IpcSucceeded(tag));                    /* not an error ... */
    EXPECT(!got);                                    /* ... just nothing */
}

/* A receiver with a 4 KB window, which then reads what arrived. */
static volatile L4_Word_t small_got;
static void small_window(L4_Word_t unused)
{
    (void)unused;
    small_got = 0;
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(WINDOW, 12)));
    L4_ThreadId_t from;
    L4_Wait(&from);
    small_got = *(volatile L4_Word_t *)WINDOW;
}

TEST(pagers, larger_send_fpage_than_window)
{
    /* 16 KB sent into a 4 KB window: the part at the send base's offset
     * (rounded to the window size) fills the window (spec 5.7, s > r) */
    L4_Fpage_t big = tsup_sigma0_any(14);
    EXPECT(!L4_IsNilFpage(big));
    for (int i = 0; i < 4; i++)
        *(volatile L4_Word_t *)(L4_Address(big) + i * 4096UL) = MAGIC + (L4_Word_t)i;
    L4_ThreadId_t r = tsup_space(small_window, 0);
    tsup_wait_blocked(r);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(big, 7), 0x2345);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_MsgTag_t tag = L4_Send(r);
    int ok = tsup_join(r, 1000);
    tsup_kill(r);
    L4_Flush(L4_FpageAddRights(big, L4_FullyAccessible));
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(ok);
    EXPECT_EQ(small_got, MAGIC + 2);                 /* the third 4 KB of the 16 */
}

/* A flush of the complete address space by a thread of a new space takes
 * only that space's own user mappings: kernel memory, the KIP and the UTCBs
 * stay; the thread faults its pages back in and goes on. */
static volatile int after_flush;
static void flush_everything(L4_Word_t unused)
{
    (void)unused;
    L4_Flush(L4_FpageAddRights(L4_CompleteAddressSpace, L4_FullyAccessible));
    after_flush = 1;
}

TEST(pagers, flushing_everything_spares_the_kernel)
{
    after_flush = 0;
    L4_ThreadId_t t = tsup_space(flush_everything, 0);
    int ok = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(ok);
    EXPECT_EQ(after_flush, 1);
    /* and the kernel still answers */
    EXPECT_EQ(L4_Schedule(L4_MyGlobalId(), ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 }), 3);
}

/* A pager whose first answers are nonsense (no map item, an item of an
 * unknown type, a map item of a page it does not have): the faulting
 * thread simply faults again, and the kernel goes on; the fourth answer
 * maps the page and the thread completes (spec 6.2: any reply ends the
 * fault). */
static volatile int nonsense_given, touched;
static int nonsense_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from, (void)tag;
    L4_Word_t addr = mr[1] & ~0xFFFUL;
    switch (nonsense_given++) {
    case 0:                                         /* untyped words only */
        mr[0] = 5;
        break;
    case 1:                                         /* a typed item of no known type */
        mr[0] = 2 << 6;
        mr[1] = 0xE;
        mr[2] = 0x1234;
        break;
    case 2:                                         /* a page we do not have */
        mr[0] = 2 << 6;
        mr[1] = addr | 0x8;
        mr[2] = L4_FpageLog2(0x7F000000, 12).raw | 7;
        break;
    default: {                                      /* at last: a real page */
        L4_Fpage_t page = tsup_any_page();
        L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(page, 7), addr);
        mr[0] = 2 << 6;
        mr[1] = m.raw[0];
        mr[2] = m.raw[1];
    }
    }
    return 1;
}

static void nonsense_pager(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(nonsense_answer);
}

static void touch_far_page(L4_Word_t unused)
{
    (void)unused;
    touched = 0;                            /* (its page is in before the pager changes) */
    while (!go_heap)
        tsup_sleep_ms(1);
    *(volatile L4_Word_t *)0x68000000UL = 1;
    touched = 1;
}

TEST(pagers, nonsense_answers_to_a_fault)
{
    nonsense_given = 0;
    EXPECT(run_paged_by(nonsense_pager, touch_far_page));
    EXPECT_EQ(touched, 1);
    EXPECT_EQ(nonsense_given, 4);                        /* three faults in vain, then mapped */
}

/* Answers to a fault that map nothing (spec 5.7, 6.2; the kernel's short
 * path for a pager's one-page answer, ipc.c reply_short, decides these
 * itself): a page onto the faulting space's KIP, onto its UTCB, onto the
 * last user page, from beyond the user area, without rights; and a
 * string item, which the fault's acceptor refuses: the pager's send
 * fails with an overflow and the thread faults again. Then a real page:
 * the thread completes with its KIP and UTCB as they were. */
static volatile L4_Word_t victim_kip, victim_utcb, victim_id, victim_ok;
static volatile L4_Word_t string_answer_error;
static volatile int refusals;

static void refused_pager(L4_Word_t unused)
{
    (void)unused;
    static char buf[8];
    L4_Fpage_t page = tsup_any_page();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        if (tsup_image_fault_reply(tag)) {
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        L4_Word_t addr = mr[1] & ~0xFFFUL;
        L4_Fpage_t fp = L4_FpageAddRights(page, L4_FullyAccessible);
        L4_Word_t dst = addr;
        int step = refusals++;
        switch (step) {
        case 0: dst = victim_kip & ~0xFFFUL; break;                     /* onto its KIP */
        case 1: dst = victim_utcb & ~0xFFFUL; break;                    /* onto its UTCB */
        case 2: dst = 0x00007FFFFFFFF000UL; break;                      /* the last user page */
        case 3: fp = L4_FpageAddRights(L4_FpageLog2(0xFFFF800000000000UL, 12), 7); break;
        case 4: fp = L4_FpageLog2(L4_Address(page), 12); break;         /* no rights */
        default: break;
        }
        mr[0] = 2 << 6;
        if (step == 5) {                                                /* a string item */
            L4_StringItem_t s = L4_StringItem(sizeof buf, buf);
            mr[1] = s.raw[0];
            mr[2] = s.raw[1];
        } else {
            L4_MapItem_t m = L4_MapItem(fp, dst);
            mr[1] = m.raw[0];
            mr[2] = m.raw[1];
        }
        tag = L4_ReplyWait(from, &from);
        if (step == 5 && L4_IpcFailed(tag))
            string_answer_error = L4_ErrorCode();
    }
}

static void victim(L4_Word_t unused)
{
    (void)unused;
    victim_kip = (L4_Word_t)L4_GetKernelInterface();
    victim_utcb = (L4_Word_t)__L4_Utcb();
    victim_id = L4_MyGlobalId().raw;
    touched = 0;
    while (!go_heap)
        tsup_sleep_ms(1);
    *(volatile L4_Word_t *)0x68000000UL = 1;
    const char *kip = (const char *)victim_kip;
    victim_ok = kip[0] == 'L' && kip[1] == '4' && kip[3] == 'K' && L4_MyGlobalId().raw == victim_id;
    touched = 1;
}

TEST(pagers, answers_the_kernel_keeps_from_mapping)
{
    refusals = 0;
    victim_ok = 0;
    string_answer_error = 0;
    EXPECT(run_paged_by(refused_pager, victim));
    EXPECT_EQ(touched, 1);
    EXPECT_EQ(refusals, 7);                     /* six answers in vain, then mapped */
    EXPECT_EQ(victim_ok, 1);                    /* its KIP and UTCB are still its own */
    EXPECT_EQ(string_answer_error & 0xF, 4 << 1);   /* overflow, send phase */
}

/* ---- a ReplyWait whose string copy faults: who queued meanwhile ---------- */

/* The server P (a space of its own, paged by the test pager G) answers
 * its client C with a string from sq_src, which P's space has not touched:
 * the copy faults to G. While G holds the fault, S calls P and is queued
 * (P receives from G only). P's ReplyWait then receives from anyone: S's
 * message, which is waiting (spec 5.1), not a wait that ends only when
 * S's send times out. */
#define SQ_STR(len) ((L4_Word_t)(len) << 10)
static uint8_t sq_src[4096] __attribute__((aligned(4096)));
static uint8_t sq_dst[4096] __attribute__((aligned(4096)));
static volatile int sq_go, sq_p_waiting, sq_fault_seen, sq_s_ok;
static volatile L4_Word_t sq_p_from, sq_c_tag;

static void sq_pager(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb(), addr = mr[1], ip = mr[2];
        if ((L4_Label(tag) >> 4) == 0xFFFFFFFFFFEUL && addr >> 12 == (L4_Word_t)sq_src >> 12) {
            sq_fault_seen = 1;
            tsup_sleep_ms(100);                 /* S calls P meanwhile */
            mr[0] = tag.raw;
            mr[1] = addr;
            mr[2] = ip;
        }
        if (!tsup_image_fault_reply(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        tag = L4_ReplyWait(from, &from);
    }
}

static void sq_server(L4_Word_t unused)
{
    (void)unused;
    while (!sq_go)
        tsup_sleep_ms(1);
    L4_ThreadId_t from;
    sq_p_waiting = 1;
    L4_MsgTag_t tag = L4_Wait(&from);            /* C's call */
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = SQ_STR(64);
    mr[2] = (L4_Word_t)sq_src;
    tag = L4_ReplyWait(from, &from);
    sq_p_from = from.raw;
    if (L4_IpcSucceeded(tag)) {
        mr[0] = 0;
        L4_Reply(from);
    }
}

static void sq_caller(L4_Word_t server)
{
    L4_ThreadId_t p = { .raw = server };
    tsup_wait_flag(&sq_fault_seen, 3000);
    L4_ThreadId_t from;
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Ipc(p, p, L4_Timeouts(L4_TimePeriod(1000000), L4_Never), &from);
    sq_s_ok = L4_IpcSucceeded(tag) ? 1 : 2;
}

static void sq_client(L4_Word_t server)
{
    L4_LoadBR(0, 1);                            /* strings, into sq_dst */
    L4_LoadBR(1, SQ_STR(64));
    L4_LoadBR(2, (L4_Word_t)sq_dst);
    L4_LoadMR(0, 0);
    sq_c_tag = L4_Call((L4_ThreadId_t){ .raw = server }).raw;
}

TEST(pagers, replywait_after_faulting_string_takes_queued_sender)
{
    sq_go = sq_p_waiting = sq_fault_seen = sq_s_ok = 0;
    sq_p_from = sq_c_tag = 0;
    L4_ThreadId_t g = tsup_thread(sq_pager, 0);
    L4_ThreadId_t p = tsup_space(sq_server, 0);
    tsup_go_paged_by(p, g, &sq_go);
    EXPECT(tsup_wait_flag(&sq_p_waiting, 2000));
    tsup_sleep_ms(20);                          /* P waits (for fast_resume) */
    L4_ThreadId_t s = tsup_thread(sq_caller, p.raw);
    L4_ThreadId_t c = tsup_thread(sq_client, p.raw);
    int ok = tsup_join(s, 3000);
    tsup_kill(c);
    tsup_kill(s);
    tsup_kill(p);
    tsup_kill(g);
    EXPECT(ok);
    EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = sq_c_tag }));
    EXPECT_EQ(sq_s_ok, 1);                      /* P took S's message and answered */
    EXPECT_EQ(sq_p_from, s.raw);
}
