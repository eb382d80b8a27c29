/* System calls with random arguments: the kernel never crashes, answers
 * unprivileged callers of privileged calls with error 1, and is as healthy
 * afterwards as before (it still creates and runs threads and spaces).
 *
 * The random words lean on the values where bugs live: 0, ~0, single bits,
 * kernel-half and non-canonical addresses, complete-space fpages with
 * rights, small numbers. The generator is seeded, so a failure repeats;
 * "fuzzseed=<decimal>" on the test command line (FUZZ_SEED=<n> make test
 * ONLY=fuzz) changes the seeds, to explore further.
 *
 * What stays out of the dice, because it would break the test rather than
 * the kernel: ids in the local form (the stubs dereference them, in user
 * space, as the spec says), "never" timeouts towards a thread that may
 * never answer, receive windows and string buffers over the test image
 * (whose pages every test space shares with the root task), and register
 * changes (SP, IP, FLAGS, pager) of the fuzzer's partner.
 *
 * On a multiprocessor (the suite's -smp 4 boot) the fuzzer and its
 * partner run on processors 2 and 1, the root task on 0. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define ROUNDS_DEFAULT 4000
/* fuzzrounds=N overrides the number of calls per test (long campaigns). */
#define ROUNDS ((unsigned)test_number_option("fuzzrounds=", ROUNDS_DEFAULT))

/* A fixed seed, varied by the fuzzseed option. */
static uint64_t seed(uint64_t fixed)
{
    uint64_t n = test_number_option("fuzzseed=", 0);
    return n ? fixed ^ (n * 0x9E3779B97F4A7C15UL) : fixed;
}

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;       /* xorshift64 */
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static L4_Word_t fuzz_word(void)
{
    switch (rnd() % 10) {
    case 0: return 0;
    case 1: return ~0UL;
    case 2: return 1UL << (rnd() % 64);
    case 3: return 0xFFFF800000000000UL + (rnd() & 0xFFFFFFFUL);   /* kernel half */
    case 4: return 0x0000800000000000UL + (rnd() & 0xFFFFFFUL);    /* non-canonical */
    case 5: return rnd() & 0xFFFF;
    case 6: return 0x10 | (rnd() & 0xF);                            /* complete space */
    case 7: return (rnd() & ~0x3FFUL) | (rnd() % 64) << 4 | (rnd() & 0xF);   /* fpage */
    default: return rnd();
    }
}

/* A thread id in the global form (low six bits not all zero), or nil. */
static L4_ThreadId_t fuzz_id(void)
{
    L4_Word_t w = fuzz_word();
    if (w && !(w & 0x3F))
        w |= 1 + rnd() % 63;
    return (L4_ThreadId_t){ .raw = w };
}

/* Zero, or a period of at most ~2 ms: never blocks for long. */
static L4_Word_t fuzz_time(void)
{
    return rnd() % 2 ? L4_ZeroTime.raw : L4_TimePeriod(rnd() % 2000).raw;
}

/* Addresses a receive window or a string may name: far from the image. */
static L4_Word_t far_address(void)
{
    switch (rnd() % 3) {
    case 0: return 0x0000400000000000UL + (rnd() & 0xFFFFFFFFFFUL);
    case 1: return 0xFFFF800000000000UL + (rnd() & 0xFFFFFFFUL);
    default: return 0x0000800000000000UL + (rnd() & 0xFFFFFFUL);
    }
}

/* ---- unprivileged fuzzing, in a space of its own ------------------------ */

static volatile L4_ThreadId_t partner;       /* the fuzzer's receiving partner */
static volatile int fuzz_done, partner_stop, privileged_success, clock_backwards;
static volatile unsigned calls, partner_msgs, fuzz_rounds;

/* Receives anything with random buffers and acceptors; sometimes answers. */
static void fuzz_partner(L4_Word_t seed)
{
    rng = seed;
    L4_Set_XferTimeouts(0x04000400);         /* zero: faults in a copy abort it */
    while (!partner_stop) {
        L4_Word_t *utcb = __L4_Utcb();
        utcb[__L4_BR(0)] = rnd() % 3 ? (far_address() & ~0x3FFUL) | (rnd() % 64) << 4 | (rnd() & 1)
                                     : rnd() & 1;
        for (int i = 1; i < 8; i++)
            utcb[__L4_BR(i)] = rnd() % 2 ? far_address() : fuzz_word() & ~0x3FFFFFFUL;
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(1000), &from);
        if (L4_IpcSucceeded(tag)) {
            partner_msgs++;
            if (rnd() % 2) {
                L4_Set_MsgTag((L4_MsgTag_t){ .raw = fuzz_word() & ~0xFFC0UL });
                L4_Reply(from);
            }
        }
    }
}

static void fuzz_ipc(void)
{
    L4_Word_t *utcb = __L4_Utcb();
    L4_Word_t tag = fuzz_word();
    if (rnd() % 2)
        tag = (tag & ~(0x3FUL << 6)) | (rnd() % 4) << 6;   /* few typed words, often */
    utcb[0] = tag;
    for (int i = 1; i < 64; i++)
        utcb[i] = rnd() % 4 ? fuzz_word() : far_address();
    L4_Set_XferTimeouts(rnd() % 2 ? 0x04000400 : fuzz_word() & 0x04000400);
    L4_Set_VirtualSender(fuzz_id());
    L4_ThreadId_t to = rnd() % 2 ? partner : fuzz_id(), from_spec, from;
    switch (rnd() % 4) {
    case 0: from_spec = L4_nilthread; break;
    case 1: from_spec = partner; break;
    case 2: from_spec = L4_anythread; break;
    default: from_spec = fuzz_id(); break;
    }
    L4_Word_t timeouts = fuzz_time() << 16 | fuzz_time();
    if (rnd() % 2)
        L4_Ipc(to, from_spec, timeouts, &from);
    else
        L4_Lipc(to, from_spec, timeouts, &from);
}

static void fuzz_calls(L4_Word_t seed)
{
    rng = seed;
    L4_Word_t w;
    L4_ThreadId_t id;
    L4_Clock_t last = L4_SystemClock();
    unsigned rounds = fuzz_rounds;
    for (unsigned round = 0; round < rounds; round++, calls++) {
        switch (rnd() % 12) {
        case 0: case 1: case 2: case 3:
            fuzz_ipc();
            break;
        case 4:       /* privileged: must fail with error 1 */
            if (L4_ThreadControl(fuzz_id(), fuzz_id(), fuzz_id(), fuzz_id(), (void *)fuzz_word()) ||
                L4_ErrorCode() != 1)
                privileged_success++;
            break;
        case 5:
            if (L4_SpaceControl(fuzz_id(), fuzz_word(), (L4_Fpage_t){ .raw = fuzz_word() },
                                (L4_Fpage_t){ .raw = fuzz_word() }, fuzz_id(), &w) ||
                L4_ErrorCode() != 1)
                privileged_success++;
            break;
        case 6:       /* the root task schedules both threads: always refused */
            id = rnd() % 2 ? partner : fuzz_id();
            if (L4_Schedule(id, fuzz_word(), fuzz_word(), fuzz_word(), fuzz_word(), &w))
                privileged_success++;
            break;
        case 7: {     /* others' registers are out of reach; the partner's only some */
            L4_Word_t ctl = fuzz_word(), sp, ip, fl, h;
            L4_ThreadId_t pg;
            id = fuzz_id();
            if (rnd() % 2) {
                id = partner;
                ctl &= 0x347;                /* h r s u H d */
                ctl &= ~1UL;                 /* never leave it halted */
            }
            L4_ExchangeRegisters(id, ctl, fuzz_word(), fuzz_word(), fuzz_word(), fuzz_word(),
                                 fuzz_id(), &w, &sp, &ip, &fl, &h, &pg);
            break;
        }
        case 8: {     /* Unmap of random fpages of its own (faulted back in later) */
            unsigned k = rnd() % 8;
            for (unsigned i = 0; i <= k; i++)
                __L4_Utcb()[i] = fuzz_word();
            L4_Unmap(k | (rnd() % 2) << 6);
            break;
        }
        case 9:
            L4_ThreadSwitch(rnd() % 2 ? partner : fuzz_id());
            break;
        case 10: {
            L4_Clock_t now = L4_SystemClock();
            clock_backwards += now.raw < last.raw;
            last = now;
            (void)L4_ProcessorControl(fuzz_word(), fuzz_word(), fuzz_word(), fuzz_word());
            (void)L4_MemoryControl(fuzz_word(), (L4_Word_t[4]){ rnd(), rnd(), rnd(), rnd() });
            break;
        }
        default: {    /* a system call from outside the stubs: RAX = RDX = 0 */
            L4_Word_t rax = fuzz_word(), rdx = fuzz_word(), rsi = fuzz_word(), rdi = fuzz_word();
            __asm__ volatile("push %%rbp; syscall; pop %%rbp"   /* (RBP: kernel scratch) */
                             : "+a"(rax), "+d"(rdx), "+S"(rsi), "+D"(rdi)
                             :
                             : "rbx", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                               "r15", "memory");
            if (rax || rdx)
                privileged_success++;
            break;
        }
        }
    }
    fuzz_done = 1;
}

/* The fuzzer and its partner share a space; the root task is their pager
 * and scheduler. */
TEST(fuzz, unprivileged_system_calls_with_random_arguments)
{
    fuzz_done = partner_stop = privileged_success = clock_backwards = 0;
    calls = partner_msgs = 0;
    fuzz_rounds = ROUNDS;
    L4_ThreadId_t p = tsup_space(fuzz_partner, seed(0x9E3779B97F4A7C15UL));
    partner = p;
    L4_ThreadId_t f = tsup_space_thread(p, fuzz_calls, seed(0xD1B54A32D192ED03UL));
    unsigned n = tsup_processors();         /* on a multiprocessor, apart from the root */
    tsup_move(p, n > 1 ? 1 : 0);
    tsup_move(f, n > 2 ? 2 : 0);
    for (unsigned ms = 0; ms < 60000 * (ROUNDS / ROUNDS_DEFAULT + 1) && !fuzz_done; ms += 100) {
        tsup_sleep_ms(100);
        if (ms % 10000 == 9900)
            printf("  fuzz: %u of %u calls\n", calls, ROUNDS);
    }
    partner_stop = 1;
    int partner_ended = tsup_join(p, 1000);
    int done = fuzz_done;
    tsup_kill(f);
    tsup_kill(p);
    printf("  fuzz: %u calls, %u messages delivered to the partner\n", calls, partner_msgs);
    EXPECT_EQ(done, 1);
    EXPECT_EQ(calls, ROUNDS);
    EXPECT(partner_ended);
    EXPECT_EQ(privileged_success, 0);
    EXPECT_EQ(clock_backwards, 0);
    EXPECT_NE(partner_msgs, 0);                  /* some messages got through */
    /* and the kernel still does its work */
    L4_ThreadId_t t = tsup_space(tsup_fn_sleeper, 0);
    EXPECT_NE(L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 }), 0);
    tsup_kill(t);
}

/* ---- privileged fuzzing: ThreadControl and SpaceControl ------------------
 * On thread numbers nobody else uses, version 1, so that everything the
 * dice created can be deleted exactly afterwards. */

#define SANDBOX_BASE 0x3FF00UL
#define SANDBOX_SIZE 32

static L4_ThreadId_t sandbox_id(void)
{
    switch (rnd() % 8) {
    case 0: return L4_nilthread;
    case 1: return fuzz_id();
    default: return L4_GlobalId(SANDBOX_BASE + rnd() % SANDBOX_SIZE, 1);
    }
}

static L4_Word_t area_word(void)
{
    return rnd() % 3 ? L4_FpageLog2((rnd() & 0xFFFF) << 20, 12 + rnd() % 10).raw : fuzz_word();
}

TEST(fuzz, thread_and_space_control_with_random_arguments)
{
    rng = seed(0x2545F4914F6CDD1DUL);
    L4_ThreadId_t me = L4_MyGlobalId();
    unsigned created = 0, rounds = ROUNDS;
    for (unsigned round = 0; round < rounds; round++) {
        L4_Word_t w;
        if (rnd() % 3) {
            L4_ThreadId_t dest = L4_GlobalId(SANDBOX_BASE + rnd() % SANDBOX_SIZE, 1);
            L4_ThreadId_t space = rnd() % 4 ? sandbox_id() : dest;
            L4_ThreadId_t sched = rnd() % 2 ? me : sandbox_id();
            L4_ThreadId_t pager = rnd() % 3 ? sandbox_id() : L4_nilthread;
            void *utcb = (void *)(rnd() % 2 ? area_word() & ~0x3FFUL : fuzz_word());
            if (rnd() % 4 == 0)
                utcb = (void *)~0UL;
            created += L4_ThreadControl(dest, space, sched, pager, utcb) == 1;
        } else {
            L4_ThreadId_t redirector = rnd() % 2 ? L4_anythread : sandbox_id();
            L4_SpaceControl(sandbox_id(), fuzz_word(), (L4_Fpage_t){ .raw = area_word() },
                            (L4_Fpage_t){ .raw = area_word() }, redirector, &w);
        }
    }
    for (unsigned i = 0; i < SANDBOX_SIZE; i++)            /* delete them all */
        L4_ThreadControl(L4_GlobalId(SANDBOX_BASE + i, 1), L4_nilthread, L4_nilthread,
                         L4_nilthread, (void *)0);
    for (unsigned i = 0; i < SANDBOX_SIZE; i++)            /* all gone */
        EXPECT_EQ(L4_Schedule(L4_GlobalId(SANDBOX_BASE + i, 1), ~0UL, ~0UL, ~0UL, ~0UL,
                              &(L4_Word_t){ 0 }), 0);
    printf("  fuzz: %u of %u ThreadControl/SpaceControl calls created or changed a thread\n",
           created, ROUNDS);
    EXPECT_NE(created, 0);
    /* Nothing leaked: a round of new spaces, each with a thread, succeeds
     * as before (the kernel pool would run dry after a few leaky rounds). */
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < SANDBOX_SIZE; i++) {
            L4_ThreadId_t t = L4_GlobalId(SANDBOX_BASE + i, 1);
            EXPECT_EQ(L4_ThreadControl(t, t, me, L4_nilthread, (void *)~0UL), 1);
            EXPECT_EQ(L4_SpaceControl(t, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                                      L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread,
                                      &(L4_Word_t){ 0 }), 1);
            EXPECT_EQ(L4_ThreadControl(t, t, me, me, (void *)TSUP_UTCB_AREA), 1);
        }
        for (unsigned i = 0; i < SANDBOX_SIZE; i++)
            EXPECT_EQ(L4_ThreadControl(L4_GlobalId(SANDBOX_BASE + i, 1), L4_nilthread,
                                       L4_nilthread, L4_nilthread, (void *)0), 1);
    }
}
