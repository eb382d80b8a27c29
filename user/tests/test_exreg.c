/* ExchangeRegisters (spec 4.6): the permission rule (step 1: the target
 * exists, is activated, has exactly that global id and lives in the
 * caller's space, else error 2 and all outputs 0), the old values returned
 * (step 2), every control bit: S I F u p (step 3), r s (step 4, with the
 * cancel results of spec 5.8/5.9), h H (step 5), d and bits 10-13 ignored,
 * the result id (step 6), and starting a thread that waits for its start
 * message (spec 4.7). */
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define NIL       L4_nilthread
#define ROOT_UTCB 0xBF000000UL
#define UNUSED_LOCAL_ID (ROOT_UTCB + 0x3F000 + 0x200)  /* a UTCB slot nobody uses */
#define UNMAPPED  0x7E000000UL                          /* nothing mapped here */

#define X_h 0x001UL
#define X_r 0x002UL
#define X_s 0x004UL
#define X_S 0x008UL
#define X_I 0x010UL
#define X_F 0x020UL
#define X_u 0x040UL
#define X_p 0x080UL
#define X_H 0x100UL
#define X_d 0x200UL

extern char _image_start[], _end[];

struct xr {
    L4_ThreadId_t r;
    L4_Word_t ctl, sp, ip, fl, h;
    L4_ThreadId_t pg;
};

static struct xr xreg(L4_ThreadId_t t, L4_Word_t ctl, L4_Word_t sp, L4_Word_t ip, L4_Word_t fl,
                      L4_Word_t h, L4_ThreadId_t pg)
{
    struct xr x;
    x.r = L4_ExchangeRegisters(t, ctl, sp, ip, fl, h, pg, &x.ctl, &x.sp, &x.ip, &x.fl, &x.h,
                               &x.pg);
    return x;
}

static struct xr peek(L4_ThreadId_t t) { return xreg(t, 0, 0, 0, 0, 0, NIL); }
static struct xr ctl_only(L4_ThreadId_t t, L4_Word_t c) { return xreg(t, c, 0, 0, 0, 0, NIL); }

static int same(struct xr a, struct xr b)
{
    return a.r.raw == b.r.raw && a.ctl == b.ctl && a.sp == b.sp && a.ip == b.ip && a.fl == b.fl &&
           a.h == b.h && a.pg.raw == b.pg.raw;
}

static L4_ThreadId_t me(void) { return L4_MyGlobalId(); }

static L4_Word_t state(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

static int in_image(L4_Word_t a)
{
    return a >= (L4_Word_t)_image_start && a < (L4_Word_t)_end;
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

/* ---- threads to work on ---------------------------------------------------- */

static volatile L4_Word_t spins;
static volatile int spin_stop;
static void spinner(L4_Word_t unused)
{
    (void)unused;
    while (!spin_stop)
        spins++;
}
/* No conditional branch: the flags may change under it. */
static void __attribute__((noreturn)) spin_forever(L4_Word_t unused)
{
    (void)unused;
    for (;;)
        spins++;
}

/* Where a thread lands when its IP is changed. */
static volatile int landed;
static volatile L4_Word_t land_sp, land_mr[3];
static uint8_t land_stack[8192] __attribute__((aligned(16)));
#define LAND_SP ((L4_Word_t)land_stack + sizeof land_stack - 8)

static void __attribute__((noreturn, force_align_arg_pointer)) landing(void)
{
    volatile L4_Word_t here = 0;
    land_sp = (L4_Word_t)&here;
    for (int i = 0; i < 3; i++)
        land_mr[i] = __L4_Utcb()[i];
    landed = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static int landed_on_land_stack(void)
{
    return land_sp > (L4_Word_t)land_stack && land_sp < LAND_SP;
}

static void reset_landing(void)
{
    landed = 0;
    land_sp = 0;
    for (unsigned j = 0; j < sizeof land_stack; j += 4096)
        land_stack[j] = 0;
}

/* A thread in a closed receive from the root thread. */
static volatile int rcv_ready, rcv_done, rcv_after;
static volatile L4_Word_t rcv_tag, rcv_err, rcv_sp;
static void receiver(L4_Word_t from)
{
    volatile L4_Word_t here = 0;
    rcv_sp = (L4_Word_t)&here;
    rcv_ready = 1;
    L4_MsgTag_t tag = L4_Receive((L4_ThreadId_t){ .raw = from });
    rcv_after = 1;
    rcv_tag = tag.raw;
    rcv_err = L4_ErrorCode();
    rcv_done = 1;
}

/* A thread sending (or calling, arg 1) to the root thread. */
#define SND_LABEL 0x77UL
static volatile int snd_ready, snd_done;
static volatile L4_Word_t snd_tag, snd_err, snd_to;
static void sender(L4_Word_t call)
{
    L4_Word_t w[1] = { 0x5151 };
    tsup_load(SND_LABEL, 1, w);
    snd_ready = 1;
    L4_ThreadId_t to = { .raw = snd_to };
    L4_MsgTag_t tag = call ? L4_Call(to) : L4_Send(to);
    snd_tag = tag.raw;
    snd_err = L4_ErrorCode();
    snd_done = 1;
}

static void reset_ipc_helpers(void)
{
    rcv_ready = rcv_done = rcv_after = 0;
    rcv_tag = rcv_err = 0;
    snd_ready = snd_done = 0;
    snd_tag = snd_err = 0;
    snd_to = me().raw;
}

/* A thread that publishes its own TCRs. */
static volatile L4_Word_t w_handle, w_pager, w_loops;
static volatile int w_stop;
static void watcher(L4_Word_t unused)
{
    (void)unused;
    while (!w_stop) {
        w_handle = L4_UserDefinedHandle();
        w_pager = L4_Pager().raw;
        w_loops++;
        tsup_sleep_ms(1);
    }
}

static L4_Word_t watched_after(volatile L4_Word_t *what)
{
    L4_Word_t n = w_loops;
    for (int i = 0; i < 1000 && w_loops < n + 2; i++)
        tsup_sleep_ms(1);
    return *what;
}

/* ---- step 1: who may be the target --------------------------------------------- */

TEST(exreg, invalid_targets_give_error_2_and_all_outputs_0)
{
    w_handle = w_pager = ~0UL;
    w_loops = 0;
    w_stop = 0;
    L4_ThreadId_t live = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t far = tsup_space(watcher, 0);             /* another space */
    L4_ThreadId_t inactive = tsup_new_id();
    L4_Word_t r_in = L4_ThreadControl(inactive, me(), me(), NIL, (void *)~0UL);
    L4_Word_t sb = L4_ThreadIdSystemBase(L4_GetKernelInterface());
    L4_ThreadId_t bad[8] = {
        tsup_new_id(),                                      /* no such thread */
        L4_GlobalId(L4_ThreadNo(live), L4_Version(live) + 1),   /* wrong version */
        inactive,                                           /* not activated */
        far,                                                /* not in our space */
        L4_GlobalId(sb, 1),                                 /* the kernel thread */
        L4_GlobalId(1, 1),                                  /* an interrupt thread */
        NIL,
        { .raw = UNUSED_LOCAL_ID },                         /* local id of nobody */
    };
    struct xr x[8];
    L4_Word_t err[8];
    for (int i = 0; i < 8; i++) {
        /* set the handle and the pager, which must not happen */
        x[i] = xreg(bad[i], X_u | X_p, 0x11, 0x22, 0x33, 0xBAD, me());
        err[i] = L4_ErrorCode();
    }
    L4_Word_t live_handle = L4_UserDefinedHandleOf(live);
    L4_ThreadId_t live_pager = L4_PagerOf(live);
    L4_Word_t far_handle = watched_after(&w_handle), far_pager = w_pager;
    tsup_kill(far);
    tsup_kill(live);
    L4_ThreadControl(inactive, NIL, NIL, NIL, (void *)~0UL);
    EXPECT_EQ(r_in, 1);
    for (int i = 0; i < 8; i++) {
        EXPECT_EQ(x[i].r.raw, 0);
        EXPECT_EQ(err[i], L4_ErrInvalidThread);
        EXPECT_EQ(x[i].ctl, 0);
        EXPECT_EQ(x[i].sp, 0);
        EXPECT_EQ(x[i].ip, 0);
        EXPECT_EQ(x[i].fl, 0);
        EXPECT_EQ(x[i].h, 0);
        EXPECT_EQ(x[i].pg.raw, 0);
    }
    EXPECT_EQ(live_handle, 0);
    EXPECT_EQ(live_pager.raw, tsup_pager().raw);
    EXPECT_EQ(far_handle, 0);
    EXPECT_EQ(far_pager, tsup_pager().raw);
}

/* ExchangeRegisters needs no privilege: a thread of a new space works on
 * its sibling, but not on a thread of the root task. */
static volatile L4_Word_t sib_id, sib_local, sib_mygid, sib_global, sib_root_r, sib_root_err,
    sib_handle;
static volatile int sib_done;
static void on_sibling(L4_Word_t root)
{
    while (!sib_id)
        tsup_sleep_ms(1);
    L4_ThreadId_t b = { .raw = sib_id };
    struct xr x = peek(b);
    sib_local = x.r.raw;
    sib_mygid = *(volatile L4_Word_t *)(x.r.raw - 0x78);     /* its UTCB, readable here */
    sib_global = peek(x.r).r.raw;
    struct xr y = xreg((L4_ThreadId_t){ .raw = root }, 0, 0, 0, 0, 0, NIL);
    sib_root_r = y.r.raw;
    sib_root_err = L4_ErrorCode();
    xreg(b, X_u, 0, 0, 0, 0x4242, NIL);
    sib_handle = peek(b).h;
    sib_done = 1;
}

TEST(exreg, unprivileged_space_uses_it_on_its_own_threads)
{
    sib_id = sib_local = sib_global = sib_root_r = sib_handle = 0;
    sib_root_err = 0;
    sib_done = 0;
    L4_ThreadId_t a = tsup_space(on_sibling, me().raw);
    L4_ThreadId_t b = tsup_space_thread(a, tsup_fn_sleeper, 0);
    sib_id = b.raw;
    int joined = tsup_join(a, 2000);
    tsup_kill(b);
    tsup_kill(a);
    EXPECT(joined);
    EXPECT_NE(sib_local, 0);
    EXPECT_EQ(sib_local & 0x3F, 0);                     /* a local id */
    EXPECT_EQ(sib_mygid, b.raw);
    EXPECT_EQ(sib_global, b.raw);
    EXPECT_EQ(sib_root_r, 0);
    EXPECT_EQ(sib_root_err, L4_ErrInvalidThread);
    EXPECT_EQ(sib_handle, 0x4242);
}

/* ---- step 6: the result id -------------------------------------------------------- */

TEST(exreg, global_dest_gives_local_id_and_local_dest_gives_global_id)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    int blocked = tsup_wait_blocked(t);
    struct xr g = peek(t);
    L4_Word_t l = g.r.raw;
    struct xr x = peek(g.r);
    L4_Word_t tcr = l >= ROOT_UTCB + 0x200 && l < ROOT_UTCB + 0x40000 ? *(L4_Word_t *)(l - 0x78) : 0;
    struct xr self_g = peek(me()), self_l = peek(L4_MyLocalId());
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_NE(l, 0);
    EXPECT_EQ(l & 0x3F, 0);
    EXPECT_EQ((l - 0x200) % 1024, 0);               /* MR0 of a UTCB in our area */
    EXPECT(l >= ROOT_UTCB + 0x200 && l < ROOT_UTCB + 0x40000);
    EXPECT_EQ(tcr, t.raw);                          /* its MyGlobalId TCR */
    EXPECT_EQ(x.r.raw, t.raw);
    /* both forms report the same old values */
    EXPECT_EQ(x.ctl, g.ctl);
    EXPECT_EQ(x.sp, g.sp);
    EXPECT_EQ(x.ip, g.ip);
    EXPECT_EQ(x.fl, g.fl);
    EXPECT_EQ(x.h, g.h);
    EXPECT_EQ(x.pg.raw, g.pg.raw);
    EXPECT_EQ(self_g.r.raw, (L4_Word_t)__L4_Utcb());   /* our %gs:0 */
    EXPECT_EQ(self_l.r.raw, me().raw);
}

/* ---- step 2: the old values ------------------------------------------------------------- */

TEST(exreg, old_values_of_a_thread_blocked_in_a_receive)
{
    reset_ipc_helpers();
    L4_ThreadId_t t = tsup_thread(receiver, me().raw);
    int blocked = blocked_after(&rcv_ready, t);
    struct xr a = peek(t), b = peek(t);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT(same(a, b));                             /* control 0 changes nothing */
    EXPECT_EQ(a.ctl, X_r);                          /* receiving; not sending, not halted */
    EXPECT(a.sp <= rcv_sp && a.sp > rcv_sp - 4096); /* on its stack, below its frame */
    EXPECT_EQ(a.fl & 0x202, 0x202);                 /* IF and the always-one bit */
    EXPECT_EQ(a.h, 0);
    EXPECT_EQ(a.pg.raw, tsup_pager().raw);
}

TEST(exreg, own_registers)
{
    L4_Word_t saved = L4_UserDefinedHandle();
    struct xr a = peek(me());
    struct xr b = xreg(me(), X_u, 0, 0, 0, 0xABCD, NIL);
    L4_Word_t now = L4_UserDefinedHandle();
    L4_Set_UserDefinedHandle(saved);
    EXPECT_EQ(a.r.raw, (L4_Word_t)__L4_Utcb());
    EXPECT_EQ(a.ctl & 7, 0);                        /* running: no IPC, not halted */
    EXPECT_EQ(a.pg.raw, L4_Pager().raw);
    EXPECT_EQ(a.h, saved);
    EXPECT_EQ(b.h, saved);
    EXPECT_EQ(now, 0xABCD);                         /* our own TCR */
}

/* ---- step 5: h and H ------------------------------------------------------------------ */

TEST(exreg, halt_and_resume_a_running_thread)
{
    spins = 0;
    spin_stop = 0;
    L4_ThreadId_t t = tsup_thread(spinner, 0);
    tsup_sleep_ms(3);
    struct xr h_only = ctl_only(t, X_h);            /* h without H: nothing */
    L4_Word_t s0 = spins;
    tsup_sleep_ms(3);
    L4_Word_t s1 = spins;
    struct xr halt = ctl_only(t, X_H | X_h);
    L4_Word_t a = spins;
    tsup_sleep_ms(5);
    L4_Word_t b = spins;
    L4_Word_t st_halted = state(t);
    struct xr again = ctl_only(t, X_H | X_h);
    struct xr look = peek(t);
    struct xr resume = ctl_only(t, X_H);
    tsup_sleep_ms(5);
    L4_Word_t c = spins;
    L4_Word_t st_resumed = state(t);
    struct xr resume2 = ctl_only(t, X_H);
    spin_stop = 1;
    int joined = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(h_only.ctl & X_h, 0);
    EXPECT(s1 > s0);                                /* still running */
    EXPECT_EQ(halt.ctl & 7, 0);                     /* was running */
    EXPECT_EQ(b, a);                                /* halted: no progress */
    EXPECT_EQ(st_halted, L4_SCHEDRESULT_INACTIVE);
    EXPECT_EQ(again.ctl & 7, X_h);                  /* reported halted */
    EXPECT_EQ(look.ctl & 7, X_h);
    EXPECT(in_image(look.ip));                      /* stopped in its user code */
    EXPECT_EQ(resume.ctl & 7, X_h);
    EXPECT(c > b);                                  /* resumed */
    EXPECT_EQ(st_resumed, L4_SCHEDRESULT_RUNNING);
    EXPECT_EQ(resume2.ctl & 7, 0);
    EXPECT(joined);
}

/* ---- step 3: S, I, F ---------------------------------------------------------------------- */

TEST(exreg, set_sp_and_ip_of_a_halted_thread)
{
    reset_landing();
    L4_ThreadId_t t = tsup_thread(spin_forever, 0);
    tsup_sleep_ms(3);
    struct xr halt = ctl_only(t, X_H | X_h);
    struct xr set = xreg(t, X_S | X_I, LAND_SP, (L4_Word_t)landing, 0, 0, NIL);
    struct xr back = peek(t);
    tsup_sleep_ms(3);
    int early = landed;
    ctl_only(t, X_H);
    tsup_wait_flag(&landed, 1000);
    int late = landed, right_stack = landed_on_land_stack();
    tsup_kill(t);
    EXPECT_EQ(set.sp, halt.sp);                     /* old values returned */
    EXPECT_EQ(set.ip, halt.ip);
    EXPECT(in_image(set.ip));
    EXPECT_EQ(back.sp, LAND_SP);
    EXPECT_EQ(back.ip, (L4_Word_t)landing);
    EXPECT_EQ(back.ctl & 7, X_h);                   /* still halted */
    EXPECT_EQ(early, 0);
    EXPECT_EQ(late, 1);                             /* resumed at the new IP */
    EXPECT(right_stack);                            /* with the new SP */
}

TEST(exreg, s_and_i_bits_set_one_register_each)
{
    reset_landing();
    L4_ThreadId_t t = tsup_thread(spin_forever, 0);
    tsup_sleep_ms(3);
    struct xr halt = ctl_only(t, X_H | X_h);
    xreg(t, X_I, 0x1234, (L4_Word_t)landing, 0, 0, NIL);   /* SP value ignored */
    struct xr after_i = peek(t);
    xreg(t, X_S, LAND_SP, 0x5678, 0, 0, NIL);                /* IP value ignored */
    struct xr after_s = peek(t);
    ctl_only(t, X_H);
    tsup_wait_flag(&landed, 1000);
    int ok = landed && landed_on_land_stack();
    tsup_kill(t);
    EXPECT_EQ(after_i.ip, (L4_Word_t)landing);
    EXPECT_EQ(after_i.sp, halt.sp);
    EXPECT_EQ(after_s.sp, LAND_SP);
    EXPECT_EQ(after_s.ip, (L4_Word_t)landing);
    EXPECT(ok);
}

TEST(exreg, flags_take_only_the_arithmetic_bits)
{
    spins = 0;
    L4_ThreadId_t t = tsup_thread(spin_forever, 0);
    tsup_sleep_ms(3);
    struct xr halt = ctl_only(t, X_H | X_h);
    L4_Word_t f0 = halt.fl;
    xreg(t, X_F, 0, 0, ~0UL, 0, NIL);
    L4_Word_t f1 = peek(t).fl;
    xreg(t, X_F, 0, 0, 0, 0, NIL);
    L4_Word_t f2 = peek(t).fl;
    struct xr no_f = xreg(t, 0, 0, 0, ~0UL, 0, NIL);        /* without F: ignored */
    L4_Word_t f3 = peek(t).fl;
    ctl_only(t, X_H);
    L4_Word_t a = spins;
    tsup_sleep_ms(3);
    L4_Word_t b = spins;
    tsup_kill(t);
    EXPECT_EQ(f0 & 0x200, 0x200);                   /* IF */
    EXPECT_EQ(f1 & 0x8D5, 0x8D5);                   /* CF PF AF ZF SF OF */
    EXPECT_EQ(f1 & ~0x8D5UL, f0 & ~0x8D5UL);        /* IF, TF, DF, IOPL ... kept */
    EXPECT_EQ(f2 & 0x8D5, 0);
    EXPECT_EQ(f2 & ~0x8D5UL, f0 & ~0x8D5UL);
    EXPECT_EQ(no_f.fl, f2);
    EXPECT_EQ(f3, f2);
    EXPECT(b > a);                                  /* and it runs on */
}

/* ---- step 3: u and p ------------------------------------------------------------------------ */

TEST(exreg, u_sets_the_user_defined_handle)
{
    w_handle = w_pager = w_loops = 0;
    w_stop = 0;
    L4_ThreadId_t t = tsup_thread(watcher, 0);
    L4_Word_t seen0 = watched_after(&w_handle);
    struct xr a = xreg(t, X_u, 0, 0, 0, 0x1234, NIL);
    L4_Word_t seen1 = watched_after(&w_handle);
    struct xr b = xreg(t, 0, 0, 0, 0, 0x9999, NIL);        /* without u: ignored */
    struct xr c = xreg(t, X_u, 0, 0, 0, 0x5678, NIL);
    L4_Word_t seen2 = watched_after(&w_handle);
    w_stop = 1;
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(seen0, 0);
    EXPECT_EQ(a.h, 0);
    EXPECT_EQ(seen1, 0x1234);                       /* in its own TCR */
    EXPECT_EQ(b.h, 0x1234);
    EXPECT_EQ(c.h, 0x1234);
    EXPECT_EQ(seen2, 0x5678);
}

TEST(exreg, p_sets_the_pager)
{
    w_handle = w_pager = w_loops = 0;
    w_stop = 0;
    L4_ThreadId_t t = tsup_thread(watcher, 0), p1 = tsup_new_id(), p2 = tsup_new_id();
    L4_Word_t seen0 = watched_after(&w_pager);
    struct xr a = xreg(t, X_p, 0, 0, 0, 0, p1);
    L4_Word_t seen1 = watched_after(&w_pager);
    struct xr b = xreg(t, 0, 0, 0, 0, 0, p2);              /* without p: ignored */
    struct xr c = xreg(t, X_p, 0, 0, 0, 0, tsup_pager());
    L4_Word_t seen2 = watched_after(&w_pager);
    w_stop = 1;
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(seen0, tsup_pager().raw);
    EXPECT_EQ(a.pg.raw, tsup_pager().raw);
    EXPECT_EQ(seen1, p1.raw);                       /* in its own Pager TCR */
    EXPECT_EQ(b.pg.raw, p1.raw);
    EXPECT_EQ(c.pg.raw, p1.raw);
    EXPECT_EQ(seen2, tsup_pager().raw);
}

/* ---- d and bits 10-13 ----------------------------------------------------------------------- */

TEST(exreg, d_and_bits_10_to_13_are_ignored)
{
    reset_ipc_helpers();
    L4_ThreadId_t t = tsup_thread(receiver, me().raw);
    int blocked = blocked_after(&rcv_ready, t);
    struct xr base = peek(t);
    struct xr d = xreg(t, X_d, 0x10, 0x20, 0x30, 0x40, me());
    struct xr hi = xreg(t, 0x3C00, 0x10, 0x20, 0x30, 0x40, me());
    struct xr after = peek(t);
    L4_Word_t st = state(t);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT(same(d, base));                          /* all old values, as without d */
    EXPECT(same(hi, base));
    EXPECT(same(after, base));                      /* nothing set */
    EXPECT_EQ(st, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(rcv_done, 0);
}

/* ---- step 4: r and s ------------------------------------------------------------------------- */

TEST(exreg, r_cancels_a_receive_and_s_does_not)
{
    reset_ipc_helpers();
    L4_ThreadId_t t = tsup_thread(receiver, me().raw);
    int blocked = blocked_after(&rcv_ready, t);
    struct xr s = ctl_only(t, X_s);
    tsup_sleep_ms(2);
    L4_Word_t st = state(t);
    int done_after_s = rcv_done;
    struct xr r = ctl_only(t, X_r);
    int joined = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(s.ctl & 7, X_r);                      /* in a receive phase */
    EXPECT_EQ(st, L4_SCHEDRESULT_WAITING);          /* s left it waiting */
    EXPECT_EQ(done_after_s, 0);
    EXPECT_EQ(r.ctl & 7, X_r);
    EXPECT(joined);
    EXPECT_EQ(rcv_tag, 0x8000);                     /* only e (spec 5.8) */
    EXPECT_EQ(rcv_err, 3 << 1 | 1);                 /* canceled, receive phase */
}

TEST(exreg, s_cancels_a_send_and_r_does_not)
{
    reset_ipc_helpers();
    L4_ThreadId_t t = tsup_thread(sender, 0);
    int blocked = blocked_after(&snd_ready, t);
    struct xr r = ctl_only(t, X_r);
    tsup_sleep_ms(2);
    L4_Word_t st = state(t);
    int done_after_r = snd_done;
    struct xr s = ctl_only(t, X_s);
    int joined = tsup_join(t, 1000);
    L4_ThreadId_t from;
    L4_MsgTag_t late = L4_Wait_Timeout(L4_ZeroTime, &from);    /* the message is gone */
    L4_Word_t late_err = L4_ErrorCode();
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(r.ctl & 7, X_s);                      /* in a send phase */
    EXPECT_EQ(st, L4_SCHEDRESULT_PENDING_SEND);
    EXPECT_EQ(done_after_r, 0);
    EXPECT_EQ(s.ctl & 7, X_s);
    EXPECT(joined);
    EXPECT_EQ(snd_tag, SND_LABEL << 16 | 1 | 0x8000);   /* own tag with e */
    EXPECT_EQ(snd_err, 3 << 1);                     /* canceled, send phase */
    EXPECT(L4_IpcFailed(late));
    EXPECT_EQ(late_err, 1 << 1 | 1);
}

TEST(exreg, cancel_a_call_in_its_receive_phase)
{
    reset_ipc_helpers();
    L4_ThreadId_t t = tsup_thread(sender, 1);
    int blocked = blocked_after(&snd_ready, t);
    struct xr sending = peek(t);
    L4_MsgTag_t got = L4_Receive_Timeout(t, L4_ZeroTime);      /* take it, do not reply */
    L4_Word_t got_label = L4_Label(got);
    struct xr receiving = peek(t);
    L4_Word_t st = state(t);
    ctl_only(t, X_s);                               /* not in a send phase any more */
    tsup_sleep_ms(2);
    int done_after_s = snd_done;
    struct xr r = ctl_only(t, X_r);
    int joined = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(sending.ctl & 7, X_s);
    EXPECT(L4_IpcSucceeded(got));
    EXPECT_EQ(got_label, SND_LABEL);
    EXPECT_EQ(receiving.ctl & 7, X_r);
    EXPECT_EQ(st, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(done_after_s, 0);
    EXPECT_EQ(r.ctl & 7, X_r);
    EXPECT(joined);
    EXPECT_EQ(snd_tag, 0x8000);
    EXPECT_EQ(snd_err, 3 << 1 | 1);
}

/* SP and IP set while a thread is blocked in a system call take effect
 * when it returns to user mode (step 3). */
TEST(exreg, new_ip_of_a_blocked_thread_takes_effect_when_its_ipc_ends)
{
    reset_ipc_helpers();
    reset_landing();
    L4_ThreadId_t t = tsup_thread(receiver, me().raw);
    int blocked = blocked_after(&rcv_ready, t);
    xreg(t, X_S | X_I, LAND_SP, (L4_Word_t)landing, 0, 0, NIL);
    tsup_sleep_ms(2);
    L4_Word_t st = state(t);
    int early = landed;
    tsup_load(0, 0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_TimePeriod(100000));
    tsup_wait_flag(&landed, 1000);
    int ok = landed && landed_on_land_stack();
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT_EQ(st, L4_SCHEDRESULT_WAITING);          /* still blocked */
    EXPECT_EQ(early, 0);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(ok);                                     /* returned to the new IP and SP */
    EXPECT_EQ(rcv_after, 0);
}

TEST(exreg, cancel_with_a_new_ip)
{
    reset_ipc_helpers();
    reset_landing();
    L4_ThreadId_t t = tsup_thread(receiver, me().raw);
    int blocked = blocked_after(&rcv_ready, t);
    xreg(t, X_r | X_S | X_I, LAND_SP, (L4_Word_t)landing, 0, 0, NIL);
    tsup_wait_flag(&landed, 1000);
    int ok = landed && landed_on_land_stack();
    tsup_kill(t);
    EXPECT(blocked);
    EXPECT(ok);
    EXPECT_EQ(rcv_after, 0);
}

/* A page-fault IPC counts as an IPC (spec 6.1, 5.9): r abandons it, the
 * thread faults again; with a new IP it runs there, its MR0-MR2 as they
 * were before the fault. */
static volatile int pf_ready, pf_after;
static void faulter(L4_Word_t unused)
{
    (void)unused;
    __L4_Utcb()[0] = 0x4444;
    __L4_Utcb()[1] = 0x1111;
    __L4_Utcb()[2] = 0x2222;
    pf_ready = 1;
    (void)*(volatile L4_Word_t *)UNMAPPED;
    pf_after = 1;
}

static int wait_faults(L4_Word_t n)
{
    for (int i = 0; i < 1000 && tsup_rec.count < n; i++)
        tsup_sleep_ms(1);
    tsup_sleep_ms(2);
    return tsup_rec.count == n;
}

TEST(exreg, r_abandons_a_page_fault_ipc)
{
    pf_ready = pf_after = 0;
    reset_landing();
    tsup_rec.count = tsup_rec.tag = tsup_rec.mr1 = tsup_rec.mr2 = 0;
    L4_ThreadId_t p = tsup_thread(tsup_recording_pager, 0);
    L4_ThreadId_t t = tsup_thread(faulter, 0);
    xreg(t, X_p, 0, 0, 0, 0, p);                    /* before it runs */
    int first = wait_faults(1);
    L4_Word_t addr1 = tsup_rec.mr1;
    struct xr in_fault = peek(t);
    L4_Word_t st = state(t);
    ctl_only(t, X_r);
    int second = wait_faults(2);                    /* it faults again */
    L4_Word_t addr2 = tsup_rec.mr1;
    int after_abort = pf_after;
    xreg(t, X_r | X_S | X_I, LAND_SP, (L4_Word_t)landing, 0, 0, NIL);
    tsup_wait_flag(&landed, 1000);
    int ok = landed && landed_on_land_stack();
    tsup_kill(t);
    tsup_kill(p);
    EXPECT(first);
    EXPECT_EQ(addr1, UNMAPPED);
    EXPECT_EQ(in_fault.ctl & 7, X_r);               /* waiting for the pager's reply */
    EXPECT_EQ(st, L4_SCHEDRESULT_WAITING);
    EXPECT(second);
    EXPECT_EQ(addr2, UNMAPPED);
    EXPECT_EQ(after_abort, 0);
    EXPECT(ok);
    EXPECT_EQ(pf_after, 0);
    EXPECT_EQ(land_mr[0], 0x4444);                  /* MRs restored after the abort */
    EXPECT_EQ(land_mr[1], 0x1111);
    EXPECT_EQ(land_mr[2], 0x2222);
}

/* ---- a thread waiting for its start message (spec 4.7) ------------------------------------- */

static volatile L4_Word_t st_gid[4], st_sp[4], st_pager[4];
static uint8_t st_stack[4][4096] __attribute__((aligned(16)));
static void __attribute__((noreturn)) started(int i)
{
    volatile L4_Word_t here = 0;
    st_sp[i] = (L4_Word_t)&here;
    st_pager[i] = L4_Pager().raw;
    st_gid[i] = L4_MyGlobalId().raw;
    for (;;)
        L4_Sleep(L4_Never);
}
static void started0(void) { started(0); }
static void started1(void) { started(1); }
static void started2(void) { started(2); }
static void started3(void) { started(3); }
static void (*const start_fn[4])(void) = { started0, started1, started2, started3 };

static L4_Word_t st_top(int i) { return (L4_Word_t)st_stack[i] + sizeof st_stack[i] - 8; }

static int on_st_stack(int i)
{
    return st_sp[i] > (L4_Word_t)st_stack[i] && st_sp[i] < st_top(i);
}

TEST(exreg, start_a_thread_that_waits_for_its_start_message)
{
    L4_ThreadId_t t[4], p = tsup_new_id();
    L4_Word_t loc[4], r[4];
    L4_Word_t ctl[4] = {
        X_H | X_r | X_s | X_S | X_I,                /* 0x11E, L4_Start_SpIp */
        X_H | X_r | X_s | X_S | X_I | X_p,          /* 0x19E */
        X_r | X_s | X_S | X_I | X_p,                /* 0x9E: no H */
        X_H | X_S | X_I,                            /* no r, s: keeps waiting */
    };
    for (int i = 0; i < 4; i++) {
        st_gid[i] = st_sp[i] = st_pager[i] = 0;
        st_stack[i][0] = 0;
        t[i] = tsup_new_id();
        loc[i] = tsup_utcb_alloc();
        r[i] = L4_ThreadControl(t[i], me(), me(), me(), (void *)loc[i]);
    }
    struct xr x[4];
    for (int i = 0; i < 4; i++)
        x[i] = xreg(t[i], ctl[i], st_top(i), (L4_Word_t)start_fn[i], 0, 0, p);
    tsup_sleep_ms(5);
    L4_Word_t waiting = state(t[3]);
    L4_Word_t not_yet = st_gid[3];
    /* its pager's start message starts it, at the message's IP and SP */
    L4_Word_t w[2] = { (L4_Word_t)started3, st_top(3) };
    tsup_load(0, 2, w);
    L4_MsgTag_t tag = L4_Send_Timeout(t[3], L4_TimePeriod(100000));
    tsup_sleep_ms(5);
    for (int i = 0; i < 4; i++) {
        L4_ThreadControl(t[i], NIL, NIL, NIL, (void *)~0UL);
        tsup_utcb_free(loc[i]);
    }
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(r[i], 1);
        EXPECT_EQ(x[i].r.raw, loc[i] + 0x200);
    }
    EXPECT_EQ(x[0].ctl & 7, X_r);                   /* it was receiving */
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(st_gid[i], t[i].raw);
        EXPECT(on_st_stack(i));
    }
    EXPECT_EQ(st_pager[0], me().raw);
    EXPECT_EQ(st_pager[1], p.raw);
    EXPECT_EQ(st_pager[2], p.raw);
    EXPECT_EQ(waiting, L4_SCHEDRESULT_WAITING);
    EXPECT_EQ(not_yet, 0);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(st_gid[3], t[3].raw);
    EXPECT(on_st_stack(3));
}

/* l4test: ExchangeRegisters on an id that names no thread yet fails
 * (nilthread, error 2) and leaves nothing behind - ThreadControl then
 * creates a thread with that id, which a start by ExchangeRegisters runs,
 * and the handle set by the failed call is not there. */
TEST(exreg, unknown_id_then_created_by_thread_control)
{
    L4_ThreadId_t id = tsup_new_id();
    L4_Word_t loc = tsup_utcb_alloc();
    st_gid[0] = st_sp[0] = 0;
    st_stack[0][0] = 0;
    struct xr before = xreg(id, X_S | X_I | X_u, st_top(0), (L4_Word_t)started0, 0, 0x77, NIL);
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t r = L4_ThreadControl(id, me(), me(), me(), (void *)loc);
    struct xr start = xreg(id, X_H | X_r | X_s | X_S | X_I, st_top(0), (L4_Word_t)started0, 0, 0,
                           NIL);
    for (int i = 0; i < 1000 && !st_gid[0]; i++)
        tsup_sleep_ms(1);
    struct xr after = peek(id);
    L4_ThreadControl(id, NIL, NIL, NIL, (void *)~0UL);
    tsup_utcb_free(loc);
    EXPECT_EQ(before.r.raw, 0);
    EXPECT_EQ(err, L4_ErrInvalidThread);
    EXPECT_EQ(r, 1);
    EXPECT_EQ(start.r.raw, loc + 0x200);
    EXPECT_EQ(st_gid[0], id.raw);
    EXPECT(on_st_stack(0));
    EXPECT_EQ(after.r.raw, loc + 0x200);
    EXPECT_EQ(after.h, 0);
}

/* l4test's exreg stress: resetting IP, SP and pager of a running thread
 * (control r|s|S|I|p) 100 times back to back, then 20 times with pauses,
 * is harmless: the thread runs on from the new IP each time. */
static volatile L4_Word_t spins, restarts;
static uint8_t spin_stack[4096] __attribute__((aligned(16)));

static void __attribute__((noreturn)) spin_from_here(void)
{
    restarts++;
    for (;;)
        spins++;
}

TEST(exreg, resetting_a_running_thread_again_and_again)
{
    spins = restarts = 0;
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    L4_Word_t ctl, sp, ip, fl, h;
    L4_ThreadId_t pg, pager = tsup_pager(), r = L4_nilthread;
    L4_Word_t top = (L4_Word_t)spin_stack + sizeof spin_stack - 8;
    unsigned ok = 0;
    for (int i = 0; i < 120; i++) {
        r = L4_ExchangeRegisters(t, X_r | X_s | X_S | X_I | X_p, top,
                                 (L4_Word_t)spin_from_here, 0, 0, pager, &ctl, &sp, &ip, &fl,
                                 &h, &pg);
        ok += !L4_IsNilThread(r);
        if (i >= 100)
            tsup_sleep_ms(5);               /* it runs a while each time */
    }
    L4_Word_t before = spins;
    tsup_sleep_ms(5);
    L4_Word_t after = spins, n = restarts;
    tsup_kill(t);
    EXPECT_EQ(ok, 120);
    EXPECT(n >= 20);                        /* it started over after the paused ones */
    EXPECT(after > before);                 /* and still runs */
}
