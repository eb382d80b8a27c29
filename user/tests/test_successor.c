/* A deleted thread's successor: once a thread is deleted, the root task
 * may at once create another with the same thread number (a new
 * version). Whatever the kernel was still doing with the old one (a
 * string copy it took part in, a system call that switched away) must
 * not touch the new one. Both cases were found by the hostile fuzzer
 * (test_hostile.c), which re-creates deleted threads at once: the
 * successor's send queue link was left in a queue it had left, and a
 * later walk of that queue faulted in the kernel. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define SUCC_UNMAPPED 0x50000000UL          /* outside the test image: never mapped */

static L4_Word_t state_of(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

/* The same thread number, a version further on. */
static L4_ThreadId_t successor_id(L4_ThreadId_t t)
{
    return L4_GlobalId(L4_ThreadNo(t), L4_Version(t) + 2);
}

/* ---- a string copier whose partner was deleted ------------------------- */

static char copy_buffer[64];
static volatile int copier_go, sender_go, copier_done, newcomer_done;
static volatile L4_Word_t copier_from, sender_to, copier_err, newcomer_err;

/* The copier C (priority 50) receives the sender's string into a mapped
 * buffer: it copies, and the sender's string is not mapped, so the
 * fault goes to the sender, whose pager never answers. */
static void copier(L4_Word_t unused)
{
    (void)unused;
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_Never));
    (void)*(volatile char *)copy_buffer;
    tsup_wait_flag(&copier_go, 5000);
    L4_LoadBR(0, 1);
    L4_LoadBR(1, sizeof copy_buffer << 10);
    L4_LoadBR(2, (L4_Word_t)copy_buffer);
    L4_MsgTag_t tag = L4_Receive((L4_ThreadId_t){ .raw = copier_from });
    copier_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    copier_done = 1;
}

/* The sender P (a space of its own): a string from a page it does not have. */
static void string_sender(L4_Word_t unused)
{
    (void)unused;
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_Never));
    tsup_wait_flag(&sender_go, 5000);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;                         /* t = 2: one string item */
    mr[1] = sizeof copy_buffer << 10;
    mr[2] = SUCC_UNMAPPED;
    L4_Send((L4_ThreadId_t){ .raw = sender_to });
}

/* P's successor N: sends to a thread that never receives. */
static void newcomer(L4_Word_t dest)
{
    L4_MsgTag_t tag = L4_Send((L4_ThreadId_t){ .raw = dest });
    newcomer_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    newcomer_done = 1;
}

TEST(successor, string_copier_leaves_the_successor_of_its_partner_alone)
{
    copier_go = sender_go = copier_done = newcomer_done = 0;
    copier_err = newcomer_err = 0;
    L4_ThreadId_t d = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t c = tsup_thread(copier, 0);
    L4_Set_Priority(c, 50);
    L4_ThreadId_t pid = tsup_new_id();
    copier_from = pid.raw;
    sender_to = c.raw;
    L4_ThreadId_t p = tsup_space_as(pid, string_sender, 0);
    sender_go = 1;
    EXPECT(tsup_wait_blocked(p));                   /* queued on C */
    copier_go = 1;
    for (int i = 0; i < 1000 && state_of(c) != 7; i++)  /* C copies, P has the fault */
        tsup_sleep_ms(1);
    L4_Word_t c_state = state_of(c);
    tsup_sleep_ms(10);
    tsup_kill(p);                                   /* the partner goes ... */
    L4_ThreadId_t n = tsup_thread_as(successor_id(pid), newcomer, d.raw);  /* ... N takes its slot */
    EXPECT(tsup_wait_blocked(n));                   /* N waits to send to D */
    for (int i = 0; i < 1000 && !copier_done; i++)  /* C runs again and gives up */
        tsup_sleep_ms(1);
    tsup_sleep_ms(20);
    int n_done = newcomer_done, c_done = copier_done;
    L4_Word_t n_err = newcomer_err, c_err = copier_err;
    tsup_kill(n);
    tsup_kill(d);                                   /* (walks D's send queue) */
    tsup_kill(c);
    if (c_state != 7 || !c_done || n_done)
        test_fail(__FILE__, __LINE__, "expected C in its transfer (state 7) and then done, "
                  "N still sending; got C's state %lu, C done %d (error 0x%lx), "
                  "N done %d (error 0x%lx)", c_state, c_done, c_err, n_done, n_err);
}

/* ---- a Schedule call that gave the processor away ---------------------- */

static volatile int raised_go, scheduler_done;
static volatile L4_Word_t killer_created, schedule_result;
static volatile L4_Word_t raised_id;        /* T's global id */

/* T: once it runs (its priority raised above its scheduler's), it asks
 * the killer to delete it. */
static void raised(L4_Word_t killer)
{
    while (!raised_go)
        L4_ThreadSwitch(L4_nilthread);
    L4_Send((L4_ThreadId_t){ .raw = killer });
}

/* The killer (priority 250): deletes T when T sends to it and creates
 * the successor in its slot at once, as the hostile fuzzer's root does. */
static void killer(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from, t = { .raw = raised_id };
    L4_Wait(&from);
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    killer_created = L4_ThreadControl(successor_id(t), L4_Myself(), L4_Myself(),
                                      L4_nilthread, (void *)~0UL);
    L4_Sleep(L4_Never);
}

/* The scheduler S (priority 150): raises T above itself and sets its
 * time slice in one Schedule call. */
static void scheduler(L4_Word_t unused)
{
    (void)unused;
    raised_go = 1;
    L4_Word_t old;
    schedule_result = L4_Schedule((L4_ThreadId_t){ .raw = raised_id },
                                  L4_TimeControl(L4_TimePeriod(3000), L4_Never), ~0UL, 200,
                                  ~0UL, &old);
    scheduler_done = 1;
}

TEST(successor, schedule_that_switched_leaves_the_successor_alone)
{
    raised_go = scheduler_done = 0;
    killer_created = schedule_result = 0;
    L4_ThreadId_t t = tsup_new_id();
    raised_id = t.raw;
    L4_ThreadId_t k = tsup_thread(killer, 0);
    L4_Set_Priority(k, 250);
    tsup_thread_as(t, raised, k.raw);
    L4_Set_Priority(t, 10);                         /* runs only when raised */
    L4_ThreadId_t s = tsup_thread(scheduler, 0);
    L4_Set_Priority(s, 150);
    int joined = tsup_join(s, 2000);                /* S, T and the killer run */
    L4_ThreadId_t n = successor_id(t);
    /* N, created by the killer, must have a new thread's time control,
     * not the one S set for T. */
    L4_Time_t n_slice = { .raw = 0 }, n_quantum = { .raw = 0 };
    L4_Word_t n_state = L4_Timeslice(n, &n_slice, &n_quantum);
    L4_ThreadId_t fresh = tsup_thread(tsup_fn_sleeper, 0);
    L4_Time_t f_slice = { .raw = 0 }, f_quantum = { .raw = 0 };
    L4_Timeslice(fresh, &f_slice, &f_quantum);
    tsup_kill(fresh);
    L4_ThreadControl(n, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    tsup_kill(k);
    EXPECT(joined);
    EXPECT_EQ(killer_created, 1);
    EXPECT_NE(n_state, 0);                          /* N exists */
    EXPECT_NE(schedule_result, 0);                  /* T existed when S called */
    if (n_slice.raw != f_slice.raw || n_quantum.raw != f_quantum.raw)
        test_fail(__FILE__, __LINE__, "expected the successor's time slice and quantum "
                  "(0x%x, 0x%x) to be a new thread's (0x%x, 0x%x)", n_slice.raw,
                  n_quantum.raw, f_slice.raw, f_quantum.raw);
}
