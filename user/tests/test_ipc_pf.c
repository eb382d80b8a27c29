/* Page faults inside string transfers (spec 5.4, 5.8, 5.9), the scenarios
 * of l4test's ipc-pf (spec 13): an 8 KB string between a thread F of the
 * root space and a partner P in a new space, with pages taken away
 * beforehand by Flush; faults served, left unanswered until the xfer
 * timeout, or aborted by F's pager with ExchangeRegisters.
 *
 * F's pager is the root thread (which may ExchangeRegisters F, in its own
 * space); P's is the support pager. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define PAGE 4096
#define LEN (2 * PAGE)
#define STRING_ITEM(len) ((L4_Word_t)(len) << 10)
#define MS(ms) L4_TimePeriod((ms) * 1000ULL)

static uint8_t sbuf[LEN] __attribute__((aligned(PAGE)));
static uint8_t rbuf[LEN] __attribute__((aligned(PAGE)));

/* What the root thread does when F faults on a buffer page: serve the
 * fault, leave it unanswered, abort F's page-fault IPC (and with STOP
 * halt F too, resuming it once P has finished), or delete F or P. */
enum mode { SERVE, SILENT, ABORT, STOP, KILL_F, KILL_P };
static L4_Word_t stopped_state;          /* STOP: F's Schedule state while P finished */
static L4_Word_t buffer_faults;          /* F's faults on the string buffers */

static int in_buffers(L4_Word_t a)
{
    return (a - (L4_Word_t)sbuf < LEN) || (a - (L4_Word_t)rbuf < LEN);
}

/* The root thread pages F and the support pager (whose faults on pages
 * the root space gave up come here too), as l4test's root task does: it
 * owns the image at sigma0, so touching a page brings it back. F's faults
 * on the buffers are treated as `mode` says. Until both F and P are done,
 * or five seconds have passed. */
static int serve(L4_ThreadId_t f, L4_ThreadId_t p, enum mode mode)
{
    L4_Word_t until = L4_SystemClock().raw + 5000000;
    int f_gone = 0, p_gone = 0, f_stopped = 0;
    while (!((f_gone || tsup_done(f)) && (p_gone || tsup_done(p)))) {
        if (L4_SystemClock().raw > until)
            return 0;
        if (f_stopped && tsup_done(p)) {
            L4_Word_t old;
            stopped_state = L4_Schedule(f, ~0UL, ~0UL, ~0UL, ~0UL, &old);
            L4_Start(f);
            f_stopped = 0;
        }
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(MS(1), &from);
        if (L4_IpcFailed(tag))
            continue;
        if (from.raw == L4_LocalIdOf(f).raw && in_buffers(__L4_Utcb()[1])) {
            buffer_faults++;
            if (mode == ABORT) {
                L4_Word_t w;
                L4_ThreadId_t pg;
                L4_ExchangeRegisters(from, L4_ExReg_AbortIpc, 0, 0, 0, 0, L4_nilthread, &w, &w,
                                     &w, &w, &w, &pg);
            } else if (mode == STOP) {
                L4_AbortIpc_and_stop(from);
                f_stopped = 1;
            } else if (mode == KILL_F && !f_gone) {
                tsup_kill(f);
                f_gone = 1;
            } else if (mode == KILL_P && !p_gone) {
                tsup_kill(p);
                p_gone = 1;
            }
            if (mode != SERVE)
                continue;
        }
        if (tsup_image_fault_reply(tag))
            L4_Reply(from);
    }
    return 1;
}

/* One side of the transfer. P touches its buffer first (`prefault`) unless
 * its pages are the ones flushed, so that only the intended pages fault. */
struct side {
    int sends, prefault;
    volatile int hold;              /* wait until the root thread clears it */
    volatile int in_ipc;            /* about to enter its IPC (all else faulted in) */
    L4_Word_t xfer;                 /* its XferTimeouts */
    L4_ThreadId_t pager;            /* nil: keep the one it has */
    volatile L4_Word_t tag, err;
};
static struct side f_side, p_side;

static void run_side(struct side *s, L4_ThreadId_t peer)
{
    if (s->pager.raw)
        L4_Set_Pager(s->pager);
    L4_Set_XferTimeouts(s->xfer);
    while (s->hold)
        tsup_sleep_ms(1);
    L4_Word_t *mr = __L4_Utcb();
    L4_MsgTag_t tag;
    if (s->sends) {
        for (int i = 0; s->prefault && i < LEN; i += PAGE)
            (void)*(volatile uint8_t *)&sbuf[i];
        mr[0] = 2 << 6;             /* t = 2: one string item */
        mr[1] = STRING_ITEM(LEN);
        mr[2] = (L4_Word_t)sbuf;
        s->in_ipc = 1;
        tag = L4_Send(peer);
    } else {
        for (int i = 0; s->prefault && i < LEN; i += PAGE)
            (void)*(volatile uint8_t *)&rbuf[i];
        L4_LoadBR(0, 1);            /* strings accepted */
        L4_LoadBR(1, STRING_ITEM(LEN));
        L4_LoadBR(2, (L4_Word_t)rbuf);
        s->in_ipc = 1;
        tag = L4_Wait(&peer);
    }
    s->tag = tag.raw;
    s->err = L4_ErrorCode();
}

/* A receiver takes any sender (L4_Wait), so the peer only matters to senders. */
static void f_thread(L4_Word_t peer) { run_side(&f_side, (L4_ThreadId_t){ .raw = peer }); }
static void p_thread(L4_Word_t peer) { run_side(&p_side, (L4_ThreadId_t){ .raw = peer }); }

static void flush_page(void *p)
{
    L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)p, 12), L4_FullyAccessible));
}

/* Bits of `flush`: which pages the root space gives up before the run
 * (and with them every mapping derived from them, P's included). */
#define S0 1
#define S1 2
#define R0 4
#define R1 8

/* F sends to P (f_sends) or P to F; the one that comes second copies
 * (f_first: F waits or sends first, so P copies and F's faults are
 * reflected to F). Returns when both have finished (or were deleted). */
static void run_order(int f_sends, int f_first, unsigned flush, enum mode mode, L4_Word_t f_xfer,
                      L4_Word_t p_xfer)
{
    for (int i = 0; i < LEN; i++)
        sbuf[i] = (uint8_t)(i * 13 + 7);
    memset(rbuf, 0xFF, LEN);
    buffer_faults = 0;
    f_side = (struct side){ .sends = f_sends, .xfer = f_xfer, .pager = L4_MyGlobalId() };
    unsigned p_pages = f_sends ? R0 | R1 : S0 | S1;
    p_side = (struct side){ .sends = !f_sends, .xfer = p_xfer, .prefault = !(flush & p_pages) };
    uint8_t *pages[4] = { sbuf, sbuf + PAGE, rbuf, rbuf + PAGE };
    for (int i = 0; i < 4; i++)
        if (flush & 1u << i)
            flush_page(pages[i]);
    /* The second one is held back until the first waits in its IPC. */
    struct side *second = f_first ? &p_side : &f_side;
    second->hold = 1;
    L4_ThreadId_t f = tsup_new_id(), p = tsup_new_id();
    tsup_thread_as(f, f_thread, p.raw);
    tsup_space_as(p, p_thread, f.raw);
    struct side *first = f_first ? &f_side : &p_side;
    for (int i = 0; i < 1000 && !first->in_ipc; i++)
        tsup_sleep_ms(1);
    tsup_wait_blocked(f_first ? f : p);
    second->hold = 0;
    int ok = serve(f, p, mode), f_done = tsup_done(f), p_done = tsup_done(p);
    if (mode == KILL_F || mode == KILL_P)
        tsup_sleep_ms(5);           /* the survivor finishes */
    tsup_kill(f);
    tsup_kill(p);
    if (!ok)
        test_fail(__FILE__, __LINE__, "expected both sides to finish, F %s, P %s",
                  f_done ? "did" : "did not", p_done ? "did" : "did not");
}

/* The order of the l4test scenarios: the receiver waits first. */
static void run(int f_sends, unsigned flush, enum mode mode, L4_Word_t f_xfer, L4_Word_t p_xfer)
{
    run_order(f_sends, !f_sends, flush, mode, f_xfer, p_xfer);
}

static L4_Word_t xfer_error(unsigned code, unsigned offset, int receive_phase)
{
    return (L4_Word_t)offset << 4 | code << 1 | (L4_Word_t)receive_phase;
}

#define EXPECT_TRANSFERRED()                                                 \
    do {                                                                     \
        EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = f_side.tag }));         \
        EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = p_side.tag }));         \
        EXPECT_EQ(memcmp(rbuf, sbuf, LEN), 0);                               \
    } while (0)

TEST(ipc_pf, faults_on_the_sender_side)
{
    run(1, S0 | S1, SERVE, 0, 0);
    EXPECT_TRANSFERRED();
    EXPECT_EQ(buffer_faults, 2);                /* both pages, through F's pager */
}

TEST(ipc_pf, faults_on_the_receiver_side)
{
    run(0, R0 | R1, SERVE, 0, 0);
    EXPECT_TRANSFERRED();
    EXPECT_EQ(buffer_faults, 2);
}

TEST(ipc_pf, faults_on_both_sides)
{
    run(1, S0 | S1 | R0 | R1, SERVE, 0, 0);     /* P's pages go with the root's */
    EXPECT_TRANSFERRED();
    EXPECT_EQ(buffer_faults, 2);
}

TEST(ipc_pf, long_xfer_timeouts_with_faults)
{
    run(1, S0 | S1 | R0 | R1, SERVE, L4_Timeouts(MS(30000), MS(30000)),
        L4_Timeouts(MS(25000), MS(25000)));
    EXPECT_TRANSFERRED();
}

/* Both xfer timeouts zero: the receiver's fault on its second page ends
 * the copy there; neither is strictly smaller, so the sender gets 5. */
TEST(ipc_pf, zero_xfer_timeout_at_a_receiver_fault)
{
    L4_Word_t zero = L4_Timeouts(L4_ZeroTime, L4_ZeroTime);
    run(0, R1, SERVE, zero, zero);
    EXPECT_EQ(f_side.err, xfer_error(6, PAGE, 1));
    EXPECT_EQ(p_side.err, xfer_error(5, PAGE, 0));
    EXPECT_EQ(memcmp(rbuf, sbuf, PAGE), 0);     /* the first page arrived */
}

/* F's fault on its second page is never answered; the shorter xfer
 * timeout decides who gets "in current" (5) and who "in partner" (6). */
TEST(ipc_pf, short_sender_xfer_timeout_expires)
{
    run(1, S1, SILENT, L4_Timeouts(MS(50), MS(50)), L4_Timeouts(MS(3000), MS(3000)));
    EXPECT_EQ(buffer_faults, 1);
    EXPECT_EQ(f_side.err, xfer_error(5, PAGE, 0));
    EXPECT_EQ(p_side.err, xfer_error(6, PAGE, 1));
}

TEST(ipc_pf, short_receiver_xfer_timeout_expires)
{
    run(1, S1, SILENT, L4_Timeouts(MS(3000), MS(3000)), L4_Timeouts(MS(50), MS(50)));
    EXPECT_EQ(buffer_faults, 1);
    EXPECT_EQ(f_side.err, xfer_error(6, PAGE, 0));
    EXPECT_EQ(p_side.err, xfer_error(5, PAGE, 1));
}

/* F's pager aborts F's page-fault IPC nested in the transfer: the
 * transfer ends for both with code 7 at the offset reached. */
TEST(ipc_pf, pager_aborts_the_sender)
{
    run(1, S1, ABORT, 0, 0);
    EXPECT_EQ(buffer_faults, 1);
    EXPECT_EQ(f_side.err, xfer_error(7, PAGE, 0));
    EXPECT_EQ(p_side.err, xfer_error(7, PAGE, 1));
}

TEST(ipc_pf, pager_aborts_the_receiver)
{
    run(0, R1, ABORT, 0, 0);
    EXPECT_EQ(buffer_faults, 1);
    EXPECT_EQ(f_side.err, xfer_error(7, PAGE, 1));
    EXPECT_EQ(p_side.err, xfer_error(7, PAGE, 0));
    EXPECT_EQ(memcmp(rbuf, sbuf, PAGE), 0);
}

/* ---- every way a nested fault can end the transfer early ---------------------
 * F faults on its second buffer page, in each of the four set-ups: F
 * sends or receives, and copies itself (it came second: its own page-fault
 * IPC) or has P copy (F came first: P reflects the fault to F, which asks
 * its pager). At that fault the root thread aborts F's page-fault IPC
 * (and perhaps stops F: a halted thread still finishes the transfer and
 * stops on its way back to user mode), deletes F or P, or leaves it
 * unanswered until F's short xfer timeout.
 * The transfer ends for both, each with the error in its own phase at the
 * offset reached (spec 5.4, 5.9); a deleted partner is an abort (7). */
static void ends_early(int f_sends, int f_first, enum mode mode)
{
    L4_Word_t f_xfer = 0, p_xfer = 0;
    if (mode == SILENT) {
        f_xfer = L4_Timeouts(MS(50), MS(50));
        p_xfer = L4_Timeouts(MS(3000), MS(3000));
    }
    stopped_state = 0;
    run_order(f_sends, f_first, f_sends ? S1 : R1, mode, f_xfer, p_xfer);
    EXPECT_EQ(buffer_faults, 1);
    if (mode == STOP)
        EXPECT_EQ(stopped_state, 2);            /* halted, until resumed */
    if (mode != KILL_F)
        EXPECT_EQ(f_side.err, xfer_error(mode == SILENT ? 5 : 7, PAGE, !f_sends));
    if (mode != KILL_P)
        EXPECT_EQ(p_side.err, xfer_error(mode == SILENT ? 6 : 7, PAGE, f_sends));
}

#define ENDS_EARLY(name, f_sends, f_first, mode) \
    TEST(ipc_pf, name) { ends_early(f_sends, f_first, mode); }

ENDS_EARLY(pager_aborts_the_sender_while_the_receiver_copies, 1, 1, ABORT)
ENDS_EARLY(pager_aborts_the_receiver_while_it_copies, 0, 0, ABORT)
ENDS_EARLY(pager_stops_the_sender_that_copies, 1, 0, STOP)
ENDS_EARLY(pager_stops_the_sender_while_the_receiver_copies, 1, 1, STOP)
ENDS_EARLY(pager_stops_the_receiver_that_copies, 0, 0, STOP)
ENDS_EARLY(pager_stops_the_receiver_while_the_sender_copies, 0, 1, STOP)
ENDS_EARLY(deleting_a_faulting_sender_that_copies, 1, 0, KILL_F)
ENDS_EARLY(deleting_a_faulting_sender_while_the_receiver_copies, 1, 1, KILL_F)
ENDS_EARLY(deleting_a_faulting_receiver_that_copies, 0, 0, KILL_F)
ENDS_EARLY(deleting_a_faulting_receiver_while_the_sender_copies, 0, 1, KILL_F)
ENDS_EARLY(deleting_the_receiver_of_a_faulting_sender_that_copies, 1, 0, KILL_P)
ENDS_EARLY(deleting_the_receiver_that_copies_for_a_faulting_sender, 1, 1, KILL_P)
ENDS_EARLY(deleting_the_sender_of_a_faulting_receiver_that_copies, 0, 0, KILL_P)
ENDS_EARLY(deleting_the_sender_that_copies_for_a_faulting_receiver, 0, 1, KILL_P)
ENDS_EARLY(xfer_timeout_of_a_sender_fault_the_receiver_reflected, 1, 1, SILENT)
ENDS_EARLY(xfer_timeout_of_a_receiver_fault_in_its_own_copy, 0, 0, SILENT)
ENDS_EARLY(xfer_timeout_of_a_receiver_fault_the_sender_reflected, 0, 1, SILENT)

/* ---- the timeout fires between the pager's answer and the partner's run --
 * C receives a string from P (another space) with a receive xfer timeout
 * of 20 ms. The source page is missing, so P serves the fault; its pager
 * G answers at once, but B, above P, keeps P from running for 60 ms, in
 * which C's timeout fires. When P runs it must not hand C the fault's
 * outcome over the timeout's: the transfer fails with the timeout (spec
 * 5.4), rather than C copying on as if nothing had expired. */
#define LT_SRC 0x50000000UL                     /* in P's space: never mapped before */

static uint8_t lt_page[PAGE] __attribute__((aligned(PAGE)));
static volatile L4_Word_t lt_t0, lt_c_tag, lt_c_err, lt_b_id, lt_c_id;
static volatile int lt_p_go, lt_c_done;

static void lt_receiver(L4_Word_t unused)       /* C, priority 10 */
{
    (void)unused;
    (void)*(volatile uint8_t *)rbuf;
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, MS(20)));
    L4_LoadBR(0, 1);
    L4_LoadBR(1, STRING_ITEM(64));
    L4_LoadBR(2, (L4_Word_t)rbuf);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    lt_c_tag = tag.raw;
    lt_c_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    lt_c_done = 1;
}

static void lt_sender(L4_Word_t unused)         /* P, priority 20, its own space */
{
    (void)unused;
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_Never));
    while (!lt_p_go)
        L4_ThreadSwitch(L4_nilthread);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = STRING_ITEM(64);
    mr[2] = LT_SRC;
    L4_Send((L4_ThreadId_t){ .raw = lt_c_id });
}

static void lt_blocker(L4_Word_t unused)        /* B, priority 30 */
{
    (void)unused;
    L4_ThreadId_t from;
    L4_Wait(&from);                             /* G's go */
    while (L4_SystemClock().raw < lt_t0 + 60000)
        ;
}

static int lt_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    if (L4_IpcFailed(tag) || (mr[1] & ~0xFFFUL) != LT_SRC)
        return 0;
    lt_t0 = L4_SystemClock().raw;
    L4_LoadMR(0, 0);
    L4_Send_Timeout((L4_ThreadId_t){ .raw = lt_b_id }, L4_ZeroTime);    /* B runs next */
    mr[0] = 2 << 6;
    mr[1] = LT_SRC | 0x8;
    mr[2] = L4_FpageLog2((L4_Word_t)lt_page, 12).raw | L4_FullyAccessible;
    return 1;
}

static void lt_pager(L4_Word_t unused)          /* G, priority 200 */
{
    (void)unused;
    lt_page[0] = 1;
    tsup_pager_loop(lt_answer);
}

TEST(ipc_pf, xfer_timeout_holds_when_the_partner_runs_after_it)
{
    lt_p_go = lt_c_done = 0;
    lt_c_tag = lt_c_err = 0;
    L4_ThreadId_t g = tsup_thread(lt_pager, 0);
    L4_Set_Priority(g, 200);
    L4_ThreadId_t b = tsup_thread(lt_blocker, 0);
    lt_b_id = b.raw;
    L4_Set_Priority(b, 30);
    EXPECT(tsup_wait_blocked(b));
    L4_ThreadId_t c = tsup_thread(lt_receiver, 0);
    lt_c_id = c.raw;
    L4_Set_Priority(c, 10);
    L4_ThreadId_t p = tsup_space(lt_sender, 0);
    L4_Set_Priority(p, 20);
    tsup_go_paged_by(p, g, &lt_p_go);
    int done = tsup_wait_flag(&lt_c_done, 2000);
    tsup_kill(p);
    tsup_kill(c);
    tsup_kill(b);
    tsup_kill(g);
    EXPECT(done);
    L4_Word_t code = (lt_c_err >> 1) & 7;       /* 5, 6: xfer timeout (spec 5.4) */
    if (!(lt_c_tag & (1 << 15)) || (code != 5 && code != 6))
        test_fail(__FILE__, __LINE__, "expected C's receive to fail with an xfer timeout "
                  "(code 5 or 6), got tag 0x%lx, error 0x%lx", lt_c_tag, lt_c_err);
}
