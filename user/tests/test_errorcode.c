/* ErrorCode is defined only after an error (spec 2.9): a call that
 * succeeds leaves it as it was, as Pistachio does. X.2 programs rely on
 * it: a thread whose receive failed sends a report with a successful
 * L4_Send and reads ErrorCode afterwards to say what went wrong. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define STRING_ITEM(len) ((L4_Word_t)(len) << 10)

static char long_string[256];
static char short_buffer[252];
static volatile L4_Word_t reported, report_err, after_err, after_tag;

/* P: sends a 256-byte string, then receives the report. */
static void string_sender(L4_Word_t to)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = STRING_ITEM(sizeof long_string);
    mr[2] = (L4_Word_t)long_string;
    L4_Send((L4_ThreadId_t){ .raw = to });
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    report_err = mr[1];
    reported = L4_IpcSucceeded(tag);
}

TEST(errorcode, survives_a_successful_send_after_a_cut_receive)
{
    reported = 0;
    L4_LoadBR(0, 1);
    L4_LoadBR(1, STRING_ITEM(sizeof short_buffer));
    L4_LoadBR(2, (L4_Word_t)short_buffer);
    L4_ThreadId_t me = L4_MyGlobalId(), p = tsup_space(string_sender, me.raw), from;
    L4_MsgTag_t tag = L4_Wait(&from);
    L4_Word_t cut = L4_ErrorCode();
    L4_LoadBR(0, 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 1;
    mr[1] = cut;
    L4_MsgTag_t sent = L4_Send(p);              /* the report: succeeds */
    L4_Word_t after = L4_ErrorCode();
    tsup_join(p, 1000);
    tsup_kill(p);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(cut, 252 << 4 | 4 << 1 | 1);      /* cut at 252, receive phase */
    EXPECT(L4_IpcSucceeded(sent));
    EXPECT_EQ(after, cut);                      /* still the receive's error */
    EXPECT(reported);
    EXPECT_EQ(report_err, cut);
}

TEST(errorcode, survives_a_successful_schedule_after_a_receive_timeout)
{
    L4_ThreadId_t from, echo = tsup_thread(tsup_fn_sleeper, 0);
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(1000), &from);
    L4_Word_t timed_out = L4_ErrorCode();
    L4_Word_t w = 0;
    L4_Word_t r = L4_Schedule(echo, ~0UL, ~0UL, ~0UL, ~0UL, &w);   /* a success */
    L4_Word_t after_schedule = L4_ErrorCode();
    tsup_kill(echo);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(timed_out, 1 << 1 | 1);           /* receive timeout */
    EXPECT(r != 0);
    EXPECT_EQ(after_schedule, timed_out);
}

/* A successful receive leaves it too (and a later failure overwrites it). */
static void one_message(L4_Word_t to)
{
    tsup_load(0x77, 0, 0);
    L4_Send((L4_ThreadId_t){ .raw = to });
}

TEST(errorcode, survives_a_successful_receive_and_a_failure_overwrites_it)
{
    __L4_Utcb()[__L4_TCR_ERROR_CODE] = 0x1234;
    L4_ThreadId_t from, t = tsup_thread(one_message, L4_MyGlobalId().raw);
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(1000000), &from);
    L4_Word_t after_ok = L4_ErrorCode();
    L4_MsgTag_t none = L4_Send_Timeout(tsup_new_id(), L4_ZeroTime);   /* no such thread */
    L4_Word_t after_fail = L4_ErrorCode();
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(L4_Label(tag), 0x77);
    EXPECT_EQ(after_ok, 0x1234);
    EXPECT(L4_IpcFailed(none));
    EXPECT_EQ(after_fail, 2 << 1);              /* send phase, no partner */
}
