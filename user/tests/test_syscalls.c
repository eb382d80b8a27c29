/* ThreadControl, SpaceControl, ExchangeRegisters, Schedule, ThreadSwitch,
 * SystemClock, ProcessorControl and MemoryControl (spec 4.6-4.14): their
 * control bits, results and error codes (spec 2.9.2). */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define NOT_UTCB ((void *)~0UL)

static L4_Word_t tc(L4_ThreadId_t dest, L4_ThreadId_t space, L4_ThreadId_t sched,
                    L4_ThreadId_t pager, void *utcb)
{
    return L4_ThreadControl(dest, space, sched, pager, utcb);
}

static L4_Word_t sc(L4_ThreadId_t space, L4_Fpage_t kip, L4_Fpage_t utcb, L4_Word_t *old)
{
    return L4_SpaceControl(space, 0, kip, utcb, L4_nilthread, old);
}

/* ---- ThreadControl (4.7) ------------------------------------------------- */

/* Runs in a new (unprivileged) space: tries the privileged calls. */
static volatile L4_Word_t un_tc, un_tc_err, un_sc, un_sc_err;
static void unprivileged(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t me = L4_MyGlobalId(), other = { .raw = me.raw + (1UL << 32) };
    L4_Word_t old;
    un_tc = tc(other, me, me, L4_nilthread, NOT_UTCB);
    un_tc_err = L4_ErrorCode();
    un_sc = sc(me, L4_Nilpage, L4_Nilpage, &old);
    un_sc_err = L4_ErrorCode();
}

TEST(syscalls, privileged_calls_refused_elsewhere)
{
    un_tc = un_sc = 99;
    L4_ThreadId_t t = tsup_space(unprivileged, 0);
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(un_tc, 0);
    EXPECT_EQ(un_tc_err, 1);                         /* no privilege */
    EXPECT_EQ(un_sc, 0);
    EXPECT_EQ(un_sc_err, 1);
}

TEST(syscalls, threadcontrol_errors)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id(), nobody = tsup_new_id();
    EXPECT_EQ(tc(L4_LocalIdOf(me), me, me, L4_nilthread, NOT_UTCB), 0);   /* not global */
    EXPECT_EQ(L4_ErrorCode(), 3);
    EXPECT_EQ(tc(L4_GlobalId(20, 1), me, me, L4_nilthread, NOT_UTCB), 0); /* kernel thread */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(tc(me, L4_nilthread, L4_nilthread, L4_nilthread, NOT_UTCB), 0); /* delete self */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(tc(id, me, L4_nilthread, L4_nilthread, NOT_UTCB), 0);     /* no scheduler */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(tc(id, nobody, me, L4_nilthread, NOT_UTCB), 0);           /* unknown space */
    EXPECT_EQ(L4_ErrorCode(), 3);
    EXPECT_EQ(tc(id, id, me, me, (void *)0xA0100000), 0);               /* active, new space */
    EXPECT_EQ(L4_ErrorCode(), 3);
    EXPECT_EQ(tc(id, me, me, me, (void *)0x12340), 0);                  /* UTCB outside area */
    EXPECT_EQ(L4_ErrorCode(), 6);
    /* deleting a thread that does not exist succeeds */
    EXPECT_EQ(tc(nobody, L4_nilthread, L4_nilthread, L4_nilthread, NOT_UTCB), 1);
}

TEST(syscalls, create_inactive_then_areas_then_activate)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    L4_Word_t old;
    EXPECT_EQ(tc(id, id, me, L4_nilthread, NOT_UTCB), 1);      /* new space, inactive */
    EXPECT_EQ(L4_Schedule(id, ~0UL, ~0UL, ~0UL, ~0UL, &old), 1); /* dead: not active */
    EXPECT_EQ(tc(id, id, me, me, (void *)TSUP_UTCB_AREA), 0);  /* space not initialised */
    EXPECT_EQ(L4_ErrorCode(), 6);
    EXPECT_EQ(sc(id, L4_FpageLog2(TSUP_KIP_AREA, 12), L4_FpageLog2(TSUP_UTCB_AREA, 16), &old), 1);
    EXPECT_EQ(old, 0);
    EXPECT_EQ(tc(id, id, me, me, (void *)(TSUP_UTCB_AREA + 100)), 0);  /* misaligned */
    EXPECT_EQ(L4_ErrorCode(), 6);
    EXPECT_EQ(tc(id, id, me, me, (void *)TSUP_UTCB_AREA), 1);
    EXPECT_EQ(L4_Schedule(id, ~0UL, ~0UL, ~0UL, ~0UL, &old), 6); /* waits for its start */
    EXPECT_EQ(tc(id, id, me, me, (void *)TSUP_UTCB_AREA), 0);  /* UTCB of an active thread */
    EXPECT_EQ(L4_ErrorCode(), 6);
    EXPECT_EQ(tc(id, L4_nilthread, L4_nilthread, L4_nilthread, NOT_UTCB), 1);
    EXPECT_EQ(L4_Schedule(id, ~0UL, ~0UL, ~0UL, ~0UL, &old), 0);  /* gone */
    EXPECT_EQ(L4_ErrorCode(), 2);
}

/* The start message: exactly two untyped words give IP and SP. */
static volatile L4_Word_t started_with;
static volatile L4_Word_t seen_global, seen_pager, seen_handler;
static void first_words(void)
{
    seen_global = L4_MyGlobalId().raw;
    seen_pager = L4_Pager().raw;
    seen_handler = L4_ExceptionHandler().raw;
    started_with = 1;
    for (;;)
        L4_Sleep(L4_Never);
}
static uint8_t start_stack[4096] __attribute__((aligned(16)));

TEST(syscalls, start_message_and_initial_tcrs)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    started_with = 0;
    L4_Word_t loc = tsup_utcb_alloc();
    EXPECT_EQ(tc(id, me, me, me, (void *)loc), 1);           /* our space: waits for us */
    __L4_Utcb()[0] = 2;
    __L4_Utcb()[1] = (L4_Word_t)first_words;
    __L4_Utcb()[2] = (L4_Word_t)start_stack + sizeof start_stack - 8;
    L4_MsgTag_t tag = L4_Send(id);
    /* (its first touch of its stack is a page fault: on -smp 4 under load
     * 2 ms were once not enough) */
    for (int ms = 0; ms < 2000 && !started_with && L4_IpcSucceeded(tag); ms++)
        tsup_sleep_ms(1);
    tc(id, L4_nilthread, L4_nilthread, L4_nilthread, NOT_UTCB);
    tsup_utcb_free(loc);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(started_with, 1);
    EXPECT_EQ(seen_global, id.raw);
    EXPECT_EQ(seen_pager, me.raw);
    EXPECT_EQ(seen_handler, 0);
}

TEST(syscalls, modify_pager_and_version)
{
    L4_ThreadId_t me = L4_MyGlobalId(), t = tsup_thread(tsup_fn_sleeper, 0), o = tsup_new_id();
    L4_Word_t ctl, sp, ip, fl, h;
    L4_ThreadId_t pager;
    EXPECT_EQ(tc(t, me, L4_nilthread, o, NOT_UTCB), 1);      /* a new pager */
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &h, &pager);
    EXPECT_EQ(pager.raw, o.raw);
    /* a new version: the old id no longer works, the new one does */
    L4_ThreadId_t v2 = L4_GlobalId(L4_ThreadNo(t), L4_Version(t) + 1);
    EXPECT_EQ(tc(v2, me, L4_nilthread, L4_nilthread, NOT_UTCB), 1);
    L4_Word_t old;
    EXPECT_EQ(L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old), 0);
    EXPECT(L4_Schedule(v2, ~0UL, ~0UL, ~0UL, ~0UL, &old) != 0);
    tc(v2, L4_nilthread, L4_nilthread, L4_nilthread, NOT_UTCB);
    tsup_kill(t);                                    /* (its slot) */
}

/* ---- SpaceControl (4.8) -------------------------------------------------- */

TEST(syscalls, spacecontrol_errors_and_kip)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    L4_Word_t old;
    EXPECT_EQ(sc(tsup_new_id(), L4_FpageLog2(TSUP_KIP_AREA, 12),
                 L4_FpageLog2(TSUP_UTCB_AREA, 16), &old), 0);   /* no such thread */
    EXPECT_EQ(L4_ErrorCode(), 3);
    EXPECT_EQ(tc(id, id, me, L4_nilthread, NOT_UTCB), 1);
    EXPECT_EQ(sc(id, L4_FpageLog2(TSUP_KIP_AREA, 12), L4_FpageLog2(TSUP_UTCB_AREA, 10), &old), 0);
    EXPECT_EQ(L4_ErrorCode(), 6);                                /* UTCB area too small */
    EXPECT_EQ(sc(id, L4_FpageLog2(TSUP_KIP_AREA, 12),
                 L4_FpageLog2(0xFFFFFFFFFFF00000UL, 16), &old), 0);   /* not user memory */
    EXPECT_EQ(L4_ErrorCode(), 6);
    EXPECT_EQ(sc(id, L4_FpageLog2(TSUP_KIP_AREA, 10), L4_FpageLog2(TSUP_UTCB_AREA, 16), &old), 0);
    EXPECT_EQ(L4_ErrorCode(), 7);                                /* KIP area too small */
    EXPECT_EQ(sc(id, L4_FpageLog2(TSUP_UTCB_AREA, 12), L4_FpageLog2(TSUP_UTCB_AREA, 16), &old), 0);
    EXPECT_EQ(L4_ErrorCode(), 7);                                /* overlapping */
    EXPECT_EQ(sc(id, L4_FpageLog2(TSUP_KIP_AREA, 12), L4_FpageLog2(TSUP_UTCB_AREA, 16), &old), 1);
    EXPECT_EQ(old, 0);
    /* once initialised, new areas are ignored */
    EXPECT_EQ(sc(id, L4_FpageLog2(0x70000000, 12), L4_FpageLog2(0x71000000, 16), &old), 1);
    EXPECT_EQ(tc(id, id, me, me, (void *)TSUP_UTCB_AREA), 1);   /* the old area counts */
    tc(id, L4_nilthread, L4_nilthread, L4_nilthread, NOT_UTCB);
}

/* A thread of a new space finds the KIP at its KIP area. */
static volatile L4_Word_t kip_magic;
static void read_kip(L4_Word_t unused)
{
    (void)unused;
    kip_magic = *(volatile uint32_t *)TSUP_KIP_AREA;
}

TEST(syscalls, kip_mapped_in_new_spaces)
{
    kip_magic = 0;
    L4_ThreadId_t t = tsup_space(read_kip, 0);
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(kip_magic, *(volatile uint32_t *)L4_GetKernelInterface());   /* "L4uK" */
}

/* ---- ExchangeRegisters (4.6) ---------------------------------------------- */

static volatile L4_Word_t progress;
static volatile int resumed_at_new_ip;
static void counter(L4_Word_t unused)
{
    (void)unused;
    for (;;)
        progress++;
}
static void new_place(void)
{
    resumed_at_new_ip = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

TEST(syscalls, exreg_halt_resume_and_set_registers)
{
    progress = 0;
    resumed_at_new_ip = 0;
    L4_ThreadId_t t = tsup_thread(counter, 0);
    tsup_sleep_ms(3);                                /* it counts */
    L4_Word_t old = L4_Stop(t);
    EXPECT(!(old & L4_ExReg_Halt));                  /* it was not halted */
    L4_Word_t a = progress;
    tsup_sleep_ms(3);
    EXPECT_EQ(progress, a);                          /* halted: no progress */
    L4_Word_t ctl, sp, ip, fl, h;
    L4_ThreadId_t pg;
    L4_ThreadId_t r = L4_ExchangeRegisters(
        t, L4_ExReg_SetIp | L4_ExReg_SetSp | L4_ExReg_SetFlags | L4_ExReg_SetHandle |
               L4_ExReg_SetPager | L4_ExReg_Deliver,
        (L4_Word_t)start_stack + sizeof start_stack - 8, (L4_Word_t)new_place, 0xFFF, 0x5A5A,
        L4_MyGlobalId(), &ctl, &sp, &ip, &fl, &h, &pg);
    EXPECT(ctl & L4_ExReg_Halt);                     /* reported halted */
    EXPECT_EQ(r.raw, L4_LocalIdOf(t).raw);           /* global in: local out */
    /* still halted: read back what was set (local id in: global out) */
    L4_Word_t fl2;
    r = L4_ExchangeRegisters(L4_LocalIdOf(t), 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl2,
                             &h, &pg);
    EXPECT_EQ(r.raw, t.raw);
    EXPECT_EQ(ip, (L4_Word_t)new_place);
    EXPECT_EQ(sp, (L4_Word_t)start_stack + sizeof start_stack - 8);
    EXPECT_EQ(h, 0x5A5A);
    EXPECT_EQ(pg.raw, L4_MyGlobalId().raw);
    EXPECT_EQ(fl2 & 0x8D5, 0x8D5);                   /* CF PF AF ZF SF OF taken, */
    EXPECT_EQ(fl2 & 0x3000, fl & 0x3000);            /* IOPL not */
    EXPECT(fl2 & 0x200);                             /* and IF stays */
    L4_Start(t);                                     /* resume at the new IP */
    tsup_sleep_ms(3);
    tsup_kill(t);
    EXPECT_EQ(resumed_at_new_ip, 1);
}

TEST(syscalls, exreg_invalid_targets)
{
    L4_Word_t ctl, sp, ip, fl, h;
    L4_ThreadId_t pg;
    L4_ThreadId_t r = L4_ExchangeRegisters(tsup_new_id(), 0, 1, 2, 3, 4, L4_nilthread, &ctl, &sp,
                                           &ip, &fl, &h, &pg);
    EXPECT_EQ(r.raw, 0);
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(sp | ip | fl | h | pg.raw, 0);         /* all outputs 0 */
    L4_ThreadId_t far = tsup_space(tsup_fn_sleeper, 0);  /* another space */
    r = L4_ExchangeRegisters(far, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &h, &pg);
    tsup_kill(far);
    EXPECT_EQ(r.raw, 0);
    EXPECT_EQ(L4_ErrorCode(), 2);
}

TEST(syscalls, exreg_reports_ipc_state_of_a_blocked_thread)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    tsup_wait_blocked(t);
    L4_Word_t ctl, sp, ip, fl, h;
    L4_ThreadId_t pg;
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &h, &pg);
    tsup_kill(t);
    EXPECT_EQ(ctl & 7, L4_ExReg_AbortRecv);          /* receiving, not halted */
}

/* ---- Schedule, ThreadSwitch (4.9, 4.10) ------------------------------------ */

static volatile L4_Word_t un_sched, un_sched_err;
static void unprivileged_schedule(L4_Word_t target)
{
    L4_Word_t old;
    un_sched = L4_Schedule((L4_ThreadId_t){ .raw = target }, ~0UL, ~0UL, 200, ~0UL, &old);
    un_sched_err = L4_ErrorCode();
}

TEST(syscalls, schedule_results_and_errors)
{
    L4_Word_t old;
    EXPECT_EQ(L4_Schedule(L4_nilthread, ~0UL, ~0UL, ~0UL, ~0UL, &old), 0);
    EXPECT_EQ(L4_ErrorCode(), 0);
    EXPECT_EQ(L4_Schedule(tsup_new_id(), ~0UL, ~0UL, ~0UL, ~0UL, &old), 0);
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(L4_Schedule(L4_MyGlobalId(), ~0UL, ~0UL, ~0UL, ~0UL, &old), 3);   /* running */
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    tsup_wait_blocked(t);
    EXPECT_EQ(L4_Schedule(t, ~0UL, ~0UL, 120, ~0UL, &old), 6);  /* waiting */
    L4_Stop(t);
    EXPECT_EQ(L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old), 2); /* halted */
    /* a thread of an unprivileged space may not schedule another */
    un_sched = 99;
    L4_ThreadId_t u = tsup_space(unprivileged_schedule, t.raw);
    tsup_join(u, 1000);
    tsup_kill(u);
    tsup_kill(t);
    EXPECT_EQ(un_sched, 0);
    EXPECT_EQ(un_sched_err, 1);
}

TEST(syscalls, schedule_time_control_round_trip)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    L4_Time_t slice, quantum;
    L4_Set_Timeslice(t, L4_TimePeriod(20000), L4_TimePeriod(300000));
    L4_Timeslice(t, &slice, &quantum);
    L4_Word_t old;
    L4_Word_t bad = L4_Schedule(t, 0x8000 << 16 | 0x8000, ~0UL, ~0UL, ~0UL, &old); /* points */
    L4_Word_t bad_err = L4_ErrorCode();
    tsup_kill(t);
    EXPECT_EQ(slice.raw, L4_TimePeriod(20000).raw);
    EXPECT_EQ(quantum.raw, L4_TimePeriod(300000).raw);
    EXPECT_EQ(bad, 0);                               /* time values must be periods */
    EXPECT(bad_err != 0);
}

static volatile int yielded_to;
static void note_run(L4_Word_t unused)
{
    (void)unused;
    yielded_to = 1;
    for (;;)
        L4_Yield();
}

TEST(syscalls, thread_switch_forms)
{
    yielded_to = 0;
    L4_ThreadSwitch(L4_MyGlobalId());                /* to oneself: returns */
    L4_ThreadSwitch(tsup_new_id());                  /* nobody: a yield */
    L4_ThreadId_t t = tsup_thread(note_run, 0);
    L4_Set_Priority(t, 255);
    L4_Yield();                                      /* the same priority runs */
    int after_yield = yielded_to;
    tsup_kill(t);
    EXPECT_EQ(after_yield, 1);
}

/* ---- SystemClock, ProcessorControl, MemoryControl -------------------------- */

TEST(syscalls, system_clock_is_monotonic_microseconds)
{
    uint64_t a = L4_SystemClock().raw;
    tsup_sleep_ms(10);
    uint64_t b = L4_SystemClock().raw;
    EXPECT(b > a);                                   /* (no wall-clock bounds in tests) */
}

TEST(syscalls, processor_control_is_a_no_op)
{
    EXPECT_EQ(L4_ProcessorControl(0, 0, 0, 0), 0);
}

TEST(syscalls, memory_control_fails_harmlessly)
{
    L4_Word_t attr[4] = { 1, 2, 3, 4 };
    __L4_Utcb()[0] = 0x1111;
    __L4_Utcb()[1] = 0x2222;
    EXPECT_EQ(L4_MemoryControl(0, attr), 0);
    EXPECT_EQ(__L4_Utcb()[0], 0x1111);               /* MR0, MR1 as they were */
    EXPECT_EQ(__L4_Utcb()[1], 0x2222);
}

/* ThreadControl moves an active thread into another space, UTCB location
 * and all; the location must be valid there (spec 7.1). The mover's pager
 * maps the test image into whichever space it is in, so the variables
 * below stay shared with the root task. */
static volatile L4_Word_t moved_marker, moved_step;
static void mover(L4_Word_t unused)
{
    (void)unused;
    moved_step = 1;
    while (moved_step == 1)
        tsup_sleep_ms(1);                   /* (moved meanwhile) */
    moved_marker = L4_MyGlobalId().raw;     /* its UTCB came along */
    moved_step = 3;
}

TEST(syscalls, active_thread_moves_to_another_space)
{
    moved_step = 0;
    moved_marker = 0;
    L4_ThreadId_t home = tsup_space(tsup_fn_sleeper, 0);   /* UTCB slot 0 there */
    L4_ThreadId_t away = tsup_space(tsup_fn_sleeper, 0);   /* slot 0 */
    L4_ThreadId_t t = tsup_space_thread(away, mover, 0);   /* slot 2: free in home */
    for (int i = 0; i < 1000 && moved_step != 1; i++)
        tsup_sleep_ms(1);
    L4_Word_t r = L4_ThreadControl(t, home, L4_nilthread, L4_nilthread, (void *)~0UL);
    moved_step = 2;
    int ok = tsup_join(t, 1000);
    tsup_kill(away);                        /* the space it left lives on without it */
    L4_Word_t still = L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 });
    tsup_kill(t);
    tsup_kill(home);
    EXPECT_EQ(r, 1);
    EXPECT(ok);
    EXPECT_EQ(moved_marker, t.raw);
    EXPECT_NE(still, 0);                    /* alive after the old space went */
}

TEST(syscalls, moving_to_a_space_without_the_utcb_location_fails)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);     /* root-space UTCB */
    L4_ThreadId_t other = tsup_space(tsup_fn_sleeper, 0);
    L4_Word_t r = L4_ThreadControl(t, other, L4_nilthread, L4_nilthread, (void *)~0UL);
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t self = L4_ThreadControl(L4_MyGlobalId(), other, L4_nilthread, L4_nilthread,
                                      (void *)~0UL);
    L4_Word_t self_err = L4_ErrorCode();
    tsup_kill(t);
    tsup_kill(other);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(err, 6);                      /* outside the new space's UTCB area */
    EXPECT_EQ(self, 0);
    EXPECT_EQ(self_err, 6);                 /* the caller cannot move itself */
}
