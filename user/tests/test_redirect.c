/* Propagation (spec 5.6) and IPC redirection (appendix C, Clans & Chiefs).
 *
 * The reference monitor of seed 000: a clan space whose redirector (its
 * chief) receives every message leaving the clan, forwards the allowed
 * ones by propagation, so that the receiver sees the original sender, and
 * answers the others itself. */
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define TAG_P (1UL << 12)
#define TAG_R (1UL << 13)
#define ALLOWED   0x100
#define FORBIDDEN 0x200
#define DENIED    0x999

/* ---- the server: answers label + 1, records who it thought called ------- */
static volatile L4_Word_t srv_saw_from, srv_saw_tag, srv_saw_actual, srv_calls;

static void server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {            /* e.g. the reply found nobody */
            tag = L4_Wait(&from);
            continue;
        }
        srv_saw_from = from.raw;
        srv_saw_tag = tag.raw;
        srv_saw_actual = L4_ActualSender().raw;
        srv_calls++;
        __L4_Utcb()[0] = (L4_Label(tag) + 1) << 16;
        tag = L4_ReplyWait(from, &from);
    }
}

/* ---- the chief: forwards ALLOWED, denies the rest ------------------------- */
static volatile L4_Word_t chief_saw_tag, chief_saw_from, chief_saw_intended, chief_msgs;

static void chief(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        chief_saw_tag = tag.raw;
        chief_saw_from = from.raw;
        chief_saw_intended = L4_IntendedReceiver().raw;
        chief_msgs++;
        if (L4_Label(tag) == ALLOWED) {
            /* forward as the original sender */
            L4_Set_VirtualSender(from);
            __L4_Utcb()[0] = (tag.raw & ~(0xFUL << 12)) | TAG_P;
            L4_Send(L4_IntendedReceiver());
        } else {
            __L4_Utcb()[0] = (L4_Word_t)DENIED << 16;
            L4_Send_Timeout(from, L4_ZeroTime);
        }
    }
}

/* ---- a clan member: waits for the go, then calls `member_to` ------------- */
static volatile L4_Word_t member_label, member_reply, member_reply_from, member_err, member_to;
static volatile int member_go;

static void member(L4_Word_t unused)
{
    (void)unused;
    while (!member_go)
        tsup_sleep_ms(1);
    __L4_Utcb()[0] = member_label << 16;
    L4_ThreadId_t to = { .raw = member_to }, from = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(to, to, 0, &from);
    member_reply = tag.raw;
    member_reply_from = from.raw;
    member_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
}

static L4_Word_t set_redirector(L4_ThreadId_t space, L4_ThreadId_t r)
{
    L4_Word_t old;
    return L4_SpaceControl(space, 0, L4_Nilpage, L4_Nilpage, r, &old);
}

/* A server, a chief in the root task's space, and a clan member in a
 * space whose redirector is the chief; the member calls the server. */
static void clan_call(L4_Word_t label, L4_ThreadId_t *srv, L4_ThreadId_t *ch, L4_ThreadId_t *m)
{
    srv_calls = chief_msgs = 0;
    member_reply = member_reply_from = member_err = 0;
    member_label = label;
    member_go = 0;
    *srv = tsup_space(server, 0);
    *ch = tsup_thread(chief, 0);
    member_to = srv->raw;
    *m = tsup_space(member, 0);
    EXPECT_EQ(set_redirector(*m, *ch), 1);
    member_go = 1;
    tsup_join(*m, 1000);
}

TEST(redirect, chief_forwards_allowed_message_as_the_sender)
{
    L4_ThreadId_t srv, ch, m;
    clan_call(ALLOWED, &srv, &ch, &m);
    tsup_kill(m);
    tsup_kill(ch);
    tsup_kill(srv);
    EXPECT_EQ(chief_msgs, 1);
    EXPECT(chief_saw_tag & TAG_R);                    /* redirected */
    EXPECT_EQ(chief_saw_from, m.raw);                 /* the original sender */
    EXPECT_EQ(chief_saw_intended, srv.raw);           /* where it was going */
    EXPECT_EQ(srv_calls, 1);
    EXPECT_EQ(srv_saw_from, m.raw);                   /* the server sees the member */
    EXPECT(srv_saw_tag & TAG_P);
    EXPECT_EQ(srv_saw_actual, ch.raw);                /* and who really sent it */
    EXPECT_EQ(member_err, 0);
    EXPECT_EQ(L4_Label((L4_MsgTag_t){ .raw = member_reply }), ALLOWED + 1);
    EXPECT_EQ(member_reply_from, srv.raw);            /* the answer came from the server */
}

TEST(redirect, chief_rejects_forbidden_message)
{
    L4_ThreadId_t srv, ch, m;
    clan_call(FORBIDDEN, &srv, &ch, &m);
    tsup_kill(m);
    tsup_kill(ch);
    tsup_kill(srv);
    EXPECT_EQ(chief_msgs, 1);
    EXPECT_EQ(srv_calls, 0);                          /* never reached the server */
    EXPECT_EQ(L4_Label((L4_MsgTag_t){ .raw = member_reply }), DENIED);
    EXPECT_EQ(member_reply_from, ch.raw);
}

/* IPC inside the clan, and to the chief, is not redirected. */
static volatile L4_Word_t inner_got;
static void inner_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    inner_got = L4_Label(tag);
    __L4_Utcb()[0] = 0;
    L4_Reply(from);
}

TEST(redirect, ipc_within_the_clan_is_direct)
{
    chief_msgs = 0;
    inner_got = 0;
    member_go = 0;
    member_label = 0x77;
    L4_ThreadId_t ch = tsup_thread(chief, 0);
    L4_ThreadId_t m = tsup_space(member, 0);
    L4_ThreadId_t peer = tsup_space_thread(m, inner_server, 0);
    member_to = peer.raw;
    EXPECT_EQ(set_redirector(m, ch), 1);
    member_go = 1;
    tsup_join(m, 1000);
    tsup_kill(peer);
    tsup_kill(m);
    tsup_kill(ch);
    EXPECT_EQ(chief_msgs, 0);
    EXPECT_EQ(inner_got, 0x77);
    EXPECT_EQ(member_err, 0);
}

TEST(redirect, deleted_redirector_fails_the_send)
{
    L4_ThreadId_t srv = tsup_space(server, 0), ch = tsup_thread(chief, 0);
    member_go = 0;
    member_label = ALLOWED;
    member_to = srv.raw;
    member_err = 0;
    L4_ThreadId_t m = tsup_space(member, 0);
    EXPECT_EQ(set_redirector(m, ch), 1);
    tsup_kill(ch);
    member_go = 1;
    tsup_join(m, 1000);
    tsup_kill(m);
    tsup_kill(srv);
    EXPECT_EQ(member_err, 2 << 1);                    /* send phase: no partner */
}

TEST(redirect, invalid_redirector_and_switching_off)
{
    L4_ThreadId_t m = tsup_space(member, 0);
    EXPECT_EQ(set_redirector(m, tsup_new_id()), 0);   /* no such thread */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(set_redirector(m, L4_MyGlobalId()), 1);
    EXPECT_EQ(set_redirector(m, L4_anythread), 1);    /* off again */
    /* with redirection off, the member reaches the server directly */
    L4_ThreadId_t srv = tsup_space(server, 0);
    srv_calls = chief_msgs = 0;
    member_label = ALLOWED;
    member_to = srv.raw;
    member_go = 1;
    tsup_join(m, 1000);
    tsup_kill(m);
    tsup_kill(srv);
    EXPECT_EQ(srv_calls, 1);
    EXPECT_EQ(srv_saw_from, m.raw);
}

/* ---- propagation on its own (5.6) ---------------------------------------- */

static void sleeper(L4_Word_t unused)
{
    (void)unused;
    L4_Sleep(L4_Never);
}

TEST(redirect, propagation_not_honoured_for_a_stranger)
{
    /* root's thread names an unrelated thread in another space as virtual
     * sender: the kernel clears P and the server sees root's thread */
    L4_ThreadId_t srv = tsup_space(server, 0), other = tsup_space(inner_server, 0);
    srv_calls = 0;
    L4_Set_VirtualSender(other);
    __L4_Utcb()[0] = TAG_P | (L4_Word_t)0x10 << 16;
    L4_MsgTag_t tag = L4_Call(srv);
    tsup_kill(other);
    tsup_kill(srv);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(srv_saw_from, L4_MyGlobalId().raw);
    EXPECT(!(srv_saw_tag & TAG_P));
}

TEST(redirect, propagation_for_a_thread_of_the_own_space)
{
    /* a thread of our own space may be named: the server sees it, and its
     * ActualSender says who sent */
    L4_ThreadId_t srv = tsup_space(server, 0), buddy = tsup_thread(sleeper, 0);
    srv_calls = 0;
    L4_Set_VirtualSender(buddy);
    __L4_Utcb()[0] = TAG_P | (L4_Word_t)0x20 << 16;
    L4_MsgTag_t tag = L4_Send(srv);
    tsup_sleep_ms(5);
    tsup_kill(buddy);
    tsup_kill(srv);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(srv_calls, 1);
    EXPECT_EQ(srv_saw_from, buddy.raw);
    EXPECT(srv_saw_tag & TAG_P);
    EXPECT_EQ(srv_saw_actual, L4_MyGlobalId().raw);
}

/* P is delivered only if propagation happened (spec 5.6, MsgTag). A
 * sender queued without P, whose MR0 another thread of its space sets P
 * in meanwhile, did not propagate: its receiver sees no P (an attacker's
 * review: the kernel read MR0 again when it delivered, and passed P on
 * with an ActualSender the receiver had left there). */
static volatile L4_Word_t pq_utcb, pq_local, pq_tag, pq_from, pq_actual;
static volatile int pq_go, pq_done;

static void pq_sender(L4_Word_t to)
{
    pq_local = L4_MyLocalId().raw;
    pq_utcb = (L4_Word_t)__L4_Utcb();
    __L4_Utcb()[0] = (L4_Word_t)0x30 << 16;            /* no P */
    L4_Send((L4_ThreadId_t){ .raw = to });
    L4_Sleep(L4_Never);
}

static void pq_receiver(L4_Word_t unused)
{
    (void)unused;
    while (!pq_go)
        L4_ThreadSwitch(L4_nilthread);
    L4_Set_VirtualSender((L4_ThreadId_t){ .raw = 0x1234UL << 14 | 1 });  /* (ActualSender's word) */
    L4_ThreadId_t from;
    pq_tag = L4_Wait(&from).raw;
    pq_from = from.raw;
    pq_actual = L4_ActualSender().raw;
    pq_done = 1;
    L4_Sleep(L4_Never);
}

TEST(redirect, p_set_by_another_thread_while_the_send_is_queued_is_not_delivered)
{
    pq_utcb = pq_tag = pq_from = 0;
    pq_go = pq_done = 0;
    L4_ThreadId_t r = tsup_thread(pq_receiver, 0);
    L4_ThreadId_t s = tsup_thread(pq_sender, r.raw);
    EXPECT(tsup_wait_blocked(s));
    ((volatile L4_Word_t *)pq_utcb)[0] |= TAG_P;       /* after the send began */
    pq_go = 1;
    int done = tsup_wait_flag(&pq_done, 1000);
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(done);
    EXPECT_EQ(pq_from, pq_local);                     /* (a thread of our own space) */
    EXPECT_EQ(pq_tag >> 16, 0x30);
    if (pq_tag & TAG_P)
        test_fail(__FILE__, __LINE__, "expected no P in the received tag (no propagation "
                  "happened), got tag %lx, ActualSender %lx", pq_tag, pq_actual);
}

/* Nested clans: the chief's own space has a chief. The message passes
 * both and reaches the server under the member's name. With the second
 * chief's space redirected back to the first chief, the chain would loop:
 * the kernel cuts it and delivers. */
static void nested(int loop, L4_ThreadId_t *m_out, L4_ThreadId_t *srv_out)
{
    srv_calls = chief_msgs = 0;
    member_reply = member_err = 0;
    member_label = ALLOWED;
    member_go = 0;
    L4_ThreadId_t srv = tsup_space(server, 0);
    L4_ThreadId_t ch = tsup_space(chief, 0);          /* space P */
    L4_ThreadId_t ch2 = tsup_space(chief, 0);         /* space Q */
    member_to = srv.raw;
    L4_ThreadId_t m = tsup_space(member, 0);          /* space Y */
    EXPECT_EQ(set_redirector(m, ch), 1);
    EXPECT_EQ(set_redirector(ch, ch2), 1);
    if (loop)
        EXPECT_EQ(set_redirector(ch2, ch), 1);
    member_go = 1;
    tsup_join(m, 1000);
    tsup_kill(m);
    tsup_kill(ch2);
    tsup_kill(ch);
    tsup_kill(srv);
    *m_out = m;
    *srv_out = srv;
}

TEST(redirect, nested_chiefs)
{
    L4_ThreadId_t m, srv;
    nested(0, &m, &srv);
    EXPECT_EQ(chief_msgs, 2);                         /* both chiefs saw it */
    EXPECT_EQ(srv_calls, 1);
    EXPECT_EQ(srv_saw_from, m.raw);
    EXPECT_EQ(member_err, 0);
    EXPECT_EQ(member_reply_from, srv.raw);
}

TEST(redirect, redirector_loop_is_cut)
{
    L4_ThreadId_t m, srv;
    nested(1, &m, &srv);
    EXPECT_EQ(chief_msgs, 2);                         /* not round and round */
    EXPECT_EQ(srv_calls, 1);
    EXPECT_EQ(srv_saw_from, m.raw);
    EXPECT_EQ(member_err, 0);
}

/* ---- IntendedReceiver without redirection (appendix A) ------------------ */

/* Pistachio never writes IntendedReceiver; Pecan writes it only for a
 * redirected message (appendix C). A receiver whose TCR holds a mark
 * keeps it for a message from its own space, one from another space and
 * a propagated one; the sender's TCR keeps its own. */
#define IR_MARK 0x1E1E1E1E1E1E1E00UL
static volatile L4_Word_t ir_seen[3], ir_msgs;

static void intended_watcher(L4_Word_t unused)
{
    (void)unused;
    __L4_Utcb()[__L4_TCR_INTENDED_RECEIVER] = IR_MARK;
    for (;;) {
        L4_ThreadId_t from;
        L4_Wait(&from);
        if (ir_msgs < 3)
            ir_seen[ir_msgs] = L4_IntendedReceiver().raw;
        ir_msgs++;
    }
}

static int ir_wait(L4_Word_t n)
{
    for (int i = 0; i < 1000 && ir_msgs < n; i++)
        tsup_sleep_ms(1);
    return ir_msgs == n;
}

TEST(redirect, intended_receiver_is_written_only_for_redirected_messages)
{
    ir_msgs = 0;
    L4_ThreadId_t w = tsup_space(intended_watcher, 0), buddy = tsup_thread(sleeper, 0);
    member_label = 0x30;
    member_to = w.raw;
    member_go = 0;
    L4_ThreadId_t m = tsup_space_thread(w, member, 0);     /* its own space */
    member_go = 1;
    int got1 = ir_wait(1);
    L4_Word_t *tcr = &__L4_Utcb()[__L4_TCR_INTENDED_RECEIVER], saved = *tcr;
    *tcr = IR_MARK + 1;
    __L4_Utcb()[0] = (L4_Word_t)0x31 << 16;                 /* another space */
    L4_MsgTag_t t1 = L4_Send_Timeout(w, L4_TimePeriod(1000000));
    L4_Set_VirtualSender(buddy);                            /* propagated */
    __L4_Utcb()[0] = TAG_P | (L4_Word_t)0x32 << 16;
    L4_MsgTag_t t2 = L4_Send_Timeout(w, L4_TimePeriod(1000000));
    int got3 = ir_wait(3);
    L4_Word_t mine = *tcr;
    *tcr = saved;
    tsup_kill(m);
    tsup_kill(w);
    tsup_kill(buddy);
    EXPECT(got1 && got3);
    EXPECT(L4_IpcSucceeded(t1));
    EXPECT(L4_IpcSucceeded(t2));
    for (int k = 0; k < 3; k++)
        EXPECT_EQ(ir_seen[k], IR_MARK);
    EXPECT_EQ(mine, IR_MARK + 1);
}
