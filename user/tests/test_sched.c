/* Schedule (spec 4.9) and ThreadSwitch (spec 4.10).
 *
 * Schedule: nil dest gives result 0 with ErrorCode 0; a dest that does not
 * exist gives error 2; an unprivileged caller must be dest's registered
 * scheduler and may not give a priority above its own (error 1); the
 * result is dest's state before the call (table of 4.9); ~0 leaves a
 * control word unchanged; TimeControl in the library layout (bits 16-31
 * time slice, 0-15 total quantum), periods only; priorities above 255 are
 * ignored. Scheduling: strict priorities, round robin within a level
 * driven by the timer.
 *
 * ThreadSwitch: nil yields to the same priority; to oneself returns at
 * once; to a ready thread runs it (donation); to a thread that does not
 * exist or cannot run behaves like a yield. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define NIL       L4_nilthread
#define ROOT_UTCB 0xBF000000UL
#define UNUSED_LOCAL_ID (ROOT_UTCB + 0x3F000 + 0x200)
#define UNMAPPED  0x7E000000UL
#define IRQ_NEVER_ATTACHED 7                 /* no test attaches this line */

/* Default time control: slice 10 ms = 625 * 2^4 us, quantum never (spec 4.9). */
#define DEFAULT_TIME_CONTROL ((L4_Word_t)(4 << 10 | 625) << 16 | 0)

static L4_ThreadId_t me(void) { return L4_MyGlobalId(); }

static L4_Word_t sched(L4_ThreadId_t t, L4_Word_t time, L4_Word_t prio, L4_Word_t *old)
{
    *old = 0x99;
    return L4_Schedule(t, time, ~0UL, prio, ~0UL, old);
}

static L4_Word_t state(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

static L4_Word_t time_of(L4_ThreadId_t t)
{
    L4_Word_t old;
    L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
    return old;
}

static int blocked_after(volatile int *ready, L4_ThreadId_t t)
{
    for (int i = 0; i < 2000 && !*ready; i++)
        tsup_sleep_ms(1);
    if (!*ready)
        return 0;
    tsup_sleep_ms(2);
    return tsup_wait_blocked(t);
}

/* Spinners counting until told to stop. */
static volatile L4_Word_t cnt[3];
static volatile int stop;
static void count(L4_Word_t i)
{
    while (!stop)
        cnt[i]++;
}

static void reset_counts(void)
{
    cnt[0] = cnt[1] = cnt[2] = 0;
    stop = 0;
}

/* Threads that note that they ran, in order. */
static volatile L4_Word_t order[8], norder;
static void mark(L4_Word_t i)
{
    order[norder++] = i;
}
static int marked(L4_Word_t i)
{
    for (L4_Word_t k = 0; k < norder; k++)
        if (order[k] == i)
            return 1;
    return 0;
}

/* IPC helpers: blocked receiving from / sending to the root thread. */
static volatile int rcv_ready, snd_ready;
static void receive_from(L4_Word_t from)
{
    rcv_ready = 1;
    L4_Receive((L4_ThreadId_t){ .raw = from });
}
static void send_to(L4_Word_t to)
{
    tsup_load(0x42, 0, 0);
    snd_ready = 1;
    L4_Send((L4_ThreadId_t){ .raw = to });
}

/* ---- Schedule: dest ---------------------------------------------------------- */

TEST(sched, nil_dest_gives_result_0_and_error_code_0)
{
    L4_Word_t old;
    L4_Word_t r0 = sched(tsup_new_id(), ~0UL, ~0UL, &old);   /* leaves ErrorCode 2 */
    L4_Word_t e0 = L4_ErrorCode();
    L4_Word_t r = L4_Schedule(NIL, L4_TimeControl(L4_TimePeriod(5000), L4_Never), ~0UL, 10,
                              ~0UL, &old);
    L4_Word_t e = L4_ErrorCode();
    EXPECT_EQ(r0, 0);
    EXPECT_EQ(e0, L4_ErrInvalidThread);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(e, 0);
    EXPECT_EQ(old, 0);
    EXPECT_EQ(state(me()), L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(time_of(me()), DEFAULT_TIME_CONTROL);          /* nothing changed */
}

TEST(sched, nonexistent_dest_is_invalid_thread)
{
    L4_ThreadId_t gone = tsup_thread(tsup_fn_sleeper, 0);
    tsup_kill(gone);
    L4_ThreadId_t bad[5] = {
        tsup_new_id(),
        gone,
        L4_GlobalId(L4_ThreadNo(me()), L4_Version(me()) + 1),
        { .raw = UNUSED_LOCAL_ID },
        L4_GlobalId(IRQ_NEVER_ATTACHED, 1),     /* an interrupt thread never attached */
    };
    for (int i = 0; i < 5; i++) {
        L4_Word_t old;
        EXPECT_EQ(sched(bad[i], ~0UL, 50, &old), 0);
        EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    }
}

/* ---- Schedule: the result is the state before the call ------------------------ */

TEST(sched, results_report_the_state_before)
{
    reset_counts();
    rcv_ready = snd_ready = 0;
    L4_ThreadId_t ready = tsup_thread(count, 0);
    L4_ThreadId_t waiting = tsup_thread(receive_from, me().raw);
    L4_ThreadId_t sending = tsup_thread(send_to, me().raw);
    L4_ThreadId_t inactive = tsup_new_id();
    L4_Word_t r_in = L4_ThreadControl(inactive, me(), me(), NIL, (void *)~0UL);
    L4_Word_t s_ready = state(ready);                   /* ready, never ran yet */
    int b1 = blocked_after(&rcv_ready, waiting);
    int b2 = blocked_after(&snd_ready, sending);
    L4_Word_t s_self = state(me());
    L4_Word_t s_ready2 = state(ready);                  /* ran meanwhile, preempted */
    L4_Word_t s_waiting = L4_Set_Priority(waiting, 90);
    L4_Word_t s_sending = L4_Set_Priority(sending, 90);
    L4_Word_t s_inactive = L4_Set_Priority(inactive, 90);
    L4_Stop(ready);
    L4_Word_t s_halted = L4_Set_Priority(ready, 90);
    L4_Word_t s_halted2 = state(ready);
    stop = 1;
    tsup_kill(ready);
    tsup_kill(waiting);
    tsup_kill(sending);
    L4_ThreadControl(inactive, NIL, NIL, NIL, (void *)~0UL);
    EXPECT_EQ(r_in, 1);
    EXPECT(b1);
    EXPECT(b2);
    EXPECT_EQ(s_self, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(s_ready, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(s_ready2, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(s_waiting, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(s_sending, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(s_inactive, L4_SCHEDRESULT_DEAD);
    EXPECT_EQ(s_halted, L4_SCHEDRESULT_INACTIVE);
    EXPECT_EQ(s_halted2, L4_SCHEDRESULT_INACTIVE);
}

/* A string copy stalled by a fault on the receiver's side that its pager
 * never answers: the sender is "sending" (5), the receiver "receiving" (7)
 * (spec 5.3). */
static volatile int xr_ready, xs_ready;
static uint8_t xfer_src[64];
static void string_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_LoadBR(0, 1);                                    /* accept strings */
    L4_LoadBR(1, 4096UL << 10);                         /* one buffer, 4 KB */
    L4_LoadBR(2, UNMAPPED);                             /* nobody will map it */
    xr_ready = 1;
    L4_Wait(&from);
}
static void string_sender(L4_Word_t to)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;                                     /* one string item */
    mr[1] = sizeof xfer_src << 10;
    mr[2] = (L4_Word_t)xfer_src;
    xs_ready = 1;
    L4_Send((L4_ThreadId_t){ .raw = to });
}

TEST(sched, sending_and_receiving_during_a_string_copy)
{
    xr_ready = xs_ready = 0;
    xfer_src[0] = 1;
    L4_ThreadId_t r = tsup_thread(string_receiver, 0);
    int rb = blocked_after(&xr_ready, r);
    L4_ThreadId_t s = tsup_thread(string_sender, r.raw);
    tsup_wait_flag(&xs_ready, 1000);
    tsup_sleep_ms(10);
    L4_Word_t s_snd = state(s), s_rcv = state(r);
    L4_Word_t c_snd, c_rcv;
    __L4_ExReg(s, 0, 0, 0, 0, 0, NIL, &c_snd);
    __L4_ExReg(r, 0, 0, 0, 0, 0, NIL, &c_rcv);
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(rb);
    EXPECT_EQ(s_snd, L4_SCHEDRESULT_SENDING);
    EXPECT_EQ(s_rcv, L4_SCHEDRESULT_RECEIVING);
    EXPECT_EQ(c_snd & 7, L4_ExReg_AbortSend);           /* in a send phase */
    EXPECT_EQ(c_rcv & 7, L4_ExReg_AbortRecv);           /* in a receive phase */
}

/* ---- priorities ---------------------------------------------------------------- */

/* Ready threads run strictly by priority, whatever order they became
 * ready in. */
TEST(sched, higher_priority_ready_threads_run_first)
{
    norder = 0;
    L4_ThreadId_t lo = tsup_thread(mark, 1), mid = tsup_thread(mark, 2),
                  hi = tsup_thread(mark, 3);
    L4_Set_Priority(lo, 100);
    L4_Set_Priority(mid, 150);
    L4_Set_Priority(hi, 199);
    int j = tsup_join(lo, 1000);
    tsup_kill(lo);
    tsup_kill(mid);
    tsup_kill(hi);
    EXPECT(j);
    EXPECT_EQ(norder, 3);
    EXPECT_EQ(order[0], 3);
    EXPECT_EQ(order[1], 2);
    EXPECT_EQ(order[2], 1);
}

/* A spinning thread of higher priority keeps a lower one from running;
 * lowering its priority lets the other run and stops it. */
TEST(sched, strict_priorities_and_priority_changes)
{
    reset_counts();
    L4_ThreadId_t a = tsup_thread(count, 0), b = tsup_thread(count, 1);
    L4_Word_t r_up = L4_Set_Priority(a, 150);
    tsup_sleep_ms(30);
    L4_Word_t a1 = cnt[0], b1 = cnt[1];
    L4_Word_t r_down = L4_Set_Priority(a, 50);
    tsup_sleep_ms(30);
    L4_Word_t a2 = cnt[0], b2 = cnt[1];
    stop = 1;
    int ja = tsup_join(a, 1000), jb = tsup_join(b, 1000);
    tsup_kill(a);
    tsup_kill(b);
    EXPECT_EQ(r_up, L4_SCHEDRESULT_RUNNING);
    EXPECT(a1 > 0);
    EXPECT_EQ(b1, 0);                                   /* never ran */
    EXPECT_EQ(r_down, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(a2, a1);                                  /* now it does not run */
    EXPECT(b2 > 0);
    EXPECT(ja);
    EXPECT(jb);
}

/* Threads are created at priority 100 (spec 4.7): one at 101 keeps a new
 * thread from running, one at 99 does not. */
TEST(sched, new_threads_run_at_priority_100)
{
    reset_counts();
    L4_ThreadId_t fresh = tsup_thread(count, 0), other = tsup_thread(count, 1);
    L4_Set_Priority(other, 101);
    tsup_sleep_ms(30);
    L4_Word_t f1 = cnt[0], o1 = cnt[1];
    L4_Set_Priority(other, 99);
    tsup_sleep_ms(30);
    L4_Word_t f2 = cnt[0], o2 = cnt[1];
    stop = 1;
    tsup_join(fresh, 1000);
    tsup_join(other, 1000);
    tsup_kill(fresh);
    tsup_kill(other);
    EXPECT_EQ(f1, 0);                                   /* below 101 */
    EXPECT(o1 > 0);
    EXPECT(f2 > 0);                                     /* above 99 */
    EXPECT_EQ(o2, o1);
}

/* Priorities are 0..255: a larger PrioControl value is ignored. */
TEST(sched, priority_above_255_is_ignored)
{
    reset_counts();
    L4_ThreadId_t a = tsup_thread(count, 0), b = tsup_thread(count, 1);
    L4_Word_t old;
    L4_Word_t r_b = L4_Set_Priority(b, 120);
    __L4_Utcb()[__L4_TCR_ERROR_CODE] = 0x99;
    L4_Word_t r_a = sched(a, ~0UL, 0x100 | 150, &old);     /* not 150 */
    L4_Word_t e_a = L4_ErrorCode();
    tsup_sleep_ms(30);
    L4_Word_t a1 = cnt[0], b1 = cnt[1];
    stop = 1;
    tsup_join(a, 1000);
    tsup_join(b, 1000);
    tsup_kill(a);
    tsup_kill(b);
    EXPECT_EQ(r_b, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(r_a, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(e_a, 0x99);                               /* a success leaves it (spec 2.9) */
    EXPECT_EQ(a1, 0);                                   /* still 100, below b */
    EXPECT(b1 > 0);
}

/* Two spinners at one priority both make progress: the timer takes turns. */
TEST(sched, round_robin_within_a_priority)
{
    reset_counts();
    L4_ThreadId_t a = tsup_thread(count, 0), b = tsup_thread(count, 1);
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        L4_Word_t a0 = cnt[0], b0 = cnt[1];
        tsup_sleep_ms(50);                              /* five time slices */
        ok &= cnt[0] > a0 && cnt[1] > b0;
    }
    stop = 1;
    tsup_join(a, 1000);
    tsup_join(b, 1000);
    tsup_kill(a);
    tsup_kill(b);
    EXPECT(ok);
}

/* ---- permission: the scheduler registered with ThreadControl ------------------------- */

static volatile L4_Word_t us_res[10], us_err[10], us_time;
static volatile L4_Word_t us_target, us_fresh, us_root;
static void as_scheduler(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t t = { .raw = us_target };
    L4_Word_t old;
    us_res[0] = sched(t, ~0UL, 120, &old);                 /* = own priority */
    us_err[0] = L4_ErrorCode();
    us_res[1] = sched(t, ~0UL, 121, &old);                 /* above it */
    us_err[1] = L4_ErrorCode();
    us_res[2] = sched(t, ~0UL, 10, &old);
    us_err[2] = L4_ErrorCode();
    us_res[3] = sched(t, L4_TimeControl(L4_TimePeriod(5000), L4_Never), ~0UL, &old);
    us_err[3] = L4_ErrorCode();
    us_time = old;
    us_res[4] = sched(t, ~0UL, 255, &old);
    us_err[4] = L4_ErrorCode();
    us_res[5] = sched((L4_ThreadId_t){ .raw = us_root }, ~0UL, ~0UL, &old);   /* not its */
    us_err[5] = L4_ErrorCode();
    us_res[6] = sched(L4_MyGlobalId(), ~0UL, ~0UL, &old);  /* its scheduler is root */
    us_err[6] = L4_ErrorCode();
    us_res[7] = sched((L4_ThreadId_t){ .raw = us_fresh }, ~0UL, ~0UL, &old);
    us_err[7] = L4_ErrorCode();                              /* existence first */
    us_res[8] = sched(NIL, ~0UL, ~0UL, &old);
    us_err[8] = L4_ErrorCode();
    us_res[9] = sched(t, ~0UL, 0x100 | 200, &old);         /* ignored, so allowed */
    us_err[9] = L4_ErrorCode();
}

TEST(sched, unprivileged_scheduler_within_its_own_priority)
{
    for (int i = 0; i < 10; i++)
        us_res[i] = us_err[i] = 99;
    L4_ThreadId_t t = tsup_space(tsup_fn_sleeper, 0);
    us_target = t.raw;
    us_fresh = tsup_new_id().raw;
    us_root = me().raw;
    L4_ThreadId_t s = tsup_space(as_scheduler, 0);
    L4_Word_t r_tc = L4_ThreadControl(t, t, s, NIL, (void *)~0UL);
    L4_Word_t r_prio = L4_Set_Priority(s, 120);
    int joined = tsup_join(s, 2000);
    L4_Word_t t_time = time_of(t);
    tsup_kill(s);
    tsup_kill(t);
    EXPECT_EQ(r_tc, 1);
    EXPECT_NE(r_prio, 0);
    EXPECT(joined);
    EXPECT_NE(us_res[0], 0);
    EXPECT_EQ(us_err[0], 0);
    EXPECT_EQ(us_res[1], 0);
    EXPECT_EQ(us_err[1], L4_ErrNoPrivilege);
    EXPECT_NE(us_res[2], 0);
    EXPECT_NE(us_res[3], 0);
    EXPECT_EQ(us_time, DEFAULT_TIME_CONTROL);          /* the old value */
    EXPECT_EQ(us_res[4], 0);
    EXPECT_EQ(us_err[4], L4_ErrNoPrivilege);
    EXPECT_EQ(us_res[5], 0);
    EXPECT_EQ(us_err[5], L4_ErrNoPrivilege);
    EXPECT_EQ(us_res[6], 0);
    EXPECT_EQ(us_err[6], L4_ErrNoPrivilege);
    EXPECT_EQ(us_res[7], 0);
    EXPECT_EQ(us_err[7], L4_ErrInvalidThread);
    EXPECT_EQ(us_res[8], 0);
    EXPECT_EQ(us_err[8], 0);
    EXPECT_NE(us_res[9], 0);
    EXPECT_EQ(t_time >> 16, L4_TimePeriod(5000).raw);  /* set by its scheduler */
}

/* A thread that is its own scheduler may lower its priority, not raise
 * it; nor may it make its sensitive priority (PreemptionControl bits
 * 16-23) higher than its priority. */
static volatile L4_Word_t self_res[6], self_err[6];
static void own_scheduler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t old;
    self_res[0] = sched(L4_MyGlobalId(), ~0UL, 111, &old);
    self_err[0] = L4_ErrorCode();
    self_res[1] = sched(L4_MyGlobalId(), ~0UL, 110, &old);
    self_err[1] = L4_ErrorCode();
    self_res[2] = sched(L4_MyGlobalId(), ~0UL, 90, &old);
    self_err[2] = L4_ErrorCode();
    self_res[3] = sched(L4_MyGlobalId(), ~0UL, 100, &old);    /* above 90 now */
    self_err[3] = L4_ErrorCode();
    self_res[4] = L4_Schedule(L4_MyGlobalId(), ~0UL, ~0UL, ~0UL, 91UL << 16 | 1000, &old);
    self_err[4] = L4_ErrorCode();
    self_res[5] = L4_Schedule(L4_MyGlobalId(), ~0UL, ~0UL, ~0UL, 90UL << 16 | 1000, &old);
    self_err[5] = L4_ErrorCode();
}

TEST(sched, own_scheduler_may_lower_but_not_raise_its_priority)
{
    for (int i = 0; i < 6; i++)
        self_res[i] = self_err[i] = 99;
    L4_ThreadId_t s = tsup_space(own_scheduler, 0);
    L4_Word_t r_tc = L4_ThreadControl(s, s, s, NIL, (void *)~0UL);
    L4_Set_Priority(s, 110);
    int joined = tsup_join(s, 2000);
    tsup_kill(s);
    EXPECT_EQ(r_tc, 1);
    EXPECT(joined);
    EXPECT_EQ(self_res[0], 0);
    EXPECT_EQ(self_err[0], L4_ErrNoPrivilege);
    EXPECT_EQ(self_res[1], L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(self_err[1], L4_ErrNoPrivilege);          /* a success leaves it (spec 2.9) */
    EXPECT_EQ(self_res[2], L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(self_res[3], 0);
    EXPECT_EQ(self_err[3], L4_ErrNoPrivilege);
    EXPECT_EQ(self_res[4], 0);
    EXPECT_EQ(self_err[4], L4_ErrNoPrivilege);
    EXPECT_EQ(self_res[5], L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(self_err[5], L4_ErrNoPrivilege);
}

/* ---- TimeControl ---------------------------------------------------------------------------- */

TEST(sched, time_control_layout_old_value_and_no_change)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    L4_Time_t slice = L4_TimePeriod(20000), quantum = L4_TimePeriod(1000000);
    L4_Word_t old0, old1, old2, old3, old4;
    L4_Word_t r0 = sched(t, ~0UL, ~0UL, &old0);
    L4_Word_t r1 = sched(t, L4_TimeControl(slice, quantum), ~0UL, &old1);
    L4_Word_t r2 = sched(t, ~0UL, 90, &old2);                  /* time: ~0, unchanged */
    L4_Word_t r3 = sched(t, 0x8000UL << 16 | quantum.raw, ~0UL, &old3);   /* slice a point */
    L4_Word_t e3 = L4_ErrorCode();
    L4_Word_t r4 = sched(t, (L4_Word_t)slice.raw << 16 | 0x8000, ~0UL, &old4);
    L4_Word_t e4 = L4_ErrorCode();
    L4_Word_t after = time_of(t);
    tsup_kill(t);
    EXPECT_NE(r0, 0);
    EXPECT_EQ(old0, DEFAULT_TIME_CONTROL);
    EXPECT_NE(r1, 0);
    EXPECT_EQ(old1, DEFAULT_TIME_CONTROL);             /* the value before */
    EXPECT_NE(r2, 0);
    EXPECT_EQ(old2 >> 16 & 0xFFFF, slice.raw);         /* bits 16-31: time slice */
    EXPECT_EQ(old2 & 0xFFFF, quantum.raw);             /* bits 0-15: total quantum */
    EXPECT_EQ(r3, 0);                                  /* time points are refused */
    EXPECT_EQ(e3, L4_ErrInvalidThread);                /* (Pistachio's code) */
    EXPECT_EQ(r4, 0);
    EXPECT_EQ(e4, L4_ErrInvalidThread);
    EXPECT_EQ(after, old2);                            /* and change nothing */
}

TEST(sched, processor_and_preemption_control)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    int blocked = tsup_wait_blocked(t);
    L4_Word_t old;
    L4_Word_t r_cpu = L4_Schedule(t, ~0UL, 0, ~0UL, ~0UL, &old);       /* processor 0 */
    __L4_Utcb()[__L4_TCR_ERROR_CODE] = 0x99;
    L4_Word_t r_pre = L4_Schedule(t, ~0UL, ~0UL, ~0UL, 200UL << 16 | 1000, &old);
    L4_Word_t e_pre = L4_ErrorCode();
    L4_Word_t r_all = L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(r_cpu, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(r_pre, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(e_pre, 0x99);                             /* a success leaves it */
    EXPECT_EQ(r_all, L4_SCHEDRESULT_WAITING);
}

/* ---- ThreadSwitch ------------------------------------------------------------------------------ */

TEST(sched, yield_runs_another_thread_of_the_same_priority)
{
    norder = 0;
    L4_ThreadId_t m = tsup_thread(mark, 1);
    L4_Set_Priority(m, 255);
    int before = marked(1);
    L4_Yield();
    int after = marked(1);
    tsup_kill(m);
    EXPECT_EQ(before, 0);
    EXPECT_EQ(after, 1);
}

TEST(sched, yield_does_not_run_a_lower_priority)
{
    norder = 0;
    L4_ThreadId_t m = tsup_thread(mark, 1);
    for (int i = 0; i < 5; i++)
        L4_Yield();
    int after_yields = marked(1);
    tsup_sleep_ms(2);
    int after_sleep = marked(1);
    tsup_kill(m);
    EXPECT_EQ(after_yields, 0);                     /* we were picked again */
    EXPECT_EQ(after_sleep, 1);
}

TEST(sched, switch_to_oneself_returns_at_once)
{
    norder = 0;
    L4_ThreadId_t m = tsup_thread(mark, 1);
    L4_Set_Priority(m, 255);
    L4_ThreadSwitch(me());
    L4_ThreadSwitch(L4_MyLocalId());
    int after_self = marked(1);
    L4_Yield();
    int after_yield = marked(1);
    tsup_kill(m);
    EXPECT_EQ(after_self, 0);                       /* no yield */
    EXPECT_EQ(after_yield, 1);
}

TEST(sched, switch_to_a_ready_thread_runs_it)
{
    norder = 0;
    L4_ThreadId_t m1 = tsup_thread(mark, 1), m2 = tsup_thread(mark, 2);
    L4_Set_Priority(m1, 255);
    L4_Set_Priority(m2, 255);
    L4_ThreadSwitch(m2);                            /* before m1, queued first */
    L4_Word_t first = norder ? order[0] : 0;
    /* also a thread of lower priority, which would never run otherwise */
    L4_ThreadId_t m3 = tsup_thread(mark, 3);
    int tries = 0;
    while (!marked(3) && tries < 20) {
        L4_ThreadSwitch(m3);
        tries++;
    }
    int low_ran = marked(3);
    tsup_kill(m1);
    tsup_kill(m2);
    tsup_kill(m3);
    EXPECT_EQ(first, 2);
    EXPECT_EQ(low_ran, 1);
}

/* One marker of our priority at a time: the switch must yield to it. */
static int switch_yields_to_marker(L4_ThreadId_t dest, L4_Word_t i)
{
    L4_ThreadId_t m = tsup_thread(mark, i);
    L4_Set_Priority(m, 255);
    int before = marked(i);
    L4_ThreadSwitch(dest);
    int after = marked(i);
    tsup_kill(m);
    return !before && after;
}

TEST(sched, switch_to_a_thread_that_cannot_run_is_a_yield)
{
    norder = 0;
    reset_counts();
    L4_ThreadId_t sleeper = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t halted = tsup_thread(count, 0);
    int blocked = tsup_wait_blocked(sleeper);
    L4_Stop(halted);
    L4_Word_t c0 = cnt[0];
    int r1 = switch_yields_to_marker(tsup_new_id(), 1);     /* nobody */
    int r2 = switch_yields_to_marker(sleeper, 2);           /* blocked */
    int r3 = switch_yields_to_marker(halted, 3);            /* halted */
    L4_Word_t c1 = cnt[0];
    stop = 1;
    tsup_kill(sleeper);
    tsup_kill(halted);
    EXPECT(blocked);
    EXPECT(r1);
    EXPECT(r2);
    EXPECT(r3);
    EXPECT_EQ(c1, c0);                              /* the halted one never ran */
}

/* Blocked threads may stay on their ready queue (lazy queues, seed 002):
 * changing the priority of one that waits in a receive must leave it
 * waiting, not make it run. */
static volatile int woke;
static void answers_again_and_again(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (;;) {
        woke++;
        tsup_load(0x2, 0, 0);
        L4_ReplyWait(from, &from);      /* hands the processor to the caller */
    }
}

TEST(sched, priority_change_keeps_a_waiting_thread_waiting)
{
    woke = 0;
    L4_ThreadId_t t = tsup_thread(answers_again_and_again, 0);
    EXPECT(tsup_wait_blocked(t));
    tsup_load(0x1, 0, 0);
    L4_Call(t);                                     /* it runs once, then waits again */
    L4_Set_Priority(t, 150);
    L4_Set_Priority(t, 90);
    tsup_sleep_ms(5);
    L4_Word_t after = state(t);
    int times = woke;
    tsup_kill(t);
    EXPECT_EQ(after, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(times, 1);
}
