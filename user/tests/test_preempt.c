/* Preemption and time (spec 4.9, 4.10, 6.5): a total quantum that runs out
 * is reported to the thread's scheduler with the preemption message; a
 * thread of higher priority that becomes ready preempts a spinning one;
 * ThreadSwitch donates the processor. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define PREEMPTION_LABEL 0xFFFFFFFFFFD0UL

static volatile int spin_stop;
static volatile uint64_t spins;

static void spinner(L4_Word_t unused)
{
    (void)unused;
    while (!spin_stop)
        spins++;
}

TEST(preempt, exhausted_quantum_is_reported_to_the_scheduler)
{
    spin_stop = 0;
    L4_ThreadId_t t = tsup_space(spinner, 0);       /* its scheduler: us */
    L4_Set_Timeslice(t, L4_TimePeriod(10000), L4_TimePeriod(5000));
    uint64_t before = L4_SystemClock().raw;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(2000000), &from);
    L4_Word_t mr1 = __L4_Utcb()[1], mr2 = __L4_Utcb()[2];
    uint64_t after = L4_SystemClock().raw;
    spin_stop = 1;
    tsup_kill(t);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(from.raw, t.raw);
    EXPECT_EQ(L4_Label(tag), PREEMPTION_LABEL);
    EXPECT_EQ(L4_UntypedWords(tag), 2);
    uint64_t when = mr1 | mr2 << 32;                /* the time of the preemption */
    EXPECT(when >= before && when <= after);
}

TEST(preempt, unlimited_quantum_sends_nothing)
{
    spin_stop = 0;
    L4_ThreadId_t t = tsup_thread(spinner, 0);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(30000), &from);
    spin_stop = 1;
    tsup_kill(t);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), 1 << 1 | 1);          /* receive timeout */
}

/* A thread of higher priority whose sleep ends preempts a spinning
 * thread at that timer tick: the spinner never yields, yet the sleeper
 * runs and stops it. */
static volatile int woke;
static void sleeper(L4_Word_t unused)
{
    (void)unused;
    tsup_sleep_ms(3);
    woke = 1;
    spin_stop = 1;
}

TEST(preempt, higher_priority_preempts_a_spinner)
{
    spin_stop = 0;
    woke = 0;
    spins = 0;
    L4_ThreadId_t s = tsup_thread(sleeper, 0), t = tsup_thread(spinner, 0);
    L4_Set_Priority(s, 150);
    L4_Set_Priority(t, 100);
    EXPECT(tsup_join(s, 1000));
    EXPECT(tsup_join(t, 1000));
    tsup_kill(s);
    tsup_kill(t);
    EXPECT_EQ(woke, 1);
    EXPECT(spins > 0);                              /* the spinner did run meanwhile */
}

/* ThreadSwitch to a ready thread runs it at once, even though the caller
 * stays ready at the same priority (and would run first by its place in
 * the queue). Lower priorities are left out: a tick arriving while the
 * donee runs would rightly hand the processor back to us before it got
 * anything done. */
static volatile int ran;
static void mark(L4_Word_t unused)
{
    (void)unused;
    ran = 1;
}

TEST(preempt, thread_switch_donates)
{
    ran = 0;
    L4_ThreadId_t t = tsup_thread(mark, 0);
    L4_Set_Priority(t, 255);
    L4_ThreadSwitch(t);
    int ran_now = ran;
    tsup_kill(t);
    EXPECT_EQ(ran_now, 1);
}

/* ---- delayed preemption (spec 3.2 PreemptFlags, 4.9 PreemptionControl,
 * 4.10) ------------------------------------------------------------------
 * A thread at 100 with d set spins; a thread at 150 wakes from a sleep.
 * If 150 is at most the spinner's sensitive priority, the spinner runs on
 * with I set, until it gives the processor up (ThreadSwitch, which
 * clears I) or its maximum delay runs out; above it, the sleeper preempts
 * at once. The root thread waits for the spinner's message meanwhile, so
 * that nothing else runs. */
static volatile int d_woke, d_saw_pending, d_woke_first, d_pending_after;
static L4_ThreadId_t d_root;

static void delayed_sleeper(L4_Word_t unused)
{
    (void)unused;
    tsup_sleep_ms(3);
    d_woke = 1;
}

static void delayer(L4_Word_t yield)
{
    L4_DisablePreemption();                         /* d */
    while (!d_woke && !L4_PreemptionPending())
        spins++;
    d_saw_pending = L4_PreemptionPending();
    d_woke_first = d_woke;                          /* did the sleeper run before I? */
    if (yield)
        L4_ThreadSwitch(L4_nilthread);              /* the sleeper runs now */
    while (!d_woke)                                 /* else: until the delay ends */
        spins++;
    d_pending_after = L4_PreemptionPending();
    L4_EnablePreemption();
    L4_LoadMR(0, 0);
    L4_Send(d_root);
}

/* Run the experiment; 1 if the spinner reported back. */
static int delay_experiment(L4_Word_t sensitive_prio, L4_Word_t max_delay_us, int yield)
{
    d_woke = d_saw_pending = d_woke_first = d_pending_after = 0;
    d_root = L4_MyGlobalId();
    L4_ThreadId_t s = tsup_thread(delayed_sleeper, 0), t = tsup_thread(delayer, (L4_Word_t)yield);
    L4_Set_Priority(s, 150);
    L4_Set_Priority(t, 100);
    L4_Word_t r = L4_Set_PreemptionDelay(t, sensitive_prio, max_delay_us);
    L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(2000000));
    tsup_kill(s);
    tsup_kill(t);
    return r != 0 && L4_IpcSucceeded(tag);
}

TEST(preempt, delayed_preemption_until_thread_switch)
{
    EXPECT(delay_experiment(200, 20000, 1));
    EXPECT_EQ(d_saw_pending, 1);                    /* I set ... */
    EXPECT_EQ(d_woke_first, 0);                     /* ... while the sleeper waited */
    EXPECT_EQ(d_woke, 1);
    EXPECT_EQ(d_pending_after, 0);                  /* ThreadSwitch cleared I */
}

TEST(preempt, delayed_preemption_ends_with_the_maximum_delay)
{
    EXPECT(delay_experiment(200, 5000, 0));         /* the spinner ignores I */
    EXPECT_EQ(d_saw_pending, 1);
    EXPECT_EQ(d_woke_first, 0);
    EXPECT_EQ(d_woke, 1);                           /* preempted all the same */
}

TEST(preempt, no_delay_above_the_sensitive_priority)
{
    EXPECT(delay_experiment(120, 20000, 1));        /* 150 > 120 */
    EXPECT_EQ(d_saw_pending, 0);
    EXPECT_EQ(d_woke_first, 1);
}

/* Without PreemptionControl (maximum delay 0) the d flag delays nothing. */
TEST(preempt, no_delay_without_a_maximum_delay)
{
    EXPECT(delay_experiment(200, 0, 1));
    EXPECT_EQ(d_saw_pending, 0);
    EXPECT_EQ(d_woke_first, 1);
}
