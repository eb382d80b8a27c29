/* IPC operations and error codes (spec 2.9.1, 4.5, 5.1-5.5, 5.9), each
 * on its own: send, receive, call, reply-and-wait, open and closed waits,
 * anylocalthread, the nil/nil no-op, tag flags, the sender id, Lipc, the
 * timeouts and every error code of the phases before a transfer. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define ERR(code, phase) ((L4_Word_t)(code) << 1 | (phase))   /* ErrorCode, no offset */
#define SEND 0
#define RECV 1

/* A partner that receives once (from anyone) and records it. */
static volatile L4_Word_t got_tag, got_from, got_mr1, got_count;
static void receive_once(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    got_tag = tag.raw;
    got_from = from.raw;
    got_mr1 = __L4_Utcb()[1];
    got_count++;
}

/* A partner that sends one message with label 0x33 and MR1 = arg to us. */
static volatile L4_Word_t root_id;
static void send_once(L4_Word_t arg)
{
    __L4_Utcb()[0] = 0x33UL << 16 | 1;
    __L4_Utcb()[1] = arg;
    L4_Send((L4_ThreadId_t){ .raw = root_id });
}

TEST(ipc_ops, send_only_and_open_receive)
{
    got_count = 0;
    L4_ThreadId_t t = tsup_space(receive_once, 0);
    __L4_Utcb()[0] = 0x44UL << 16 | 1;
    __L4_Utcb()[1] = 0xABC;
    L4_MsgTag_t tag = L4_Send(t);
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(got_count, 1);
    EXPECT_EQ(got_tag, 0x44UL << 16 | 1);
    EXPECT_EQ(got_mr1, 0xABC);
    EXPECT_EQ(got_from, L4_MyGlobalId().raw);        /* another space: global id */
}

TEST(ipc_ops, closed_receive_by_global_and_local_id)
{
    root_id = L4_MyGlobalId().raw;
    L4_ThreadId_t t = tsup_thread(send_once, 7);     /* our space */
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, L4_TimePeriod(1000000)),
                             &from);
    L4_Word_t mr1 = __L4_Utcb()[1];
    L4_ThreadId_t t2 = tsup_thread(send_once, 8);
    L4_ThreadId_t local = L4_LocalIdOf(t2);
    L4_MsgTag_t tag2 = L4_Ipc(L4_nilthread, local, L4_Timeouts(L4_Never, L4_TimePeriod(1000000)),
                              &from);
    L4_Word_t mr1b = __L4_Utcb()[1];
    tsup_kill(t);
    tsup_kill(t2);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(mr1, 7);
    EXPECT(L4_IpcSucceeded(tag2));
    EXPECT_EQ(mr1b, 8);
    EXPECT_EQ(from.raw, local.raw);                  /* same space: the local id */
}

TEST(ipc_ops, anylocalthread_takes_only_our_space)
{
    root_id = L4_MyGlobalId().raw;
    L4_ThreadId_t far = tsup_space(send_once, 1);    /* another space: queued first */
    tsup_sleep_ms(5);
    L4_ThreadId_t near = tsup_thread(send_once, 2);
    tsup_wait_blocked(far);
    tsup_wait_blocked(near);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_anylocalthread,
                             L4_Timeouts(L4_Never, L4_TimePeriod(1000000)), &from);
    L4_Word_t mr1 = __L4_Utcb()[1];
    L4_MsgTag_t tag2 = L4_Wait_Timeout(L4_TimePeriod(1000000), &from);   /* then the other */
    L4_Word_t mr1b = __L4_Utcb()[1];
    tsup_kill(far);
    tsup_kill(near);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(mr1, 2);
    EXPECT(L4_IpcSucceeded(tag2));
    EXPECT_EQ(mr1b, 1);
}

TEST(ipc_ops, nil_nil_is_a_no_op)
{
    __L4_Utcb()[0] = 0x1234;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_nilthread, 0, &from);
    EXPECT_EQ(tag.raw, 0x1234);                      /* MR0 unchanged */
    EXPECT(L4_IpcSucceeded(tag));
}

/* Flags 13-15 of the sent tag do not reach the receiver. */
static void send_flags(L4_Word_t unused)
{
    (void)unused;
    __L4_Utcb()[0] = 0x55UL << 16 | 0xE000 | 1;
    __L4_Utcb()[1] = 9;
    L4_Send((L4_ThreadId_t){ .raw = root_id });
}

TEST(ipc_ops, received_tag_has_flags_cleared)
{
    root_id = L4_MyGlobalId().raw;
    L4_ThreadId_t t = tsup_space(send_flags, 0);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(1000000), &from);
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(tag.raw, 0x55UL << 16 | 1);
}

/* Lipc: to a thread of our space, by local or global id. */
static void lipc_echo(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        __L4_Utcb()[0] = (L4_Label(tag) + 1) << 16;
        tag = L4_ReplyWait(from, &from);
    }
}

TEST(ipc_ops, lipc_by_local_and_global_id)
{
    L4_ThreadId_t t = tsup_thread(lipc_echo, 0);
    __L4_Utcb()[0] = 0x10UL << 16;
    L4_MsgTag_t a = L4_Lcall(L4_LocalIdOf(t));
    __L4_Utcb()[0] = 0x20UL << 16;
    L4_MsgTag_t b = L4_Lcall(t);
    tsup_kill(t);
    EXPECT_EQ(L4_Label(a), 0x11);
    EXPECT_EQ(L4_Label(b), 0x21);
}

/* ---- timeouts and the errors before any transfer ------------------------ */

TEST(ipc_ops, zero_send_timeout_to_a_busy_thread)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);   /* not receiving from us */
    tsup_wait_blocked(t);
    __L4_Utcb()[0] = 0x5UL << 16;
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_ZeroTime);
    L4_Word_t err = L4_ErrorCode();
    tsup_kill(t);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, ERR(1, SEND));
}

TEST(ipc_ops, zero_receive_timeout_with_nobody_sending)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(L4_anythread, L4_ZeroTime);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), ERR(1, RECV));
    EXPECT_EQ(tag.raw, 0x8000);                      /* only e (spec 5.8) */
}

TEST(ipc_ops, relative_receive_timeout_expires)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(L4_anythread, L4_TimePeriod(5000));
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), ERR(1, RECV));
}

TEST(ipc_ops, relative_send_timeout_expires)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    __L4_Utcb()[0] = 0x6UL << 16;
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_TimePeriod(3000));
    L4_Word_t err = L4_ErrorCode();
    tsup_kill(t);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, ERR(1, SEND));
    EXPECT_EQ(tag.raw, 0x6UL << 16 | 0x8000);        /* own tag with e (spec 5.8) */
}

TEST(ipc_ops, receive_satisfied_before_its_timeout)
{
    root_id = L4_MyGlobalId().raw;
    L4_ThreadId_t t = tsup_thread(send_once, 5);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(500000), &from);
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(__L4_Utcb()[1], 5);
}

TEST(ipc_ops, absolute_timeout_point)
{
    /* a time point 4 ms ahead (spec 2.8: [15]=1, e, c, m) */
    uint64_t now = L4_SystemClock().raw, when = now + 4000;
    unsigned e = 0;
    while ((when >> e) >= 1024 * 2 && e < 15)
        e++;
    L4_Time_t point = { .raw = (L4_Word16_t)(0x8000 | e << 11 | ((when >> e >> 10) & 1) << 10 |
                                             ((when >> e) & 0x3FF)) };
    L4_MsgTag_t tag = L4_Receive_Timeout(L4_anythread, point);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), ERR(1, RECV));         /* it expired (not "zero") */
}

TEST(ipc_ops, nonexistent_partner)
{
    L4_ThreadId_t nobody = tsup_new_id();
    __L4_Utcb()[0] = 0x7UL << 16;
    L4_MsgTag_t tag = L4_Send_Timeout(nobody, L4_Never);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), ERR(2, SEND));
    EXPECT_EQ(tag.raw, 0x8000);
    tag = L4_Receive_Timeout(nobody, L4_Never);      /* closed receive */
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), ERR(2, RECV));
}

TEST(ipc_ops, wrong_version_is_nonexistent)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t stale = L4_GlobalId(L4_ThreadNo(t), L4_Version(t) + 1);
    L4_MsgTag_t tag = L4_Send_Timeout(stale, L4_ZeroTime);
    L4_Word_t err = L4_ErrorCode();
    tsup_kill(t);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, ERR(2, SEND));
}

/* ExchangeRegisters r and s cancel a waiting IPC: code 3 in its phase. */
static volatile L4_Word_t cancel_err, cancel_tag, cancel_done;
static void blocked_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_MsgTag_t tag = L4_Receive(L4_anythread);
    cancel_tag = tag.raw;
    cancel_err = L4_ErrorCode();
    cancel_done = 1;
}
static void blocked_sender(L4_Word_t to)
{
    __L4_Utcb()[0] = 0x9UL << 16;
    L4_MsgTag_t tag = L4_Send((L4_ThreadId_t){ .raw = to });
    cancel_tag = tag.raw;
    cancel_err = L4_ErrorCode();
    cancel_done = 1;
}

TEST(ipc_ops, exreg_cancels_a_receive)
{
    cancel_done = 0;
    L4_ThreadId_t t = tsup_thread(blocked_receiver, 0);
    tsup_wait_blocked(t);
    L4_Word_t old = L4_AbortReceive_and_stop(t);
    L4_Start(t);                                     /* let it see the result */
    tsup_sleep_ms(2);
    tsup_kill(t);
    EXPECT(old & L4_ExReg_AbortRecv);                /* it was receiving */
    EXPECT_EQ(cancel_done, 1);
    EXPECT_EQ(cancel_err, ERR(3, RECV));
    EXPECT_EQ(cancel_tag, 0x8000);
}

TEST(ipc_ops, exreg_cancels_a_send)
{
    cancel_done = 0;
    L4_ThreadId_t sink = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t t = tsup_thread(blocked_sender, sink.raw);
    tsup_wait_blocked(t);
    L4_Word_t old = L4_AbortSend_and_stop(t);
    L4_Start(t);
    tsup_sleep_ms(2);
    tsup_kill(t);
    tsup_kill(sink);
    EXPECT(old & L4_ExReg_AbortSend);                /* it was sending */
    EXPECT_EQ(cancel_done, 1);
    EXPECT_EQ(cancel_err, ERR(3, SEND));
    EXPECT_EQ(cancel_tag, 0x9UL << 16 | 0x8000);
}

/* ---- scenarios ---------------------------------------------------------------- */

/* The partner of a waiting thread is deleted: the waiter gets code 2. */
TEST(ipc_ops, partner_deleted_while_waiting)
{
    cancel_done = 0;
    L4_ThreadId_t sink = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t t = tsup_thread(blocked_sender, sink.raw);
    tsup_wait_blocked(t);
    tsup_kill(sink);                                 /* t waits to send to it */
    tsup_sleep_ms(2);
    tsup_kill(t);
    EXPECT_EQ(cancel_done, 1);
    EXPECT_EQ(cancel_err, ERR(2, SEND));
}

/* Several clients, some in other spaces, call one server; each gets the
 * answer to its own question. */
static volatile L4_Word_t answers[6];
static L4_ThreadId_t server_id;
static void square_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        (void)tag;
        L4_Word_t x = __L4_Utcb()[1];
        __L4_Utcb()[0] = 1;
        __L4_Utcb()[1] = x * x;
        tag = L4_ReplyWait(from, &from);
    }
}
static void client(L4_Word_t n)
{
    for (L4_Word_t round = 1; round <= 20; round++) {
        __L4_Utcb()[0] = 1;
        __L4_Utcb()[1] = n * 100 + round;
        L4_MsgTag_t tag = L4_Call(server_id);
        if (L4_IpcFailed(tag) || __L4_Utcb()[1] != (n * 100 + round) * (n * 100 + round))
            return;
    }
    answers[n] = 1;
}

TEST(ipc_ops, many_clients_one_server)
{
    server_id = tsup_thread(square_server, 0);
    L4_ThreadId_t c[6];
    for (int i = 0; i < 6; i++) {
        answers[i] = 0;
        c[i] = i % 2 ? tsup_space(client, (L4_Word_t)i) : tsup_thread(client, (L4_Word_t)i);
    }
    for (int i = 0; i < 6; i++)
        tsup_join(c[i], 2000);
    for (int i = 0; i < 6; i++)
        tsup_kill(c[i]);
    tsup_kill(server_id);
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(answers[i], 1);
}

/* Timeouts fire on time while another thread keeps the processor busy at
 * a lower priority. */
static volatile int stop_spin;
static void spinner(L4_Word_t unused)
{
    (void)unused;
    while (!stop_spin)
        ;
}
static volatile L4_Word_t sleeper_err;
static void timed_sleeper(L4_Word_t unused)
{
    (void)unused;
    L4_MsgTag_t tag = L4_Receive_Timeout(L4_anythread, L4_TimePeriod(3000));
    sleeper_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
}

TEST(ipc_ops, timeouts_fire_while_others_run)
{
    stop_spin = 0;
    sleeper_err = 0;
    L4_ThreadId_t s = tsup_thread(timed_sleeper, 0), sp = tsup_thread(spinner, 0);
    L4_Set_Priority(s, 150);
    L4_Set_Priority(sp, 100);
    int ok = tsup_join(s, 1000);
    stop_spin = 1;
    tsup_kill(s);
    tsup_kill(sp);
    EXPECT(ok);
    EXPECT_EQ(sleeper_err, ERR(1, RECV));
}

/* Senders queued on one receiver are served first come, first served
 * (spec 5.1: the sender queue is FIFO), whatever their priority. */
static volatile L4_Word_t order[3];
static volatile unsigned norder;
static void queued_sender(L4_Word_t n)
{
    __L4_Utcb()[0] = 1;
    __L4_Utcb()[1] = n;
    L4_Send((L4_ThreadId_t){ .raw = root_id });
}

TEST(ipc_ops, queued_senders_in_arrival_order)
{
    root_id = L4_MyGlobalId().raw;
    L4_ThreadId_t t[3];
    unsigned prio[3] = { 90, 120, 110 };
    for (int i = 0; i < 3; i++) {
        t[i] = tsup_thread(queued_sender, (L4_Word_t)i);
        L4_Set_Priority(t[i], prio[i]);
        tsup_wait_blocked(t[i]);                     /* it queues now */
    }
    L4_ThreadId_t from;
    for (int i = 0; i < 3; i++) {
        L4_Wait_Timeout(L4_TimePeriod(100000), &from);
        order[i] = __L4_Utcb()[1];
    }
    for (int i = 0; i < 3; i++)
        tsup_kill(t[i]);
    EXPECT_EQ(order[0], 0);
    EXPECT_EQ(order[1], 1);
    EXPECT_EQ(order[2], 2);
}

/* Threads woken at once run by priority: two receivers become ready by
 * our messages; the higher one runs first. */
static volatile unsigned ran_seq[2], seq;
static void record_run(L4_Word_t n)
{
    L4_ThreadId_t from;
    L4_Wait(&from);
    ran_seq[n] = ++seq;
}

TEST(ipc_ops, woken_threads_run_by_priority)
{
    seq = 0;
    L4_ThreadId_t lo = tsup_thread(record_run, 0), hi = tsup_thread(record_run, 1);
    L4_Set_Priority(lo, 110);
    L4_Set_Priority(hi, 130);
    tsup_wait_blocked(lo);                           /* both wait */
    tsup_wait_blocked(hi);
    __L4_Utcb()[0] = 0;
    L4_Send(lo);                                     /* lo first ... */
    __L4_Utcb()[0] = 0;
    L4_Send(hi);                                     /* ... but hi runs first */
    tsup_sleep_ms(5);
    tsup_kill(lo);
    tsup_kill(hi);
    EXPECT_EQ(ran_seq[1], 1);
    EXPECT_EQ(ran_seq[0], 2);
}

/* The atomic call: the client already waits for the answer when the
 * server runs, so even a zero-timeout reply reaches it. */
static void instant_replier(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_Wait(&from);
    __L4_Utcb()[0] = 0x77UL << 16;
    L4_Reply(from);                                  /* send timeout zero */
}

TEST(ipc_ops, call_waits_before_the_server_runs)
{
    L4_ThreadId_t t = tsup_thread(instant_replier, 0);
    L4_Set_Priority(t, 255);                         /* would run at once */
    tsup_sleep_ms(1);
    __L4_Utcb()[0] = 0;
    L4_MsgTag_t tag = L4_Call(t);
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(L4_Label(tag), 0x77);
}
