/* IPC (spec 2.1, 2.2, 2.8, 2.9.1, 4.5, 5.1-5.5, 5.9): send, receive,
 * call, reply-and-wait, message registers, timeouts, error codes,
 * cancellation, and scenarios with many threads, between threads of one
 * space and of several. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* A server: answers each call with label + 1 and the words reversed. */
static void echo_server(L4_Word_t rounds)
{
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (L4_Word_t i = 0;; i++) {
        L4_Word_t *mr = __L4_Utcb();
        unsigned u = L4_UntypedWords(tag);
        L4_Word_t w[64];
        for (unsigned j = 0; j < u; j++)
            w[j] = mr[u - j];
        tsup_load(L4_Label(tag) + 1, u, w);
        if (i + 1 == rounds) {
            L4_Reply(from);
            return;
        }
        tag = L4_ReplyWait(from, &from);
    }
}

static void rpc(L4_ThreadId_t server, unsigned u)
{
    L4_Word_t w[63];
    for (unsigned j = 0; j < u; j++)
        w[j] = 0x1000 + j;
    tsup_load(0x42, u, w);
    L4_MsgTag_t tag = L4_Call(server);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(L4_Label(tag), 0x43);
    EXPECT_EQ(L4_UntypedWords(tag), u);
    for (unsigned j = 0; j < u; j++)
        EXPECT_EQ(__L4_Utcb()[1 + j], 0x1000 + u - 1 - j);
}

TEST(ipc, rpc_same_space)
{
    L4_ThreadId_t server = tsup_thread(echo_server, 3);
    rpc(server, 0);
    rpc(server, 7);
    rpc(server, 63);
    EXPECT(tsup_join(server, 100));
    tsup_kill(server);
}

TEST(ipc, rpc_other_space)
{
    L4_ThreadId_t server = tsup_space(echo_server, 3);
    rpc(server, 0);
    rpc(server, 8);
    rpc(server, 63);
    EXPECT(tsup_join(server, 100));
    tsup_kill(server);
}

/* ======================================================================
 * Common helpers for the tests below.
 *
 * Helper threads never use EXPECT: they record what they saw in `rec`,
 * which every space of the tests shares (same pages), and the test body
 * checks it after cleaning up.
 * ====================================================================== */

#define SEND_PHASE 0
#define RECV_PHASE 1
/* ErrorCode TCR after a failed IPC without string offset (spec 2.9.1). */
#define IPC_ERR(code, phase) ((L4_Word_t)(code) << 1 | (phase))
#define TAG_E 0x8000UL
/* Slack for one timer tick (spec 5.4: the resolution is one tick, at
 * most 1953 us) in lower bounds of elapsed time. */
#define TICK_US 2000

static L4_Word_t tag_word(L4_Word_t label, unsigned u, unsigned t)
{
    return label << 16 | (L4_Word_t)t << 6 | u;
}
static L4_Time_t ms(unsigned n) { return L4_TimePeriod(n * 1000ULL); }
static uint64_t clock_us(void) { return L4_SystemClock().raw; }
static L4_ThreadId_t tid(L4_Word_t raw) { return (L4_ThreadId_t){ .raw = raw }; }

/* Schedule's report on t (3 running, 4 pending send, 6 waiting, ...). */
static L4_Word_t sched_state(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

/* ExchangeRegisters with only `control`: returns the old control bits. */
static L4_Word_t exreg(L4_ThreadId_t t, L4_Word_t control)
{
    L4_Word_t old;
    __L4_ExReg(t, control, 0, 0, 0, 0, L4_nilthread, &old);
    return old;
}

struct rec {
    volatile L4_Word_t ready;       /* about to enter the IPC under test */
    volatile L4_Word_t done;        /* that IPC returned; fields below valid */
    volatile L4_Word_t tag, from, err, clock;
    volatile L4_Word_t t0;          /* a helper-specific moment */
    volatile L4_Word_t reply_tag, reply_err;
    volatile L4_Word_t me_local, me_global;
    volatile L4_Word_t mr[64];
};
#define NREC 8
static struct rec rec[NREC];
static volatile L4_Word_t target[NREC];     /* helper i's partner (raw id) */
static volatile L4_Word_t param[NREC];      /* helper i's extra argument */
static volatile L4_Word_t root_gid, root_lid;

static void rec_reset(void)
{
    for (int i = 0; i < NREC; i++) {
        struct rec *r = &rec[i];
        r->ready = r->done = r->tag = r->from = r->err = r->clock = 0;
        r->t0 = r->reply_tag = r->reply_err = r->me_local = r->me_global = 0;
        for (int j = 0; j < 64; j++)
            r->mr[j] = 0;
        target[i] = param[i] = 0;
    }
    root_gid = L4_MyGlobalId().raw;
    root_lid = L4_MyLocalId().raw;
}

/* In a helper, right after its IPC: keep the outcome. */
static void rec_result(struct rec *r, L4_MsgTag_t tag, L4_ThreadId_t from)
{
    L4_Word_t err = L4_ErrorCode(), *mr = __L4_Utcb();
    r->clock = clock_us();
    r->tag = tag.raw;
    r->from = from.raw;
    r->err = err;
    for (int j = 0; j < 64; j++)
        r->mr[j] = mr[j];
    r->me_local = L4_MyLocalId().raw;
    r->me_global = L4_MyGlobalId().raw;
    r->done = 1;
}

/* A helper's first IPC in a new space faults its code and data in; this
 * zero-timeout receive from itself does so before the helper says ready. */
static void warm_up(void) { L4_Sleep(L4_ZeroTime); }

/* Wait until helper t said it is ready and then blocks in an IPC. */
static int helper_blocked(L4_ThreadId_t t, struct rec *r)
{
    for (int i = 0; i < 2000 && !r->ready; i++)
        tsup_sleep_ms(1);
    if (!r->ready)
        return 0;
    tsup_sleep_ms(2);           /* let a last page fault be served */
    return tsup_wait_blocked(t);
}

/* Helpers; i is the index of their rec/target/param. */

/* Receive once with FromSpecifier target[i]. */
static void h_receive(L4_Word_t i)
{
    L4_ThreadId_t spec = tid(target[i]), from = L4_nilthread;
    warm_up();
    rec[i].ready = 1;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, spec, L4_Timeouts(L4_Never, L4_Never), &from);
    rec_result(&rec[i], tag, from);
}

/* Send label 0x100 + i, MR1 = i, MR2 = 0x5EED0000 + i to target[i]. */
static void h_send(L4_Word_t i)
{
    L4_ThreadId_t to = tid(target[i]);
    warm_up();
    rec[i].ready = 1;
    L4_Word_t w[2] = { i, 0x5EED0000 + i };
    tsup_load(0x100 + i, 2, w);
    L4_MsgTag_t tag = L4_Send(to);
    rec_result(&rec[i], tag, L4_nilthread);
}

/* Sleep param[i] ms, then send as h_send; t0 = the clock at the send. */
static void h_delayed_send(L4_Word_t i)
{
    L4_ThreadId_t to = tid(target[i]);
    unsigned delay = (unsigned)param[i];
    warm_up();
    rec[i].ready = 1;
    tsup_sleep_ms(delay);
    rec[i].t0 = clock_us();
    L4_Word_t w[2] = { i, 0x5EED0000 + i };
    tsup_load(0x100 + i, 2, w);
    L4_MsgTag_t tag = L4_Send(to);
    rec_result(&rec[i], tag, L4_nilthread);
}

/* Call target[i] with label 0x200 + i, MR1 = i. */
static void h_call(L4_Word_t i)
{
    L4_ThreadId_t to = tid(target[i]), from = L4_nilthread;
    warm_up();
    rec[i].ready = 1;
    L4_Word_t w[1] = { i };
    tsup_load(0x200 + i, 1, w);
    L4_MsgTag_t tag = L4_Ipc(to, to, L4_Timeouts(L4_Never, L4_Never), &from);
    rec_result(&rec[i], tag, from);
}

/* ======================================================================
 * Spec 5.1: the forms of an Ipc - send only, receive only (closed and
 * open), call, reply-and-wait, anylocalthread, nil/nil.
 * ====================================================================== */

/* Send only: the message reaches a waiting receiver; the sender (priority
 * 255) goes on at once, before the receiver (100) runs. */
TEST(ipc, send_only)
{
    rec_reset();
    target[0] = L4_anythread.raw;
    L4_ThreadId_t t = tsup_thread(h_receive, 0);
    int blocked = helper_blocked(t, &rec[0]);
    L4_Word_t w[2] = { 0xAAAA0001, 0xBBBB0002 };
    tsup_load(0x51, 2, w);
    L4_MsgTag_t tag = L4_Send(t);
    L4_Word_t received_before_return = rec[0].done;
    int joined = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(received_before_return, 0);
    EXPECT(joined);
    EXPECT_EQ(rec[0].tag, tag_word(0x51, 2, 0));
    EXPECT_EQ(rec[0].mr[1], 0xAAAA0001);
    EXPECT_EQ(rec[0].mr[2], 0xBBBB0002);
    EXPECT_EQ(rec[0].from, L4_MyLocalId().raw);
}

/* A send to a thread not yet receiving blocks (timeout never) until the
 * receiver does receive. */
static void h_late_receiver(L4_Word_t i)
{
    unsigned delay = (unsigned)param[i];
    warm_up();
    rec[i].ready = 1;
    tsup_sleep_ms(delay);
    L4_ThreadId_t from = L4_nilthread;
    rec[i].t0 = clock_us();
    L4_MsgTag_t tag = L4_Wait(&from);
    rec_result(&rec[i], tag, from);
}

TEST(ipc, send_blocks_until_the_receiver_receives)
{
    rec_reset();
    param[0] = 20;
    L4_ThreadId_t t = tsup_space(h_late_receiver, 0);
    L4_Word_t w[1] = { 0x77 };
    tsup_load(0x52, 1, w);
    L4_MsgTag_t tag = L4_Send_Timeout(t, ms(2000));
    uint64_t returned = clock_us();
    int joined = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(joined);
    EXPECT_NE(rec[0].t0, 0);
    EXPECT(returned >= rec[0].t0);          /* not before the receive began */
    EXPECT_EQ(rec[0].tag, tag_word(0x52, 1, 0));
    EXPECT_EQ(rec[0].mr[1], 0x77);
    EXPECT_EQ(rec[0].from, root_gid);       /* another space: global id */
}

/* Receive only, closed: from one named thread (by global or by local id),
 * passing over a sender queued earlier. The returned From of a sender of
 * our space is its local id even for a global FromSpecifier (5.5). */
TEST(ipc, closed_receive_by_global_and_local_id)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    L4_ThreadId_t a = tsup_thread(h_send, 0);
    int ba = helper_blocked(a, &rec[0]);
    L4_ThreadId_t b = tsup_thread(h_send, 1);
    int bb = helper_blocked(b, &rec[1]);
    L4_ThreadId_t a_local = L4_LocalIdOf(a), b_local = L4_LocalIdOf(b), from1 = L4_nilthread, from2 = L4_nilthread,
                  dummy;

    L4_MsgTag_t t1 = L4_Ipc(L4_nilthread, b, L4_Timeouts(L4_Never, ms(1000)), &from1);
    L4_Word_t m1 = __L4_Utcb()[1];
    L4_MsgTag_t t2 = L4_Ipc(L4_nilthread, a_local, L4_Timeouts(L4_Never, ms(1000)), &from2);
    L4_Word_t m2 = __L4_Utcb()[1];
    L4_MsgTag_t t3 = L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_ZeroTime),
                            &dummy);
    L4_Word_t e3 = L4_ErrorCode();
    int ja = tsup_join(a, 1000), jb = tsup_join(b, 1000);
    tsup_kill(a);
    tsup_kill(b);
    EXPECT(ba && bb);
    EXPECT_EQ(t1.raw, tag_word(0x101, 2, 0));
    EXPECT_EQ(m1, 1);
    EXPECT_EQ(from1.raw, b_local.raw);
    EXPECT_EQ(t2.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(m2, 0);
    EXPECT_EQ(from2.raw, a_local.raw);
    EXPECT(L4_IsLocalId(a_local) && !L4_IsNilThread(a_local));
    EXPECT_EQ(t3.raw, TAG_E);               /* nobody left */
    EXPECT_EQ(e3, IPC_ERR(1, RECV_PHASE));
    EXPECT(ja && jb);
    EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = rec[0].tag }));
    EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = rec[1].tag }));
}

/* Closed receive from a thread of another space: its global id. */
TEST(ipc, closed_receive_from_another_space)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    L4_ThreadId_t near = tsup_thread(h_send, 0);
    int b0 = helper_blocked(near, &rec[0]);
    L4_ThreadId_t far = tsup_space(h_send, 1);
    int b1 = helper_blocked(far, &rec[1]);
    L4_ThreadId_t near_local = L4_LocalIdOf(near), f1 = L4_nilthread, f2 = L4_nilthread;
    L4_MsgTag_t t1 = L4_Ipc(L4_nilthread, far, L4_Timeouts(L4_Never, ms(1000)), &f1);
    L4_Word_t m1 = __L4_Utcb()[2];
    L4_MsgTag_t t2 = L4_Ipc(L4_nilthread, near_local, L4_Timeouts(L4_Never, ms(1000)), &f2);
    L4_Word_t m2 = __L4_Utcb()[2];
    tsup_join(near, 1000);
    tsup_join(far, 1000);
    tsup_kill(near);
    tsup_kill(far);
    EXPECT(b0 && b1);
    EXPECT_EQ(t1.raw, tag_word(0x101, 2, 0));
    EXPECT_EQ(m1, 0x5EED0001);
    EXPECT_EQ(f1.raw, far.raw);
    EXPECT_EQ(t2.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(m2, 0x5EED0000);
    EXPECT_EQ(f2.raw, near_local.raw);
}

/* Call: the receive phase is closed on the callee; a thread queued to
 * send to the caller before is not taken by it. */
TEST(ipc, call_takes_the_reply_only_from_the_callee)
{
    rec_reset();
    target[0] = root_gid;
    L4_ThreadId_t spam = tsup_thread(h_send, 0);
    int bs = helper_blocked(spam, &rec[0]);
    L4_ThreadId_t server = tsup_thread(echo_server, 1);
    L4_ThreadId_t server_local = L4_LocalIdOf(server), from = L4_nilthread;
    L4_Word_t w[3] = { 11, 22, 33 };
    tsup_load(0x42, 3, w);
    L4_MsgTag_t tag = L4_Ipc(server, server, L4_Timeouts(ms(2000), ms(2000)), &from);
    L4_Word_t r1 = __L4_Utcb()[1], r3 = __L4_Utcb()[3];
    L4_MsgTag_t later = L4_Receive_Timeout(spam, L4_ZeroTime);   /* still queued */
    L4_Word_t later1 = __L4_Utcb()[1];
    tsup_join(server, 1000);
    tsup_join(spam, 1000);
    tsup_kill(server);
    tsup_kill(spam);
    EXPECT(bs);
    EXPECT_EQ(tag.raw, tag_word(0x43, 3, 0));
    EXPECT_EQ(r1, 33);
    EXPECT_EQ(r3, 11);
    EXPECT_EQ(from.raw, server_local.raw);
    EXPECT_EQ(later.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(later1, 0);
}

/* Reply-and-wait: the reply reaches the caller, then the open receive
 * takes the next client; with nobody left a receive timeout ends it with
 * a receive-phase error after the reply went out. */
TEST(ipc, reply_and_wait)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    L4_ThreadId_t c0 = tsup_thread(h_call, 0);
    int b0 = helper_blocked(c0, &rec[0]);
    L4_ThreadId_t c1 = tsup_space(h_call, 1);
    int b1 = helper_blocked(c1, &rec[1]);
    L4_ThreadId_t c0_local = L4_LocalIdOf(c0), f0 = L4_nilthread, f1 = L4_nilthread,
                  f2 = L4_nilthread;

    L4_MsgTag_t t0 = L4_Wait_Timeout(ms(2000), &f0);
    L4_Word_t m0 = __L4_Utcb()[1];
    L4_Word_t w0[1] = { 0xC0 };
    tsup_load(0x300, 1, w0);
    L4_MsgTag_t t1 = L4_ReplyWait_Timeout(f0, ms(2000), &f1);
    L4_Word_t m1 = __L4_Utcb()[1];
    L4_Word_t w1[1] = { 0xC1 };
    tsup_load(0x301, 1, w1);
    L4_MsgTag_t t2 = L4_ReplyWait_Timeout(f1, ms(5), &f2);
    L4_Word_t e2 = L4_ErrorCode();
    int j0 = tsup_join(c0, 1000), j1 = tsup_join(c1, 1000);
    tsup_kill(c0);
    tsup_kill(c1);
    EXPECT(b0 && b1);
    EXPECT_EQ(t0.raw, tag_word(0x200, 1, 0));
    EXPECT_EQ(m0, 0);
    EXPECT_EQ(f0.raw, c0_local.raw);
    EXPECT_EQ(t1.raw, tag_word(0x201, 1, 0));
    EXPECT_EQ(m1, 1);
    EXPECT_EQ(f1.raw, c1.raw);
    EXPECT_EQ(t2.raw, TAG_E);
    EXPECT_EQ(e2, IPC_ERR(1, RECV_PHASE));
    EXPECT(j0 && j1);
    EXPECT_EQ(rec[0].tag, tag_word(0x300, 1, 0));
    EXPECT_EQ(rec[0].mr[1], 0xC0);
    EXPECT_EQ(rec[0].from, root_lid);
    EXPECT_EQ(rec[1].tag, tag_word(0x301, 1, 0));
    EXPECT_EQ(rec[1].mr[1], 0xC1);
    EXPECT_EQ(rec[1].from, root_gid);
}

/* Open wait (anythread): senders of any space, first queued first. */
TEST(ipc, open_wait_takes_any_sender_in_queue_order)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    L4_ThreadId_t near = tsup_thread(h_send, 0);
    int b0 = helper_blocked(near, &rec[0]);
    L4_ThreadId_t far = tsup_space(h_send, 1);
    int b1 = helper_blocked(far, &rec[1]);
    L4_ThreadId_t near_local = L4_LocalIdOf(near), f1 = L4_nilthread, f2 = L4_nilthread;
    L4_MsgTag_t t1 = L4_Wait_Timeout(ms(1000), &f1);
    L4_MsgTag_t t2 = L4_Wait_Timeout(ms(1000), &f2);
    tsup_kill(near);
    tsup_kill(far);
    EXPECT(b0 && b1);
    EXPECT_EQ(t1.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(f1.raw, near_local.raw);
    EXPECT_EQ(t2.raw, tag_word(0x101, 2, 0));
    EXPECT_EQ(f2.raw, far.raw);
}

/* anylocalthread takes the first queued sender of our own space, passing
 * over one from another space queued before it, which stays queued. */
TEST(ipc, anylocalthread_takes_a_same_space_sender)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    L4_ThreadId_t far = tsup_space(h_send, 0);
    int b0 = helper_blocked(far, &rec[0]);
    L4_ThreadId_t near = tsup_thread(h_send, 1);
    int b1 = helper_blocked(near, &rec[1]);
    L4_ThreadId_t near_local = L4_LocalIdOf(near), f1 = L4_nilthread, f2 = L4_nilthread,
                  f3 = L4_nilthread;
    L4_MsgTag_t t1 = L4_Ipc(L4_nilthread, L4_anylocalthread,
                            L4_Timeouts(L4_Never, ms(1000)), &f1);
    L4_MsgTag_t t2 = L4_Ipc(L4_nilthread, L4_anylocalthread,
                            L4_Timeouts(L4_Never, L4_ZeroTime), &f2);
    L4_Word_t e2 = L4_ErrorCode();
    L4_Word_t far_state = sched_state(far);
    L4_MsgTag_t t3 = L4_Wait_Timeout(ms(1000), &f3);
    tsup_kill(far);
    tsup_kill(near);
    EXPECT(b0 && b1);
    EXPECT_EQ(t1.raw, tag_word(0x101, 2, 0));
    EXPECT_EQ(f1.raw, near_local.raw);
    EXPECT_EQ(t2.raw, TAG_E);
    EXPECT_EQ(e2, IPC_ERR(1, RECV_PHASE));
    EXPECT_EQ(far_state, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(t3.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(f3.raw, far.raw);
}

/* A sender from another space that arrives while we wait with
 * anylocalthread is not accepted (5.1 send phase 3): it queues, and the
 * later sender of our space is received. */
TEST(ipc, anylocalthread_ignores_a_sender_from_another_space)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    param[0] = 5;                               /* far sends after 5 ms */
    param[1] = 40;                              /* near after 40 ms */
    L4_ThreadId_t far = tsup_space(h_delayed_send, 0);
    for (int i = 0; i < 2000 && !rec[0].ready; i++)
        tsup_sleep_ms(1);
    L4_ThreadId_t near = tsup_thread(h_delayed_send, 1), f1 = L4_nilthread, f2 = L4_nilthread;
    L4_ThreadId_t near_local = L4_LocalIdOf(near);
    L4_MsgTag_t t1 = L4_Ipc(L4_nilthread, L4_anylocalthread,
                            L4_Timeouts(L4_Never, ms(2000)), &f1);
    L4_Word_t far_done = rec[0].done, far_sent = rec[0].t0;
    L4_Word_t far_state = sched_state(far);
    L4_MsgTag_t t2 = L4_Wait_Timeout(ms(1000), &f2);
    tsup_kill(far);
    tsup_kill(near);
    EXPECT_EQ(t1.raw, tag_word(0x101, 2, 0));
    EXPECT_EQ(f1.raw, near_local.raw);
    EXPECT_NE(far_sent, 0);                     /* far did send meanwhile */
    EXPECT_EQ(far_done, 0);                     /* ... and still waits */
    EXPECT_EQ(far_state, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(t2.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(f2.raw, far.raw);
}

/* A failed send phase skips the receive phase (5.1): a reply-and-wait
 * whose reply cannot go out (zero send timeout, the client does not
 * wait) returns the send error and leaves a queued sender queued. */
TEST(ipc, failed_reply_skips_the_wait)
{
    rec_reset();
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    target[1] = root_gid;
    L4_ThreadId_t s = tsup_thread(h_send, 1);
    int b = tsup_wait_blocked(z) && helper_blocked(s, &rec[1]);
    L4_ThreadId_t from = L4_nilthread;
    __L4_Utcb()[0] = tag_word(0x66, 0, 0);
    L4_MsgTag_t tag = L4_ReplyWait_Timeout(z, ms(1000), &from);
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t s_state = sched_state(s), s_done = rec[1].done;
    L4_MsgTag_t later = L4_Receive_Timeout(s, L4_ZeroTime);
    tsup_kill(s);
    tsup_kill(z);
    EXPECT(b);
    EXPECT_EQ(tag.raw, TAG_E);
    EXPECT_EQ(err, IPC_ERR(1, SEND_PHASE));
    EXPECT_EQ(s_state, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(s_done, 0);
    EXPECT_EQ(later.raw, tag_word(0x101, 2, 0));
}

/* A call with receive timeout zero: the message is delivered, and the
 * receive phase fails at once with receive error 1 (5.1 receive 3). */
TEST(ipc, call_with_zero_receive_timeout)
{
    rec_reset();
    target[0] = L4_anythread.raw;
    L4_ThreadId_t h = tsup_thread(h_receive, 0);
    int b = helper_blocked(h, &rec[0]);
    L4_ThreadId_t from = L4_nilthread;
    __L4_Utcb()[0] = tag_word(0x67, 1, 0);
    __L4_Utcb()[1] = 0x6767;
    L4_MsgTag_t tag = L4_Ipc(h, h, L4_Timeouts(ms(1000), L4_ZeroTime), &from);
    L4_Word_t err = L4_ErrorCode();
    int j = tsup_join(h, 1000);
    tsup_kill(h);
    EXPECT(b);
    EXPECT_EQ(tag.raw, TAG_E);
    EXPECT_EQ(err, IPC_ERR(1, RECV_PHASE));
    EXPECT(j);
    EXPECT_EQ(rec[0].tag, tag_word(0x67, 1, 0));
    EXPECT_EQ(rec[0].mr[1], 0x6767);
}

/* nil/nil: no operation; MR0 (and the other MRs) come back unchanged,
 * no error, at once (with timeouts that would otherwise expire). */
TEST(ipc, nil_to_nil_from_is_a_no_op)
{
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t tag0 = tag_word(0x777, 9, 0);
    mr[0] = tag0;
    for (int j = 1; j < 64; j++)
        mr[j] = 0xA5A5000000000000UL + (L4_Word_t)j;
    L4_ThreadId_t from = L4_anythread;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_nilthread, L4_Timeouts(ms(200), ms(200)), &from);
    EXPECT_EQ(tag.raw, tag0);
    EXPECT_EQ(mr[0], tag0);
    for (int j = 1; j < 64; j++)
        EXPECT_EQ(mr[j], 0xA5A5000000000000UL + (L4_Word_t)j);
}

/* The same without timeouts and with an empty tag, so that the fast path
 * looks at it: To = FromSpecifier, like a Call, from a thread listed with
 * a partner (waiters.h; our sleep received from ourselves) once took the
 * empty slot of thread number 0 for a partner to list us with. */
TEST(ipc, nil_to_nil_from_of_a_listed_thread_is_a_no_op)
{
    tsup_sleep_ms(1);
    __L4_Utcb()[0] = 0;
    L4_ThreadId_t from = L4_anythread;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_nilthread, L4_Timeouts(L4_Never, L4_Never), &from);
    EXPECT_EQ(tag.raw, 0);
}

/* ======================================================================
 * Spec 2.2, 5.3, 5.5: message contents - all 64 MRs each way, the label,
 * flags 13-15 cleared on delivery, the From id (local in the same space,
 * global otherwise), receivers named by local id, Lipc (5.2).
 * ====================================================================== */

#define LABEL_OUT 0xABCD12345678UL      /* 48-bit labels */
#define LABEL_BACK 0x876543210FEDUL
static L4_Word_t pattern(unsigned j)
{
    return 0xF00D000000000000UL | (L4_Word_t)j << 40 | (~(L4_Word_t)j & 0xFFFFFFFFUL);
}

/* Receive once, answer with label LABEL_BACK and the 63 words inverted. */
static void h_mr_echo(L4_Word_t i)
{
    L4_ThreadId_t from = L4_nilthread;
    warm_up();
    rec[i].ready = 1;
    L4_MsgTag_t tag = L4_Wait(&from);
    rec_result(&rec[i], tag, from);
    L4_Word_t *mr = __L4_Utcb();
    for (int j = 1; j < 64; j++)
        mr[j] = ~mr[j];
    mr[0] = tag_word(LABEL_BACK, 63, 0);
    L4_MsgTag_t r = L4_Reply(from);
    rec[i].reply_err = L4_ErrorCode();
    rec[i].reply_tag = r.raw;
}

static void all_mrs_both_ways(int other_space)
{
    rec_reset();
    L4_ThreadId_t t = other_space ? tsup_space(h_mr_echo, 0) : tsup_thread(h_mr_echo, 0);
    int blocked = helper_blocked(t, &rec[0]);
    L4_ThreadId_t expect_from = other_space ? t : L4_LocalIdOf(t), from = L4_nilthread;
    L4_Word_t *mr = __L4_Utcb(), got[64];
    mr[0] = tag_word(LABEL_OUT, 63, 0);
    for (unsigned j = 1; j < 64; j++)
        mr[j] = pattern(j);
    L4_MsgTag_t tag = L4_Ipc(t, t, L4_Timeouts(ms(2000), ms(2000)), &from);
    for (int j = 0; j < 64; j++)
        got[j] = mr[j];
    int joined = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(tag.raw, tag_word(LABEL_BACK, 63, 0));
    EXPECT_EQ(got[0], tag.raw);
    for (unsigned j = 1; j < 64; j++)
        EXPECT_EQ(got[j], ~pattern(j));
    EXPECT_EQ(from.raw, expect_from.raw);
    EXPECT(joined);
    EXPECT_EQ(rec[0].tag, tag_word(LABEL_OUT, 63, 0));
    for (unsigned j = 1; j < 64; j++)
        EXPECT_EQ(rec[0].mr[j], pattern(j));
    EXPECT_EQ(rec[0].from, other_space ? root_gid : root_lid);
    EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = rec[0].reply_tag }));
}

TEST(ipc, all_64_mrs_both_ways_same_space) { all_mrs_both_ways(0); }
TEST(ipc, all_64_mrs_both_ways_other_space) { all_mrs_both_ways(1); }

/* Flags r, x, e (bits 13-15) set by the sender do not reach the receiver;
 * label and u do. Both directions, same space and another. */
static void h_send_flags(L4_Word_t i)
{
    L4_ThreadId_t to = tid(target[i]);
    warm_up();
    rec[i].ready = 1;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = tag_word(0x800000000001UL + i, 1, 0) | 0xE000;
    mr[1] = 0xF1A6 + i;
    L4_Send(to);
    rec[i].done = 1;
}

TEST(ipc, received_tag_has_flags_13_to_15_cleared)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    target[2] = target[3] = L4_anythread.raw;
    L4_ThreadId_t s0 = tsup_thread(h_send_flags, 0);
    int b0 = helper_blocked(s0, &rec[0]);
    L4_ThreadId_t s1 = tsup_space(h_send_flags, 1);
    int b1 = helper_blocked(s1, &rec[1]);
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t t0 = L4_Wait_Timeout(ms(1000), &from);
    L4_Word_t m0 = __L4_Utcb()[1];
    L4_MsgTag_t t1 = L4_Wait_Timeout(ms(1000), &from);
    L4_Word_t m1 = __L4_Utcb()[1];
    /* and we send flags to a receiver of each kind */
    L4_ThreadId_t r2 = tsup_thread(h_receive, 2);
    int b2 = helper_blocked(r2, &rec[2]);
    L4_ThreadId_t r3 = tsup_space(h_receive, 3);
    int b3 = helper_blocked(r3, &rec[3]);
    __L4_Utcb()[0] = tag_word(0x123, 0, 0) | 0xE000;
    L4_Send_Timeout(r2, ms(1000));
    __L4_Utcb()[0] = tag_word(0x124, 0, 0) | 0xE000;
    L4_Send_Timeout(r3, ms(1000));
    int j2 = tsup_join(r2, 1000), j3 = tsup_join(r3, 1000);
    tsup_kill(s0);
    tsup_kill(s1);
    tsup_kill(r2);
    tsup_kill(r3);
    EXPECT(b0 && b1 && b2 && b3);
    EXPECT_EQ(t0.raw, tag_word(0x800000000001UL, 1, 0));
    EXPECT_EQ(m0, 0xF1A6);
    EXPECT_EQ(t1.raw, tag_word(0x800000000002UL, 1, 0));
    EXPECT_EQ(m1, 0xF1A7);
    EXPECT(j2 && j3);
    EXPECT_EQ(rec[2].tag, tag_word(0x123, 0, 0));
    EXPECT_EQ(rec[3].tag, tag_word(0x124, 0, 0));
}

/* From is relative to the receiver's space: a receiver in another space
 * sees its sibling's local id (of that space) and our global id. */
static void h_wait_twice(L4_Word_t i)
{
    warm_up();
    rec[i].ready = 1;
    for (int k = 0; k < 2; k++) {
        L4_ThreadId_t from = L4_nilthread;
        L4_MsgTag_t tag = L4_Wait(&from);
        rec[i].mr[2 * k] = tag.raw;
        rec[i].mr[2 * k + 1] = from.raw;
    }
    rec[i].done = 1;
}

TEST(ipc, from_is_local_in_the_receivers_space_global_otherwise)
{
    rec_reset();
    L4_ThreadId_t x1 = tsup_space(h_wait_twice, 0);
    int b0 = helper_blocked(x1, &rec[0]);
    target[1] = x1.raw;
    L4_ThreadId_t x2 = tsup_space_thread(x1, h_send, 1);     /* x1's sibling */
    __L4_Utcb()[0] = tag_word(0x77, 0, 0);
    L4_MsgTag_t st = L4_Send_Timeout(x1, ms(1000));
    int j0 = tsup_join(x1, 1000), j1 = tsup_join(x2, 1000);
    tsup_kill(x2);
    tsup_kill(x1);
    EXPECT(b0);
    EXPECT(L4_IpcSucceeded(st));
    EXPECT(j0 && j1);
    L4_Word_t sib_local = rec[1].me_local;
    EXPECT(L4_IsLocalId(tid(sib_local)) && sib_local != 0);
    int seen_root = 0, seen_sib = 0;
    for (int k = 0; k < 2; k++) {
        L4_Word_t label = L4_Label((L4_MsgTag_t){ .raw = rec[0].mr[2 * k] });
        L4_Word_t from = rec[0].mr[2 * k + 1];
        if (label == 0x77) {
            seen_root = 1;
            EXPECT_EQ(from, root_gid);
        } else {
            seen_sib = 1;
            EXPECT_EQ(label, 0x101);
            EXPECT_EQ(from, sib_local);
        }
    }
    EXPECT(seen_root && seen_sib);
}

/* A sender may name the receiver by its local id; a closed receive may
 * name the sender by local id (5.5). */
static void h_local_pingpong(L4_Word_t i)
{
    L4_ThreadId_t root_local = tid(root_lid), from = L4_nilthread;
    rec[i].ready = 1;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, root_local, L4_Timeouts(L4_Never, L4_Never), &from);
    rec_result(&rec[i], tag, from);
    __L4_Utcb()[0] = tag_word(0x99, 0, 0);
    L4_MsgTag_t r = L4_Send(root_local);
    rec[i].reply_tag = r.raw;
    rec[i].reply_err = L4_ErrorCode();
}

TEST(ipc, sender_may_name_the_receiver_by_local_id)
{
    rec_reset();
    L4_ThreadId_t h = tsup_thread(h_local_pingpong, 0);
    int b = helper_blocked(h, &rec[0]);
    L4_ThreadId_t h_local = L4_LocalIdOf(h), from = L4_nilthread;
    __L4_Utcb()[0] = tag_word(0x55, 1, 0);
    __L4_Utcb()[1] = 0xCAFE;
    L4_MsgTag_t st = L4_Send_Timeout(h_local, ms(1000));
    L4_MsgTag_t rt = L4_Ipc(L4_nilthread, h, L4_Timeouts(L4_Never, ms(1000)), &from);
    int j = tsup_join(h, 1000);
    tsup_kill(h);
    EXPECT(b);
    EXPECT(L4_IsLocalId(h_local) && !L4_IsNilThread(h_local));
    EXPECT(L4_IpcSucceeded(st));
    EXPECT_EQ(rt.raw, tag_word(0x99, 0, 0));
    EXPECT_EQ(from.raw, h_local.raw);
    EXPECT(j);
    EXPECT_EQ(rec[0].tag, tag_word(0x55, 1, 0));
    EXPECT_EQ(rec[0].mr[1], 0xCAFE);
    EXPECT_EQ(rec[0].from, root_lid);
    EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = rec[0].reply_tag }));
}

/* Lipc (5.2): works with local and global ids, both as destination and
 * in the server's anylocalthread reply-and-wait. */
static void h_lipc_server(L4_Word_t i)
{
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Lipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, L4_Never),
                              &from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        unsigned u = (unsigned)L4_UntypedWords(tag);
        rec[i].from = from.raw;
        rec[i].err = L4_IpcFailed(tag);
        rec[i].done++;
        for (unsigned j = 1; j <= u; j++)
            mr[j] += 1;
        mr[0] = tag_word(L4_Label(tag) + 1, u, 0);
        tag = L4_LreplyWait(from, &from);
    }
}

TEST(ipc, lipc_with_local_and_global_ids)
{
    rec_reset();
    L4_ThreadId_t s = tsup_thread(h_lipc_server, 0);
    L4_ThreadId_t s_local = L4_LocalIdOf(s);
    L4_Word_t w[20];
    for (unsigned j = 0; j < 20; j++)
        w[j] = 1000 + j;
    L4_ThreadId_t from = L4_nilthread;
    tsup_load(0x30, 20, w);
    L4_MsgTag_t a = L4_Lipc(s_local, s_local, L4_Timeouts(ms(2000), ms(2000)), &from);
    L4_Word_t a1 = __L4_Utcb()[1], a20 = __L4_Utcb()[20];
    L4_Word_t from_a = rec[0].from;
    tsup_load(0x40, 20, w);
    L4_MsgTag_t b = L4_Lipc(s, s, L4_Timeouts(ms(2000), ms(2000)), &from);
    L4_Word_t b1 = __L4_Utcb()[1], b20 = __L4_Utcb()[20];
    L4_Word_t calls = rec[0].done, failed = rec[0].err;
    tsup_kill(s);
    EXPECT(L4_IsLocalId(s_local) && !L4_IsNilThread(s_local));
    EXPECT_EQ(a.raw, tag_word(0x31, 20, 0));
    EXPECT_EQ(a1, 1001);
    EXPECT_EQ(a20, 1020);
    EXPECT_EQ(from_a, root_lid);
    EXPECT_EQ(b.raw, tag_word(0x41, 20, 0));
    EXPECT_EQ(b1, 1001);
    EXPECT_EQ(b20, 1020);
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(failed, 0);
}

/* ======================================================================
 * Spec 2.8, 5.4: timeouts - zero, relative periods, never, points;
 * expiry gives error 1 in its phase (2.9.1), MR0 per 5.8.
 * ====================================================================== */

/* Send timeout zero to a thread that does not receive from us: a thread
 * waiting for itself, one in a closed receive from another thread, one
 * in another space waiting with anylocalthread. */
TEST(ipc, zero_send_timeout_to_a_thread_not_receiving)
{
    rec_reset();
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    int bz = tsup_wait_blocked(z);
    target[1] = z.raw;
    L4_ThreadId_t c = tsup_thread(h_receive, 1);
    int bc = helper_blocked(c, &rec[1]);
    target[2] = L4_anylocalthread.raw;
    L4_ThreadId_t l = tsup_space(h_receive, 2);
    int bl = helper_blocked(l, &rec[2]);
    L4_ThreadId_t to[3] = { z, c, l };
    L4_Word_t tags[3], errs[3];
    for (int k = 0; k < 3; k++) {
        __L4_Utcb()[0] = tag_word(0x61, 0, 0);
        tags[k] = L4_Send_Timeout(to[k], L4_ZeroTime).raw;
        errs[k] = L4_ErrorCode();
    }
    tsup_sleep_ms(2);
    L4_Word_t got1 = rec[1].done, got2 = rec[2].done;
    tsup_kill(c);
    tsup_kill(l);
    tsup_kill(z);
    EXPECT(bz && bc && bl);
    for (int k = 0; k < 3; k++) {
        EXPECT_EQ(tags[k], TAG_E);
        EXPECT_EQ(errs[k], IPC_ERR(1, SEND_PHASE));
    }
    EXPECT_EQ(got1, 0);
    EXPECT_EQ(got2, 0);
}

/* Receive timeout zero with nobody sending: open, anylocal, closed from
 * a thread that does not send, and from oneself. */
TEST(ipc, zero_receive_timeout_with_nobody_sending)
{
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t spec[4] = { L4_anythread, L4_anylocalthread, z, L4_MyGlobalId() };
    L4_Word_t tags[4], errs[4];
    for (int k = 0; k < 4; k++) {
        L4_ThreadId_t from = L4_nilthread;
        __L4_Utcb()[0] = tag_word(0x62, 0, 0);
        tags[k] = L4_Ipc(L4_nilthread, spec[k], L4_Timeouts(L4_Never, L4_ZeroTime), &from).raw;
        errs[k] = L4_ErrorCode();
    }
    tsup_kill(z);
    for (int k = 0; k < 4; k++) {
        EXPECT_EQ(tags[k], TAG_E);
        EXPECT_EQ(errs[k], IPC_ERR(1, RECV_PHASE));
    }
}

/* A relative receive timeout (10 ms) expires with error 1 before the
 * partner sends (250 ms), not before the period has passed; the
 * partner's message is then received by the next receive. */
TEST(ipc, relative_receive_timeout_expires_before_the_partner_sends)
{
    rec_reset();
    target[0] = root_gid;
    param[0] = 250;
    L4_ThreadId_t p = tsup_thread(h_delayed_send, 0), from = L4_nilthread;
    int ready = helper_blocked(p, &rec[0]);
    uint64_t t0 = clock_us();
    L4_MsgTag_t t1 = L4_Ipc(L4_nilthread, p, L4_Timeouts(L4_Never, ms(10)), &from);
    L4_Word_t e1 = L4_ErrorCode();
    uint64_t t_end = clock_us();
    L4_MsgTag_t t2 = L4_Ipc(L4_nilthread, p, L4_Timeouts(L4_Never, ms(5000)), &from);
    L4_Word_t sent = rec[0].t0;
    tsup_kill(p);
    EXPECT(ready);
    EXPECT_EQ(t1.raw, TAG_E);
    EXPECT_EQ(e1, IPC_ERR(1, RECV_PHASE));
    EXPECT(t_end - t0 >= 10000 - TICK_US);
    EXPECT_EQ(t2.raw, tag_word(0x100, 2, 0));
    EXPECT(sent >= t_end);
}

/* A relative send timeout expires with error 1 in the send phase, MR0 =
 * our tag with e (5.8); the message is withdrawn: the receiver, which
 * receives later, gets nothing. */
static void h_wait_late(L4_Word_t i)
{
    unsigned delay = (unsigned)param[i];
    warm_up();
    rec[i].ready = 1;
    tsup_sleep_ms(delay);
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Wait_Timeout(ms(30), &from);
    rec_result(&rec[i], tag, from);
}

TEST(ipc, relative_send_timeout_expires_and_withdraws_the_message)
{
    rec_reset();
    param[0] = 60;
    L4_ThreadId_t h = tsup_thread(h_wait_late, 0);
    int ready = helper_blocked(h, &rec[0]);
    __L4_Utcb()[0] = tag_word(0x63, 1, 0);
    __L4_Utcb()[1] = 0x1234;
    uint64_t t0 = clock_us();
    L4_MsgTag_t tag = L4_Send_Timeout(h, ms(10));
    L4_Word_t err = L4_ErrorCode();
    uint64_t t1 = clock_us();
    int joined = tsup_join(h, 2000);
    tsup_kill(h);
    EXPECT(ready);
    EXPECT_EQ(tag.raw, tag_word(0x63, 1, 0) | TAG_E);
    EXPECT_EQ(err, IPC_ERR(1, SEND_PHASE));
    EXPECT(t1 - t0 >= 10000 - TICK_US);
    EXPECT(joined);
    EXPECT_EQ(rec[0].tag, TAG_E);                   /* nothing arrived */
    EXPECT_EQ(rec[0].err, IPC_ERR(1, RECV_PHASE));
}

/* Timeouts satisfied in time: a receive (30 ms) finds a queued sender; a
 * send (2 s) meets a receiver after 20 ms. The 30 ms timeout is gone
 * afterwards: a following long receive is not cut short by it. */
TEST(ipc, timeouts_satisfied_in_time)
{
    rec_reset();
    target[0] = target[1] = root_gid;
    param[1] = 80;
    param[2] = 20;
    L4_ThreadId_t s0 = tsup_thread(h_send, 0);
    int b0 = helper_blocked(s0, &rec[0]);
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t t1 = L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, ms(30)), &from);
    L4_ThreadId_t s1 = tsup_thread(h_delayed_send, 1);
    L4_MsgTag_t t2 = L4_Ipc(L4_nilthread, s1, L4_Timeouts(L4_Never, ms(3000)), &from);
    L4_ThreadId_t r2 = tsup_thread(h_late_receiver, 2);
    __L4_Utcb()[0] = tag_word(0x64, 0, 0);
    L4_MsgTag_t t3 = L4_Send_Timeout(r2, ms(2000));
    int j2 = tsup_join(r2, 1000);
    tsup_kill(s0);
    tsup_kill(s1);
    tsup_kill(r2);
    EXPECT(b0);
    EXPECT_EQ(t1.raw, tag_word(0x100, 2, 0));
    EXPECT_EQ(t2.raw, tag_word(0x101, 2, 0));
    EXPECT(L4_IpcSucceeded(t3));
    EXPECT(j2);
    EXPECT_EQ(rec[2].tag, tag_word(0x64, 0, 0));
}

/* Time values with m = 0 other than zero (0x0400) and never (0) are very
 * short timeouts (2.8): they expire with error 1, not never (a sender
 * that would answer after 300 ms must not be what ends the wait). Bits
 * 32-63 of the Timeouts word are ignored. */
TEST(ipc, odd_timeout_encodings)
{
    rec_reset();
    target[0] = root_gid;
    param[0] = 300;
    L4_ThreadId_t p = tsup_thread(h_delayed_send, 0);
    int ready = helper_blocked(p, &rec[0]);
    static const L4_Word16_t odd[3] = { 0x0800, 0x3C00, 0x7C00 };   /* m = 0, e = 2, 15, 31 */
    L4_Word_t tags[4], errs[4];
    for (int k = 0; k < 3; k++) {
        L4_ThreadId_t from = L4_nilthread;
        tags[k] = L4_Ipc(L4_nilthread, p, L4_Timeouts(L4_Never, (L4_Time_t){ .raw = odd[k] }),
                         &from).raw;
        errs[k] = L4_ErrorCode();
    }
    L4_ThreadId_t from = L4_nilthread;
    tags[3] = L4_Ipc(L4_nilthread, p, 0xFFFFFFFF00000000UL | L4_Timeouts(L4_Never, L4_ZeroTime),
                     &from).raw;
    errs[3] = L4_ErrorCode();
    L4_Word_t sent = rec[0].t0;
    tsup_kill(p);
    EXPECT(ready);
    for (int k = 0; k < 4; k++) {
        EXPECT_EQ(tags[k], TAG_E);
        EXPECT_EQ(errs[k], IPC_ERR(1, RECV_PHASE));
    }
    EXPECT_EQ(sent, 0);                             /* p had not sent yet */
}

/* L4_Sleep (a receive from oneself, 5.1) lasts at least its period (less
 * one tick of resolution) and ends with receive error 1. Upper bounds
 * are generous (50 times, at least half a second). */
TEST(ipc, sleep_lasts_its_period)
{
    static const unsigned periods[3] = { 5, 20, 50 };
    uint64_t elapsed[3];
    L4_Word_t tags[3], errs[3];
    for (int k = 0; k < 3; k++) {
        uint64_t t0 = clock_us();
        tags[k] = L4_Receive_Timeout(L4_MyGlobalId(), ms(periods[k])).raw;
        errs[k] = L4_ErrorCode();
        elapsed[k] = clock_us() - t0;
    }
    uint64_t t0 = clock_us();
    L4_Sleep(ms(10));
    uint64_t slept = clock_us() - t0;
    for (int k = 0; k < 3; k++) {
        uint64_t p = periods[k] * 1000ULL, upper = p * 50 > 500000 ? p * 50 : 500000;
        EXPECT_EQ(tags[k], TAG_E);
        EXPECT_EQ(errs[k], IPC_ERR(1, RECV_PHASE));
        EXPECT(elapsed[k] >= p - TICK_US);
        EXPECT(elapsed[k] < upper);
    }
    EXPECT(slept >= 10000 - TICK_US);
    EXPECT(slept < 500000);
}

/* Absolute timeouts (2.8 point form: bit 15, e in bits 11-14, c bit 10,
 * m bits 0-9): the timeout is the next clock value whose bits e..e+10
 * are c:m. Here a point 20 ms ahead with e = 4 (window 2^15 us). */
static L4_Time_t time_point(uint64_t when, unsigned e)
{
    return (L4_Time_t){ .raw = (L4_Word16_t)(0x8000 | e << 11 | ((when >> (e + 10)) & 1) << 10 |
                                             ((when >> e) & 0x3FF)) };
}

TEST(ipc, absolute_timeouts_expire_at_the_point)
{
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    int bz = tsup_wait_blocked(z);
    uint64_t t0 = clock_us(), when0 = (t0 + 20000) & ~15UL;
    L4_MsgTag_t r = L4_Receive_Timeout(L4_anythread, time_point(when0, 4));
    L4_Word_t re = L4_ErrorCode();
    uint64_t t1 = clock_us(), when1 = (t1 + 20000) & ~15UL;
    __L4_Utcb()[0] = tag_word(0x65, 0, 0);
    L4_MsgTag_t s = L4_Send_Timeout(z, time_point(when1, 4));
    L4_Word_t se = L4_ErrorCode();
    uint64_t t2 = clock_us();
    tsup_kill(z);
    EXPECT(bz);
    EXPECT_EQ(r.raw, TAG_E);
    EXPECT_EQ(re, IPC_ERR(1, RECV_PHASE));
    EXPECT(t1 + TICK_US >= when0);
    EXPECT(t1 - t0 < 2000000);
    EXPECT_EQ(s.raw, tag_word(0x65, 0, 0) | TAG_E);
    EXPECT_EQ(se, IPC_ERR(1, SEND_PHASE));
    EXPECT(t2 + TICK_US >= when1);
    EXPECT(t2 - t1 < 2000000);
}

/* ======================================================================
 * Spec 2.9.1 code 2, 5.1: non-existing partner - a global id naming no
 * thread (never created, number beyond the thread bits, wrong version)
 * fails at once, MR0 = 0x8000, no receive phase. (A local id naming no
 * thread is no valid argument: the stub reads MyGlobalId from that UTCB,
 * spec 3.2/4.5, and faults.)
 * ====================================================================== */

TEST(ipc, send_to_a_nonexistent_thread)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_ThreadId_t ids[2] = {
        tsup_new_id(),                                          /* never created */
        L4_GlobalId(L4_ThreadNo(me) + (1UL << 18), L4_Version(me)),   /* beyond 2^t */
    };
    L4_Word_t tags[2], errs[2];
    for (int k = 0; k < 2; k++) {
        __L4_Utcb()[0] = tag_word(0x71, 0, 0);
        tags[k] = L4_Send_Timeout(ids[k], ms(100)).raw;     /* not a timeout: at once */
        errs[k] = L4_ErrorCode();
    }
    L4_ThreadId_t from = L4_anythread;
    __L4_Utcb()[0] = tag_word(0x72, 0, 0);
    L4_MsgTag_t call = L4_Ipc(ids[0], ids[0], L4_Timeouts(ms(100), ms(100)), &from);
    L4_Word_t call_err = L4_ErrorCode();
    for (int k = 0; k < 2; k++) {
        EXPECT_EQ(tags[k], TAG_E);
        EXPECT_EQ(errs[k], IPC_ERR(2, SEND_PHASE));
    }
    EXPECT_EQ(call.raw, TAG_E);
    EXPECT_EQ(call_err, IPC_ERR(2, SEND_PHASE));    /* no receive phase */
    EXPECT_EQ(from.raw, L4_nilthread.raw);
}

/* A global id with the right number but another version names no
 * thread: a send to it fails though the thread waits for anyone, and a
 * closed receive from it fails. */
TEST(ipc, wrong_version_names_no_thread)
{
    rec_reset();
    target[0] = L4_anythread.raw;
    L4_ThreadId_t h = tsup_thread(h_receive, 0);
    int b = helper_blocked(h, &rec[0]);
    L4_ThreadId_t stale[2] = { L4_GlobalId(L4_ThreadNo(h), L4_Version(h) + 1),
                               L4_GlobalId(L4_ThreadNo(h), L4_Version(h) ^ 0x100) };
    L4_Word_t tags[2], errs[2];
    for (int k = 0; k < 2; k++) {
        __L4_Utcb()[0] = tag_word(0x73, 0, 0);
        tags[k] = L4_Send_Timeout(stale[k], ms(100)).raw;
        errs[k] = L4_ErrorCode();
    }
    L4_MsgTag_t r = L4_Receive_Timeout(stale[0], ms(100));
    L4_Word_t rerr = L4_ErrorCode();
    tsup_sleep_ms(2);
    L4_Word_t got = rec[0].done;
    tsup_kill(h);
    EXPECT(b);
    for (int k = 0; k < 2; k++) {
        EXPECT_EQ(tags[k], TAG_E);
        EXPECT_EQ(errs[k], IPC_ERR(2, SEND_PHASE));
    }
    EXPECT_EQ(got, 0);
    EXPECT_EQ(r.raw, TAG_E);
    EXPECT_EQ(rerr, IPC_ERR(2, RECV_PHASE));
}

TEST(ipc, closed_receive_from_a_nonexistent_thread)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_ThreadId_t ids[2] = { tsup_new_id(),
                             L4_GlobalId(L4_ThreadNo(me) + (1UL << 18), L4_Version(me)) };
    for (int k = 0; k < 2; k++) {
        __L4_Utcb()[0] = tag_word(0x74, 0, 0);
        L4_MsgTag_t tag = L4_Receive_Timeout(ids[k], ms(100));  /* not a timeout */
        EXPECT_EQ(tag.raw, TAG_E);
        EXPECT_EQ(L4_ErrorCode(), IPC_ERR(2, RECV_PHASE));
    }
}

/* ======================================================================
 * Spec 4.6, 5.9, 2.9.1 code 3: ExchangeRegisters reports a blocked
 * thread's phase (bit 1 receive, bit 2 send) and, with r or s for that
 * phase, cancels its IPC: error 3 in that phase. The other bit leaves it
 * waiting.
 * ====================================================================== */

/* Helper fn blocks in the phase whose ExchangeRegisters bit is `phase`
 * (receive: scheduler state waiting; send: pending send): a plain call and
 * one with the other abort bit report that phase and leave it blocked;
 * the bit itself cancels its IPC. */
static void cancel_blocked(tsup_fn_t fn, L4_Word_t phase, L4_Word_t blocked_state)
{
    L4_Word_t other = phase ^ (L4_ExReg_AbortRecv | L4_ExReg_AbortSend);
    L4_ThreadId_t h = tsup_thread(fn, 0);
    int b = helper_blocked(h, &rec[0]);
    L4_Word_t o_plain = exreg(h, 0);
    L4_Word_t o_wrong = exreg(h, other);
    tsup_sleep_ms(2);
    L4_Word_t still = sched_state(h), done_early = rec[0].done;
    L4_Word_t o_cancel = exreg(h, phase);
    int j = tsup_join(h, 1000);
    tsup_kill(h);
    EXPECT(b);
    EXPECT_EQ(o_plain & 7, phase);                  /* bit 1 receiving, bit 2 sending */
    EXPECT_EQ(o_wrong & 7, phase);
    EXPECT_EQ(still, blocked_state);
    EXPECT_EQ(done_early, 0);
    EXPECT_EQ(o_cancel & 7, phase);
    EXPECT(j);
}

TEST(ipc, exreg_cancels_a_blocked_receive)
{
    rec_reset();
    target[0] = L4_anythread.raw;
    cancel_blocked(h_receive, L4_ExReg_AbortRecv, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(rec[0].tag, TAG_E);
    EXPECT_EQ(rec[0].err, IPC_ERR(3, RECV_PHASE));
}

TEST(ipc, exreg_cancels_a_blocked_send)
{
    rec_reset();
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    target[0] = z.raw;
    cancel_blocked(h_send, L4_ExReg_AbortSend, L4_SCHEDRESULT_PENDING_SEND);
    tsup_kill(z);
    EXPECT_EQ(rec[0].tag, tag_word(0x100, 2, 0) | TAG_E);   /* own tag + e (5.8) */
    EXPECT_EQ(rec[0].err, IPC_ERR(3, SEND_PHASE));
}

/* A Call is in its send phase until the callee takes the message (bit 2
 * only; cancelling it skips the receive phase), then in its receive phase
 * (bit 1 only). */
TEST(ipc, exreg_cancels_a_call_in_either_phase)
{
    rec_reset();
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    target[0] = z.raw;
    L4_ThreadId_t c0 = tsup_thread(h_call, 0);
    int b0 = helper_blocked(c0, &rec[0]);
    L4_Word_t o0 = exreg(c0, 0);
    L4_Word_t x0 = exreg(c0, L4_ExReg_AbortIpc);
    int j0 = tsup_join(c0, 1000);

    target[2] = L4_anythread.raw;
    L4_ThreadId_t srv = tsup_thread(h_receive, 2);    /* takes the call, never answers */
    int b2 = helper_blocked(srv, &rec[2]);
    target[1] = srv.raw;
    L4_ThreadId_t c1 = tsup_thread(h_call, 1);
    for (int i = 0; i < 1000 && !rec[2].done; i++)
        tsup_sleep_ms(1);
    int b1 = tsup_wait_blocked(c1);
    L4_Word_t st1 = sched_state(c1);
    L4_Word_t o1 = exreg(c1, 0);
    L4_Word_t x1 = exreg(c1, L4_ExReg_AbortRecv);
    int j1 = tsup_join(c1, 1000);
    tsup_kill(c0);
    tsup_kill(c1);
    tsup_kill(srv);
    tsup_kill(z);
    EXPECT(b0 && b1 && b2);
    EXPECT_EQ(o0 & 7, L4_ExReg_AbortSend);
    EXPECT_EQ(x0 & 7, L4_ExReg_AbortSend);
    EXPECT(j0);
    EXPECT_EQ(rec[0].tag, tag_word(0x200, 1, 0) | TAG_E);
    EXPECT_EQ(rec[0].err, IPC_ERR(3, SEND_PHASE));
    EXPECT_EQ(rec[2].tag, tag_word(0x201, 1, 0));    /* the server got c1's call */
    EXPECT_EQ(st1, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(o1 & 7, L4_ExReg_AbortRecv);
    EXPECT_EQ(x1 & 7, L4_ExReg_AbortRecv);
    EXPECT(j1);
    EXPECT_EQ(rec[1].tag, TAG_E);
    EXPECT_EQ(rec[1].err, IPC_ERR(3, RECV_PHASE));
}

/* ======================================================================
 * Spec 2.9.1 code 4, 5.7, 2.2: message overflow - a map item to a
 * receiver whose acceptor has no receive window; a tag with more words
 * than MR0..MR63. Both partners get code 4 in their phase; the
 * receiver's MR0 is the sender's tag with e (5.8).
 * ====================================================================== */

static char map_page[4096] __attribute__((aligned(4096)));

static void load_map_item(L4_Word_t label)
{
    map_page[0] = 1;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)map_page, 12),
                                                  L4_Readable), 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = tag_word(label, 0, 2);
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
}

static void h_receive_no_window(L4_Word_t i)
{
    L4_Accept(L4_UntypedWordsAcceptor);
    h_receive(i);
}

TEST(ipc, map_item_without_receive_window_overflows_sending)
{
    rec_reset();
    target[0] = L4_anythread.raw;
    L4_ThreadId_t r = tsup_space(h_receive_no_window, 0);
    int b = helper_blocked(r, &rec[0]);
    load_map_item(0x81);
    L4_MsgTag_t tag = L4_Send_Timeout(r, ms(1000));
    L4_Word_t err = L4_ErrorCode();
    int j = tsup_join(r, 1000);
    tsup_kill(r);
    EXPECT(b);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, IPC_ERR(4, SEND_PHASE));
    EXPECT(j);
    EXPECT_EQ(rec[0].tag, tag_word(0x81, 0, 2) | TAG_E);
    EXPECT_EQ(rec[0].err, IPC_ERR(4, RECV_PHASE));
}

static void h_send_map(L4_Word_t i)
{
    L4_ThreadId_t to = tid(target[i]);
    warm_up();
    rec[i].ready = 1;
    load_map_item(0x82);
    L4_MsgTag_t tag = L4_Send(to);
    rec_result(&rec[i], tag, L4_nilthread);
}

TEST(ipc, map_item_without_receive_window_overflows_receiving)
{
    rec_reset();
    target[0] = root_gid;
    L4_Acceptor_t saved = L4_Accepted();
    L4_ThreadId_t s = tsup_thread(h_send_map, 0), from = L4_nilthread;
    int b = helper_blocked(s, &rec[0]);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, s, L4_Timeouts(L4_Never, ms(1000)), &from);
    L4_Word_t err = L4_ErrorCode();
    L4_Accept(saved);
    int j = tsup_join(s, 1000);
    tsup_kill(s);
    EXPECT(b);
    EXPECT_EQ(tag.raw, tag_word(0x82, 0, 2) | TAG_E);
    EXPECT_EQ(err, IPC_ERR(4, RECV_PHASE));
    EXPECT(j);
    EXPECT(L4_IpcFailed((L4_MsgTag_t){ .raw = rec[0].tag }));
    EXPECT_EQ(rec[0].err, IPC_ERR(4, SEND_PHASE));
}

/* u = 62 untyped and t = 2 typed words need MR0..MR64: more than there
 * are (1 + u + t <= 64, spec 2.2; "MR range exceeded", 2.9.1). */
TEST(ipc, more_words_than_message_registers_overflow)
{
    rec_reset();
    target[0] = L4_anythread.raw;
    L4_ThreadId_t r = tsup_space(h_receive, 0);
    int b = helper_blocked(r, &rec[0]);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = tag_word(0x83, 62, 2);
    for (int j = 1; j < 63; j++)
        mr[j] = j;
    mr[63] = 0x8;                                   /* a map item's first word */
    L4_MsgTag_t tag = L4_Send_Timeout(r, ms(1000));
    L4_Word_t err = L4_ErrorCode();
    tsup_sleep_ms(2);
    L4_Word_t rdone = rec[0].done, rtag = rec[0].tag, rerr = rec[0].err;
    tsup_kill(r);
    EXPECT(b);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, IPC_ERR(4, SEND_PHASE));
    /* the receiver must not get it as a message; if it was woken, then
     * with the overflow in its receive phase */
    if (rdone) {
        EXPECT_EQ(rtag, tag_word(0x83, 62, 2) | TAG_E);
        EXPECT_EQ(rerr, IPC_ERR(4, RECV_PHASE));
    }
}

/* ======================================================================
 * Scenarios: many clients on one server (5.1, 5.5), timeouts under load
 * (5.4), a partner deleted while waited for (4.7 deletion, 2.9.1 code 2),
 * the FIFO sender queue (5.1 send 4), priorities of woken threads (4.9:
 * higher runs first), the atomic call (5.1).
 * ====================================================================== */

/* Many clients - three in our space, two in another - call one server;
 * each gets the answer to its own question, and the server sees each
 * client under the id form of 5.5. */
#define CALLS_PER_CLIENT 30
static volatile L4_Word_t calc_server_id;

static void h_calc_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        L4_Word_t x = mr[1];
        mr[0] = tag_word(L4_Label(tag) + 1, 2, 0);
        mr[1] = x * 7 + 1;
        mr[2] = from.raw;
        tag = L4_ReplyWait(from, &from);
    }
}

static void h_client(L4_Word_t i)
{
    L4_ThreadId_t server = tid(calc_server_id);
    L4_Word_t me = param[i] ? L4_MyGlobalId().raw : L4_MyLocalId().raw;
    for (L4_Word_t k = 1; k <= CALLS_PER_CLIENT; k++) {
        L4_Word_t x = i << 20 | k, *mr = __L4_Utcb();
        mr[0] = tag_word(0x300 + i, 1, 0);
        mr[1] = x;
        L4_MsgTag_t tag = L4_Call(server);
        if (tag.raw != tag_word(0x301 + i, 2, 0) || mr[1] != x * 7 + 1 || mr[2] != me) {
            rec[i].tag = tag.raw;
            rec[i].err = k;
            rec[i].from = mr[2];
            break;
        }
        rec[i].mr[0] = k;
    }
    rec[i].done = 1;
}

TEST(ipc, many_clients_one_server)
{
    rec_reset();
    L4_ThreadId_t server = tsup_thread(h_calc_server, 0);
    calc_server_id = server.raw;
    L4_ThreadId_t c[5];
    for (int i = 0; i < 3; i++)
        c[i] = tsup_thread(h_client, (L4_Word_t)i);
    param[3] = param[4] = 1;
    c[3] = tsup_space(h_client, 3);
    c[4] = tsup_space_thread(c[3], h_client, 4);
    L4_Set_Priority(c[1], 90);                      /* mixed priorities */
    L4_Set_Priority(c[4], 110);
    for (int i = 0; i < 5; i++)
        tsup_join(c[i], 5000);
    for (int i = 4; i >= 0; i--)
        tsup_kill(c[i]);
    tsup_kill(server);
    for (int i = 0; i < 5; i++) {
        EXPECT_EQ(rec[i].err, 0);                   /* the failing round, if any */
        EXPECT_EQ(rec[i].mr[0], CALLS_PER_CLIENT);
    }
}

/* Timeouts fire while a lower-priority thread keeps the processor busy:
 * three receivers with 10, 30 and 60 ms timeouts end with error 1, in
 * that order, each after at least its period, and the busy thread runs
 * in between. */
static volatile L4_Word_t spin_stop, spin_count;
static void h_spinner(L4_Word_t unused)
{
    (void)unused;
    while (!spin_stop)
        spin_count++;
}

static volatile L4_Word_t wake_seq;
static void h_timed_receive(L4_Word_t i)
{
    unsigned period = (unsigned)param[i];
    rec[i].t0 = clock_us();
    L4_MsgTag_t tag = L4_Receive_Timeout(L4_anythread, ms(period));
    rec[i].err = L4_ErrorCode();
    rec[i].clock = clock_us();
    rec[i].tag = tag.raw;
    rec[i].mr[0] = spin_count;
    rec[i].mr[1] = __atomic_add_fetch(&wake_seq, 1, __ATOMIC_SEQ_CST);
    rec[i].done = 1;
}

TEST(ipc, timeouts_fire_while_others_run)
{
    rec_reset();
    spin_stop = spin_count = wake_seq = 0;
    static const unsigned periods[3] = { 10, 30, 60 };
    L4_ThreadId_t r[3];
    for (int i = 0; i < 3; i++) {
        param[i] = periods[i];
        r[i] = tsup_thread(h_timed_receive, (L4_Word_t)i);
        L4_Set_Priority(r[i], 150);
    }
    L4_ThreadId_t spin = tsup_thread(h_spinner, 0);
    L4_Set_Priority(spin, 120);
    int joined = 1;
    for (int i = 0; i < 3; i++)
        joined &= tsup_join(r[i], 3000);
    spin_stop = 1;
    tsup_kill(spin);
    for (int i = 0; i < 3; i++)
        tsup_kill(r[i]);
    EXPECT(joined);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(rec[i].tag, TAG_E);
        EXPECT_EQ(rec[i].err, IPC_ERR(1, RECV_PHASE));
        EXPECT(rec[i].clock - rec[i].t0 >= periods[i] * 1000ULL - TICK_US);
        EXPECT_EQ(rec[i].mr[1], (L4_Word_t)i + 1);  /* woken in timeout order */
    }
    EXPECT(rec[2].mr[0] > rec[0].mr[0]);            /* the spinner ran meanwhile */
}

/* The partner is deleted while we wait for it: error 2 in the waiting
 * phase - a sender queued on a deleted receiver (in another space), a
 * closed receive from a deleted thread, a Call whose callee is deleted
 * before it answers. */
TEST(ipc, partner_deleted_while_waiting_to_send)
{
    rec_reset();
    L4_ThreadId_t z = tsup_space(tsup_fn_sleeper, 0);
    for (int i = 0; i < 1000 && sched_state(z) != L4_SCHEDRESULT_WAITING; i++)
        tsup_sleep_ms(1);
    tsup_sleep_ms(5);
    target[0] = z.raw;
    L4_ThreadId_t h = tsup_thread(h_send, 0);
    int b = helper_blocked(h, &rec[0]);
    tsup_kill(z);
    int j = tsup_join(h, 1000);
    tsup_kill(h);
    EXPECT(b);
    EXPECT(j);
    EXPECT(L4_IpcFailed((L4_MsgTag_t){ .raw = rec[0].tag }));
    EXPECT_EQ(rec[0].err, IPC_ERR(2, SEND_PHASE));
}

/* Helper 0 receives from a sleeper z, which is then deleted (renamed to
 * a new version first, if `rename`): the receive fails, no partner. */
static void receive_from_deleted(int rename)
{
    rec_reset();
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    target[0] = z.raw;
    L4_ThreadId_t h = tsup_thread(h_receive, 0);
    int b = helper_blocked(h, &rec[0]);
    L4_Word_t r = 1;
    if (rename)
        r = L4_ThreadControl(L4_GlobalId(L4_ThreadNo(z), L4_Version(z) % 60 + 2),
                             L4_MyGlobalId(), L4_nilthread, L4_nilthread, (void *)~0UL);
    tsup_kill(z);                       /* (by its number, whatever the version) */
    int j = tsup_join(h, 1000);
    tsup_kill(h);
    EXPECT(b);
    EXPECT_EQ(r, 1);
    EXPECT(j);
    EXPECT_EQ(rec[0].tag, TAG_E);
    EXPECT_EQ(rec[0].err, IPC_ERR(2, RECV_PHASE));
}

TEST(ipc, partner_deleted_while_waiting_to_receive)
{
    receive_from_deleted(0);
}

/* A receive from a thread that ThreadControl renamed meanwhile (a new
 * version) and then deleted fails too: it waits for the old id, which
 * the deletion's list of waiters must still find (an attacker's review:
 * it waited for ever). */
TEST(ipc, a_receive_from_a_thread_renamed_then_deleted_fails)
{
    receive_from_deleted(1);
}

/* Helper 0 calls helper 1 (in a new space), which takes the call and
 * never answers: 0 then waits in its receive phase. 1 if both got there. */
static int call_taken_unanswered(L4_ThreadId_t *srv, L4_ThreadId_t *c)
{
    target[1] = L4_anythread.raw;
    *srv = tsup_space(h_receive, 1);
    int bs = helper_blocked(*srv, &rec[1]);
    target[0] = srv->raw;
    *c = tsup_thread(h_call, 0);
    for (int i = 0; i < 1000 && !rec[1].done; i++)
        tsup_sleep_ms(1);
    return bs && tsup_wait_blocked(*c);
}

TEST(ipc, callee_deleted_before_it_answers)
{
    rec_reset();
    L4_ThreadId_t srv, c;
    int b = call_taken_unanswered(&srv, &c);
    L4_Word_t phase = exreg(c, 0) & 7;
    tsup_kill(srv);
    int j = tsup_join(c, 1000);
    tsup_kill(c);
    EXPECT(b);
    EXPECT_EQ(rec[1].tag, tag_word(0x200, 1, 0));
    EXPECT_EQ(phase, L4_ExReg_AbortRecv);           /* waiting for the answer */
    EXPECT(j);
    EXPECT_EQ(rec[0].tag, TAG_E);
    EXPECT_EQ(rec[0].err, IPC_ERR(2, RECV_PHASE));
}

/* h_call, after a sleep: a thread's first system calls after it started
 * take the general path (its GS selector, nulled by the iretq of its
 * start, is put right when it is next switched to). */
static void h_call_after_sleep(L4_Word_t i)
{
    warm_up();
    tsup_sleep_ms(2);
    h_call(i);
}

/* Receive from target[i] for 1 ms (nothing comes: t0 = that error), then
 * wait for anyone. */
static void h_receive_then_wait(L4_Word_t i)
{
    L4_ThreadId_t from = L4_nilthread;
    warm_up();
    L4_Ipc(L4_nilthread, tid(target[i]), L4_Timeouts(L4_Never, ms(1)), &from);
    rec[i].t0 = L4_ErrorCode();
    rec[i].ready = 1;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
    rec_result(&rec[i], tag, from);
}

/* Every thread waiting to receive from a thread that is deleted fails at
 * once with error 2, however it came to wait for it: a Call the thread
 * took (by the fast path, when there is one: both run at 255, so that
 * nothing preempts the caller, whose return by iretq would send its Call
 * the general path) and never answered, closed receives from the same
 * space and from another. One that received from it before and now
 * waits for anyone waits on. The kernel finds them on the deleted
 * thread's list of closed receivers (waiters.h): one it missed would
 * wait for ever. */
TEST(ipc, every_receiver_of_a_deleted_thread_fails_at_once)
{
    rec_reset();
    L4_ThreadId_t srv, r[5];
    target[1] = L4_anythread.raw;
    srv = tsup_space(h_receive, 1);
    L4_Set_Priority(srv, 255);
    int b = helper_blocked(srv, &rec[1]);
    target[0] = srv.raw;
    r[0] = tsup_thread(h_call_after_sleep, 0);
    L4_Set_Priority(r[0], 255);
    for (int i = 0; i < 1000 && !rec[1].done; i++)
        tsup_sleep_ms(1);
    b &= tsup_wait_blocked(r[0]);
    for (int i = 2; i <= 5; i++)
        target[i] = srv.raw;
    r[1] = tsup_thread(h_receive, 2);
    r[2] = tsup_thread(h_receive, 3);
    r[3] = tsup_space(h_receive, 4);
    r[4] = tsup_thread(h_receive_then_wait, 5);
    for (int i = 1; i < 5; i++)
        b &= helper_blocked(r[i], &rec[i + 1]);
    tsup_kill(srv);
    int j = 1;
    for (int i = 0; i < 4; i++)
        j &= tsup_join(r[i], 1000);
    tsup_sleep_ms(20);
    int waited_on = !rec[5].done;
    L4_Word_t w[1] = { 5 };
    tsup_load(0x300, 1, w);
    L4_MsgTag_t sent = L4_Send_Timeout(r[4], ms(1000));
    int j5 = tsup_join(r[4], 1000);
    for (int i = 0; i < 5; i++)
        tsup_kill(r[i]);
    EXPECT(b);
    EXPECT(j);
    for (int i = 0; i <= 4; i++) {
        if (i == 1)
            continue;                               /* srv's own */
        EXPECT_EQ(rec[i].tag, TAG_E);
        EXPECT_EQ(rec[i].err, IPC_ERR(2, RECV_PHASE));
    }
    EXPECT_EQ(rec[5].t0, IPC_ERR(1, RECV_PHASE));  /* it did receive from srv */
    EXPECT(waited_on);
    EXPECT(L4_IpcSucceeded(sent));
    EXPECT(j5);
    EXPECT_EQ(rec[5].from, root_lid);       /* the same space: local id */
}

/* Senders blocked on one receiver are served in arrival order (5.1: the
 * sender queue is FIFO), whatever their priorities. */
TEST(ipc, queued_senders_are_served_first_come_first_served)
{
    rec_reset();
    static const unsigned prio[4] = { 90, 180, 110, 140 };
    L4_ThreadId_t s[4];
    int blocked = 1;
    for (int i = 0; i < 4; i++) {
        target[i] = root_gid;
        s[i] = tsup_thread(h_send, (L4_Word_t)i);
        L4_Set_Priority(s[i], prio[i]);
        blocked &= helper_blocked(s[i], &rec[i]);
    }
    L4_Word_t order[4];
    for (int i = 0; i < 4; i++) {
        L4_ThreadId_t from = L4_nilthread;
        L4_MsgTag_t tag = L4_Wait_Timeout(ms(1000), &from);
        order[i] = L4_IpcSucceeded(tag) ? __L4_Utcb()[1] : ~0UL;
    }
    for (int i = 0; i < 4; i++)
        tsup_kill(s[i]);
    EXPECT(blocked);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(order[i], (L4_Word_t)i);
}

/* Threads made ready together run by priority: two receivers get our
 * messages (lower one first); the higher one runs first once we block. */
static volatile L4_Word_t run_seq;
static void h_wait_then_count(L4_Word_t i)
{
    rec[i].ready = 1;
    L4_ThreadId_t from = L4_nilthread;
    L4_Wait(&from);
    rec[i].t0 = __atomic_add_fetch(&run_seq, 1, __ATOMIC_SEQ_CST);
    rec[i].done = 1;
}

TEST(ipc, woken_receivers_run_by_priority)
{
    rec_reset();
    run_seq = 0;
    L4_ThreadId_t lo = tsup_thread(h_wait_then_count, 0);
    L4_ThreadId_t hi = tsup_thread(h_wait_then_count, 1);
    L4_Set_Priority(lo, 110);
    L4_Set_Priority(hi, 130);
    int b = helper_blocked(lo, &rec[0]) && helper_blocked(hi, &rec[1]);
    __L4_Utcb()[0] = 0;
    L4_MsgTag_t s0 = L4_Send_Timeout(lo, ms(1000));
    __L4_Utcb()[0] = 0;
    L4_MsgTag_t s1 = L4_Send_Timeout(hi, ms(1000));
    L4_Word_t ran_early = rec[0].done + rec[1].done;
    int j = tsup_join(lo, 1000) && tsup_join(hi, 1000);
    tsup_kill(lo);
    tsup_kill(hi);
    EXPECT(b);
    EXPECT(L4_IpcSucceeded(s0) && L4_IpcSucceeded(s1));
    EXPECT_EQ(ran_early, 0);                        /* we (255) went on */
    EXPECT(j);
    EXPECT_EQ(rec[1].t0, 1);
    EXPECT_EQ(rec[0].t0, 2);
}

/* A send that readies a receiver of higher priority than the sender lets
 * it run before the sender goes on; one of lower priority waits. */
static void h_send_then_count(L4_Word_t i)
{
    L4_ThreadId_t to = tid(target[i]);
    rec[i].ready = 1;
    while (!rec[param[i]].ready)            /* the receiver is about to wait */
        tsup_sleep_ms(1);
    __L4_Utcb()[0] = 0;
    L4_Send(to);
    rec[i].t0 = __atomic_add_fetch(&run_seq, 1, __ATOMIC_SEQ_CST);
    rec[i].done = 1;
}

static void send_wakes_by_priority(unsigned sender_prio, unsigned receiver_prio,
                                   L4_Word_t *sender_seq, L4_Word_t *receiver_seq)
{
    rec_reset();
    run_seq = 0;
    L4_ThreadId_t r = tsup_thread(h_wait_then_count, 1);
    L4_Set_Priority(r, receiver_prio);
    target[0] = r.raw;
    param[0] = 1;
    L4_ThreadId_t s = tsup_thread(h_send_then_count, 0);
    L4_Set_Priority(s, sender_prio);
    tsup_join(r, 1000);
    tsup_join(s, 1000);
    tsup_kill(s);
    tsup_kill(r);
    *sender_seq = rec[0].t0;
    *receiver_seq = rec[1].t0;
}

TEST(ipc, send_to_a_higher_priority_receiver_runs_it_first)
{
    L4_Word_t s, r;
    send_wakes_by_priority(120, 160, &s, &r);
    EXPECT_EQ(r, 1);
    EXPECT_EQ(s, 2);
    send_wakes_by_priority(160, 120, &s, &r);
    EXPECT_EQ(s, 1);
    EXPECT_EQ(r, 2);
}

/* The atomic call (5.1): the caller already waits for the reply when the
 * callee runs, so a reply with send timeout zero (L4_Reply) reaches it -
 * with the callee waiting first (it runs at once, higher priority), and
 * with the caller queued first (the callee takes the call later). */
static void h_instant_replier(L4_Word_t i)
{
    unsigned delay = (unsigned)param[i];
    warm_up();
    rec[i].ready = 1;
    if (delay)
        tsup_sleep_ms(delay);
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Wait(&from);
    rec[i].tag = tag.raw;
    __L4_Utcb()[0] = tag_word(0x600, 1, 0);
    __L4_Utcb()[1] = 0x600D;
    L4_MsgTag_t r = L4_Reply(from);
    rec[i].reply_tag = r.raw;
    rec[i].reply_err = L4_ErrorCode();
    rec[i].done = 1;
}

static void atomic_call(int other_space, unsigned server_delay)
{
    rec_reset();
    param[1] = server_delay;
    L4_ThreadId_t srv = other_space ? tsup_space(h_instant_replier, 1)
                                    : tsup_thread(h_instant_replier, 1);
    L4_Set_Priority(srv, 200);
    target[0] = srv.raw;
    L4_ThreadId_t c = tsup_thread(h_call, 0);
    int jc = tsup_join(c, 2000), js = tsup_join(srv, 2000);
    tsup_kill(c);
    tsup_kill(srv);
    EXPECT(jc && js);
    EXPECT_EQ(rec[1].tag, tag_word(0x200, 1, 0));
    EXPECT(L4_IpcSucceeded((L4_MsgTag_t){ .raw = rec[1].reply_tag }));
    EXPECT_EQ(rec[0].tag, tag_word(0x600, 1, 0));
    EXPECT_EQ(rec[0].mr[1], 0x600D);
}

TEST(ipc, call_waits_for_the_reply_before_the_callee_runs)
{
    atomic_call(0, 0);          /* callee waits; our send readies it */
    atomic_call(1, 0);
    atomic_call(0, 20);         /* the call queues; the callee takes it later */
    atomic_call(1, 20);
}

/* ======================================================================
 * l4test's ipc scenarios (spec 13) not covered above: every untyped word
 * count 0..63 between two helpers - in two new spaces, and both in the
 * root space - with Send/Receive and Call/ReplyWait, and pingpong's loop
 * in which both sides Call each other (with Lipc and local ids in one
 * space); one-second timeouts; control 0x6 on a Call in its receive
 * phase; page faults that leave all 64 MRs as they were.
 * ====================================================================== */

enum { SEND_RECEIVE, CALL_REPLYWAIT, CALL_CALL, LCALL_LCALL };
static const char *const proto_name[] = { "Send/Receive", "Call/ReplyWait", "Call/Call",
                                          "Lcall/Lcall" };
#define COUNT_LABEL 0xC0000UL
static volatile int helpers_go;                /* the helpers below may start */
static volatile L4_Word_t count_from;       /* the client's id as the server sees it */

/* Word j of message u, or of its answer (back). */
static L4_Word_t count_word(unsigned u, unsigned j, int back)
{
    L4_Word_t w = 0xA11CE00000000000UL | (L4_Word_t)u << 24 | (L4_Word_t)j << 8 | j;
    return back ? ~w : w;
}

static L4_Word_t count_tag(unsigned u, int back)
{
    return tag_word(COUNT_LABEL + 2 * u + (unsigned)back, u, 0);
}

static void load_count(unsigned u, int back)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = count_tag(u, back);
    for (unsigned j = 1; j <= u; j++)
        mr[j] = count_word(u, j, back);
}

static int is_count(L4_MsgTag_t tag, unsigned u, int back)
{
    L4_Word_t *mr = __L4_Utcb();
    if (tag.raw != count_tag(u, back))
        return 0;
    for (unsigned j = 1; j <= u; j++)
        if (mr[j] != count_word(u, j, back))
            return 0;
    return 1;
}

/* Helpers: rec[i].mr[0] = messages that arrived intact; on the first
 * that did not, rec[i].err = its u + 1 and rec[i].tag = the tag seen. */
static void count_failed(L4_Word_t i, unsigned u, L4_MsgTag_t tag)
{
    rec[i].err = u + 1;
    rec[i].tag = tag.raw;
}

static void h_count_client(L4_Word_t i)
{
    L4_ThreadId_t server = tid(target[i]);
    int proto = (int)param[i];
    while (!helpers_go)
        tsup_sleep_ms(1);
    for (unsigned u = 0; u < 64; u++) {
        load_count(u, 0);
        L4_MsgTag_t tag = proto == SEND_RECEIVE ? L4_Send(server)
                          : proto == LCALL_LCALL ? L4_Lcall(server)
                                                 : L4_Call(server);
        if (proto == SEND_RECEIVE ? L4_IpcFailed(tag) : !is_count(tag, u, 1)) {
            count_failed(i, u, tag);
            break;
        }
        rec[i].mr[0] = u + 1;
    }
    rec[i].done = 1;
}

static void h_count_server(L4_Word_t i)
{
    L4_ThreadId_t client = tid(target[i]), from = L4_nilthread;
    int proto = (int)param[i];
    while (!helpers_go)
        tsup_sleep_ms(1);
    L4_MsgTag_t tag = proto == LCALL_LCALL
                          ? L4_Lipc(L4_nilthread, client, L4_Timeouts(L4_Never, L4_Never), &from)
                          : L4_Receive(client);
    for (unsigned u = 0;; u++) {
        if (!is_count(tag, u, 0)) {
            count_failed(i, u, tag);
            break;
        }
        rec[i].mr[0] = u + 1;
        if (u == 63) {
            if (proto != SEND_RECEIVE) {
                load_count(u, 1);
                L4_Send(client);
            }
            break;
        }
        if (proto == SEND_RECEIVE) {
            tag = L4_Receive(client);
            continue;
        }
        load_count(u, 1);
        if (proto == CALL_REPLYWAIT) {
            tag = L4_ReplyWait(client, &from);
            if (from.raw != count_from) {       /* an open wait: from the client only */
                count_failed(i, u + 1, tag);
                break;
            }
        } else {
            tag = proto == LCALL_LCALL ? L4_Lcall(client) : L4_Call(client);
        }
    }
    rec[i].done = 1;
}

/* Client 0 and server 1 exchange messages with u = 0..63 by `proto`;
 * in new spaces of their own, or both in the root space (local ids for
 * Lcall/Lcall, global ones otherwise). */
static void every_word_count(int new_spaces, int proto)
{
    rec_reset();
    helpers_go = 0;
    param[0] = param[1] = (L4_Word_t)proto;
    L4_ThreadId_t c = new_spaces ? tsup_space(h_count_client, 0) : tsup_thread(h_count_client, 0);
    L4_ThreadId_t s = new_spaces ? tsup_space(h_count_server, 1) : tsup_thread(h_count_server, 1);
    int local = proto == LCALL_LCALL;
    target[0] = local ? L4_LocalIdOf(s).raw : s.raw;
    target[1] = local ? L4_LocalIdOf(c).raw : c.raw;
    count_from = new_spaces ? c.raw : L4_LocalIdOf(c).raw;
    helpers_go = 1;
    int joined = tsup_join(c, 3000) && tsup_join(s, 3000);
    tsup_kill(c);
    tsup_kill(s);
    if (!joined || rec[0].err || rec[1].err || rec[0].mr[0] != 64 || rec[1].mr[0] != 64)
        test_fail(__FILE__, __LINE__,
                  "%s: expected 64 messages intact each way; client: %lu intact, failed at "
                  "u = %ld (tag 0x%lx); server: %lu intact, failed at u = %ld (tag 0x%lx)%s",
                  proto_name[proto], rec[0].mr[0], (long)rec[0].err - 1, rec[0].tag,
                  rec[1].mr[0], (long)rec[1].err - 1, rec[1].tag,
                  joined ? "" : "; not both finished");
}

TEST(ipc, every_word_count_between_two_new_spaces)
{
    every_word_count(1, SEND_RECEIVE);
    every_word_count(1, CALL_REPLYWAIT);
    every_word_count(1, CALL_CALL);
}

TEST(ipc, every_word_count_between_two_threads_of_the_root_space)
{
    every_word_count(0, SEND_RECEIVE);
    every_word_count(0, CALL_REPLYWAIT);
    every_word_count(0, CALL_CALL);
    every_word_count(0, LCALL_LCALL);
}

/* l4test's timeouts are one second (2.8: 0x2BD0 = 976 * 2^10 us): a send
 * to a thread that does not receive and a receive from a thread that does
 * not send end with error 1 in their phase once that much time has
 * passed; a partner that comes after 20 ms is met. */
TEST(ipc, one_second_timeouts)
{
    rec_reset();
    L4_Time_t one_s = L4_TimePeriod(1000000);
    L4_ThreadId_t z = tsup_thread(tsup_fn_sleeper, 0);
    int bz = tsup_wait_blocked(z);
    __L4_Utcb()[0] = tag_word(0x68, 0, 0);
    uint64_t t0 = clock_us();
    L4_MsgTag_t s = L4_Send_Timeout(z, one_s);
    L4_Word_t se = L4_ErrorCode();
    uint64_t t1 = clock_us();
    L4_MsgTag_t r = L4_Receive_Timeout(z, one_s);
    L4_Word_t re = L4_ErrorCode();
    uint64_t t2 = clock_us();
    target[0] = root_gid;
    param[0] = 20;
    L4_ThreadId_t p = tsup_thread(h_delayed_send, 0);
    L4_MsgTag_t met = L4_Receive_Timeout(p, one_s);
    tsup_kill(p);
    tsup_kill(z);
    EXPECT(bz);
    EXPECT_EQ(one_s.raw, 0x2BD0);
    EXPECT_EQ(s.raw, tag_word(0x68, 0, 0) | TAG_E);
    EXPECT_EQ(se, IPC_ERR(1, SEND_PHASE));
    EXPECT(t1 - t0 >= 976 * 1024 - TICK_US);
    EXPECT_EQ(r.raw, TAG_E);
    EXPECT_EQ(re, IPC_ERR(1, RECV_PHASE));
    EXPECT(t2 - t1 >= 976 * 1024 - TICK_US);
    EXPECT_EQ(met.raw, tag_word(0x100, 2, 0));
}

/* l4test cancels with control 0x6 (r and s) in either phase: a Call whose
 * message the callee took without answering is in its receive phase, so
 * 0x6 ends it with receive error 3 and MR0 = 0x8000 (5.9). */
TEST(ipc, control_6_cancels_a_call_in_its_receive_phase)
{
    rec_reset();
    L4_ThreadId_t srv, c;
    int b = call_taken_unanswered(&srv, &c);
    L4_Word_t old = exreg(c, L4_ExReg_AbortIpc);
    int j = tsup_join(c, 1000);
    tsup_kill(c);
    tsup_kill(srv);
    EXPECT(b);
    EXPECT_EQ(rec[1].tag, tag_word(0x200, 1, 0));
    EXPECT_EQ(old & 7, L4_ExReg_AbortRecv);
    EXPECT(j);
    EXPECT_EQ(rec[0].tag, TAG_E);
    EXPECT_EQ(rec[0].err, IPC_ERR(3, RECV_PHASE));
}

/* l4test (spec 13, 6.1): a thread with all 64 MRs loaded takes a page
 * fault; its pager - the root thread, in the same space - first aborts
 * the fault IPC with ExchangeRegisters 0x6, so the access is retried and
 * faults again, and then serves it by mapping a page there; a second
 * fault is served at once. Afterwards all 64 MRs and BR0 are as they
 * were, and the accesses read the mapped page. */
#define FAULT_AREA 0x7D000000UL             /* nothing mapped here in the root space */
#define FAULT_MAGIC 0xFA017ED0UL
#define FAULT_BR0 (L4_MapGrantItems(L4_FpageLog2(0x50000000UL, 24)).raw | 1)
static uint8_t fault_page[4096] __attribute__((aligned(4096)));

static void h_fault_with_mrs_loaded(L4_Word_t i)
{
    while (!helpers_go)
        tsup_sleep_ms(1);
    L4_Word_t *mr = __L4_Utcb();
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned j = 0; j < 64; j++)
            mr[j] = pattern(j) + k;
        L4_LoadBR(0, FAULT_BR0 + k);
        L4_Word_t v = *(volatile L4_Word_t *)(FAULT_AREA + k * 4096);
        L4_Word_t changed = 0, br0;
        L4_StoreBR(0, &br0);
        for (unsigned j = 0; j < 64 && !changed; j++)
            if (mr[j] != pattern(j) + k) {
                changed = j + 1;
                rec[i].mr[6 + k] = mr[j];
            }
        rec[i].mr[3 * k] = v;
        rec[i].mr[3 * k + 1] = changed;             /* the first MR changed, + 1 */
        rec[i].mr[3 * k + 2] = br0;
    }
    L4_LoadBR(0, 0);
    rec[i].done = 1;
}

TEST(ipc, page_fault_leaves_all_64_mrs_unchanged)
{
    rec_reset();
    helpers_go = 0;
    *(volatile L4_Word_t *)fault_page = FAULT_MAGIC;
    L4_ThreadId_t h = tsup_thread(h_fault_with_mrs_loaded, 0);
    L4_Set_PagerOf(h, L4_MyGlobalId());
    L4_ThreadId_t h_local = L4_LocalIdOf(h);
    helpers_go = 1;
    L4_Word_t faults = 0, stray = 0, addr[3] = { 0 }, tags[3] = { 0 }, abort_old = 0;
    while (!rec[0].done && faults < 3) {
        L4_ThreadId_t from = L4_nilthread;
        L4_MsgTag_t tag = L4_Wait_Timeout(ms(2000), &from);
        if (L4_IpcFailed(tag))
            break;
        if (from.raw != h_local.raw) {
            stray++;
            continue;
        }
        L4_Word_t a = __L4_Utcb()[1];
        addr[faults] = a;
        tags[faults] = tag.raw;
        if (faults++ == 0) {
            abort_old = exreg(from, L4_ExReg_AbortIpc);     /* leave it unanswered */
            continue;
        }
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = tag_word(0, 0, 2);
        mr[1] = (a & ~0xFFFUL) | 0x8;                       /* map item at the fault */
        mr[2] = L4_FpageLog2((L4_Word_t)fault_page, 12).raw | L4_Readable | L4_Writable;
        L4_Reply(from);
    }
    int j = tsup_join(h, 1000);
    tsup_kill(h);
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(FAULT_AREA, 13), L4_FullyAccessible));
    EXPECT_EQ(faults, 3);
    EXPECT_EQ(stray, 0);                                    /* all from its local id */
    EXPECT_EQ(abort_old & 7, L4_ExReg_AbortRecv);           /* waiting for the answer */
    EXPECT_EQ(addr[0], FAULT_AREA);
    EXPECT_EQ(addr[1], FAULT_AREA);                         /* the retry */
    EXPECT_EQ(addr[2], FAULT_AREA + 4096);
    for (int k = 0; k < 3; k++)
        EXPECT_EQ(tags[k], 0xFFFFFFFFFFE40002UL);           /* read faults */
    EXPECT(j);
    for (unsigned k = 0; k < 2; k++) {
        L4_Word_t bad = rec[0].mr[3 * k + 1] - 1;
        if (rec[0].mr[3 * k + 1])
            test_fail(__FILE__, __LINE__, "fault %u: MR%lu expected 0x%lx, got 0x%lx", k, bad,
                      pattern((unsigned)bad) + k, rec[0].mr[6 + k]);
        EXPECT_EQ(rec[0].mr[3 * k], FAULT_MAGIC);
        EXPECT_EQ(rec[0].mr[3 * k + 2], FAULT_BR0 + k);
    }
}

/* Send to target[i], then receive from the thread param[i] names. */
static void h_send_then_receive_from(L4_Word_t i)
{
    L4_ThreadId_t from = L4_nilthread;
    warm_up();
    rec[i].ready = 1;
    tsup_load(0x100 + i, 0, NULL);
    L4_MsgTag_t tag = L4_Ipc(tid(target[i]), tid(param[i]), L4_Timeouts(L4_Never, L4_Never), &from);
    rec_result(&rec[i], tag, from);
}

/* The thread a receive phase names is deleted while the send phase before
 * it still waits: once the message is taken, the receive phase fails at
 * once with "no partner" (spec 5: FromSpecifier names no thread), as it
 * would had the thread been gone when the IPC began, instead of waiting
 * for ever for a thread that no longer exists. */
TEST(ipc, a_receive_from_a_thread_deleted_during_the_send_phase_fails)
{
    rec_reset();
    L4_ThreadId_t gone = tsup_thread(tsup_fn_sleeper, 0);
    target[1] = root_gid;
    param[1] = gone.raw;
    L4_ThreadId_t b = tsup_thread(h_send_then_receive_from, 1);
    int blocked = helper_blocked(b, &rec[1]);           /* in its send phase, to us */
    tsup_kill(gone);
    L4_MsgTag_t got = L4_Receive_Timeout(b, ms(1000));
    int ended = tsup_join(b, 1000);
    tsup_kill(b);
    EXPECT(blocked);
    EXPECT(L4_IpcSucceeded(got));
    EXPECT(ended);
    EXPECT_EQ(rec[1].tag & TAG_E, TAG_E);
    EXPECT_EQ(rec[1].err & 0xF, IPC_ERR(2, RECV_PHASE));
}
