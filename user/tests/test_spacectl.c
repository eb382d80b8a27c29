/* SpaceControl (spec 4.8), rule by rule: (1) privilege, (2) an existing
 * thread names the space, (3) the UTCB area (error 6) and the KIP area
 * (error 7) of a space not yet initialised, the KIP mapped read-only at
 * the KIP area (spec 8.5, 4.3), (4) an initialised space ignores new
 * areas, (5) the control word and the old control returned, (7) result 1.
 * UTCB placement: spec 3.3; error codes: spec 2.9.2. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define NO_UTCB  ((void *)~0UL)
#define NIL      L4_nilthread
#define KERNEL_AREA 0xFFFFFFFFC0000000UL        /* the kernel image (spec 12.1) */

/* Areas A (those of tsupport) and B (elsewhere). */
#define KIP_A   TSUP_KIP_AREA
#define UTCB_A  TSUP_UTCB_AREA
#define KIP_B   0x70000000UL
#define UTCB_B  0x70100000UL

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

static L4_Word_t sc(L4_ThreadId_t space, L4_Word_t control, L4_Fpage_t kip, L4_Fpage_t utcb,
                    L4_Word_t *old)
{
    *old = 0x99;
    return L4_SpaceControl(space, control, kip, utcb, NIL, old);
}

static L4_Fpage_t fp(L4_Word_t base, int log2) { return L4_FpageLog2(base, log2); }

/* A new, uninitialised space (an inactive thread). */
static L4_ThreadId_t new_space(void)
{
    L4_ThreadId_t x = tsup_new_id();
    if (tc(x, x, me(), NIL, ~0UL) != 1)
        test_fail(__FILE__, __LINE__, "ThreadControl (new space) failed: %lu", L4_ErrorCode());
    return x;
}

/* A thread in a new space looks at its KIP area, then touches `poke`
 * (a write if poke_write). */
static struct {
    volatile L4_Word_t kip, magic, version, flags, id, same_page, lid, poke;
    volatile int poke_write, done;
} seen;
static uint8_t kip_copy[4096];
static uint8_t stack[8192] __attribute__((aligned(16)));

static void __attribute__((noreturn)) look_at_kip(void)
{
    L4_Word_t v, f, id;
    const uint8_t *k = L4_KernelInterface(&v, &f, &id);
    seen.kip = (L4_Word_t)k;
    seen.version = v;
    seen.flags = f;
    seen.id = id;
    seen.magic = *(const volatile L4_Word_t *)k;
    seen.same_page = memcmp(k, kip_copy, sizeof kip_copy) == 0;
    seen.lid = (L4_Word_t)__L4_Utcb();
    seen.done = 1;
    if (seen.poke) {
        if (seen.poke_write)
            *(volatile L4_Word_t *)seen.poke = 1;
        else
            (void)*(volatile L4_Word_t *)seen.poke;
    }
    for (;;)
        L4_Sleep(L4_Never);
}

static void reset_seen(L4_Word_t poke, int write)
{
    memset((void *)&seen, 0, sizeof seen);
    seen.poke = poke;
    seen.poke_write = write;
    tsup_stray.n = tsup_stray.tag = tsup_stray.addr = 0;
    memcpy(kip_copy, L4_GetKernelInterface(), sizeof kip_copy);
    for (unsigned j = 0; j < sizeof stack; j += 4096)
        stack[j] = 0;
}

/* A new space with these areas, and in it a thread at UTCB location
 * `loc` running look_at_kip; its faults are served until it is done (and,
 * with until_stray, has faulted outside the image), then it is deleted. */
static void look_from_a_new_space(L4_Fpage_t kip, L4_Fpage_t utcb, L4_Word_t loc, int until_stray)
{
    L4_ThreadId_t x = new_space();
    L4_Word_t old;
    L4_Word_t r_sc = sc(x, 0, kip, utcb, &old), e_sc = L4_ErrorCode();
    L4_Word_t r_act = tc(x, x, NIL, me(), loc), e_act = L4_ErrorCode();
    L4_MsgTag_t tag = tsup_send_start(x, look_at_kip, (L4_Word_t)stack + sizeof stack - 8);
    L4_Word_t e_tag = L4_ErrorCode();
    tsup_serve_faults(&seen.done, until_stray, 2000);
    del(x);
    if (r_sc != 1 || old != 0)
        test_fail(__FILE__, __LINE__, "SpaceControl: expected result 1, old control 0, "
                  "got %lu, 0x%lx (error %lu)", r_sc, old, e_sc);
    if (r_act != 1)
        test_fail(__FILE__, __LINE__, "ThreadControl (activate): expected 1, got 0, error %lu",
                  e_act);
    if (L4_IpcFailed(tag))
        test_fail(__FILE__, __LINE__, "start message: expected no error, got 0x%lx", e_tag);
}

/* ---- rule 1: privileged callers only --------------------------------------- */

static volatile L4_Word_t un_res[3], un_err[3], un_old[3], un_target, un_fresh;

static void unprivileged(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t self = L4_MyGlobalId();
    L4_Word_t old;
    un_res[0] = sc(self, 0, fp(KIP_A, 12), fp(UTCB_A, 16), &old);          /* its own */
    un_err[0] = L4_ErrorCode();
    un_res[1] = sc((L4_ThreadId_t){ .raw = un_target }, 0, fp(KIP_A, 12), fp(UTCB_A, 16), &old);
    un_err[1] = L4_ErrorCode();                                         /* a new one */
    un_res[2] = sc((L4_ThreadId_t){ .raw = un_fresh }, 0, fp(KIP_A, 12), fp(UTCB_A, 16), &old);
    un_err[2] = L4_ErrorCode();                                         /* rule 1 first */
}

TEST(spacectl, rule1_unprivileged_caller_gets_no_privilege)
{
    L4_ThreadId_t x = new_space();
    un_target = x.raw;
    un_fresh = tsup_new_id().raw;
    for (int i = 0; i < 3; i++)
        un_res[i] = un_err[i] = 99;
    L4_ThreadId_t u = tsup_space(unprivileged, 0);
    int joined = tsup_join(u, 2000);
    tsup_kill(u);
    /* x was left uninitialised: areas B are still accepted */
    L4_Word_t old;
    L4_Word_t r_b = sc(x, 0, fp(KIP_B, 12), fp(UTCB_B, 16), &old);
    L4_Word_t r_act = tc(x, x, NIL, me(), UTCB_B);
    del(x);
    EXPECT(joined);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(un_res[i], 0);
        EXPECT_EQ(un_err[i], L4_ErrNoPrivilege);
    }
    EXPECT_EQ(r_b, 1);
    EXPECT_EQ(r_act, 1);
}

/* ---- rule 2: SpaceSpecifier = global id of an existing thread --------------- */

TEST(spacectl, rule2_no_such_thread_is_invalid_space)
{
    L4_ThreadId_t gone = new_space();
    del(gone);
    L4_ThreadId_t bad[5] = {
        tsup_new_id(),                                          /* never existed */
        gone,                                                   /* deleted */
        L4_GlobalId(L4_ThreadNo(me()), L4_Version(me()) + 1),   /* another version */
        L4_MyLocalId(),                                         /* not global */
        NIL,
    };
    for (int i = 0; i < 5; i++) {
        L4_Word_t old;
        EXPECT_EQ(sc(bad[i], 0, fp(KIP_A, 12), fp(UTCB_A, 16), &old), 0);
        EXPECT_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    }
}

/* ---- rule 3: the areas of a space not yet initialised ---------------------- */

TEST(spacectl, rule3_bad_utcb_area_is_invalid_utcb_area)
{
    L4_ThreadId_t x = new_space();
    L4_Fpage_t bad[5] = {
        fp(UTCB_A, 10),                         /* smaller than 2^12 */
        fp(UTCB_A, 11),
        L4_Nilpage,
        fp(KERNEL_AREA, 16),                    /* not in the user area */
        L4_CompleteAddressSpace,                /* includes the kernel */
    };
    L4_Word_t r[5], e[5], old;
    for (int i = 0; i < 5; i++) {
        r[i] = sc(x, 0, fp(KIP_A, 12), bad[i], &old);
        e[i] = L4_ErrorCode();
    }
    L4_Word_t r_both = sc(x, 0, fp(KIP_A, 10), fp(UTCB_A, 10), &old);  /* UTCB first */
    L4_Word_t e_both = L4_ErrorCode();
    L4_Word_t r_act = tc(x, x, NIL, me(), UTCB_A);      /* still uninitialised */
    L4_Word_t e_act = L4_ErrorCode();
    del(x);
    for (int i = 0; i < 5; i++) {
        EXPECT_EQ(r[i], 0);
        EXPECT_EQ(e[i], L4_ErrUtcbArea);
    }
    EXPECT_EQ(r_both, 0);
    EXPECT_EQ(e_both, L4_ErrUtcbArea);
    EXPECT_EQ(r_act, 0);
    EXPECT_EQ(e_act, L4_ErrUtcbArea);
}

TEST(spacectl, rule3_bad_kip_area_is_invalid_kip_area)
{
    L4_ThreadId_t x = new_space();
    L4_Fpage_t bad[7] = {
        fp(KIP_A, 10),                          /* smaller than 2^12 */
        fp(KIP_A, 11),
        L4_Nilpage,
        fp(KERNEL_AREA, 12),                    /* not in the user area */
        fp(UTCB_A, 12),                         /* inside the UTCB area */
        fp(UTCB_A + 0xF000, 12),                /* its last page */
        fp(UTCB_A & ~0xFFFFFUL, 20),            /* around the UTCB area */
    };
    L4_Word_t r[7], e[7], old;
    for (int i = 0; i < 7; i++) {
        r[i] = sc(x, 0, bad[i], fp(UTCB_A, 16), &old);
        e[i] = L4_ErrorCode();
    }
    L4_Word_t r_act = tc(x, x, NIL, me(), UTCB_A);      /* still uninitialised */
    L4_Word_t e_act = L4_ErrorCode();
    L4_Word_t r_ok = sc(x, 0, fp(KIP_A, 12), fp(UTCB_A, 16), &old);
    L4_Word_t r_act2 = tc(x, x, NIL, me(), UTCB_A);
    del(x);
    for (int i = 0; i < 7; i++) {
        EXPECT_EQ(r[i], 0);
        EXPECT_EQ(e[i], L4_ErrKipArea);
    }
    EXPECT_EQ(r_act, 0);
    EXPECT_EQ(e_act, L4_ErrUtcbArea);
    EXPECT_EQ(r_ok, 1);
    EXPECT_EQ(r_act2, 1);
}

/* The smallest UTCB area, 2^12, holds four UTCBs of 1 KB. */
TEST(spacectl, rule3_smallest_utcb_area_holds_four_utcbs)
{
    L4_ThreadId_t x = new_space(), t[4];
    L4_Word_t old, r[5];
    L4_Word_t r_sc = sc(x, 0, fp(KIP_A, 12), fp(UTCB_A, 12), &old);
    r[0] = tc(x, x, NIL, me(), UTCB_A);
    for (int i = 1; i < 4; i++) {
        t[i] = tsup_new_id();
        r[i] = tc(t[i], x, me(), me(), UTCB_A + 1024 * i);
    }
    L4_ThreadId_t y = tsup_new_id();
    r[4] = tc(y, x, me(), me(), UTCB_A + 4096);             /* outside */
    L4_Word_t e4 = L4_ErrorCode();
    del(y);
    for (int i = 1; i < 4; i++)
        del(t[i]);
    del(x);
    EXPECT_EQ(r_sc, 1);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(r[i], 1);
    EXPECT_EQ(r[4], 0);
    EXPECT_EQ(e4, L4_ErrUtcbArea);
}

/* Success maps the KIP read-only at the base of the KIP area; KernelInterface
 * reports that address in the space (spec 4.3, 8.5). */
TEST(spacectl, kip_is_mapped_read_only_at_the_kip_area)
{
    L4_Word_t kip_area = 0x60000000UL;                  /* 16 KB: the KIP at its base */
    reset_seen(kip_area, 1);
    look_from_a_new_space(fp(kip_area, 14), fp(UTCB_A, 16), UTCB_A, 1);
    L4_Word_t v, f, id;
    L4_KernelInterface(&v, &f, &id);
    EXPECT(seen.done);
    EXPECT_EQ(seen.kip, kip_area);
    EXPECT_EQ(seen.magic, 0x4BE6344C);
    EXPECT_EQ(seen.version, v);
    EXPECT_EQ(seen.flags, f);
    EXPECT_EQ(seen.id, id);
    EXPECT(seen.same_page);                             /* the same KIP everywhere */
    /* writing it is a fault for the pager */
    EXPECT_EQ(tsup_stray.n, 1);
    EXPECT_EQ(tsup_stray.addr, kip_area);
    EXPECT_EQ(L4_Label((L4_MsgTag_t){ .raw = tsup_stray.tag }) & ~0xFUL, 0xFFFFFFFFFFE0UL);
    EXPECT(L4_Label((L4_MsgTag_t){ .raw = tsup_stray.tag }) & L4_Writable);
}

/* The layouts of l4test and pingpong (spec 12.2, 13): the KIP of a new
 * space at the creator's own KIP address, its UTCB area at the root
 * task's (0xBF000000, l4test asks for 1 MB) or at 0x80000000 with
 * 2^(UtcbInfo.s + 1) bytes (pingpong); the first UTCB at the area's
 * start. A thread there finds the KIP and its UTCB. */
TEST(spacectl, layouts_of_l4test_and_pingpong)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    L4_Word_t own_kip = (L4_Word_t)k;
    int min_log2 = (int)(k->utcb_info >> 16 & 0x3F);
    static const L4_Word_t base[2] = { 0xBF000000UL, 0x80000000UL };
    int log2[2] = { 20, min_log2 + 1 };
    for (int i = 0; i < 2; i++) {
        reset_seen(0, 0);
        look_from_a_new_space(fp(own_kip, 12), fp(base[i], log2[i]), base[i], 0);
        EXPECT(seen.done);
        EXPECT_EQ(seen.kip, own_kip);
        EXPECT_EQ(seen.magic, 0x4BE6344C);
        EXPECT(seen.same_page);
        EXPECT_EQ(seen.lid, base[i] + 0x200);
        EXPECT_EQ(tsup_stray.n, 0);
    }
}

/* ---- rule 4: an initialised space ignores new areas -------------------------- */

TEST(spacectl, rule4_initialised_space_ignores_new_areas)
{
    reset_seen(KIP_B, 0);
    L4_ThreadId_t x = new_space(), y = tsup_new_id();
    L4_Word_t old_a, old_b, old_c;
    L4_Word_t r_a = sc(x, 0, fp(KIP_A, 12), fp(UTCB_A, 16), &old_a);
    L4_Word_t r_y = tc(y, x, me(), NIL, ~0UL);             /* a second thread there */
    L4_Word_t r_b = sc(y, 0, fp(KIP_B, 12), fp(UTCB_B, 16), &old_b);   /* named by y */
    L4_Word_t r_c = sc(x, 0, L4_Nilpage, L4_Nilpage, &old_c);          /* even bad ones */
    L4_Word_t r_in_b = tc(x, x, NIL, me(), UTCB_B);
    L4_Word_t e_in_b = L4_ErrorCode();
    L4_Word_t r_in_a = tc(x, x, NIL, me(), UTCB_A);
    L4_MsgTag_t tag = tsup_send_start(x, look_at_kip, (L4_Word_t)stack + sizeof stack - 8);
    tsup_serve_faults(&seen.done, 1, 2000);                  /* it reads at KIP_B: a fault */
    del(y);
    del(x);
    EXPECT_EQ(r_a, 1);
    EXPECT_EQ(old_a, 0);
    EXPECT_EQ(r_y, 1);
    EXPECT_EQ(r_b, 1);
    EXPECT_EQ(old_b, 0);
    EXPECT_EQ(r_c, 1);
    EXPECT_EQ(old_c, 0);
    EXPECT_EQ(r_in_b, 0);
    EXPECT_EQ(e_in_b, L4_ErrUtcbArea);
    EXPECT_EQ(r_in_a, 1);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(seen.done);
    EXPECT_EQ(seen.kip, KIP_A);
    EXPECT_EQ(seen.magic, 0x4BE6344C);
    EXPECT_EQ(tsup_stray.n, 1);                              /* nothing at KIP_B */
    EXPECT_EQ(tsup_stray.addr, KIP_B);
}

TEST(spacectl, rule4_root_space_is_initialised_already)
{
    L4_Word_t old, before = (L4_Word_t)L4_GetKernelInterface();
    EXPECT_EQ(sc(me(), 0, fp(KIP_B, 12), fp(UTCB_B, 16), &old), 1);
    EXPECT_EQ(old, 0);
    EXPECT_EQ((L4_Word_t)L4_GetKernelInterface(), before);     /* not KIP_B */
    EXPECT_EQ(*(volatile L4_Word_t *)before, 0x4BE6344C);
}

/* ---- rule 5: the control word; old control 0 without compatibility mode ----- */

static int has_feature(const char *name)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    const char *s = (const char *)k + k->kernel_desc_ptr + 32;     /* version string */
    for (s += strlen(s) + 1; *s; s += strlen(s) + 1)
        if (!strcmp(s, name))
            return 1;
    return 0;
}

TEST(spacectl, rule5_control_and_old_control)
{
    L4_ThreadId_t x = new_space();
    L4_Word_t old[4];
    L4_Word_t r0 = sc(x, 1UL << 63, fp(KIP_A, 12), fp(UTCB_A, 16), &old[0]);
    L4_Word_t r1 = sc(x, 1UL << 63, L4_Nilpage, L4_Nilpage, &old[1]);
    L4_Word_t r2 = sc(x, 0x7FFFFFFFFFFFFFFFUL, L4_Nilpage, L4_Nilpage, &old[2]);
    L4_Word_t r3 = sc(x, 0, L4_Nilpage, L4_Nilpage, &old[3]);
    del(x);
    EXPECT(!has_feature("compatibility_mode"));
    EXPECT_EQ(r0, 1);
    EXPECT_EQ(old[0], 0);                               /* no 32-bit mode to report */
    EXPECT_EQ(r1, 1);
    EXPECT_EQ(old[1], 0);
    EXPECT_EQ(r2, 1);                                   /* other bits ignored */
    EXPECT_EQ(old[2], 0);
    EXPECT_EQ(r3, 1);
    EXPECT_EQ(old[3], 0);
}
