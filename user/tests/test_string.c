/* String items (spec 2.6, 5.8): copy into receive buffers, scatter and
 * gather, compound strings, message overflow with the offset reached,
 * page faults on either side during the copy, and xfer timeouts.
 *
 * Receivers run in a new space (tsup_space): their buffers are the test
 * image's own pages, which the support pager maps there only when first
 * touched, so the first copy into a buffer faults on the receiver's side
 * and is resolved by the receiver's pager. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define STR_HDR(len, j, compound, more) \
    ((L4_Word_t)(len) << 10 | (L4_Word_t)(j) << 4 | (compound) << 9 | (more))

static uint8_t src[3][8192] __attribute__((aligned(4096)));
static uint8_t dst[4][8192] __attribute__((aligned(4096)));

/* What the receiver saw. */
static volatile L4_Word_t rcv_tag, rcv_err, rcv_mr[8];
static volatile int rcv_done;
/* The receiver's buffer registers BR0..BR7, set by the test. */
static L4_Word_t rcv_br[8];

static void receiver(L4_Word_t sender)
{
    for (int i = 0; i < 8; i++)
        L4_LoadBR(i, rcv_br[i]);
    L4_MsgTag_t tag = L4_Receive((L4_ThreadId_t){ .raw = sender });
    rcv_tag = tag.raw;
    rcv_err = L4_ErrorCode();
    for (int i = 0; i < 8; i++)
        rcv_mr[i] = __L4_Utcb()[i];
    rcv_done = 1;
}

static void fill(void)
{
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 8192; i++)
            src[k][i] = (uint8_t)(i * 7 + k * 13 + 1);
    memset(dst, 0, sizeof dst);
    memset(rcv_br, 0, sizeof rcv_br);
    rcv_done = 0;
}

/* Start the receiver, send MR0..MR(n-1) = w to it; returns the sender's
 * tag and leaves the receiver's view in rcv_*. */
static L4_MsgTag_t send_to_new_receiver(unsigned n, const L4_Word_t *w, L4_Word_t *snd_err)
{
    L4_ThreadId_t r = tsup_space(receiver, L4_MyGlobalId().raw);
    for (unsigned i = 0; i < n; i++)
        __L4_Utcb()[i] = w[i];
    L4_MsgTag_t tag = L4_Send(r);
    *snd_err = L4_ErrorCode();
    tsup_join(r, 2000);
    tsup_kill(r);
    return tag;
}

TEST(string, simple_string_crosses_spaces)
{
    fill();
    rcv_br[0] = 1;                                     /* accept strings */
    rcv_br[1] = STR_HDR(200, 0, 0, 0);
    rcv_br[2] = (L4_Word_t)dst[0];
    L4_Word_t w[] = { 2 << 6 | 0x77UL << 16, STR_HDR(100, 0, 0, 0), (L4_Word_t)src[0] };
    L4_Word_t serr;
    L4_MsgTag_t tag = send_to_new_receiver(3, w, &serr);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(rcv_done);
    EXPECT_EQ(rcv_tag, w[0]);
    EXPECT_EQ(rcv_mr[1], w[1]);                        /* the sender's item words */
    EXPECT_EQ(rcv_mr[2], w[2]);
    EXPECT_EQ(memcmp(dst[0], src[0], 100), 0);
    EXPECT_EQ(dst[0][100], 0);                         /* nothing beyond the string */
}

TEST(string, overflow_reports_the_offset)
{
    fill();
    rcv_br[0] = 1;
    rcv_br[1] = STR_HDR(252, 0, 0, 0);
    rcv_br[2] = (L4_Word_t)dst[0];
    L4_Word_t w[] = { 2 << 6, STR_HDR(256, 0, 0, 0), (L4_Word_t)src[0] };
    L4_Word_t serr;
    L4_MsgTag_t tag = send_to_new_receiver(3, w, &serr);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(serr, 252 << 4 | 4 << 1 | 0);
    EXPECT(rcv_done);
    EXPECT_EQ(rcv_err, 252 << 4 | 4 << 1 | 1);
    EXPECT(rcv_tag & 0x8000);
    EXPECT_EQ(memcmp(dst[0], src[0], 252), 0);         /* copied data stays */
}

TEST(string, not_accepted_is_overflow_at_zero)
{
    fill();
    rcv_br[0] = 0;                                     /* no strings */
    L4_Word_t w[] = { 2 << 6, STR_HDR(16, 0, 0, 0), (L4_Word_t)src[0] };
    L4_Word_t serr;
    send_to_new_receiver(3, w, &serr);
    EXPECT_EQ(serr, 4 << 1);
    EXPECT_EQ(rcv_err, 4 << 1 | 1);
    EXPECT_EQ(rcv_mr[1], w[1]);                        /* header word still arrived */
}

TEST(string, second_string_without_buffer)
{
    fill();
    rcv_br[0] = 1;
    rcv_br[1] = STR_HDR(4096, 0, 0, 0);                /* one buffer only (C = 0) */
    rcv_br[2] = (L4_Word_t)dst[0];
    L4_Word_t w[] = { 4 << 6, STR_HDR(128, 0, 0, 1), (L4_Word_t)src[0],
                      STR_HDR(64, 0, 0, 0), (L4_Word_t)src[1] };
    L4_Word_t serr;
    send_to_new_receiver(5, w, &serr);
    EXPECT_EQ(serr, 128 << 4 | 4 << 1);
    EXPECT_EQ(rcv_err, 128 << 4 | 4 << 1 | 1);
}

TEST(string, two_strings_two_buffers)
{
    fill();
    rcv_br[0] = 1;
    rcv_br[1] = STR_HDR(4096, 0, 0, 1);                /* C: another buffer follows */
    rcv_br[2] = (L4_Word_t)dst[0];
    rcv_br[3] = STR_HDR(4096, 0, 0, 0);
    rcv_br[4] = (L4_Word_t)dst[1];
    L4_Word_t w[] = { 4 << 6, STR_HDR(300, 0, 0, 1), (L4_Word_t)src[0],
                      STR_HDR(5000, 0, 0, 0), (L4_Word_t)src[1] };
    L4_Word_t serr;
    L4_MsgTag_t tag = send_to_new_receiver(5, w, &serr);
    /* the second string (5000 bytes) meets a 4096-byte buffer */
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(serr, (300 + 4096) << 4 | 4 << 1);
    EXPECT_EQ(memcmp(dst[0], src[0], 300), 0);
    EXPECT_EQ(memcmp(dst[1], src[1], 4096), 0);
}

TEST(string, gather_and_scatter)
{
    fill();
    /* send: 3 substrings of 10 bytes; receive: 2 substrings of 15 */
    rcv_br[0] = 1;
    rcv_br[1] = STR_HDR(15, 1, 0, 0);
    rcv_br[2] = (L4_Word_t)dst[0];
    rcv_br[3] = (L4_Word_t)dst[1];
    L4_Word_t w[] = { 4 << 6, STR_HDR(10, 2, 0, 0), (L4_Word_t)src[0], (L4_Word_t)src[1],
                      (L4_Word_t)src[2] };
    L4_Word_t serr;
    L4_MsgTag_t tag = send_to_new_receiver(5, w, &serr);
    EXPECT(L4_IpcSucceeded(tag));
    uint8_t want[30];
    for (int k = 0; k < 3; k++)
        memcpy(want + 10 * k, src[k], 10);
    EXPECT_EQ(memcmp(dst[0], want, 15), 0);
    EXPECT_EQ(memcmp(dst[1], want + 15, 15), 0);
}

TEST(string, compound_string_fills_one_buffer)
{
    fill();
    rcv_br[0] = 1;
    rcv_br[1] = STR_HDR(64, 0, 0, 0);
    rcv_br[2] = (L4_Word_t)dst[0];
    /* two items linked with c: one string of 20 + 30 bytes */
    L4_Word_t w[] = { 4 << 6, STR_HDR(20, 0, 1, 0), (L4_Word_t)src[0],
                      STR_HDR(30, 0, 0, 0), (L4_Word_t)src[1] };
    L4_Word_t serr;
    L4_MsgTag_t tag = send_to_new_receiver(5, w, &serr);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(memcmp(dst[0], src[0], 20), 0);
    EXPECT_EQ(memcmp(dst[0] + 20, src[1], 30), 0);
}

/* A sender in a new space, whose source pages fault on its side. */
static volatile L4_Word_t snd_tag, snd_err;
static void string_sender(L4_Word_t to)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = STR_HDR(8192, 0, 0, 0);
    mr[2] = (L4_Word_t)src[2];
    L4_MsgTag_t tag = L4_Send((L4_ThreadId_t){ .raw = to });
    snd_tag = tag.raw;
    snd_err = L4_ErrorCode();
}

TEST(string, faults_on_the_sender_side)
{
    fill();
    L4_ThreadId_t s = tsup_space(string_sender, L4_MyGlobalId().raw);
    L4_LoadBR(0, 1);
    L4_LoadBR(1, STR_HDR(8192, 0, 0, 0));
    L4_LoadBR(2, (L4_Word_t)dst[3]);
    L4_MsgTag_t tag = L4_Receive(s);
    L4_LoadBR(0, 0);
    tsup_join(s, 2000);
    tsup_kill(s);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(snd_err, 0);
    EXPECT_EQ(memcmp(dst[3], src[2], 8192), 0);
}

TEST(string, zero_xfer_timeouts_fail_at_the_first_fault)
{
    fill();
    L4_Set_XferTimeouts(L4_Timeouts(L4_ZeroTime, L4_ZeroTime));
    rcv_br[0] = 1;
    rcv_br[1] = STR_HDR(8192, 0, 0, 0);
    rcv_br[2] = (L4_Word_t)dst[2] + 4096;     /* second page: unmapped in the receiver */
    dst[2][4096] = 0;
    L4_Word_t w[] = { 2 << 6, STR_HDR(100, 0, 0, 0), (L4_Word_t)src[0] };
    L4_Word_t serr;
    /* the receiver's xfer timeouts are never (0): the sender's zero is
     * smaller, so the sender gets 5 (in current), the receiver 6 */
    send_to_new_receiver(3, w, &serr);
    L4_Set_XferTimeouts(0);
    EXPECT_EQ(serr, 5 << 1);
    EXPECT_EQ(rcv_err, 6 << 1 | 1);
}

/* The sender blocks first; the receiver then copies, and the faults on
 * the sender's side are reflected to the (queued) sender's pager. */
TEST(string, faults_on_the_side_of_a_queued_sender)
{
    fill();
    L4_ThreadId_t s = tsup_space(string_sender, L4_MyGlobalId().raw);
    tsup_sleep_ms(20);                          /* it is queued on us by now */
    L4_Word_t before = L4_Schedule(s, ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 });
    L4_LoadBR(0, 1);
    L4_LoadBR(1, STR_HDR(8192, 0, 0, 0));
    L4_LoadBR(2, (L4_Word_t)dst[3]);
    L4_MsgTag_t tag = L4_Receive(s);
    L4_LoadBR(0, 0);
    tsup_join(s, 2000);
    tsup_kill(s);
    EXPECT_EQ(before, 4);                       /* pending send */
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(snd_err, 0);
    EXPECT_EQ(memcmp(dst[3], src[2], 8192), 0);
}
