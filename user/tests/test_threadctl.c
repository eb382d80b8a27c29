/* ThreadControl (spec 4.7), rule by rule in the order the spec evaluates
 * them: (1) privilege, (2) a global dest, (3) interrupt threads, (4) kernel
 * thread numbers, (5) deletion, (6) modification, (7) creation; then the
 * "waiting for start message" state and the TCRs of an activated thread
 * (spec 3.2), and the standard order create - SpaceControl - activate
 * (spec 4.8). Error codes: spec 2.9.2. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define NO_UTCB   ((void *)~0UL)
#define ROOT_UTCB 0xBF000000UL                  /* the root task's UTCB area, 256 KB */
#define NIL       L4_nilthread

extern char _image_start[], _end[];

static L4_ThreadId_t me(void) { return L4_MyGlobalId(); }

static L4_Word_t tc(L4_ThreadId_t dest, L4_ThreadId_t space, L4_ThreadId_t sched,
                    L4_ThreadId_t pager, L4_Word_t utcb)
{
    return L4_ThreadControl(dest, space, sched, pager, (void *)utcb);
}

static L4_Word_t del(L4_ThreadId_t t)
{
    return L4_ThreadControl(t, NIL, NIL, NIL, NO_UTCB);
}

static L4_Word_t state(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

static L4_Word_t system_base(void)
{
    return L4_ThreadIdSystemBase(L4_GetKernelInterface());
}

static L4_Word_t user_base(void)
{
    return L4_ThreadIdUserBase(L4_GetKernelInterface());
}

static L4_ThreadId_t other_version(L4_ThreadId_t t, L4_Word_t v)
{
    return L4_GlobalId(L4_ThreadNo(t), v);
}

/* Wait until a helper has said it is about to block, then until it has. */
static int blocked_after(volatile int *ready, L4_ThreadId_t t)
{
    for (int i = 0; i < 2000 && !*ready; i++)
        tsup_sleep_ms(1);
    if (!*ready)
        return 0;
    tsup_sleep_ms(2);                           /* a last page fault served */
    return tsup_wait_blocked(t);
}

/* What a freshly started thread sees of itself. */
struct self_view {
    volatile L4_Word_t gid, lid, pager, handler, handle, procno, sp, kip;
    volatile int done;
};
static struct self_view view[3];
static uint8_t stacks[3][8192] __attribute__((aligned(16)));

static L4_Word_t stack_top(int i)
{
    return (L4_Word_t)stacks[i] + sizeof stacks[i] - 8;     /* as after a call */
}

static void __attribute__((noreturn)) look_at_self(int i)
{
    volatile L4_Word_t here = 0;
    struct self_view *v = &view[i];
    v->sp = (L4_Word_t)&here;
    v->gid = L4_MyGlobalId().raw;
    v->lid = (L4_Word_t)__L4_Utcb();                        /* %gs:0 */
    v->pager = L4_Pager().raw;
    v->handler = L4_ExceptionHandler().raw;
    v->handle = L4_UserDefinedHandle();
    v->procno = L4_ProcessorNo();
    v->kip = (L4_Word_t)L4_GetKernelInterface();
    v->done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}
static void look0(void) { look_at_self(0); }
static void look1(void) { look_at_self(1); }
static void look2(void) { look_at_self(2); }

static void clear_views(void)
{
    for (int i = 0; i < 3; i++) {
        view[i] = (struct self_view){ 0 };
        for (unsigned j = 0; j < sizeof stacks[i]; j += 4096)
            stacks[i][j] = 0;                   /* mapped here before use */
    }
    tsup_stray.n = 0;
}

/* ---- rule 1: the caller's space must be privileged ------------------------ */

static volatile L4_Word_t un_res[6], un_err[6], un_pager_after, un_pager_before;
static volatile L4_Word_t un_victim, un_new;

static void unprivileged(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t self = L4_MyGlobalId(), victim = { .raw = un_victim },
                  fresh = { .raw = un_new };
    un_pager_before = L4_Pager().raw;
    /* create, delete, modify, and forms that later rules would refuse
     * with other codes: privilege is checked first */
    un_res[0] = tc(fresh, self, self, NIL, ~0UL);
    un_err[0] = L4_ErrorCode();
    un_res[1] = del(victim);
    un_err[1] = L4_ErrorCode();
    un_res[2] = tc(self, self, NIL, victim, ~0UL);
    un_err[2] = L4_ErrorCode();
    un_res[3] = tc(L4_MyLocalId(), self, NIL, NIL, ~0UL);         /* rule 2 */
    un_err[3] = L4_ErrorCode();
    un_res[4] = tc(L4_GlobalId(system_base(), 1), self, self, NIL, ~0UL);  /* rule 4 */
    un_err[4] = L4_ErrorCode();
    un_res[5] = del(self);                                          /* rule 5 */
    un_err[5] = L4_ErrorCode();
    un_pager_after = L4_Pager().raw;
}

TEST(threadctl, rule1_unprivileged_caller_gets_no_privilege)
{
    L4_ThreadId_t victim = tsup_thread(tsup_fn_sleeper, 0), fresh = tsup_new_id();
    un_victim = victim.raw;
    un_new = fresh.raw;
    for (int i = 0; i < 6; i++)
        un_res[i] = un_err[i] = 99;
    L4_ThreadId_t u = tsup_space(unprivileged, 0);
    int joined = tsup_join(u, 2000);
    L4_Word_t victim_state = state(victim), fresh_state = state(fresh);
    L4_Word_t fresh_err = L4_ErrorCode();
    tsup_kill(u);
    tsup_kill(victim);
    del(fresh);
    EXPECT(joined);
    for (int i = 0; i < 6; i++) {
        EXPECT_EQ(un_res[i], 0);
        EXPECT_EQ(un_err[i], L4_ErrNoPrivilege);
    }
    EXPECT_NE(victim_state, 0);                     /* not deleted */
    EXPECT_EQ(fresh_state, 0);                      /* not created */
    EXPECT_EQ(fresh_err, L4_ErrInvalidThread);
    EXPECT_EQ(un_pager_after, un_pager_before);     /* not modified */
}

/* ---- rule 2: dest must be a global id -------------------------------------- */

TEST(threadctl, rule2_local_dest_is_invalid_space)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    int blocked = tsup_wait_blocked(t);
    L4_ThreadId_t t_local = L4_LocalIdOf(t);
    L4_Word_t r_mod = tc(t_local, me(), NIL, me(), ~0UL);
    L4_Word_t e_mod = L4_ErrorCode();
    L4_Word_t r_del = del(t_local);                 /* the delete form as well */
    L4_Word_t e_del = L4_ErrorCode();
    L4_Word_t r_self = del(L4_MyLocalId());         /* before rule 5's "self" */
    L4_Word_t e_self = L4_ErrorCode();
    L4_Word_t r_nil = tc(NIL, me(), me(), NIL, ~0UL);      /* nil counts as local */
    L4_Word_t e_nil = L4_ErrorCode();
    L4_Word_t r_anyl = tc(L4_anylocalthread, me(), me(), NIL, ~0UL);
    L4_Word_t e_anyl = L4_ErrorCode();
    L4_Word_t t_state = state(t);
    L4_ThreadId_t t_pager = L4_PagerOf(t);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_NE(t_local.raw, 0);
    EXPECT_EQ(r_mod, 0);
    EXPECT_EQ(e_mod, L4_ErrInvalidSpace);
    EXPECT_EQ(r_del, 0);
    EXPECT_EQ(e_del, L4_ErrInvalidSpace);
    EXPECT_EQ(r_self, 0);
    EXPECT_EQ(e_self, L4_ErrInvalidSpace);
    EXPECT_EQ(r_nil, 0);
    EXPECT_EQ(e_nil, L4_ErrInvalidSpace);
    EXPECT_EQ(r_anyl, 0);
    EXPECT_EQ(e_anyl, L4_ErrInvalidSpace);
    EXPECT_EQ(t_state, L4_SCHEDRESULT_WAITING);     /* neither deleted nor changed */
    EXPECT_EQ(t_pager.raw, tsup_pager().raw);
}

/* ---- rule 3: numbers below SystemBase are interrupt threads (spec 7) ------- */

#define IRQ_LINE 6                  /* not used by the irq group; nothing drives it */

TEST(threadctl, rule3_interrupt_threads_are_associated)
{
    L4_ThreadId_t irq = L4_GlobalId(IRQ_LINE, 1), nobody = tsup_new_id();
    EXPECT(IRQ_LINE < system_base());
    L4_Word_t r_nobody = tc(irq, irq, NIL, nobody, ~0UL);  /* no such handler */
    L4_Word_t e_nobody = L4_ErrorCode();
    L4_Word_t r_nil = tc(irq, NIL, NIL, NIL, ~0UL);        /* the delete form: */
    L4_Word_t e_nil = L4_ErrorCode();                      /* handler nil, not a deletion */
    L4_Word_t r_ver = tc(L4_GlobalId(IRQ_LINE, 2), L4_GlobalId(IRQ_LINE, 2), NIL, me(), ~0UL);
    L4_Word_t e_ver = L4_ErrorCode();                      /* version must be 1 */
    L4_Word_t r_attach = tc(irq, irq, NIL, me(), ~0UL);
    L4_Word_t s_attached = state(irq);
    L4_Word_t r_detach = tc(irq, irq, NIL, irq, ~0UL);
    EXPECT_EQ(r_nobody, 0);
    EXPECT_EQ(e_nobody, L4_ErrInvalidThread);
    EXPECT_EQ(r_nil, 0);
    EXPECT_EQ(e_nil, L4_ErrInvalidThread);
    EXPECT_EQ(r_ver, 0);
    EXPECT_EQ(e_ver, L4_ErrInvalidThread);
    EXPECT_EQ(r_attach, 1);
    EXPECT_EQ(s_attached, L4_SCHEDRESULT_INACTIVE);        /* waits for its line */
    EXPECT_EQ(r_detach, 1);
}

/* ---- rule 4: numbers in [SystemBase, UserBase) are kernel threads ---------- */

TEST(threadctl, rule4_kernel_thread_numbers_are_invalid_thread)
{
    L4_Word_t nums[3] = { system_base(), system_base() + 1, user_base() - 1 };
    for (int i = 0; i < 3; i++) {
        L4_ThreadId_t k = L4_GlobalId(nums[i], 1);
        EXPECT_EQ(tc(k, me(), me(), NIL, ~0UL), 0);              /* create */
        EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
        EXPECT_EQ(tc(k, k, me(), NIL, ~0UL), 0);                 /* create a space */
        EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
        EXPECT_EQ(del(k), 0);                                    /* delete */
        EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
        EXPECT_EQ(tc(k, me(), NIL, me(), ~0UL), 0);              /* modify */
        EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    }
}

/* ---- rule 5: deletion ------------------------------------------------------- */

TEST(threadctl, rule5_deleting_oneself_is_invalid_thread)
{
    EXPECT_EQ(del(me()), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    /* deletion is keyed by the thread number: another version of our own
     * number still names us */
    EXPECT_EQ(del(other_version(me(), L4_Version(me()) + 1)), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    EXPECT_EQ(state(me()), L4_SCHEDRESULT_RUNNING);
}

TEST(threadctl, rule5_deleting_a_nonexistent_thread_succeeds)
{
    L4_ThreadId_t nobody = tsup_new_id();
    EXPECT_EQ(del(nobody), 1);
    EXPECT_EQ(del(nobody), 1);
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    L4_Word_t first = del(t), second = del(t);               /* twice */
    L4_Word_t after = state(t);
    tsup_kill(t);
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 1);
    EXPECT_EQ(after, 0);
}

TEST(threadctl, rule5_deletion_ignores_the_version)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    L4_Word_t r = del(other_version(t, L4_Version(t) + 5));
    L4_Word_t after = state(t);
    L4_Word_t err = L4_ErrorCode();
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_ZeroTime);
    L4_Word_t send_err = L4_ErrorCode();
    tsup_kill(t);
    EXPECT_EQ(r, 1);
    EXPECT_EQ(after, 0);                            /* t is gone */
    EXPECT_EQ(err, L4_ErrInvalidThread);
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(send_err, 2 << 1);                    /* non-existing partner, send phase */
}

/* A deleted sender's message never arrives; sending to a deleted receiver
 * fails; a thread queued to send to a deleted thread resumes with an error. */
static volatile int snd_ready, snd_done;
static volatile L4_Word_t snd_tag, snd_err;

static void send_to(L4_Word_t to)
{
    L4_Word_t w[1] = { 0xABCD };
    tsup_load(0x1234, 1, w);
    snd_ready = 1;
    L4_MsgTag_t tag = L4_Send((L4_ThreadId_t){ .raw = to });
    snd_tag = tag.raw;
    snd_err = L4_ErrorCode();
    snd_done = 1;
}

static volatile int rcv_ready;
static void receive_from(L4_Word_t from)
{
    rcv_ready = 1;
    L4_Receive((L4_ThreadId_t){ .raw = from });
}

TEST(threadctl, rule5_deleting_a_pending_sender_withdraws_its_message)
{
    snd_ready = snd_done = 0;
    L4_ThreadId_t s = tsup_thread(send_to, me().raw);
    int blocked = blocked_after(&snd_ready, s);
    L4_Word_t before = state(s);
    L4_Word_t r = del(s);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_ZeroTime, &from);
    L4_Word_t err = L4_ErrorCode();
    tsup_kill(s);
    EXPECT(blocked);
    EXPECT_EQ(before, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(r, 1);
    EXPECT(L4_IpcFailed(tag));                      /* nobody sends any more */
    EXPECT_EQ(err, 1 << 1 | 1);                     /* receive timeout */
}

TEST(threadctl, rule5_deleting_a_thread_blocked_in_a_receive)
{
    rcv_ready = 0;
    snd_ready = snd_done = 0;
    snd_tag = snd_err = 0;
    L4_ThreadId_t r = tsup_thread(receive_from, me().raw);    /* waits for us only */
    int r_blocked = blocked_after(&rcv_ready, r);
    L4_ThreadId_t s = tsup_thread(send_to, r.raw);            /* queued at r */
    int s_blocked = blocked_after(&snd_ready, s);
    L4_Word_t s_before = state(s);
    L4_Word_t res = del(r);
    int s_resumed = tsup_join(s, 1000);
    L4_MsgTag_t tag = L4_Send_Timeout(r, L4_ZeroTime);
    L4_Word_t err = L4_ErrorCode();
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(r_blocked);
    EXPECT(s_blocked);
    EXPECT_EQ(s_before, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(res, 1);
    EXPECT(s_resumed);                              /* the queued sender is released */
    EXPECT(L4_IpcFailed((L4_MsgTag_t){ .raw = snd_tag }));
    EXPECT_EQ(snd_err & 1, 0);                      /* in its send phase */
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(err, 2 << 1);                         /* r no longer exists */
}

/* Deleting one thread of a space leaves the space and its other threads. */
static volatile L4_Word_t ticks_of_survivor;
static void ticking(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        ticks_of_survivor++;
        tsup_sleep_ms(1);
    }
}

TEST(threadctl, rule5_deleting_one_thread_keeps_its_space)
{
    ticks_of_survivor = 0;
    L4_ThreadId_t a = tsup_space(tsup_fn_sleeper, 0);
    L4_ThreadId_t b = tsup_space_thread(a, ticking, 0);
    tsup_sleep_ms(5);
    tsup_kill(a);
    L4_Word_t t0 = ticks_of_survivor;
    tsup_sleep_ms(10);
    L4_Word_t t1 = ticks_of_survivor;
    /* the space still exists: b names it */
    L4_ThreadId_t c = tsup_new_id();
    L4_Word_t r = tc(c, b, me(), NIL, ~0UL);
    del(c);
    tsup_kill(b);
    EXPECT(t1 > t0);
    EXPECT_EQ(r, 1);
}

/* ---- rule 6: modification ------------------------------------------------------ */

TEST(threadctl, rule6_utcb_of_an_active_thread_is_refused)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    int blocked = tsup_wait_blocked(t);
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r = tc(t, me(), NIL, NIL, loc);
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t s = state(t);
    tsup_utcb_free(loc);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(err, L4_ErrUtcbArea);
    EXPECT_EQ(s, L4_SCHEDRESULT_WAITING);           /* unchanged */
}

TEST(threadctl, rule6_invalid_utcb_location_of_an_inactive_thread)
{
    L4_ThreadId_t id = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r_new = tc(id, me(), me(), NIL, ~0UL);          /* inactive, our space */
    L4_Word_t r_mis = tc(id, me(), NIL, NIL, loc + 0x200);    /* misaligned */
    L4_Word_t e_mis = L4_ErrorCode();
    L4_Word_t r_out = tc(id, me(), NIL, NIL, 0x12340000);     /* outside the area */
    L4_Word_t e_out = L4_ErrorCode();
    L4_Word_t r_end = tc(id, me(), NIL, NIL, ROOT_UTCB + 0x40000);   /* just past it */
    L4_Word_t e_end = L4_ErrorCode();
    L4_Word_t r_ok = tc(id, me(), NIL, NIL, loc);
    L4_Word_t s_ok = state(id);
    L4_Word_t r_act = tc(id, me(), NIL, me(), ~0UL);          /* activates at loc */
    L4_Word_t s_act = state(id);
    L4_ThreadId_t local = L4_LocalIdOf(id);
    del(id);
    tsup_utcb_free(loc);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(r_mis, 0);
    EXPECT_EQ(e_mis, L4_ErrUtcbArea);
    EXPECT_EQ(r_out, 0);
    EXPECT_EQ(e_out, L4_ErrUtcbArea);
    EXPECT_EQ(r_end, 0);
    EXPECT_EQ(e_end, L4_ErrUtcbArea);
    EXPECT_EQ(r_ok, 1);
    EXPECT_EQ(s_ok, L4_SCHEDRESULT_DEAD);            /* still inactive */
    EXPECT_EQ(r_act, 1);
    EXPECT_EQ(s_act, L4_SCHEDRESULT_WAITING);        /* waits for its start message */
    EXPECT_EQ(local.raw, loc + 0x200);
}

/* Within rule 6 the UtcbLocation comes before the SpaceSpecifier. */
TEST(threadctl, rule6_utcb_is_checked_before_the_space_specifier)
{
    L4_ThreadId_t id = tsup_new_id(), nobody = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r_new = tc(id, me(), me(), NIL, ~0UL);
    L4_Word_t r = tc(id, nobody, NIL, NIL, loc + 0x200);
    L4_Word_t err = L4_ErrorCode();
    del(id);
    tsup_utcb_free(loc);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(err, L4_ErrUtcbArea);
}

TEST(threadctl, rule6_utcb_location_in_an_uninitialised_space_is_refused)
{
    L4_ThreadId_t x = tsup_new_id();
    L4_Word_t r_new = tc(x, x, me(), NIL, ~0UL);
    L4_Word_t r = tc(x, x, NIL, NIL, TSUP_UTCB_AREA);         /* no UTCB area yet */
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t r_act = tc(x, x, NIL, me(), ~0UL);              /* nor a location */
    L4_Word_t e_act = L4_ErrorCode();
    del(x);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(err, L4_ErrUtcbArea);
    EXPECT_EQ(r_act, 0);
    EXPECT_EQ(e_act, L4_ErrUtcbArea);
}

TEST(threadctl, rule6_unknown_space_specifier_is_invalid_space)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0), nobody = tsup_new_id();
    L4_Word_t r_fresh = tc(t, nobody, NIL, me(), ~0UL);
    L4_Word_t e_fresh = L4_ErrorCode();
    L4_Word_t r_ver = tc(t, other_version(me(), L4_Version(me()) + 1), NIL, me(), ~0UL);
    L4_Word_t e_ver = L4_ErrorCode();                         /* exact global ids only */
    L4_Word_t r_loc = tc(t, (L4_ThreadId_t){ .raw = ROOT_UTCB + 0x3F000 + 0x200 }, NIL, me(),
                         ~0UL);                               /* an unused UTCB slot */
    L4_Word_t e_loc = L4_ErrorCode();
    L4_ThreadId_t pager = L4_PagerOf(t);
    tsup_kill(t);
    EXPECT_EQ(r_fresh, 0);
    EXPECT_EQ(e_fresh, L4_ErrInvalidSpace);
    EXPECT_EQ(r_ver, 0);
    EXPECT_EQ(e_ver, L4_ErrInvalidSpace);
    EXPECT_EQ(r_loc, 0);
    EXPECT_EQ(e_loc, L4_ErrInvalidSpace);
    EXPECT_EQ(pager.raw, tsup_pager().raw);                   /* nothing was set */
}

/* An active thread moves only into an initialised space (error 6). */
TEST(threadctl, rule6_active_thread_does_not_move_to_an_uninitialised_space)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0), x = tsup_new_id();
    L4_Word_t r_x = tc(x, x, me(), NIL, ~0UL);
    L4_Word_t r = tc(t, x, NIL, NIL, ~0UL);
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t ctl;
    L4_ThreadId_t local = __L4_ExReg(t, 0, 0, 0, 0, 0, NIL, &ctl);   /* still ours */
    tsup_kill(t);
    del(x);
    EXPECT_EQ(r_x, 1);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(err, L4_ErrUtcbArea);
    EXPECT_NE(local.raw, 0);
}

/* Setting the pager of an active thread: its Pager TCR changes, nothing else. */
static volatile L4_Word_t pg_seen, pg_loops, pg_handle;
static volatile int pg_stop;
static void watch_pager(L4_Word_t unused)
{
    (void)unused;
    while (!pg_stop) {
        pg_seen = L4_Pager().raw;
        pg_handle = L4_UserDefinedHandle();
        pg_loops++;
        tsup_sleep_ms(1);
    }
}

TEST(threadctl, rule6_pager_of_an_active_thread_is_set)
{
    pg_seen = pg_loops = pg_handle = 0;
    pg_stop = 0;
    L4_ThreadId_t t = tsup_thread(watch_pager, 0), p = tsup_new_id();
    L4_Set_UserDefinedHandleOf(t, 0x7777);
    tsup_sleep_ms(5);
    L4_Word_t seen_before = pg_seen;
    L4_Word_t r = tc(t, me(), NIL, p, ~0UL);
    tsup_sleep_ms(5);
    L4_Word_t loops = pg_loops;
    tsup_sleep_ms(5);
    L4_Word_t seen_after = pg_seen, loops_after = pg_loops, handle = pg_handle;
    L4_ThreadId_t exreg_pager = L4_PagerOf(t);
    pg_stop = 1;
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(seen_before, tsup_pager().raw);
    EXPECT_EQ(r, 1);
    EXPECT_EQ(seen_after, p.raw);                   /* in its own Pager TCR */
    EXPECT_EQ(exreg_pager.raw, p.raw);
    EXPECT(loops_after > loops);                    /* it runs on: no new activation */
    EXPECT_EQ(handle, 0x7777);                      /* its UTCB was not reset */
}

/* Setting the pager of an inactive thread activates it at its recorded UTCB. */
TEST(threadctl, rule6_pager_activates_an_inactive_thread)
{
    clear_views();
    L4_ThreadId_t id = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r_new = tc(id, me(), me(), NIL, loc);            /* inactive, location given */
    L4_Word_t s_new = state(id);
    L4_Word_t ctl;
    L4_Word_t x_new = __L4_ExReg(id, 0, 0, 0, 0, 0, NIL, &ctl).raw;   /* not activated */
    L4_Word_t x_err = L4_ErrorCode();
    L4_Word_t r_act = tc(id, me(), NIL, me(), ~0UL);
    L4_Word_t s_act = state(id);
    L4_MsgTag_t tag = tsup_send_start(id, look0, stack_top(0));
    for (int i = 0; i < 1000 && !view[0].done; i++)
        tsup_sleep_ms(1);
    del(id);
    tsup_utcb_free(loc);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(s_new, L4_SCHEDRESULT_DEAD);
    EXPECT_EQ(x_new, 0);
    EXPECT_EQ(x_err, L4_ErrInvalidThread);
    EXPECT_EQ(r_act, 1);
    EXPECT_EQ(s_act, L4_SCHEDRESULT_WAITING);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(view[0].done);
    EXPECT_EQ(view[0].gid, id.raw);
    EXPECT_EQ(view[0].lid, loc + 0x200);
    EXPECT_EQ(view[0].pager, me().raw);
}

/* A new version changes the thread's global id: the old id names nothing. */
static void echo_own_id(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t w[1] = { L4_MyGlobalId().raw };
        tsup_load(0, 1, w);
        tag = L4_ReplyWait(from, &from);
    }
}

TEST(threadctl, rule6_new_version_changes_the_global_id)
{
    L4_ThreadId_t t = tsup_thread(echo_own_id, 0);
    L4_ThreadId_t v2 = other_version(t, L4_Version(t) + 7);
    L4_ThreadId_t local = L4_LocalIdOf(t);
    tsup_load(0, 0, 0);
    L4_MsgTag_t a = L4_Call(t);
    L4_Word_t a_id = __L4_Utcb()[1];
    L4_Word_t r = tc(v2, me(), NIL, NIL, ~0UL);
    tsup_load(0, 0, 0);
    L4_MsgTag_t b = L4_Call_Timeouts(t, L4_ZeroTime, L4_ZeroTime);    /* the old id */
    L4_Word_t b_err = L4_ErrorCode();
    tsup_load(0, 0, 0);
    L4_MsgTag_t c = L4_Call(v2);
    L4_Word_t c_id = __L4_Utcb()[1];
    L4_Word_t s_old = state(t), s_new = state(v2);
    L4_ThreadId_t local2 = L4_LocalIdOf(v2);
    L4_ThreadId_t global_of_local = L4_GlobalIdOf(local);
    tsup_kill(t);                                  /* (by number) */
    EXPECT(L4_IpcSucceeded(a));
    EXPECT_EQ(a_id, t.raw);
    EXPECT_EQ(r, 1);
    EXPECT(L4_IpcFailed(b));
    EXPECT_EQ(b_err, 2 << 1);                      /* non-existing partner */
    EXPECT(L4_IpcSucceeded(c));
    EXPECT_EQ(c_id, v2.raw);                       /* its MyGlobalId TCR */
    EXPECT_EQ(s_old, 0);
    EXPECT_EQ(s_new, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(local2.raw, local.raw);              /* the local id stays */
    EXPECT_EQ(global_of_local.raw, v2.raw);
}

/* ---- rule 7: creation ------------------------------------------------------------ */

TEST(threadctl, rule7_create_without_scheduler_is_invalid_thread)
{
    L4_ThreadId_t id = tsup_new_id(), nobody = tsup_new_id();
    EXPECT_EQ(tc(id, me(), NIL, NIL, ~0UL), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    EXPECT_EQ(tc(id, id, NIL, NIL, ~0UL), 0);                  /* new space */
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    EXPECT_EQ(tc(id, nobody, NIL, NIL, ~0UL), 0);              /* before the space check */
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    EXPECT_EQ(tc(id, me(), NIL, me(), 0x12340000), 0);         /* before the UTCB check */
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    EXPECT_EQ(state(id), 0);                                   /* nothing created */
}

TEST(threadctl, rule7_unknown_space_specifier_is_invalid_space)
{
    L4_ThreadId_t id = tsup_new_id(), nobody = tsup_new_id();
    EXPECT_EQ(tc(id, nobody, me(), NIL, ~0UL), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    EXPECT_EQ(tc(id, other_version(me(), L4_Version(me()) + 1), me(), NIL, ~0UL), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    EXPECT_EQ(tc(id, (L4_ThreadId_t){ .raw = ROOT_UTCB + 0x3F000 + 0x200 }, me(), NIL, ~0UL), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    EXPECT_EQ(tc(id, nobody, me(), me(), ~0UL), 0);            /* before the UTCB check */
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    EXPECT_EQ(state(id), 0);
}

TEST(threadctl, rule7_create_active_in_a_new_space_is_invalid_space)
{
    L4_ThreadId_t id = tsup_new_id();
    EXPECT_EQ(tc(id, id, me(), me(), TSUP_UTCB_AREA), 0);
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    EXPECT_EQ(tc(id, id, me(), me(), ~0UL), 0);                /* before the UTCB check */
    EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    EXPECT_EQ(state(id), 0);
}

TEST(threadctl, rule7_create_active_in_an_uninitialised_space_is_invalid_space)
{
    L4_ThreadId_t x = tsup_new_id(), y = tsup_new_id(), z = tsup_new_id();
    L4_Word_t old;
    L4_Word_t r_x = tc(x, x, me(), NIL, ~0UL);
    L4_Word_t r_y = tc(y, x, me(), me(), TSUP_UTCB_AREA + 0x400);
    L4_Word_t e_y = L4_ErrorCode();
    L4_Word_t s_y = state(y);
    L4_Word_t r_sc = L4_SpaceControl(x, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                                     L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), NIL, &old);
    L4_Word_t r_z = tc(z, x, me(), me(), TSUP_UTCB_AREA + 0x400);   /* now it may */
    L4_Word_t s_z = state(z);
    del(z);
    del(y);
    del(x);
    EXPECT_EQ(r_x, 1);
    EXPECT_EQ(r_y, 0);
    EXPECT_EQ(e_y, L4_ErrInvalidSpace);
    EXPECT_EQ(s_y, 0);
    EXPECT_EQ(r_sc, 1);
    EXPECT_EQ(r_z, 1);
    EXPECT_EQ(s_z, L4_SCHEDRESULT_WAITING);
}

TEST(threadctl, rule7_create_active_with_invalid_utcb)
{
    L4_ThreadId_t id = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t bad[4] = { ~0UL, loc + 0x100, 0x12340000, ROOT_UTCB + 0x40000 };
    L4_Word_t r[4], e[4];
    for (int i = 0; i < 4; i++) {
        r[i] = tc(id, me(), me(), me(), bad[i]);
        e[i] = L4_ErrorCode();
    }
    L4_Word_t s = state(id);
    tsup_utcb_free(loc);
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(r[i], 0);
        EXPECT_EQ(e[i], L4_ErrUtcbArea);
    }
    EXPECT_EQ(s, 0);
}

/* A created thread gets the default time slice, 10 ms, and no quantum
 * limit (spec 4.7, 4.9); its priority, 100, is checked in the sched group. */
TEST(threadctl, rule7_created_thread_gets_the_default_time_slice)
{
    L4_ThreadId_t id = tsup_new_id(), sp = tsup_new_id();
    L4_Word_t r1 = tc(id, me(), me(), NIL, ~0UL), r2 = tc(sp, sp, me(), NIL, ~0UL);
    L4_Word_t o1, o2;
    L4_Schedule(id, ~0UL, ~0UL, ~0UL, ~0UL, &o1);
    L4_Schedule(sp, ~0UL, ~0UL, ~0UL, ~0UL, &o2);
    del(id);
    del(sp);
    EXPECT_EQ(r1, 1);
    EXPECT_EQ(r2, 1);
    EXPECT_EQ(o1, (L4_Word_t)(4 << 10 | 625) << 16);
    EXPECT_EQ(o2, (L4_Word_t)(4 << 10 | 625) << 16);
}

/* An inactive thread's UTCB location is recorded without a check; the
 * check comes when a pager activates it. */
TEST(threadctl, rule7_inactive_creation_records_the_utcb_unchecked)
{
    L4_ThreadId_t id = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r_new = tc(id, me(), me(), NIL, loc + 0x123);
    L4_Word_t r_act = tc(id, me(), NIL, me(), ~0UL);
    L4_Word_t e_act = L4_ErrorCode();
    L4_Word_t s_bad = state(id);
    L4_Word_t r_fix = tc(id, me(), NIL, me(), loc);
    L4_Word_t s_fix = state(id);
    del(id);
    tsup_utcb_free(loc);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(r_act, 0);
    EXPECT_EQ(e_act, L4_ErrUtcbArea);
    EXPECT_EQ(s_bad, L4_SCHEDRESULT_DEAD);
    EXPECT_EQ(r_fix, 1);
    EXPECT_EQ(s_fix, L4_SCHEDRESULT_WAITING);
}

/* ---- the start message and the TCRs of an activated thread -------------------- */

/* While it waits for its start message, a thread accepts nothing from
 * anybody but its pager. */
static volatile L4_Word_t intr_tag, intr_err;
static volatile int intr_done;
static void intrude(L4_Word_t target)
{
    L4_Word_t w[2] = { 1, 2 };
    tsup_load(0, 2, w);
    intr_tag = L4_Send_Timeout((L4_ThreadId_t){ .raw = target }, L4_ZeroTime).raw;
    intr_err = L4_ErrorCode();
    intr_done = 1;
}

TEST(threadctl, start_message_sets_ip_and_sp)
{
    clear_views();
    intr_done = 0;
    L4_ThreadId_t id = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r = tc(id, me(), me(), me(), loc);
    L4_ThreadId_t h = tsup_thread(intrude, id.raw);
    int h_done = tsup_join(h, 1000);
    L4_Word_t s_wait = state(id);
    L4_MsgTag_t tag = tsup_send_start(id, look1, stack_top(1));
    for (int i = 0; i < 1000 && !view[1].done; i++)
        tsup_sleep_ms(1);
    del(id);
    tsup_kill(h);
    tsup_utcb_free(loc);
    EXPECT_EQ(r, 1);
    EXPECT(h_done);
    EXPECT(L4_IpcFailed((L4_MsgTag_t){ .raw = intr_tag }));
    EXPECT_EQ(intr_err, 1 << 1);                    /* send timeout: not waiting for it */
    EXPECT_EQ(s_wait, L4_SCHEDRESULT_WAITING);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(view[1].done);                           /* ran at IP = MR1 */
    EXPECT(view[1].sp > (L4_Word_t)stacks[1] && view[1].sp < stack_top(1));   /* SP = MR2 */
    EXPECT_EQ(view[1].gid, id.raw);
    EXPECT_EQ(view[1].lid, loc + 0x200);
    EXPECT_EQ(view[1].pager, me().raw);
    EXPECT_EQ(view[1].handler, 0);
    EXPECT_EQ(view[1].procno, 0);
}

/* The order clients use (spec 4.8): create an inactive thread, which makes
 * a new space; initialise the space; activate with a pager; the pager's
 * start message lets it run. A second thread can then be created active. */
TEST(threadctl, standard_order_create_spacecontrol_activate_start)
{
    clear_views();
    L4_ThreadId_t a = tsup_new_id(), b = tsup_new_id();
    L4_Word_t old = 99;
    L4_Word_t r_new = tc(a, a, me(), NIL, ~0UL);
    L4_Word_t s_new = state(a);
    L4_Word_t r_sc = L4_SpaceControl(a, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                                     L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), NIL, &old);
    L4_Word_t r_act = tc(a, a, NIL, me(), TSUP_UTCB_AREA + 0x400);
    L4_Word_t s_act = state(a);
    L4_MsgTag_t t_a = tsup_send_start(a, look0, stack_top(0));
    tsup_serve_faults(&view[0].done, 0, 2000);
    L4_Word_t r_b = tc(b, a, me(), me(), TSUP_UTCB_AREA + 0x800);
    L4_MsgTag_t t_b = tsup_send_start(b, look2, stack_top(2));
    tsup_serve_faults(&view[2].done, 0, 2000);
    del(b);
    del(a);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(s_new, L4_SCHEDRESULT_DEAD);
    EXPECT_EQ(r_sc, 1);
    EXPECT_EQ(old, 0);
    EXPECT_EQ(r_act, 1);
    EXPECT_EQ(s_act, L4_SCHEDRESULT_WAITING);
    EXPECT(L4_IpcSucceeded(t_a));
    EXPECT(view[0].done);
    EXPECT_EQ(tsup_stray.n, 0);                          /* only faults in the image */
    EXPECT_EQ(view[0].gid, a.raw);
    EXPECT_EQ(view[0].lid, TSUP_UTCB_AREA + 0x400 + 0x200);
    EXPECT_EQ(view[0].pager, me().raw);
    EXPECT_EQ(view[0].handler, 0);
    EXPECT_EQ(view[0].handle, 0);
    EXPECT_EQ(view[0].procno, 0);
    EXPECT_EQ(view[0].kip, TSUP_KIP_AREA);
    EXPECT(view[0].sp > (L4_Word_t)stacks[0] && view[0].sp < stack_top(0));
    EXPECT_EQ(r_b, 1);
    EXPECT(L4_IpcSucceeded(t_b));
    EXPECT(view[2].done);
    EXPECT_EQ(view[2].gid, b.raw);
    EXPECT_EQ(view[2].lid, TSUP_UTCB_AREA + 0x800 + 0x200);
}

/* An inactive thread moves to another space when the SpaceSpecifier names
 * one; its first space, now empty, goes away. */
TEST(threadctl, inactive_thread_moves_to_another_space)
{
    clear_views();
    L4_ThreadId_t x = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    L4_Word_t r_new = tc(x, x, me(), NIL, ~0UL);               /* its own new space */
    L4_Word_t r_move = tc(x, me(), NIL, NIL, ~0UL);            /* into ours */
    L4_Word_t r_act = tc(x, me(), NIL, me(), loc);
    L4_MsgTag_t tag = tsup_send_start(x, look0, stack_top(0));
    for (int i = 0; i < 1000 && !view[0].done; i++)
        tsup_sleep_ms(1);
    del(x);
    tsup_utcb_free(loc);
    EXPECT_EQ(r_new, 1);
    EXPECT_EQ(r_move, 1);
    EXPECT_EQ(r_act, 1);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(view[0].done);           /* runs in our space: nobody serves faults meanwhile */
    EXPECT_EQ(view[0].gid, x.raw);
    EXPECT_EQ(view[0].lid, loc + 0x200);
}

/* ---- ids used again (pingpong, spec 13) ----------------------------------------- */

/* pingpong builds its two spaces from version-2 ids and deletes both
 * threads - and with them the spaces - after each run, then builds them
 * again from the same ids. Each round here the new pair exchanges a call,
 * and after the deletion the ids name nothing. */
#define PP_ROUNDS 3
static volatile L4_Word_t pp_pong, pp_reply[PP_ROUNDS], pp_from[PP_ROUNDS], pp_self[PP_ROUNDS];

static void pp_answer(L4_Word_t round)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    pp_from[round] = from.raw;
    __L4_Utcb()[0] = (L4_Label(tag) + 1) << 16;
    L4_Reply(from);
}

static void pp_call(L4_Word_t round)
{
    pp_self[round] = L4_MyGlobalId().raw;
    __L4_Utcb()[0] = (0x900 + round) << 16;
    pp_reply[round] = L4_Call((L4_ThreadId_t){ .raw = pp_pong }).raw;
}

TEST(threadctl, version_2_ids_serve_again_after_their_spaces_were_deleted)
{
    L4_ThreadId_t ping = L4_GlobalId(L4_ThreadNo(tsup_new_id()), 2);
    L4_ThreadId_t pong = L4_GlobalId(L4_ThreadNo(tsup_new_id()), 2);
    int joined[PP_ROUNDS];
    L4_Word_t ping_gone[PP_ROUNDS], pong_gone[PP_ROUNDS], err[PP_ROUNDS];
    pp_pong = pong.raw;
    for (int r = 0; r < PP_ROUNDS; r++) {
        pp_reply[r] = pp_from[r] = pp_self[r] = 0;
        tsup_space_as(pong, pp_answer, (L4_Word_t)r);
        tsup_space_as(ping, pp_call, (L4_Word_t)r);
        joined[r] = tsup_join(ping, 2000) && tsup_join(pong, 2000);
        tsup_kill(ping);
        tsup_kill(pong);
        ping_gone[r] = state(ping);
        err[r] = L4_ErrorCode();
        pong_gone[r] = state(pong);
    }
    for (int r = 0; r < PP_ROUNDS; r++) {
        EXPECT(joined[r]);
        EXPECT_EQ(pp_self[r], ping.raw);
        EXPECT_EQ(pp_from[r], ping.raw);                /* another space: the global id */
        EXPECT_EQ(pp_reply[r], (L4_Word_t)(0x901 + r) << 16);
        EXPECT_EQ(ping_gone[r], 0);
        EXPECT_EQ(err[r], L4_ErrInvalidThread);
        EXPECT_EQ(pong_gone[r], 0);
    }
}
