/* Several processors (spec 4.9 ProcessorControl, 8.1 ProcessorInfo, 8.3
 * processor descriptors, 3.2 ProcessorNo): what the KIP reports, moving
 * threads with Schedule, threads that run at the same time, IPC between
 * processors, unmaps that reach every processor (no stale TLB entry),
 * deleting a thread that runs on another processor, moving a thread
 * while it talks, and IPC between threads of one processor, on every
 * processor, while the others cancel, move and call them. (Group `mp`:
 * the harness's checks of the -smp boot are named smp.*.)
 *
 * N is the number of processors the KIP reports: 4 in the suite's -smp 4
 * boot, 1 in the others. On one processor each test checks instead that
 * Schedule refuses processor 1 (ErrorCode 5, nothing changed) and runs
 * its scenario with every thread on processor 0, so each asserts
 * something in both kinds of boot.
 *
 * Waits are bounded (polling with sleeps) and fail saying what did not
 * happen, but one: threads_on_two_processors_run_at_once waits for a
 * writer that a spinner would starve forever if both were on one
 * processor; then the boot hangs and the harness's timeout fails it. */
#include <stdarg.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "format.h"
#include "pecan/protocol.h"
#include "irqsupport.h"
#include "testlib.h"
#include "tsupport.h"
#include "../bench/pingpong.h"

#define NIL      L4_nilthread
#define MAX_CPUS 16                     /* the tests use at most this many */
#define TAG_X    (1UL << 14)            /* cross-processor flag (spec 2.2): may be set */
#define TAG_E    (1UL << 15)
#define SEND_PHASE 0
#define RECV_PHASE 1
#define IPC_ERR(code, phase) ((L4_Word_t)(code) << 1 | (phase))
#define SECONDS(s) L4_TimePeriod((s) * 1000000ULL)
#define MS(ms)     L4_TimePeriod((ms) * 1000ULL)

static L4_ThreadId_t tid(L4_Word_t raw) { return (L4_ThreadId_t){ .raw = raw }; }

static unsigned ncpus(void)
{
    unsigned n = tsup_processors();
    return n > MAX_CPUS ? MAX_CPUS : n;
}

/* The k-th of the processors other than 0, in turn (0 on one processor). */
static L4_Word_t other_cpu(unsigned k)
{
    unsigned n = ncpus();
    return n == 1 ? 0 : 1 + k % (n - 1);
}

static L4_Word_t sched_state(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

static L4_Word_t time_control_of(L4_ThreadId_t t)
{
    L4_Word_t old;
    L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
    return old;
}

/* Wait (up to about two seconds) until t's Schedule state is `state`. */
static int wait_state(L4_ThreadId_t t, L4_Word_t state)
{
    for (int i = 0; i < 2000; i++) {
        if (sched_state(t) == state)
            return 1;
        tsup_sleep_ms(1);
    }
    return sched_state(t) == state;
}

/* The root thread (of the test that runs now). Helpers wait for its word
 * to go in a closed receive, so that they are blocked, not polling (a
 * thread that sleeps in 1 ms steps looks ready to one that looks at it
 * on the same tick). */
static volatile L4_Word_t mp_root;

static void set_root(void) { mp_root = L4_MyGlobalId().raw; }

static void wait_for_go(void) { L4_Receive(tid(mp_root)); }

static void go(L4_ThreadId_t t)
{
    __L4_Utcb()[0] = 0;
    L4_MsgTag_t tag = L4_Send_Timeout(t, SECONDS(5));
    if (L4_IpcFailed(tag))
        test_fail(__FILE__, __LINE__, "telling %lx to go: expected it to take the message, got "
                  "ErrorCode 0x%lx (its state %lu)", t.raw, L4_ErrorCode(), sched_state(t));
}

/* Wait (up to about five seconds) until *flag is set; fail saying `what`. */
static void wait_for(volatile int *flag, const char *what)
{
    if (!tsup_wait_flag(flag, 5000))
        test_fail(__FILE__, __LINE__, "expected %s within 5 s; it did not happen", what);
}

/* The error code of a failed IPC, 0 for one that succeeded. */
static L4_Word_t ipc_error(L4_Word_t tag, L4_Word_t err)
{
    return tag & TAG_E ? err : 0;
}

/* Schedule t onto processor `cpu`, which does not exist: result 0 with
 * ErrorCode 5, and nothing changes (a time slice given in the same call,
 * t's processor). */
static void expect_refused(L4_ThreadId_t t, L4_Word_t cpu)
{
    L4_Word_t on = tsup_processor_of(t), before = time_control_of(t), old;
    L4_Word_t r = L4_Schedule(t, L4_TimeControl(MS(5), L4_Never), cpu, ~0UL, ~0UL, &old);
    L4_Word_t e = L4_ErrorCode();
    if (r != 0 || e != L4_ErrInvalidParam)
        test_fail(__FILE__, __LINE__, "Schedule of %lx to processor %lu (the KIP reports %u): "
                  "expected result 0 with ErrorCode 5, got result %lu with ErrorCode %lu", t.raw,
                  cpu, tsup_processors(), r, e);
    L4_Word_t after = time_control_of(t);
    if (after != before)
        test_fail(__FILE__, __LINE__, "the refused Schedule of %lx changed its TimeControl: "
                  "expected 0x%lx, got 0x%lx", t.raw, before, after);
    if (tsup_processor_of(t) != on)
        test_fail(__FILE__, __LINE__, "the refused Schedule of %lx moved it: expected it on "
                  "processor %lu, it is on %lu", t.raw, on, tsup_processor_of(t));
}

/* ---- the KIP ------------------------------------------------------------------ */

TEST(mp, kip_reports_the_processors)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    unsigned n = (unsigned)(k->processor_info & 0xFFFF) + 1;
    printf("mp: the KIP reports %u processors\n", n);
    EXPECT_EQ(k->processor_info >> 60, 5);              /* descriptors of 2^5 bytes */
    EXPECT_EQ(k->proc_desc_ptr, 0x240);
    L4_Word_t mem_descs = k->memory_info >> 32;
    for (unsigned cpu = 0; cpu < n; cpu++) {
        L4_Word_t off = k->proc_desc_ptr + 32 * cpu;
        if (off + 32 > 4096)
            test_fail(__FILE__, __LINE__, "processor %u's descriptor: expected inside the KIP "
                      "page, it is at offset 0x%lx (of %u)", cpu, off, n);
        if (off + 32 > k->kernel_desc_ptr || off + 32 > mem_descs)
            test_fail(__FILE__, __LINE__, "processor %u's descriptor at 0x%lx: expected before "
                      "the kernel descriptor (0x%lx) and the memory descriptors (0x%lx)", cpu,
                      off, k->kernel_desc_ptr, mem_descs);
        L4_Word_t internal = *(const L4_Word_t *)((const char *)k + off + 8);
        if (internal == 0)
            test_fail(__FILE__, __LINE__, "processor %u's descriptor (offset 0x%lx): expected a "
                      "nonzero internal frequency at +8, got 0", cpu, off);
    }
}

/* ---- Schedule's ProcessorControl ---------------------------------------------- */

TEST(mp, schedule_refuses_a_processor_that_does_not_exist)
{
    unsigned n = tsup_processors();
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    EXPECT_EQ(tsup_processor_of(t), 0);         /* on its creator's processor */
    expect_refused(t, n);
    expect_refused(t, 0xFFFF);
    expect_refused(L4_MyGlobalId(), n);
    expect_refused(L4_MyGlobalId(), 0xFFFF);
    EXPECT_EQ(L4_ProcessorNo(), 0);
    EXPECT_EQ(tsup_processor_of(t), 0);
    if (n > 1) {                                /* and where it was moved to */
        tsup_move(t, n - 1);
        expect_refused(t, n);
        expect_refused(t, 0xFFFF);
        EXPECT_EQ(tsup_processor_of(t), n - 1);
    }
    tsup_kill(t);
}

/* Answers every message with its ProcessorNo, as its own UTCB shows it. */
static void where_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        mr[0] = 0x3A << 16 | 1;
        mr[1] = L4_ProcessorNo();
        tag = L4_ReplyWait(from, &from);
    }
}

/* Ask a where_server on which processor it runs. */
static L4_Word_t ask_where(L4_ThreadId_t t)
{
    __L4_Utcb()[0] = 0x3A << 16;
    L4_MsgTag_t tag = L4_Call_Timeouts(t, SECONDS(5), SECONDS(5));
    if (L4_IpcFailed(tag) || (tag.raw & ~TAG_X) != (0x3A << 16 | 1))
        test_fail(__FILE__, __LINE__, "asking %lx on which processor it runs: expected an "
                  "answer, got tag 0x%lx, ErrorCode 0x%lx", t.raw, tag.raw, L4_ErrorCode());
    return __L4_Utcb()[1];
}

/* A thread of the root task's space that creates a where_server. */
static volatile L4_Word_t cr_made;
static volatile int cr_done;
static void creator(L4_Word_t unused)
{
    (void)unused;
    cr_made = tsup_thread(where_server, 0).raw;
    cr_done = 1;
}

TEST(mp, a_moved_thread_runs_on_its_new_processor)
{
    unsigned n = ncpus();
    L4_ThreadId_t t = tsup_thread(where_server, 0);     /* in the root task's space */
    L4_ThreadId_t s = tsup_space(where_server, 0);      /* in a space of its own */
    EXPECT_EQ(tsup_processor_of(t), 0);                 /* new: on the creator's processor */
    EXPECT_EQ(ask_where(t), 0);
    EXPECT_EQ(ask_where(s), 0);
    if (n == 1) {
        expect_refused(t, 1);
        expect_refused(s, 1);
        EXPECT_EQ(ask_where(t), 0);
        EXPECT_EQ(ask_where(s), 0);
    }
    /* to each other processor in turn and back to 0 */
    for (unsigned k = 1; k <= n; k++) {
        L4_Word_t cpu = k % n;
        tsup_move(t, cpu);
        tsup_move(s, cpu);
        L4_Word_t wt = ask_where(t), ws = ask_where(s);
        if (wt != cpu || ws != cpu)
            test_fail(__FILE__, __LINE__, "moved to processor %lu: expected both threads to "
                      "report ProcessorNo %lu, the one in the root task's space reports %lu, "
                      "the one in its own space %lu", cpu, cpu, wt, ws);
    }
    /* a thread made by a thread on processor 1 starts there */
    cr_done = 0;
    L4_ThreadId_t c = tsup_thread(creator, 0);
    tsup_move(c, other_cpu(0));
    wait_for(&cr_done, "the creator to create a thread");
    L4_Word_t made_on = ask_where(tid(cr_made));
    EXPECT_EQ(made_on, other_cpu(0));
    tsup_kill(tid(cr_made));
    tsup_kill(c);
    tsup_kill(s);
    tsup_kill(t);
}

/* ---- parallel ------------------------------------------------------------------ */

static volatile int ra_flag, ra_writer_ran;
static volatile int ra_spinning[MAX_CPUS], ra_saw[MAX_CPUS];
static volatile L4_Word_t ra_cpu[MAX_CPUS], ra_writer_cpu;

/* Waits for the root thread's word, then spins without a system call
 * until ra_flag is set. */
static void ra_spinner(L4_Word_t k)
{
    wait_for_go();
    ra_cpu[k] = L4_ProcessorNo();
    ra_spinning[k] = 1;
    while (!ra_flag)
        ;
    ra_saw[k] = 1;
}

static void ra_writer(L4_Word_t unused)
{
    (void)unused;
    ra_writer_cpu = L4_ProcessorNo();
    ra_writer_ran = 1;
    ra_flag = 1;
}

/* A spinner at priority 200 on each processor but 0; on processor 0 a
 * writer at 50 sets the flag they wait for. On one processor a spinner
 * would starve the writer forever; on one processor this checks that,
 * with the root thread ending the spin. */
TEST(mp, threads_on_two_processors_run_at_once)
{
    unsigned n = ncpus(), spinners = n > 1 ? n - 1 : 1;
    ra_flag = ra_writer_ran = 0;
    ra_writer_cpu = ~0UL;
    set_root();
    L4_ThreadId_t s[MAX_CPUS];
    for (unsigned k = 0; k < spinners; k++) {
        ra_spinning[k] = ra_saw[k] = 0;
        ra_cpu[k] = ~0UL;
        s[k] = tsup_thread(ra_spinner, k);
        if (!tsup_wait_blocked(s[k]))
            test_fail(__FILE__, __LINE__, "spinner %u: expected it to wait for its start, its "
                      "state is %lu", k, sched_state(s[k]));
        L4_Set_Priority(s[k], 200);
        if (n == 1)
            expect_refused(s[k], 1);
        tsup_move(s[k], other_cpu(k));
        go(s[k]);
        wait_for(&ra_spinning[k], "the spinner to start spinning");
        EXPECT_EQ(ra_cpu[k], other_cpu(k));
    }
    L4_ThreadId_t w = tsup_thread(ra_writer, 0);
    L4_Set_Priority(w, 50);
    if (n == 1) {
        tsup_sleep_ms(20);                      /* the spinner spins meanwhile */
        int ran_meanwhile = ra_writer_ran;
        ra_flag = 1;
        wait_for(&ra_saw[0], "the spinner to stop");
        wait_for(&ra_writer_ran, "the writer to run once the spinner stopped");
        EXPECT_EQ(ran_meanwhile, 0);            /* strict priorities on one processor */
    } else {
        /* No bound: if a spinner shared processor 0 with the writer, the
         * writer would never run; the harness's timeout ends the boot. */
        for (unsigned i = 0;; i++) {
            unsigned saw = 0;
            for (unsigned k = 0; k < spinners; k++)
                saw += ra_saw[k];
            if (saw == spinners)
                break;
            if (i == 10000) {
                printf("mp: threads_on_two_processors_run_at_once: still waiting: the writer "
                       "%s; spinners' processors:", ra_writer_ran ? "ran" : "has not run");
                for (unsigned k = 0; k < spinners; k++)
                    printf(" %lu (state %lu, saw %d)", tsup_processor_of(s[k]),
                           sched_state(s[k]), ra_saw[k]);
                printf("\n");
            }
            tsup_sleep_ms(1);
        }
    }
    EXPECT_EQ(ra_writer_cpu, 0);
    tsup_kill(w);
    for (unsigned k = 0; k < spinners; k++)
        tsup_kill(s[k]);
}

/* ---- IPC between processors ---------------------------------------------------- */

/* Ping-pong: the client calls with label round + 1 and pp_words() words
 * pp_word(round, i); the server answers with label round << 8 | its
 * ProcessorNo and the words complemented. Each checks every word. */
struct pp_fail {
    volatile int set;
    volatile L4_Word_t round, index, expected, got;
    const char *volatile what;
};
struct pp {
    L4_ThreadId_t server;
    int varying;                    /* word counts round % 63; else 0, 8, 63 by thousands */
    L4_Word_t want;                 /* round trips (0: until stop) */
    L4_Word_t server_cpu;           /* where answers must come from; ~0: anywhere */
    volatile int stop, finished;
    volatile L4_Word_t rounds, last_cpu, cpus, client_cpu;
    struct pp_fail client_fail, server_fail;
};

static unsigned pp_words(const struct pp *p, L4_Word_t round)
{
    static const unsigned fixed[3] = { 0, 8, 63 };
    return p->varying ? (unsigned)(round % 63) : fixed[round / 1000 % 3];
}

static L4_Word_t pp_word(L4_Word_t round, unsigned i)
{
    return (round << 8 | i) * 0x9E3779B97F4A7C15UL ^ 0x6D70;
}

static void pp_note(struct pp_fail *f, L4_Word_t round, const char *what, L4_Word_t index,
                    L4_Word_t expected, L4_Word_t got)
{
    if (f->set)
        return;
    f->round = round;
    f->what = what;
    f->index = index;
    f->expected = expected;
    f->got = got;
    f->set = 1;
}

static void pp_server(L4_Word_t arg)
{
    struct pp *p = (struct pp *)arg;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (L4_Word_t round = 0;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag)) {
            pp_note(&p->server_fail, round, L4_ErrorCode() & 1 ? "receive failed, ErrorCode"
                                                               : "reply failed, ErrorCode",
                    0, 0, L4_ErrorCode());
            tag = L4_Wait(&from);
            continue;
        }
        round = L4_Label(tag) - 1;
        unsigned n = pp_words(p, round);
        if ((tag.raw & 0xFFFF & ~TAG_X) != n)
            pp_note(&p->server_fail, round, "request's tag bits 0-15 (u, t, flags)", 0, n,
                    tag.raw & 0xFFFF);
        for (unsigned i = 1; i <= n; i++) {
            if (mr[i] != pp_word(round, i))
                pp_note(&p->server_fail, round, "request's MR", i, pp_word(round, i), mr[i]);
            mr[i] = ~pp_word(round, i);
        }
        mr[0] = (round << 8 | L4_ProcessorNo()) << 16 | n;
        tag = L4_ReplyWait(from, &from);
    }
}

static void pp_client(L4_Word_t arg)
{
    struct pp *p = (struct pp *)arg;
    wait_for_go();
    p->client_cpu = L4_ProcessorNo();
    for (L4_Word_t r = 0; p->want ? r < p->want : !p->stop; r++) {
        unsigned n = pp_words(p, r);
        L4_Word_t *mr = __L4_Utcb();
        for (unsigned i = 1; i <= n; i++)
            mr[i] = pp_word(r, i);
        mr[0] = (r + 1) << 16 | n;
        L4_MsgTag_t tag = L4_Call(p->server);
        if (L4_IpcFailed(tag)) {
            pp_note(&p->client_fail, r, "Call failed, ErrorCode", 0, 0, L4_ErrorCode());
            break;
        }
        L4_Word_t cpu = L4_Label(tag) & 0xFF;
        if (L4_Label(tag) >> 8 != r)
            pp_note(&p->client_fail, r, "reply's round (label >> 8)", 0, r, L4_Label(tag) >> 8);
        else if ((tag.raw & 0xFFFF & ~TAG_X) != n)
            pp_note(&p->client_fail, r, "reply's tag bits 0-15 (u, t, flags)", 0, n,
                    tag.raw & 0xFFFF);
        else if (p->server_cpu != ~0UL && cpu != p->server_cpu)
            pp_note(&p->client_fail, r, "server's processor (reply's label)", 0, p->server_cpu,
                    cpu);
        for (unsigned i = 1; i <= n && !p->client_fail.set; i++)
            if (mr[i] != ~pp_word(r, i))
                pp_note(&p->client_fail, r, "reply's MR", i, ~pp_word(r, i), mr[i]);
        if (p->client_fail.set)
            break;
        p->last_cpu = cpu;
        p->cpus |= 1UL << cpu;
        p->rounds = r + 1;
    }
    p->finished = 1;
}

/* Fail with what the client or the server found wrong, if anything. */
static void pp_check(const char *what, struct pp *p)
{
    struct pp_fail *f[2] = { &p->server_fail, &p->client_fail };
    for (int i = 0; i < 2; i++)
        if (f[i]->set)
            test_fail(__FILE__, __LINE__, "%s: the %s, round %lu (%u words): %s %lu: expected "
                      "0x%lx, got 0x%lx", what, i ? "client" : "server", f[i]->round,
                      pp_words(p, f[i]->round), f[i]->what, f[i]->index, f[i]->expected,
                      f[i]->got);
}

static struct pp pp;

/* 1000 round trips each with 0, 8 and 63 words, between a client on
 * processor `cc` in the root task's space and a server on `sc`, in its
 * own space or the root task's. */
static void ping_pong(L4_Word_t cc, L4_Word_t sc, int own_space)
{
    pp = (struct pp){ .want = 3000, .server_cpu = sc };
    L4_ThreadId_t s = own_space ? tsup_space(pp_server, (L4_Word_t)&pp)
                                : tsup_thread(pp_server, (L4_Word_t)&pp);
    if (!tsup_wait_blocked(s))
        test_fail(__FILE__, __LINE__, "ping-pong server: expected it to wait, state %lu",
                  sched_state(s));
    tsup_move(s, sc);
    pp.server = s;
    L4_ThreadId_t c = tsup_thread(pp_client, (L4_Word_t)&pp);
    tsup_move(c, cc);
    go(c);
    int joined = tsup_join(c, 60000);
    tsup_kill(c);
    tsup_kill(s);
    char what[80];
    snprintf(what, sizeof what, "ping-pong, processor %lu to %lu (%s)", cc, sc,
             own_space ? "two spaces" : "one space");
    pp_check(what, &pp);
    if (!joined)
        test_fail(__FILE__, __LINE__, "%s: expected 3000 round trips, the client did %lu and "
                  "then waited for a reply", what, pp.rounds);
    EXPECT_EQ(pp.rounds, 3000);
    EXPECT_EQ(pp.client_cpu, cc);
}

/* One server on processor `sc`, in a space of its own, called at once by
 * a client on its processor, whose Calls take the fast path, and by one
 * on processor `oc`, whose Calls cross through the general path: the
 * kernel must not let both deliver to the server at once (the general
 * path claims the server's processor before it looks at the server,
 * arch/mp.h). Each client makes 3000 round trips and checks every word
 * of every answer; the server checks every request. */
static struct pp pp_other;

static void two_callers(L4_Word_t sc, L4_Word_t oc)
{
    pp = (struct pp){ .want = 3000, .server_cpu = sc };
    pp_other = pp;
    L4_ThreadId_t s = tsup_space(pp_server, (L4_Word_t)&pp);
    if (!tsup_wait_blocked(s))
        test_fail(__FILE__, __LINE__, "shared server: expected it to wait, state %lu",
                  sched_state(s));
    tsup_move(s, sc);
    pp.server = pp_other.server = s;
    L4_ThreadId_t c[2] = { tsup_thread(pp_client, (L4_Word_t)&pp),
                           tsup_thread(pp_client, (L4_Word_t)&pp_other) };
    tsup_move(c[0], sc);
    tsup_move(c[1], oc);
    go(c[0]);
    go(c[1]);
    int joined[2];
    for (int i = 0; i < 2; i++)
        joined[i] = tsup_join(c[i], 60000);
    for (int i = 0; i < 2; i++)
        tsup_kill(c[i]);
    tsup_kill(s);
    char what[96];
    snprintf(what, sizeof what, "one server on processor %lu, callers on %lu and %lu", sc, sc,
             oc);
    pp_check(what, &pp);
    pp_check(what, &pp_other);
    struct pp *p[2] = { &pp, &pp_other };
    for (int i = 0; i < 2; i++)
        if (!joined[i])
            test_fail(__FILE__, __LINE__, "%s: expected 3000 round trips from the caller on "
                      "%lu, it did %lu and then waited for a reply", what, i ? oc : sc,
                      p[i]->rounds);
    EXPECT_EQ(pp.rounds, 3000);
    EXPECT_EQ(pp_other.rounds, 3000);
    EXPECT_EQ(pp.client_cpu, sc);
    EXPECT_EQ(pp_other.client_cpu, oc);
}

/* A string of 8 KB from a sender in one space to a receiver in another;
 * neither has touched its buffer, which their pager maps only on a fault:
 * the copy faults on both sides. */
#define XS_SRC 0x61000000UL             /* the sender's buffer, in its space */
#define XS_DST 0x62000000UL             /* the receiver's, in its */
#define XS_LEN 8192
static uint8_t xs_src[XS_LEN] __attribute__((aligned(4096)));
static uint8_t xs_dst[XS_LEN] __attribute__((aligned(4096)));
static volatile L4_Word_t xs_src_faults, xs_dst_faults, xs_pager;
static struct xside {
    volatile int ready, done;
    volatile L4_Word_t tag, err, mr1, mr2;
} xs_s, xs_r;

static int xs_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
        L4_UntypedWords(tag) != 2)
        return 0;
    L4_Word_t a = mr[1], page, rights;
    if (a - XS_SRC < XS_LEN) {
        xs_src_faults++;
        page = (L4_Word_t)xs_src + ((a - XS_SRC) & ~0xFFFUL);
        rights = L4_Readable;
    } else if (a - XS_DST < XS_LEN) {
        xs_dst_faults++;
        page = (L4_Word_t)xs_dst + ((a - XS_DST) & ~0xFFFUL);
        rights = L4_ReadWriteOnly;
    } else {
        return 0;
    }
    mr[0] = 2 << 6;
    mr[1] = (a & ~0xFFFUL) | 0x8;
    mr[2] = L4_FpageLog2(page, 12).raw | rights;
    return 1;
}

static void xs_pager_fn(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(xs_answer);
}

static void xs_receiver(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    L4_Set_Pager(tid(xs_pager));
    L4_Sleep(L4_ZeroTime);
    L4_LoadBR(0, 1);                            /* strings accepted */
    L4_LoadBR(1, (L4_Word_t)XS_LEN << 10);
    L4_LoadBR(2, XS_DST);
    xs_r.ready = 1;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    xs_r.err = L4_ErrorCode();
    xs_r.tag = tag.raw;
    xs_r.mr1 = __L4_Utcb()[1];
    xs_r.mr2 = __L4_Utcb()[2];
    xs_r.done = 1;
}

static void xs_sender(L4_Word_t to)
{
    wait_for_go();
    L4_Set_Pager(tid(xs_pager));
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 0x5A5UL << 16 | 2 << 6;             /* one string item */
    mr[1] = (L4_Word_t)XS_LEN << 10;
    mr[2] = XS_SRC;
    L4_MsgTag_t tag = L4_Send(tid(to));
    xs_s.err = L4_ErrorCode();
    xs_s.tag = tag.raw;
    xs_s.done = 1;
}

static void string_between(L4_Word_t sender_cpu, L4_Word_t receiver_cpu)
{
    for (unsigned i = 0; i < XS_LEN; i++)
        xs_src[i] = (uint8_t)(i * 7 + i / 251);
    memset(xs_dst, 0xEE, XS_LEN);
    xs_s = (struct xside){ 0 };
    xs_r = (struct xside){ 0 };
    xs_src_faults = xs_dst_faults = 0;
    L4_ThreadId_t pager = tsup_thread(xs_pager_fn, 0);
    L4_Set_Priority(pager, 200);
    xs_pager = pager.raw;
    L4_ThreadId_t r = tsup_space(xs_receiver, 0);
    EXPECT(tsup_wait_blocked(r));
    tsup_move(r, receiver_cpu);
    L4_ThreadId_t s = tsup_space(xs_sender, r.raw);
    EXPECT(tsup_wait_blocked(s));
    tsup_move(s, sender_cpu);
    go(r);
    wait_for(&xs_r.ready, "the string receiver to be ready");
    tsup_sleep_ms(2);
    EXPECT(tsup_wait_blocked(r));
    go(s);
    int s_done = tsup_wait_flag(&xs_s.done, 10000), r_done = tsup_wait_flag(&xs_r.done, 10000);
    L4_Word_t s_state = sched_state(s), r_state = sched_state(r);
    tsup_kill(s);
    tsup_kill(r);
    tsup_kill(pager);
    if (!s_done || !r_done)
        test_fail(__FILE__, __LINE__, "string from processor %lu to %lu: expected both to "
                  "finish within 10 s; the sender %s (state %lu), the receiver %s (state %lu); "
                  "faults served: %lu on the source, %lu on the buffer", sender_cpu,
                  receiver_cpu, s_done ? "did" : "did not", s_state, r_done ? "did" : "did not",
                  r_state, xs_src_faults, xs_dst_faults);
    EXPECT_EQ(ipc_error(xs_s.tag, xs_s.err), 0);
    EXPECT_EQ(ipc_error(xs_r.tag, xs_r.err), 0);
    EXPECT_EQ(xs_r.tag & ~TAG_X, 0x5A5UL << 16 | 2 << 6);
    EXPECT_EQ(xs_r.mr1 >> 10, XS_LEN);          /* the sender's item, as sent (spec 5.3) */
    EXPECT_EQ(xs_r.mr2, XS_SRC);
    for (unsigned i = 0; i < XS_LEN; i++)
        if (xs_dst[i] != xs_src[i])
            test_fail(__FILE__, __LINE__, "string from processor %lu to %lu: byte %u: expected "
                      "0x%x, got 0x%x", sender_cpu, receiver_cpu, i, xs_src[i], xs_dst[i]);
    if (xs_src_faults == 0 || xs_dst_faults == 0)
        test_fail(__FILE__, __LINE__, "string from processor %lu to %lu: expected a page fault "
                  "on each side, the pager served %lu on the source and %lu on the buffer",
                  sender_cpu, receiver_cpu, xs_src_faults, xs_dst_faults);
}

/* A map item from a thread of the root task's space to a thread of
 * another space, which reads the page through its receive window and
 * writes a word the root thread then finds in its own page. */
#define MI_WIN  0x63000000UL
#define MI_MARK 0x4D41524BUL
static L4_Word_t mi_page[512] __attribute__((aligned(4096)));
static struct {
    volatile int ready, r_done, s_done;
    volatile L4_Word_t r_tag, r_err, s_tag, s_err, bad_index, bad_value, pager;
} mi;

static L4_Word_t mi_word(unsigned i) { return 0x3C3C000000000000UL + i * 0x10101UL; }

static void mi_receiver(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    L4_Set_Pager(tid(mi.pager));                /* records a fault on the window */
    L4_Sleep(L4_ZeroTime);
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(MI_WIN, 12)));
    mi.ready = 1;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    mi.r_err = L4_ErrorCode();
    mi.r_tag = tag.raw;
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IpcSucceeded(tag)) {
        volatile L4_Word_t *w = (volatile L4_Word_t *)MI_WIN;
        for (unsigned i = 0; i < 512 && mi.bad_index == ~0UL; i++)
            if (w[i] != mi_word(i)) {
                mi.bad_value = w[i];
                mi.bad_index = i;
            }
        w[1] = MI_MARK;
    }
    mi.r_done = 1;
}

static void mi_sender(L4_Word_t to)
{
    wait_for_go();
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)mi_page, 12),
                                                  L4_ReadWriteOnly), 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 0x3A9UL << 16 | 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_MsgTag_t tag = L4_Send(tid(to));
    mi.s_err = L4_ErrorCode();
    mi.s_tag = tag.raw;
    mi.s_done = 1;
}

static void map_between(L4_Word_t sender_cpu, L4_Word_t receiver_cpu)
{
    for (unsigned i = 0; i < 512; i++)
        mi_page[i] = mi_word(i);
    memset((void *)&mi, 0, sizeof mi);
    mi.bad_index = ~0UL;
    L4_Word_t faults_before = tsup_rec.count;
    L4_ThreadId_t pager = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(pager, 200);
    mi.pager = pager.raw;
    L4_ThreadId_t r = tsup_space(mi_receiver, 0);
    EXPECT(tsup_wait_blocked(r));
    tsup_move(r, receiver_cpu);
    L4_ThreadId_t s = tsup_thread(mi_sender, r.raw);
    tsup_move(s, sender_cpu);
    go(r);
    wait_for(&mi.ready, "the map receiver to be ready");
    tsup_sleep_ms(2);
    EXPECT(tsup_wait_blocked(r));
    go(s);
    int s_done = tsup_wait_flag(&mi.s_done, 5000), r_done = tsup_wait_flag(&mi.r_done, 5000);
    tsup_kill(s);
    tsup_kill(r);
    tsup_kill(pager);
    if (!s_done || !r_done)
        test_fail(__FILE__, __LINE__, "map item from processor %lu to %lu: expected both to "
                  "finish; the sender %s, the receiver %s%s (fault at 0x%lx)", sender_cpu,
                  receiver_cpu, s_done ? "did" : "did not", r_done ? "did" : "did not",
                  tsup_rec.count != faults_before ? "; it faulted" : "",
                  tsup_rec.count != faults_before ? tsup_rec.mr1 : 0UL);
    EXPECT_EQ(ipc_error(mi.s_tag, mi.s_err), 0);
    EXPECT_EQ(ipc_error(mi.r_tag, mi.r_err), 0);
    EXPECT_EQ(mi.r_tag & ~TAG_X, 0x3A9UL << 16 | 2 << 6);
    if (mi.bad_index != ~0UL)
        test_fail(__FILE__, __LINE__, "map item from processor %lu to %lu: word %lu of the "
                  "mapped page: expected 0x%lx, got 0x%lx", sender_cpu, receiver_cpu,
                  mi.bad_index, mi_word((unsigned)mi.bad_index), mi.bad_value);
    EXPECT_EQ(mi_page[1], MI_MARK);                     /* the same page */
}

/* Timeouts across processors: A sends to and receives from Z, which
 * waits for nobody (ErrorCode 2 and 3, with and without a period); the
 * message of the send that timed out is gone (Z finds none from A); a
 * Call whose callee V takes the message and never answers times out in
 * its receive phase (3). */
static struct {
    volatile int stage1, z_done, v_got, done;
    volatile L4_Word_t tag[5], err[5], z_tag, z_err, v_tag, z, v, a;
} tt;

static void tt_a(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    L4_ThreadId_t z = tid(tt.z), v = tid(tt.v);
    L4_MsgTag_t tag;
    __L4_Utcb()[0] = 0x77UL << 16;
    tag = L4_Send_Timeout(z, MS(20));
    tt.err[0] = L4_ErrorCode();
    tt.tag[0] = tag.raw;
    tt.stage1 = 1;
    wait_for_go();
    __L4_Utcb()[0] = 0x77UL << 16;
    tag = L4_Send_Timeout(z, L4_ZeroTime);
    tt.err[1] = L4_ErrorCode();
    tt.tag[1] = tag.raw;
    tag = L4_Receive_Timeout(z, MS(20));
    tt.err[2] = L4_ErrorCode();
    tt.tag[2] = tag.raw;
    tag = L4_Receive_Timeout(z, L4_ZeroTime);
    tt.err[3] = L4_ErrorCode();
    tt.tag[3] = tag.raw;
    __L4_Utcb()[0] = 0x78UL << 16;
    tag = L4_Call_Timeouts(v, L4_Never, MS(20));
    tt.err[4] = L4_ErrorCode();
    tt.tag[4] = tag.raw;
    tt.done = 1;
}

/* Z: waits for the root thread's word, then looks for a message from A. */
static void tt_z(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    L4_MsgTag_t tag = L4_Receive_Timeout(tid(tt.a), L4_ZeroTime);
    tt.z_err = L4_ErrorCode();
    tt.z_tag = tag.raw;
    tt.z_done = 1;
}

/* V: takes one message and never answers. */
static void tt_v(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    tt.v_tag = tag.raw;
    tt.v_got = 1;
}

static void timeouts_between(L4_Word_t a_cpu, L4_Word_t z_cpu)
{
    memset((void *)&tt, 0, sizeof tt);
    L4_ThreadId_t z = tsup_space(tt_z, 0);
    L4_ThreadId_t v = tsup_space(tt_v, 0);
    EXPECT(tsup_wait_blocked(z));
    EXPECT(tsup_wait_blocked(v));
    tsup_move(z, z_cpu);
    tsup_move(v, z_cpu);
    L4_ThreadId_t a = tsup_thread(tt_a, 0);
    tsup_move(a, a_cpu);
    tt.z = z.raw;
    tt.v = v.raw;
    tt.a = a.raw;
    go(a);
    int st1 = tsup_wait_flag(&tt.stage1, 5000);
    go(z);
    int zd = tsup_wait_flag(&tt.z_done, 5000);
    go(a);
    int ad = tsup_wait_flag(&tt.done, 5000);
    tsup_kill(a);
    tsup_kill(z);
    tsup_kill(v);
    if (!st1 || !zd || !ad)
        test_fail(__FILE__, __LINE__, "timeouts from processor %lu to %lu: expected every IPC "
                  "to end: the first send %s, Z's receive %s, the rest %s", a_cpu, z_cpu,
                  st1 ? "did" : "did not", zd ? "did" : "did not", ad ? "did" : "did not");
    EXPECT_EQ(tt.tag[0] & TAG_E, TAG_E);
    EXPECT_EQ(tt.err[0], IPC_ERR(L4_ErrTimeout, SEND_PHASE));        /* 2 */
    EXPECT_EQ(tt.z_tag & TAG_E, TAG_E);                 /* nothing from A is left */
    EXPECT_EQ(tt.z_err, IPC_ERR(L4_ErrTimeout, RECV_PHASE));
    EXPECT_EQ(tt.tag[1] & TAG_E, TAG_E);
    EXPECT_EQ(tt.err[1], IPC_ERR(L4_ErrTimeout, SEND_PHASE));
    EXPECT_EQ(tt.tag[2] & TAG_E, TAG_E);
    EXPECT_EQ(tt.err[2], IPC_ERR(L4_ErrTimeout, RECV_PHASE));        /* 3 */
    EXPECT_EQ(tt.tag[3] & TAG_E, TAG_E);
    EXPECT_EQ(tt.err[3], IPC_ERR(L4_ErrTimeout, RECV_PHASE));
    EXPECT_EQ(tt.v_got, 1);                             /* the Call's send went through */
    EXPECT_EQ(tt.v_tag & ~TAG_X, 0x78UL << 16);
    EXPECT_EQ(tt.tag[4] & TAG_E, TAG_E);
    EXPECT_EQ(tt.err[4], IPC_ERR(L4_ErrTimeout, RECV_PHASE));
}

/* A (root task's space) blocks sending to B, then receiving from B, on
 * another processor, which waits for nobody; the root thread cancels
 * each with ExchangeRegisters (control 6) from processor `from_cpu`:
 * ErrorCode 6, then 7. Then A blocks sending to C and receiving from D,
 * which are deleted: 4, 5. (From A's own processor an abort goes without
 * the kernel lock when the wait is that processor's alone, exreg_local:
 * a receive, or a send queued there.) */
static struct {
    volatile int stage, done;
    volatile L4_Word_t tag[4], err[4], peer[4];
} xa;

/* (No sleep between the IPCs: the root thread tells them by A's state.) */
static void xa_a(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    for (int i = 0; i < 4; i++) {
        L4_MsgTag_t tag;
        if (i % 2 == 0) {
            __L4_Utcb()[0] = 0x79UL << 16;
            tag = L4_Send(tid(xa.peer[i]));
        } else {
            tag = L4_Receive(tid(xa.peer[i]));
        }
        xa.err[i] = L4_ErrorCode();
        xa.tag[i] = tag.raw;
        xa.stage = i + 1;
    }
    xa.done = 1;
}

static L4_Word_t exreg(L4_ThreadId_t t, L4_Word_t control)
{
    L4_Word_t old;
    __L4_ExReg(t, control, 0, 0, 0, 0, NIL, &old);
    return old;
}

static void aborts_between(L4_Word_t a_cpu, L4_Word_t b_cpu, L4_Word_t from_cpu)
{
    memset((void *)&xa, 0, sizeof xa);
    L4_ThreadId_t b = tsup_space(tsup_fn_sleeper, 0);
    L4_ThreadId_t c = tsup_space(tsup_fn_sleeper, 0);
    L4_ThreadId_t d = tsup_thread(tsup_fn_sleeper, 0);
    EXPECT(tsup_wait_blocked(b));
    EXPECT(tsup_wait_blocked(c));
    EXPECT(tsup_wait_blocked(d));
    tsup_move(b, b_cpu);
    tsup_move(c, b_cpu);
    tsup_move(d, b_cpu);
    L4_ThreadId_t a = tsup_thread(xa_a, 0);
    tsup_move(a, a_cpu);
    static const L4_Word_t want_state[4] = { L4_SCHEDRESULT_PENDING_SEND, L4_SCHEDRESULT_WAITING,
                                             L4_SCHEDRESULT_PENDING_SEND, L4_SCHEDRESULT_WAITING };
    L4_ThreadId_t peer[4] = { b, b, c, d };
    L4_Word_t phase[4];
    for (int i = 0; i < 4; i++)
        xa.peer[i] = peer[i].raw;
    printf("aborts: A on processor %lu, its partners on %lu, cancelled from %lu\n", a_cpu, b_cpu,
           from_cpu);
    tsup_move(L4_MyGlobalId(), from_cpu);
    go(a);
    for (int i = 0; i < 4; i++) {
        if (!wait_state(a, want_state[i]))
            test_fail(__FILE__, __LINE__, "IPC %d of A (processor %lu) to %lx (processor %lu): "
                      "expected A blocked in state %lu, it is in %lu", i, a_cpu, peer[i].raw,
                      b_cpu, want_state[i], sched_state(a));
        if (i < 2) {
            phase[i] = exreg(a, 0) & 7;                 /* its phase, nothing cancelled */
            exreg(a, L4_ExReg_AbortIpc);                /* control 6 */
        } else {
            phase[i] = 0;
            tsup_kill(peer[i]);
        }
        for (int k = 0; k < 5000 && xa.stage <= i; k++)
            tsup_sleep_ms(1);
        if (xa.stage <= i)
            test_fail(__FILE__, __LINE__, "IPC %d of A (processor %lu) to %lx (processor %lu): "
                      "expected it to end once %s, it did not (state %lu)", i, a_cpu,
                      peer[i].raw, b_cpu, i < 2 ? "cancelled" : "its partner was deleted",
                      sched_state(a));
    }
    tsup_move(L4_MyGlobalId(), 0);
    tsup_kill(a);
    tsup_kill(b);
    EXPECT_EQ(phase[0], L4_ExReg_AbortSend);
    EXPECT_EQ(phase[1], L4_ExReg_AbortRecv);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(xa.tag[i] & TAG_E, TAG_E);
    EXPECT_EQ(xa.err[0], IPC_ERR(L4_ErrCanceled, SEND_PHASE));      /* 6 */
    EXPECT_EQ(xa.err[1], IPC_ERR(L4_ErrCanceled, RECV_PHASE));      /* 7 */
    EXPECT_EQ(xa.err[2], IPC_ERR(L4_ErrNonExist, SEND_PHASE));      /* 4 */
    EXPECT_EQ(xa.err[3], IPC_ERR(L4_ErrNonExist, RECV_PHASE));      /* 5 */
}

TEST(mp, ipc_between_processors)
{
    unsigned n = ncpus();
    L4_Word_t one = other_cpu(0), two = n > 2 ? 2 : 0;  /* 1 and 2, or what there is */
    set_root();
    if (n == 1) {
        L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
        expect_refused(t, 1);
        tsup_kill(t);
    }
    ping_pong(0, one, 0);
    ping_pong(one, two, 1);
    two_callers(one, two);
    two_callers(two, 0);
    string_between(one, two);
    string_between(two, one);
    map_between(one, two);
    timeouts_between(one, two);
    aborts_between(one, two, 0);
    aborts_between(one, two, one);
    aborts_between(one, one, one);
}

/* ---- unmap ----------------------------------------------------------------------- */

/* Space X: readers on every processor but 0 (on one processor: one on
 * 0) read UM_V without end; their pager maps there one of two pages of
 * the root task's. Each round the root thread fills the other page with
 * the next value and lets the pager map that one, takes the page away
 * (Flush by X's thread U on processor 0, or Unmap by the root thread of
 * its own page, in turns) and, once that has returned, poisons the old
 * page. Every reader's next read must fault (the pager sees it) and
 * show the new value; a reader that reads the poison used a stale TLB
 * entry. */
#define UM_V      0x64000000UL
#define UM_ROUNDS 100
#define UM_POISON 0xDEADDEADDEADDEADUL
static L4_Word_t um_pg[2][512] __attribute__((aligned(4096)));
static struct {
    volatile L4_Word_t cur, faults, round, pager;
    volatile L4_Word_t seen[MAX_CPUS], cpu[MAX_CPUS];
    volatile int bad;
    volatile L4_Word_t bad_reader, bad_round, bad_first, bad_last, bad_cpu;
} um;

static L4_Word_t um_live(L4_Word_t round) { return 0x1111000000000000UL | (round * 0x10001 + 1); }

static int um_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
        L4_UntypedWords(tag) != 2 || (mr[1] & ~0xFFFUL) != UM_V)
        return 0;
    um.faults++;
    mr[0] = 2 << 6;
    mr[1] = UM_V | 0x8;
    mr[2] = L4_FpageLog2((L4_Word_t)um_pg[um.cur], 12).raw | L4_Readable;
    return 1;
}

static void um_pager(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(um_answer);
}

static void um_reader(L4_Word_t k)
{
    L4_Set_Pager(tid(um.pager));
    for (;;) {
        L4_Word_t first = ((volatile L4_Word_t *)UM_V)[0];
        L4_Word_t last = ((volatile L4_Word_t *)UM_V)[511];
        if ((first == UM_POISON || last == UM_POISON) && !um.bad) {
            um.bad_reader = k;
            um.bad_round = um.round;
            um.bad_first = first;
            um.bad_last = last;
            um.bad_cpu = L4_ProcessorNo();
            um.bad = 1;
        }
        um.cpu[k] = L4_ProcessorNo();
        um.seen[k] = first == last ? first : 0;
    }
}

/* U: flushes the fpage each message names, then answers. */
static void um_flusher(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag) || L4_UntypedWords(tag) != 1) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_Flush((L4_Fpage_t){ .raw = mr[1] });
        mr[0] = 0;
        tag = L4_ReplyWait(from, &from);
    }
}

static void um_fill(unsigned page, L4_Word_t value)
{
    for (int i = 0; i < 512; i++)
        ((volatile L4_Word_t *)um_pg[page])[i] = value;
}

/* Until every reader has seen `value` (about five seconds at most). */
static int um_all_see(unsigned readers, L4_Word_t value)
{
    for (int i = 0; i < 5000; i++) {
        unsigned k = 0;
        while (k < readers && um.seen[k] == value)
            k++;
        if (k == readers)
            return 1;
        tsup_sleep_ms(1);
    }
    return 0;
}

static void um_report(unsigned readers, L4_Word_t round, const char *how, L4_Word_t value)
{
    for (unsigned k = 0; k < readers; k++)
        if (um.seen[k] != value)
            test_fail(__FILE__, __LINE__, "round %lu (%s): expected every reader to fault and "
                      "read 0x%lx after the unmap returned; reader %u on processor %lu reads "
                      "0x%lx%s (the pager served %lu faults)", round, how, value, k, um.cpu[k],
                      um.seen[k], um.seen[k] == UM_POISON ? ", the old page's poison: a stale "
                      "TLB entry" : "", um.faults);
    test_fail(__FILE__, __LINE__, "round %lu (%s): expected every reader to read 0x%lx within "
              "5 s of the unmap; they do only now", round, how, value);
}

TEST(mp, unmap_reaches_every_processor)
{
    unsigned n = ncpus(), readers = n > 1 ? n - 1 : 1;
    memset((void *)&um, 0, sizeof um);
    um_fill(0, um_live(0));
    L4_ThreadId_t pager = tsup_thread(um_pager, 0);
    L4_Set_Priority(pager, 200);
    um.pager = pager.raw;
    L4_ThreadId_t u = tsup_space(um_flusher, 0);            /* X's thread on processor 0 */
    L4_ThreadId_t r[MAX_CPUS];
    for (unsigned k = 0; k < readers; k++) {
        um.cpu[k] = ~0UL;
        r[k] = tsup_space_thread(u, um_reader, k);
        L4_Set_Priority(r[k], 50);
        if (n == 1)
            expect_refused(r[k], 1);
        tsup_move(r[k], other_cpu(k));
    }
    if (!um_all_see(readers, um_live(0)))
        um_report(readers, 0, "first mapping", um_live(0));
    for (unsigned k = 0; k < readers; k++)
        EXPECT_EQ(um.cpu[k], other_cpu(k));
    for (L4_Word_t i = 0; i < UM_ROUNDS; i++) {
        unsigned old = i & 1, next = old ^ 1;
        um_fill(next, um_live(i + 1));
        um.cur = next;
        um.round = i + 1;
        L4_Word_t faults = um.faults;
        const char *how;
        if (i % 2 == 0) {
            how = "Flush by a thread of the readers' space on processor 0";
            L4_Word_t *mr = __L4_Utcb();
            mr[0] = 1;
            mr[1] = L4_FpageAddRights(L4_FpageLog2(UM_V, 12), L4_FullyAccessible).raw;
            L4_MsgTag_t tag = L4_Call_Timeouts(u, SECONDS(5), SECONDS(5));
            if (L4_IpcFailed(tag))
                test_fail(__FILE__, __LINE__, "round %lu: asking U to flush: expected an "
                          "answer, got ErrorCode 0x%lx", i + 1, L4_ErrorCode());
        } else {
            how = "Unmap of the page it came from, by the root thread on processor 0";
            L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)um_pg[old], 12),
                                            L4_FullyAccessible));
        }
        um_fill(old, UM_POISON);
        if (!um_all_see(readers, um_live(i + 1)))
            um_report(readers, i + 1, how, um_live(i + 1));
        if (um.bad)
            test_fail(__FILE__, __LINE__, "round %lu: reader %lu on processor %lu read 0x%lx "
                      "and 0x%lx at the page's ends: the old page's poison, after the unmap "
                      "had returned (a stale TLB entry)", um.bad_round, um.bad_reader,
                      um.bad_cpu, um.bad_first, um.bad_last);
        if (um.faults == faults)
            test_fail(__FILE__, __LINE__, "round %lu (%s): expected the pager to see a fault "
                      "after the unmap, it saw none", i + 1, how);
    }
    for (unsigned k = 0; k < readers; k++)
        tsup_kill(r[k]);
    tsup_kill(u);
    tsup_kill(pager);
}

/* ---- deleting a running thread ---------------------------------------------------- */

static volatile L4_Word_t dl_count, dl_cpu;

static void dl_spinner(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        dl_cpu = L4_ProcessorNo();
        dl_count++;
    }
}

static void dl_reporter(L4_Word_t root)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 0x44UL << 16 | 1;
    mr[1] = L4_ProcessorNo();
    L4_Send_Timeout(tid(root), SECONDS(5));
}

/* 100 times: a thread (in the root task's space, or alone in a space of
 * its own, in turns) spins on another processor; the root thread deletes
 * it. It is gone at once (Schedule: invalid thread; its counter stands
 * still from then on), and its number serves a new thread at once, which
 * starts on the creator's processor. */
TEST(mp, deleting_a_thread_running_on_another_processor)
{
    unsigned n = ncpus();
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    for (unsigned i = 0; i < 100; i++) {
        int own_space = i & 1;
        L4_Word_t cpu = other_cpu(i);
        const char *where = own_space ? "alone in its space" : "in the root task's space";
        dl_cpu = ~0UL;
        dl_count = 0;
        if (own_space)
            tsup_space_as(id, dl_spinner, 0);
        else
            tsup_thread_as(id, dl_spinner, 0);
        if (n == 1 && i < 2)
            expect_refused(id, 1);
        tsup_move(id, cpu);
        int on = 0, counting = 0;
        for (int w = 0; w < 5000 && !on; w++) {
            on = dl_cpu == cpu;
            if (!on)
                tsup_sleep_ms(1);
        }
        L4_Word_t c0 = dl_count;
        for (int w = 0; w < 5000 && on && !counting; w++) {
            tsup_sleep_ms(1);
            counting = dl_count != c0;
        }
        if (!on || !counting)
            test_fail(__FILE__, __LINE__, "round %u: expected the spinner (%s) to spin on "
                      "processor %lu; it reports processor %lu, count %lu", i, where, cpu,
                      dl_cpu, dl_count);
        L4_Word_t r = L4_ThreadControl(id, NIL, NIL, NIL, (void *)~0UL);
        L4_Word_t err = L4_ErrorCode(), c1 = dl_count;
        L4_Word_t st = sched_state(id), st_err = L4_ErrorCode();
        tsup_kill(id);                          /* its slot (deleting again does nothing) */
        if (r != 1)
            test_fail(__FILE__, __LINE__, "round %u: deleting the spinner (%s) on processor "
                      "%lu: expected ThreadControl to succeed, got %lu, ErrorCode %lu", i,
                      where, cpu, r, err);
        if (st != 0 || st_err != L4_ErrInvalidThread)
            test_fail(__FILE__, __LINE__, "round %u: after deleting the spinner (%s): expected "
                      "Schedule to find no thread (ErrorCode 2), got result %lu, ErrorCode %lu",
                      i, where, st, st_err);
        if (own_space)
            tsup_space_as(id, dl_reporter, me.raw);
        else
            tsup_thread_as(id, dl_reporter, me.raw);
        L4_MsgTag_t tag = L4_Receive_Timeout(id, SECONDS(5));
        L4_Word_t tag_err = L4_ErrorCode(), reported = __L4_Utcb()[1];
        L4_Word_t c2 = dl_count;
        tsup_kill(id);
        if (L4_IpcFailed(tag))
            test_fail(__FILE__, __LINE__, "round %u: the thread made again (%s) in the deleted "
                      "one's place: expected its message, got ErrorCode 0x%lx", i, where,
                      tag_err);
        if (reported != 0)
            test_fail(__FILE__, __LINE__, "round %u: the thread made again (%s): expected it "
                      "on its creator's processor 0, it reports %lu", i, where, reported);
        if (c2 != c1)
            test_fail(__FILE__, __LINE__, "round %u: the spinner (%s) on processor %lu went on "
                      "running after ThreadControl deleted it: its count went from %lu to %lu",
                      i, where, cpu, c1, c2);
    }
}

/* ---- migration under load --------------------------------------------------------- */

/* A (root task's space, processor 0) calls B (a space of its own) with
 * 0 to 62 words, each checked both ways, while the root thread moves B
 * 200 times: between processors 1 .. N-1 (on two: between 1 and 0; on
 * one, where each move is refused, B stays on 0). After each move, a
 * round trip must come back from B's new processor. */
TEST(mp, migration_under_load)
{
    unsigned n = ncpus();
    set_root();
    pp = (struct pp){ .varying = 1, .server_cpu = ~0UL };
    L4_ThreadId_t b = tsup_space(pp_server, (L4_Word_t)&pp);
    EXPECT(tsup_wait_blocked(b));
    L4_Word_t first = other_cpu(0);
    tsup_move(b, first);
    pp.server = b;
    L4_ThreadId_t a = tsup_thread(pp_client, (L4_Word_t)&pp);
    go(a);
    L4_Word_t target = first;
    for (unsigned k = 0; k <= 200; k++) {
        if (k > 0) {
            L4_Word_t old, r;
            if (n == 1) {
                r = L4_Schedule(b, ~0UL, 1, ~0UL, ~0UL, &old);
                if (r != 0 || L4_ErrorCode() != L4_ErrInvalidParam)
                    test_fail(__FILE__, __LINE__, "move %u of B to processor 1 of 1: expected "
                              "result 0, ErrorCode 5, got %lu, %lu", k, r, L4_ErrorCode());
            } else {
                target = n == 2 ? k % 2 == 0 : other_cpu(k);
                r = L4_Schedule(b, ~0UL, target, ~0UL, ~0UL, &old);
                if (r == 0)
                    test_fail(__FILE__, __LINE__, "move %u of B to processor %lu: expected "
                              "Schedule to succeed, got ErrorCode %lu", k, target,
                              L4_ErrorCode());
            }
        }
        L4_Word_t r0 = pp.rounds;
        int ok = 0;
        for (int w = 0; w < 5000 && !ok && !pp.client_fail.set && !pp.server_fail.set; w++) {
            ok = pp.rounds >= r0 + 2 && pp.last_cpu == target;
            if (!ok)
                tsup_sleep_ms(1);
        }
        pp_check("migration under load", &pp);
        if (!ok)
            test_fail(__FILE__, __LINE__, "move %u of B to processor %lu: expected round trips "
                      "answered from there; A is at round %lu, the last answer came from "
                      "processor %lu", k, target, pp.rounds, pp.last_cpu);
    }
    pp.stop = 1;
    int joined = tsup_join(a, 5000);
    tsup_kill(a);
    tsup_kill(b);
    pp_check("migration under load", &pp);
    EXPECT(joined);
    EXPECT_EQ(pp.client_cpu, 0);
    L4_Word_t all = n == 1 ? 1 : n == 2 ? 3 : ((1UL << n) - 1) & ~1UL;
    EXPECT_EQ(pp.cpus, all);                    /* B answered from each of them */
}

/* ---- map, unmap and IPC from every processor at once ------------------------------ */

/*
 * One cell per processor c, all at the same time: M (root task's space,
 * on c) maps its page A to R (a space of its own, on the next processor)
 * at W with a map item, and R answers what it reads at W's two ends: A's
 * value of this round. Then M unmaps A, writes poison into it, and asks R
 * to read again: W must fault (its pager P, on c, maps page F, with a
 * value of this round) and R read F. One that saw an old round's value
 * used a stale mapping. The map item puts A at W2 too, the next page,
 * where S, a thread of R's space on R's processor, reads all the time,
 * so that the processor keeps R's space (and its TLB entries) while R
 * waits: S must never see the poison, which M writes only once its Unmap
 * has returned (a stale TLB entry). S's faults at W2 get F too, whenever
 * P serves them (they are not counted: a late one must not pass for R's).
 * The next round's map items replace F at W and W2.
 */
#define ST_W      0x66000000UL
#define ST_W2     (ST_W + 0x1000)
#define ST_ROUNDS 30
#define ST_POISON 0xBADBADBADBADBADUL
static L4_Word_t st_pg[MAX_CPUS][2][512] __attribute__((aligned(4096)));   /* A: 0, F: 1 */
static struct st_cell {
    volatile L4_Word_t reader, spinner, pager, rounds, faults, poisoned, poisoned_round;
    volatile L4_Word_t bad_round, bad_got, bad_want;
    const char *volatile bad_what;
} st[MAX_CPUS];
static volatile int st_go;

static L4_Word_t st_value(unsigned c, L4_Word_t round, int fresh)
{
    return 0x5700000000000000UL | (L4_Word_t)fresh << 40 | (L4_Word_t)c << 32 | round;
}

static void st_fill(L4_Word_t *page, L4_Word_t v)
{
    for (int i = 0; i < 512; i++)
        ((volatile L4_Word_t *)page)[i] = v;
}

/* R: on every message, reads W's ends and answers them (0 if they differ). */
static void st_reader(L4_Word_t c)
{
    L4_Set_Pager(tid(st[c].pager));
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(ST_W, 13)));      /* W and W2 */
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t first = ((volatile L4_Word_t *)ST_W)[0];
        L4_Word_t last = ((volatile L4_Word_t *)ST_W)[511];
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 1;
        mr[1] = first == last ? first : 0;
        tag = L4_IpcFailed(tag) ? L4_Wait(&from) : L4_ReplyWait(from, &from);
    }
}

/* S */
static void st_spinner(L4_Word_t c)
{
    L4_Set_Pager(tid(st[c].pager));
    for (;;) {
        L4_Word_t first = ((volatile L4_Word_t *)ST_W2)[0];
        L4_Word_t last = ((volatile L4_Word_t *)ST_W2)[511];
        if ((first == ST_POISON || last == ST_POISON) && !st[c].poisoned) {
            st[c].poisoned_round = st[c].rounds + 1;
            st[c].poisoned = 1;
        }
    }
}

/* P: a fault of its cell's R at W, or of its S at W2, gets page F. */
static int st_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    for (unsigned c = 0; c < MAX_CPUS; c++) {
        int r = st[c].reader == from.raw;
        if (!r && st[c].spinner != from.raw)
            continue;
        L4_Word_t w = r ? ST_W : ST_W2;
        if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
            L4_UntypedWords(tag) != 2 || (mr[1] & ~0xFFFUL) != w)
            return 0;
        st[c].faults += r;
        mr[0] = 2 << 6;
        mr[1] = w | 0x8;
        mr[2] = L4_FpageLog2((L4_Word_t)st_pg[c][1], 12).raw | L4_Readable;
        return 1;
    }
    return 0;
}

static void st_pager(L4_Word_t unused)
{
    (void)unused;
    tsup_pager_loop(st_answer);
}

/* R's answer to one message (u untyped words, t typed), or 0 on failure. */
static L4_Word_t st_ask(unsigned c, L4_Word_t *msg, unsigned u, unsigned t)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = t << 6 | u;
    for (unsigned i = 1; i <= u + t; i++)
        mr[i] = msg[i - 1];
    L4_MsgTag_t tag = L4_Call_Timeouts(tid(st[c].reader), SECONDS(5), SECONDS(5));
    return L4_IpcFailed(tag) || L4_UntypedWords(tag) != 1 ? 0 : mr[1];
}

static int st_expect(struct st_cell *cell, L4_Word_t round, const char *what, L4_Word_t got,
                     L4_Word_t want)
{
    if (got == want)
        return 1;
    cell->bad_round = round;
    cell->bad_got = got;
    cell->bad_want = want;
    cell->bad_what = what;
    return 0;
}

/* M */
static void st_mapper(L4_Word_t c)
{
    struct st_cell *cell = &st[c];
    L4_Word_t *a = st_pg[c][0];
    while (!st_go)
        tsup_sleep_ms(1);
    for (L4_Word_t r = 1; r <= ST_ROUNDS; r++) {
        st_fill(a, st_value(c, r, 0));
        st_fill(st_pg[c][1], st_value(c, r, 1));
        L4_Fpage_t fp = L4_FpageAddRights(L4_FpageLog2((L4_Word_t)a, 12), L4_Readable);
        L4_MapItem_t m = L4_MapItem(fp, 0), m2 = L4_MapItem(fp, 0x1000);   /* W, W2 */
        L4_Word_t map_msg[5] = { r, m.raw[0], m.raw[1], m2.raw[0], m2.raw[1] };
        if (!st_expect(cell, r, "after the map items", st_ask(c, map_msg, 1, 4),
                       st_value(c, r, 0)))
            return;
        L4_Word_t faults = cell->faults;
        L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)a, 12), L4_FullyAccessible));
        st_fill(a, ST_POISON);
        L4_Word_t read_msg[1] = { r };
        if (!st_expect(cell, r, "after the unmap", st_ask(c, read_msg, 1, 0),
                       st_value(c, r, 1)) ||
            !st_expect(cell, r, "R's faults at W after the unmap", cell->faults, faults + 1))
            return;
        cell->rounds = r;
    }
}

TEST(mp, map_unmap_and_ipc_from_every_processor_at_once)
{
    unsigned n = ncpus();
    L4_ThreadId_t m[MAX_CPUS], r[MAX_CPUS], p[MAX_CPUS], s[MAX_CPUS];
    memset((void *)st, 0, sizeof st);
    st_go = 0;
    for (unsigned c = 0; c < n; c++) {
        p[c] = tsup_thread(st_pager, 0);
        L4_Set_Priority(p[c], 200);
        st[c].pager = p[c].raw;
        m[c] = tsup_thread(st_mapper, c);
        r[c] = tsup_space(st_reader, c);
        st[c].reader = r[c].raw;
        tsup_move(p[c], c);
        tsup_move(m[c], c);
        tsup_move(r[c], (c + 1) % n);
        s[c] = tsup_space_thread(r[c], st_spinner, c);
        st[c].spinner = s[c].raw;
        L4_Set_Priority(s[c], 50);
        tsup_move(s[c], (c + 1) % n);
    }
    st_go = 1;
    int all = 1;
    for (unsigned c = 0; c < n; c++)
        all &= tsup_join(m[c], 60000);
    for (unsigned c = 0; c < n; c++) {
        tsup_kill(m[c]);
        tsup_kill(s[c]);
        tsup_kill(r[c]);
        tsup_kill(p[c]);
    }
    EXPECT(all);
    for (unsigned c = 0; c < n; c++) {
        struct st_cell *cell = &st[c];
        if (cell->rounds != ST_ROUNDS)
            printf("mp: cell %u (M on processor %u, R on %u): expected %u rounds, got %lu; "
                   "round %lu, %s: R read 0x%lx, expected 0x%lx%s\n", c, c, (c + 1) % n,
                   ST_ROUNDS, cell->rounds, cell->bad_round,
                   cell->bad_what ? cell->bad_what : "(no mismatch: it did not finish)",
                   cell->bad_got, cell->bad_want,
                   cell->bad_got == ST_POISON ? " (the unmapped page's poison: a stale TLB "
                   "entry)" : "");
        if (cell->poisoned)
            printf("mp: cell %u: S on processor %u read the poison M wrote after its Unmap "
                   "of round %lu had returned: a stale TLB entry\n", c, (c + 1) % n,
                   cell->poisoned_round);
        EXPECT_EQ(cell->rounds, ST_ROUNDS);
        EXPECT_EQ(cell->faults, ST_ROUNDS);
        EXPECT_EQ(cell->poisoned, 0);
    }
}

/* ---- deletion racing with IPC between processors ---------------------------------- */

/*
 * Clients on every processor but 0 (on one: on 0) call a server without
 * end, with short timeouts; the root thread makes the server, in one
 * thread slot, again and again, alone in a space of its own or in the
 * root task's space in turns, moves it to a processor, and deletes it
 * (its space too) while the calls fly. A call ends in an answer with the
 * right words, or a timeout (1) or "no such partner" (2) error, never
 * another error, a wrong answer, or a hang; and the kernel goes on
 * working.
 *
 * Each server has the slot's next version, as X.2 means versions to be
 * used: the support pager may still owe the last server the answer to a
 * page fault when the next one, under the same id, waits for its start
 * message from that pager; the answer would start it at IP 0 (spec 4.7:
 * any other message from the pager starts it without setting IP/SP), and
 * the pager's start message would then wait for ever (seen once in 45
 * loaded -smp 4 runs of this test: the pager sending to the server, the
 * server at IP 0 faulting to the pager).
 */
#define DR_ROUNDS 60
static struct {
    volatile L4_Word_t server;
    volatile int stop;
    volatile L4_Word_t ok[MAX_CPUS], gone[MAX_CPUS], timeouts[MAX_CPUS];
    volatile L4_Word_t bad_client, bad_err, bad_word, bad;
} dr;

static void dr_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag) || L4_UntypedWords(tag) != 3) {
            tag = L4_Wait(&from);
            continue;
        }
        mr[0] = 3;
        mr[1]++, mr[2]++, mr[3]++;
        tag = L4_ReplyWait(from, &from);
    }
}

static void dr_note_bad(L4_Word_t k, L4_Word_t err, L4_Word_t word)
{
    if (!dr.bad) {
        dr.bad_client = k;
        dr.bad_err = err;
        dr.bad_word = word;
        dr.bad = 1;
    }
}

static void dr_client(L4_Word_t k)
{
    for (L4_Word_t i = 0; !dr.stop; i++) {
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 3;
        mr[1] = k;
        mr[2] = i;
        mr[3] = ~i;
        L4_MsgTag_t tag = L4_Call_Timeouts(tid(dr.server), MS(20), MS(20));
        if (L4_IpcSucceeded(tag)) {
            if (L4_UntypedWords(tag) != 3 || mr[1] != k + 1 || mr[2] != i + 1 || mr[3] != ~i + 1)
                dr_note_bad(k, 0, mr[2]);
            dr.ok[k]++;
            continue;
        }
        L4_Word_t err = L4_ErrorCode(), code = err >> 1 & 7;
        if (code == L4_ErrNonExist)
            dr.gone[k]++;
        else if (code == L4_ErrTimeout)
            dr.timeouts[k]++;
        else
            dr_note_bad(k, err, 0);
    }
}

TEST(mp, deletion_racing_with_ipc_between_processors)
{
    unsigned n = ncpus(), clients = n > 1 ? n - 1 : 1;
    memset((void *)&dr, 0, sizeof dr);
    L4_ThreadId_t slot = tsup_new_id(), c[MAX_CPUS];
    dr.server = slot.raw;
    for (unsigned k = 0; k < clients; k++) {
        c[k] = tsup_thread(dr_client, k);
        tsup_move(c[k], other_cpu(k));
    }
    for (unsigned i = 0; i < DR_ROUNDS; i++) {
        L4_ThreadId_t id = L4_GlobalId(L4_ThreadNo(slot), L4_Version(slot) + i);
        dr.server = id.raw;
        if (i & 1)
            tsup_space_as(id, dr_server, 0);
        else
            tsup_thread_as(id, dr_server, 0);
        tsup_move(id, (i / 2) % n);
        tsup_sleep_ms(2 + i % 5);
        tsup_kill(id);
    }
    dr.stop = 1;
    int joined = 1;
    for (unsigned k = 0; k < clients; k++) {
        joined &= tsup_join(c[k], 5000);
        tsup_kill(c[k]);
    }
    L4_Word_t ok = 0, gone = 0;
    for (unsigned k = 0; k < clients; k++)
        ok += dr.ok[k], gone += dr.gone[k];
    printf("  mp: %lu answers, %lu calls found no server, over %u deletions\n", ok, gone,
           DR_ROUNDS);
    if (dr.bad)
        printf("mp: client %lu: expected an answer with its words + 1, or error 1 or 2; got "
               "ErrorCode 0x%lx, word 0x%lx\n", dr.bad_client, dr.bad_err, dr.bad_word);
    EXPECT(joined);                             /* no call hung */
    EXPECT_EQ(dr.bad, 0);
    EXPECT_NE(ok, 0);                           /* the server answered... */
    EXPECT_NE(gone, 0);                         /* ...and was gone, in turns */
    L4_ThreadId_t t = tsup_space(tsup_fn_sleeper, 0);   /* and the kernel works on */
    EXPECT_NE(sched_state(t), 0);
    tsup_kill(t);
}

/* ---- IPC without the kernel lock: what its test must not let through ------------- */

/* An IPC between threads of one processor runs without the kernel lock
 * only if it touches nothing of another processor's (docs/architecture.md,
 * "IPC without the lock"). Typed items do (the mapping database, other
 * spaces), and the test sees only the caller's tag, in its register: the
 * two attacks below give it typed items it did not see. */
#define LK_WINDOW 0x65000000UL                  /* the receiver's window */
static L4_Word_t lk_page[512] __attribute__((aligned(4096)));
static struct {
    volatile int r_done, s_done, stop;
    volatile L4_Word_t r_tag, r_err, r_word, s_tag, s_err, typed, rounds;
    L4_Word_t *volatile utcb;                   /* the caller's, for the scribbler */
} lk;

static L4_Word_t lk_map_item_tag(void) { return 0x3A9UL << 16 | 2 << 6; }

static void lk_write_map_item(L4_Word_t *mr)
{
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)lk_page, 12),
                                                  L4_Readable), 0);
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    mr[0] = lk_map_item_tag();
}

/* Waits for anyone with an untyped tag: the test would let that go
 * without the lock, but a sender is queued for it, with a map item. */
static void lk_receiver(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(LK_WINDOW, 12)));
    L4_ThreadId_t from;
    __L4_Utcb()[0] = 0;
    L4_MsgTag_t tag = L4_Wait(&from);
    lk.r_err = L4_ErrorCode();
    lk.r_tag = tag.raw;
    lk.r_word = *(volatile L4_Word_t *)(LK_WINDOW + 8 * 77);
    lk.r_done = 1;
}

static void lk_sender(L4_Word_t to)
{
    lk_write_map_item(__L4_Utcb());
    L4_MsgTag_t tag = L4_Send(tid(to));         /* typed: queued, under the lock */
    lk.s_err = L4_ErrorCode();
    lk.s_tag = tag.raw;
    lk.s_done = 1;
}

TEST(mp, a_queued_sender_with_a_map_item_is_taken_under_the_lock)
{
    if (ncpus() == 1)
        return;                                 /* (one processor: no lock at all) */
    set_root();
    memset(&lk, 0, sizeof lk);
    for (unsigned i = 0; i < 512; i++)
        lk_page[i] = 0x1000 + i;
    L4_ThreadId_t r = tsup_space(lk_receiver, 0);
    EXPECT(tsup_wait_blocked(r));
    tsup_move(r, 1);
    L4_ThreadId_t s = tsup_thread(lk_sender, r.raw);
    tsup_move(s, 1);
    EXPECT(tsup_wait_blocked(s));               /* queued on r */
    go(r);
    wait_for(&lk.s_done, "the sender's Send to end");
    wait_for(&lk.r_done, "the receiver's Wait to end");
    tsup_kill(s);
    tsup_kill(r);
    EXPECT_EQ(lk.s_tag & TAG_E, 0);
    EXPECT_EQ(lk.r_tag & TAG_E, 0);
    EXPECT_EQ((lk.r_tag >> 6) & 0x3F, 2);       /* the map item arrived... */
    EXPECT_EQ(lk.r_word, 0x1000 + 77);          /* ...and its page with it */
}

/* A server that counts the messages that reached it with typed items. */
static void lk_server(L4_Word_t unused)
{
    (void)unused;
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(LK_WINDOW, 12)));
    L4_Word_t from, tag = pp_ipc_timeouts(L4_nilthread.raw, L4_anythread.raw, 0, 0, &from);
    for (;;) {
        if ((tag >> 6) & 0x3F)
            lk.typed++;
        L4_Accept(L4_MapGrantItems(L4_FpageLog2(LK_WINDOW, 12)));
        tag = pp_ipc_timeouts(from, L4_anythread.raw, 0x51UL << 16, 0, &from);
    }
}

/* Writes a map item into the caller's UTCB, MR0 included, again and
 * again, from another processor, while the caller calls with an untyped
 * tag in its register. (Under the lock the kernel may take what it finds
 * in the UTCB: the caller's own space raced it. Both threads on one
 * processor, every Call and reply goes without the lock, where only the
 * register counts: sent_tag.) */
static void lk_scribbler(L4_Word_t unused)
{
    (void)unused;
    while (!lk.stop)
        if (lk.utcb)
            lk_write_map_item(lk.utcb);
}

static void lk_caller(L4_Word_t server)
{
    wait_for_go();                              /* on processor 1, beside the server */
    L4_Word_t timeouts = L4_Timeouts(L4_Never, SECONDS(5));  /* the general path */
    L4_Word_t from;                             /* (a first Call leaves the root thread's */
    pp_ipc_timeouts(server, server, 0, timeouts, &from);     /* list, on processor 0, */
    lk.utcb = __L4_Utcb();                      /* under the lock) */
    for (unsigned i = 0; i < 4000; i++) {
        L4_Word_t tag = pp_ipc_timeouts(server, server, 0x50UL << 16, timeouts, &from);
        if (tag & TAG_E)
            break;
        lk.rounds = i + 1;
    }
    lk.s_done = 1;
}

TEST(mp, a_tag_rewritten_in_the_utcb_during_ipc_stays_untyped)
{
    if (ncpus() < 3)
        return;
    set_root();
    memset(&lk, 0, sizeof lk);
    L4_ThreadId_t srv = tsup_space(lk_server, 0);
    tsup_move(srv, 1);
    EXPECT(tsup_wait_blocked(srv));
    L4_ThreadId_t w = tsup_thread(lk_scribbler, 0);
    tsup_move(w, 2);
    L4_ThreadId_t c = tsup_thread(lk_caller, srv.raw);
    tsup_move(c, 1);
    EXPECT(tsup_wait_blocked(c));
    go(c);
    int done = tsup_wait_flag(&lk.s_done, 60000);
    lk.stop = 1;
    tsup_kill(c);
    tsup_kill(w);
    tsup_kill(srv);
    if (!done || lk.rounds != 4000 || lk.typed)
        test_fail(__FILE__, __LINE__, "4000 untyped Calls between threads of processor 1 while "
                  "a thread on processor 2 wrote a map item into the caller's UTCB: expected "
                  "all answered and none typed on arrival, got %lu answered, %lu typed",
                  (L4_Word_t)lk.rounds, (L4_Word_t)lk.typed);
}

/* ---- general IPC on every processor, under fire ---------------------------------- */

/*
 * The general IPC path runs without the kernel lock when both partners
 * are on one processor (docs/architecture.md,
 * "Processors"). This attacks that: on each processor k (at most
 * GI_PAIRS) a client calls a server of its own processor, in one space
 * or in two (pair 1's server and pair 3's client are alone in a space),
 * GI_ROUNDS checked round trips at least. Every IPC has a finite receive
 * timeout, which the fast path refuses, so every one takes the general
 * path. Meanwhile, from the other processors:
 *
 * - disturbers (one on each processor, each turning to the other pairs
 *   in turn) cancel a client's or a server's IPC with ExchangeRegisters
 *   (those of the root task's space: only they may), with control 6, 4
 *   or 2, and move servers to another processor and back, so that for a
 *   while their clients' IPC crosses processors;
 * - intruders call the servers of the other pairs, which answer whoever
 *   called (ReplyWait from anythread), so that senders of other
 *   processors queue on a server while its client calls;
 * - timers wait 40 ms for nobody: a closed receive from a thread of
 *   their processor or of the next that never sends to them, or an open
 *   one; each must end in a receive timeout (ErrorCode 3), and not early.
 *
 * Every answer carries the request's words + 1, which the caller checks,
 * and the server's processor; every request names its caller, round and
 * attempt, which the server checks, with the sender id the kernel gave
 * it (local from its space, global from another). A failed IPC must end
 * with an ErrorCode the caller can meet here: a timeout (2, 3) or, for a
 * victim, a cancel (6, 7); and each victim must see as many cancels in
 * each phase as ExchangeRegisters reported cancelling (old control bits
 * 4 and 2, of those asked for): no abort lost, none made up. The test
 * goes on until each pair has its round trips and met each kind of fire
 * (gi_lacks). The threads note the first failure in gi.why, which the
 * root thread reports; a pair that makes no round trip for 10 s fails
 * the test, saying where each pair stands. On one processor everything
 * runs on processor 0 (one pair), and every move must be refused.
 *
 * The disturbers and intruders keep step with the pairs (one action per
 * GI_*_PACE round trips of the pair they turn to), not with the clock:
 * with four processors busy on a host of two cores each kernel entry of
 * theirs that takes the lock costs the pairs a lot (its next holder may
 * not be running), and their sleeps are timeouts, served on ticks that
 * fall far behind the clock on a loaded host.
 */
#define GI_PAIRS          4
#define GI_ROUNDS         1000
#define GI_WHO            (2 * GI_PAIRS)     /* callers: clients 0.., intruders GI_PAIRS.. */
#define GI_LABEL          0x6749UL
#define GI_MAGIC          0x6749000000000000UL
#define GI_SERVER_WAIT    MS(50)
#define GI_CALL_WAIT      MS(100)            /* a client's or intruder's send, and receive */
#define GI_TIMER_MS       40
#define GI_INTRUDER_PACE  30
#define GI_DISTURBER_PACE 25
#define GI_POLL_MS        50
#define GI_ACTS           8                  /* each disturber's actions at least */
#define GI_OWN_SERVER     1                  /* pair k's server alone in a space */
#define GI_OWN_CLIENT     2                  /* its client alone in a space */
#define GI_ERR(code, phase) (1U << IPC_ERR(code, phase))
#define GI_TIMEOUTS (GI_ERR(L4_ErrTimeout, SEND_PHASE) | GI_ERR(L4_ErrTimeout, RECV_PHASE))
#define GI_CANCELS  (GI_ERR(L4_ErrCanceled, SEND_PHASE) | GI_ERR(L4_ErrCanceled, RECV_PHASE))

static const int gi_layout[GI_PAIRS] = { 0, GI_OWN_SERVER, 0, GI_OWN_CLIENT };

/* One thread's failed IPCs by ErrorCode (0..15: no offset here) and, for
 * a victim, the cancels of its send and receive phase that
 * ExchangeRegisters reported. */
struct gi_side {
    volatile L4_Word_t err[16], hit[2];
};

static struct {
    volatile int stop, dstop, bad;
    char why[200];
    struct gi_pair {
        volatile L4_Word_t client, server, rounds, attempt, last_err, crossed;
        volatile L4_Word_t from_client, from_intruders, client_cpu;
        volatile int in_call;
        struct gi_side c, s;
    } pair[GI_PAIRS];
    struct {                                    /* who may call: its ids and space */
        volatile L4_Word_t global, local, space;
    } id[GI_WHO];
    volatile L4_Word_t disturber[GI_PAIRS], timer[GI_PAIRS];
    volatile L4_Word_t answered[GI_PAIRS], waits[GI_PAIRS], acts[GI_PAIRS];
    volatile L4_Word_t aborts, moves, refused;
    struct gi_side intruder[GI_PAIRS], tm[GI_PAIRS];
} gi;

static unsigned gi_pairs(void) { return ncpus() < GI_PAIRS ? ncpus() : GI_PAIRS; }

/* Note the first failure (any thread; test_fail is the root thread's). */
static void gi_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void gi_fail(const char *fmt, ...)
{
    if (__atomic_exchange_n(&gi.bad, 1, __ATOMIC_SEQ_CST))
        return;
    va_list ap;
    va_start(ap, fmt);
    format_vbuf(gi.why, sizeof gi.why, fmt, ap);
    va_end(ap);
}

/* Count a failed IPC's ErrorCode for s; a failure unless it is `allowed`,
 * or if a cancelled receive did not return MR0 0x8000 (spec 5.9). */
static void gi_failed(struct gi_side *s, L4_MsgTag_t tag, unsigned allowed, const char *who,
                      L4_Word_t k, L4_Word_t round)
{
    L4_Word_t err = L4_ErrorCode();
    if (err >= 16 || !(allowed >> err & 1))
        gi_fail("%s %lu, round %lu: expected an answer or an ErrorCode of mask 0x%x, got "
                "ErrorCode 0x%lx", who, k, round, allowed, err);
    else if (err == IPC_ERR(L4_ErrCanceled, RECV_PHASE) && tag.raw != TAG_E)
        gi_fail("%s %lu, round %lu: its receive cancelled, expected MR0 0x8000, got 0x%lx",
                who, k, round, tag.raw);
    else
        s->err[err]++;
}

static L4_Word_t gi_word(L4_Word_t head, L4_Word_t round, L4_Word_t attempt, unsigned i)
{
    return (head ^ round << 20 ^ attempt << 40 ^ i) * 0x9E3779B97F4A7C15UL;
}

/* Load caller who's request to pair k's server: 3 to 8 words (MR8 goes
 * through the UTCBs); returns how many. */
static unsigned gi_load(unsigned k, unsigned who, L4_Word_t round, L4_Word_t attempt)
{
    L4_Word_t *mr = __L4_Utcb(), head = GI_MAGIC | who << 8 | k;
    unsigned u = 3 + (round + attempt) % 6;
    mr[0] = GI_LABEL << 16 | u;
    mr[1] = head;
    mr[2] = round;
    mr[3] = attempt;
    for (unsigned i = 4; i <= u; i++)
        mr[i] = gi_word(head, round, attempt, i);
    return u;
}

/* Check the answer to gi_load's request: its words + 1, then the
 * server's processor, which it returns; ~0 (noted) if wrong. */
static L4_Word_t gi_answer_ok(L4_MsgTag_t tag, unsigned k, unsigned who, L4_Word_t round,
                              L4_Word_t attempt, unsigned u, const char *what)
{
    L4_Word_t *mr = __L4_Utcb(), head = GI_MAGIC | who << 8 | k;
    if ((tag.raw & ~TAG_X) != ((GI_LABEL + 1) << 16 | (u + 1))) {
        gi_fail("%s %u, round %lu: expected an answer with tag 0x%lx, got 0x%lx", what, who,
                round, (GI_LABEL + 1) << 16 | (u + 1), tag.raw);
        return ~0UL;
    }
    for (unsigned i = 1; i <= u; i++) {
        L4_Word_t want = (i == 1 ? head : i == 2 ? round : i == 3 ? attempt
                                                 : gi_word(head, round, attempt, i)) + 1;
        if (mr[i] != want) {
            gi_fail("%s %u, round %lu (attempt %lu) to pair %u: the answer's MR%u: expected "
                    "0x%lx, got 0x%lx", what, who, round, attempt, k, i, want, mr[i]);
            return ~0UL;
        }
    }
    if (mr[u + 1] >= ncpus()) {
        gi_fail("%s %u, round %lu: expected the server's processor in MR%u, got %lu", what, who,
                round, u + 1, mr[u + 1]);
        return ~0UL;
    }
    return mr[u + 1];
}

/* The thread's space: 0 the root task's, 1 + k pair k's own. */
static L4_Word_t gi_space(unsigned k, int own) { return gi_layout[k] == own ? 1 + k : 0; }

static void gi_register(unsigned who, L4_Word_t space)
{
    gi.id[who].global = L4_MyGlobalId().raw;
    gi.id[who].local = L4_MyLocalId().raw;
    gi.id[who].space = space;
}

/* Is the request in the MRs one that gi_load made for pair k, and did
 * the kernel name its sender? */
static int gi_request_ok(unsigned k, L4_MsgTag_t tag, L4_ThreadId_t from)
{
    L4_Word_t *mr = __L4_Utcb();
    unsigned u = L4_UntypedWords(tag), who = mr[1] >> 8 & 0xFF;
    if (L4_Label(tag) != GI_LABEL || u < 3 || u > 8 || (tag.raw & 0xFFC0 & ~TAG_X) ||
        (mr[1] & ~0xFF00UL) != (GI_MAGIC | k) || who >= GI_WHO ||
        (who < GI_PAIRS && who != k)) {
        gi_fail("server %u: expected a request of its client or an intruder, got tag 0x%lx, "
                "MR1 0x%lx from %lx", k, tag.raw, mr[1], from.raw);
        return 0;
    }
    L4_Word_t want = gi.id[who].space == gi_space(k, GI_OWN_SERVER) ? gi.id[who].local
                                                                    : gi.id[who].global;
    if (from.raw != want) {
        gi_fail("server %u: a request of caller %u: expected it from %lx, the kernel says %lx",
                k, who, want, from.raw);
        return 0;
    }
    for (unsigned i = 4; i <= u; i++)
        if (mr[i] != gi_word(mr[1], mr[2], mr[3], i)) {
            gi_fail("server %u: caller %u's request of round %lu: MR%u: expected 0x%lx, got "
                    "0x%lx", k, who, mr[2], i, gi_word(mr[1], mr[2], mr[3], i), mr[i]);
            return 0;
        }
    if (who == k)
        gi.pair[k].from_client++;
    else
        gi.pair[k].from_intruders++;
    return 1;
}

/* Answers whoever called with the words + 1 and its processor, waiting
 * GI_SERVER_WAIT at a time (so it sees the stop). */
static void gi_server(L4_Word_t k)
{
    struct gi_pair *p = &gi.pair[k];
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(GI_SERVER_WAIT, &from);
    while (!gi.stop) {
        L4_Word_t *mr = __L4_Utcb();
        if (L4_IpcFailed(tag) || !gi_request_ok(k, tag, from)) {
            if (L4_IpcFailed(tag))              /* (its answer's send never waits) */
                gi_failed(&p->s, tag,
                          GI_TIMEOUTS | GI_ERR(L4_ErrCanceled, RECV_PHASE), "server", k,
                          p->rounds);
            tag = L4_Wait_Timeout(GI_SERVER_WAIT, &from);
            continue;
        }
        unsigned u = L4_UntypedWords(tag);
        for (unsigned i = 1; i <= u; i++)
            mr[i]++;
        mr[u + 1] = L4_ProcessorNo();
        mr[0] = (GI_LABEL + 1) << 16 | (u + 1);
        tag = L4_ReplyWait_Timeout(from, GI_SERVER_WAIT, &from);
    }
}

/* Calls its server until the stop, each round until it is answered. */
static void gi_client(L4_Word_t k)
{
    struct gi_pair *p = &gi.pair[k];
    gi_register(k, gi_space(k, GI_OWN_CLIENT));
    wait_for_go();
    p->client_cpu = L4_ProcessorNo();
    for (L4_Word_t r = 0, attempt = 0; !gi.stop;) {
        unsigned u = gi_load(k, k, r, attempt);
        p->in_call = 1;
        L4_MsgTag_t tag = L4_Call_Timeouts(tid(p->server), GI_CALL_WAIT, GI_CALL_WAIT);
        p->in_call = 0;
        if (L4_IpcFailed(tag)) {
            p->last_err = L4_ErrorCode();
            gi_failed(&p->c, tag, GI_TIMEOUTS | GI_CANCELS, "client", k, r);
            p->attempt = ++attempt;
            continue;
        }
        L4_Word_t cpu = gi_answer_ok(tag, k, k, r, attempt, u, "client");
        if (cpu == ~0UL)
            return;
        p->crossed += cpu != p->client_cpu;
        p->rounds = ++r;
        p->attempt = attempt = 0;
    }
}

/* Wait (about a second at most) until pair k made `rounds` round trips;
 * false once *stop is set. */
static int gi_pace(unsigned k, L4_Word_t rounds, volatile int *stop)
{
    for (int w = 0; w < 1000 / GI_POLL_MS && gi.pair[k].rounds < rounds && !*stop; w++)
        tsup_sleep_ms(GI_POLL_MS);
    return !*stop;
}

/* The pair the j-th turn of thread `self` (an intruder's or a disturber's
 * index) goes to: the other pairs in turn (pair 0 on one processor),
 * once that pair made `pace` round trips since this thread's last turn
 * to it; -1 once *stop is set. */
static int gi_turn(L4_Word_t self, L4_Word_t j, L4_Word_t *last, L4_Word_t pace,
                   volatile int *stop)
{
    unsigned n = gi_pairs();
    unsigned k = n == 1 ? 0 : (self + 1 + j % (n - 1)) % n;
    if (!gi_pace(k, last[k] + pace, stop))
        return -1;
    last[k] = gi.pair[k].rounds;
    return (int)k;
}

/* Calls the other pairs' servers in turn (pair 0's on one processor). */
static void gi_intruder(L4_Word_t i)
{
    L4_Word_t last[GI_PAIRS] = { 0 };
    gi_register(GI_PAIRS + i, 0);
    wait_for_go();
    for (L4_Word_t j = 0; !gi.stop; j++) {
        int k = gi_turn(i, j, last, GI_INTRUDER_PACE, &gi.stop);
        if (k < 0)
            break;
        unsigned u = gi_load(k, GI_PAIRS + i, j, 0);
        L4_MsgTag_t tag = L4_Call_Timeouts(tid(gi.pair[k].server), GI_CALL_WAIT, GI_CALL_WAIT);
        if (L4_IpcFailed(tag))
            gi_failed(&gi.intruder[i], tag, GI_TIMEOUTS, "intruder", i, j);
        else if (gi_answer_ok(tag, k, GI_PAIRS + i, j, 0, u, "intruder") == ~0UL)
            return;
        else
            gi.answered[i]++;
    }
}

/* Waits GI_TIMER_MS for nobody, in turns: for its processor's disturber,
 * for the next processor's timer (neither ever sends to it), for anyone. */
static void gi_timer(L4_Word_t c)
{
    unsigned n = gi_pairs();
    L4_ThreadId_t from;
    wait_for_go();
    for (L4_Word_t j = 0; !gi.stop; j++) {
        L4_Word_t t0 = L4_SystemClock().raw;
        L4_MsgTag_t tag = j % 3 == 0 ? L4_Receive_Timeout(tid(gi.disturber[c]), MS(GI_TIMER_MS))
                        : j % 3 == 1 ? L4_Receive_Timeout(tid(gi.timer[(c + 1) % n]),
                                                          MS(GI_TIMER_MS))
                                     : L4_Wait_Timeout(MS(GI_TIMER_MS), &from);
        L4_Word_t us = L4_SystemClock().raw - t0;
        if (L4_IpcSucceeded(tag)) {
            gi_fail("timer %lu, wait %lu: expected a receive timeout, got a message, tag 0x%lx",
                    c, j, tag.raw);
            return;
        }
        gi_failed(&gi.tm[c], tag, GI_ERR(L4_ErrTimeout, RECV_PHASE), "timer", c, j);
        if (us < (GI_TIMER_MS - 2) * 1000)      /* its ticks, less the one begun */
            gi_fail("timer %lu, wait %lu: a %u ms receive timeout ended after %lu us", c, j,
                    GI_TIMER_MS, us);
        gi.waits[c]++;
    }
}

/* Cancel the IPC of pair k's client or server (of those in the root
 * task's space), with control 6, 4 or 2 in turns. */
static void gi_abort(unsigned k, L4_Word_t j)
{
    static const L4_Word_t ctl[3] = { L4_ExReg_AbortIpc, L4_ExReg_AbortSend,
                                      L4_ExReg_AbortRecv };
    struct gi_pair *p = &gi.pair[k];
    int server = gi_layout[k] == GI_OWN_CLIENT || (gi_layout[k] == 0 && j % 2);
    const char *whom = server ? "server" : "client";
    L4_Word_t c = ctl[j / 2 % 3], old;
    L4_ThreadId_t r = __L4_ExReg(tid(server ? p->server : p->client), c, 0, 0, 0, 0, NIL, &old);
    if (L4_IsNilThread(r)) {
        gi_fail("ExchangeRegisters (control %lu) of pair %u's %s: expected it to succeed, got "
                "ErrorCode %lu", c, k, whom, L4_ErrorCode());
        return;
    }
    if (old != 0 && old != L4_ExReg_AbortRecv && old != L4_ExReg_AbortSend)
        gi_fail("ExchangeRegisters (control %lu) of pair %u's %s: expected old control 0, 2 "
                "or 4, got 0x%lx", c, k, whom, old);
    struct gi_side *s = server ? &p->s : &p->c;
    if (old & c & L4_ExReg_AbortSend)
        __atomic_fetch_add(&s->hit[SEND_PHASE], 1, __ATOMIC_SEQ_CST);
    if (old & c & L4_ExReg_AbortRecv)
        __atomic_fetch_add(&s->hit[RECV_PHASE], 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&gi.aborts, 1, __ATOMIC_SEQ_CST);
}

/* Move pair k's server to another processor until its client made three
 * more round trips (a second at most), and back. */
static void gi_move(unsigned k, L4_Word_t j)
{
    unsigned n = ncpus();
    L4_Word_t to = n == 1 ? 1 : (k + 1 + j % (n - 1)) % n, r0 = gi.pair[k].rounds, old;
    L4_ThreadId_t s = tid(gi.pair[k].server);
    L4_Word_t r = L4_Schedule(s, ~0UL, to, ~0UL, ~0UL, &old);
    if (n == 1) {
        if (r != 0 || L4_ErrorCode() != L4_ErrInvalidParam)
            gi_fail("moving server 0 to processor 1 of 1: expected result 0, ErrorCode 5, "
                    "got %lu, %lu", r, L4_ErrorCode());
        __atomic_fetch_add(&gi.refused, 1, __ATOMIC_SEQ_CST);
        return;
    }
    if (r == 0) {
        gi_fail("moving server %u to processor %lu: expected Schedule to succeed, got "
                "ErrorCode %lu", k, to, L4_ErrorCode());
        return;
    }
    __atomic_fetch_add(&gi.moves, 1, __ATOMIC_SEQ_CST);
    gi_pace(k, r0 + 3, &gi.dstop);
    if (L4_Schedule(s, ~0UL, k, ~0UL, ~0UL, &old) == 0)
        gi_fail("moving server %u back to processor %u: expected Schedule to succeed, got "
                "ErrorCode %lu", k, k, L4_ErrorCode());
}

/* Turns to the other pairs (pair 0 on one processor): cancels, and
 * every fourth time a move. */
static void gi_disturber(L4_Word_t d)
{
    L4_Word_t last[GI_PAIRS] = { 0 };
    wait_for_go();
    for (L4_Word_t j = 0; !gi.dstop; j++) {
        int k = gi_turn(d, j, last, GI_DISTURBER_PACE, &gi.dstop);
        if (k < 0)
            break;
        if (j % 4 == 3)
            gi_move(k, j / 4);
        else
            gi_abort(k, j);
        gi.acts[d]++;
    }
}

static L4_Word_t gi_min_rounds(unsigned n)
{
    L4_Word_t m = ~0UL;
    for (unsigned k = 0; k < n; k++)
        m = gi.pair[k].rounds < m ? gi.pair[k].rounds : m;
    return m;
}

/* Where each pair stands (for one that stopped). */
static void gi_report(unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        struct gi_pair *p = &gi.pair[k];
        printf("mp: pair %u: round %lu, attempt %lu, client %s (state %lu), server state %lu "
               "on processor %ld (-1: another space); %lu requests from the client, %lu from "
               "intruders; intruder %u: %lu answers; timer %u: %lu waits\n", k, p->rounds,
               p->attempt, p->in_call ? "in its Call" : "not in a Call",
               sched_state(tid(p->client)), sched_state(tid(p->server)),
               (long)tsup_processor_of(tid(p->server)), p->from_client, p->from_intruders, k,
               gi.answered[k], k, gi.waits[k]);
    }
    printf("mp: the support pager (of the threads alone in a space) is in state %lu\n",
           sched_state(tsup_pager()));
}

/* What pair k still lacks: GI_ROUNDS round trips, under enough fire (a
 * cancel that met its client's or server's IPC, an answer from another
 * processor while its server was moved, an intruder answered), its
 * disturber's GI_ACTS actions, its timer's first wait; NULL if nothing.
 * (On one processor a pair makes GI_ROUNDS long before the rest.) */
static const char *gi_lacks(unsigned n, unsigned k)
{
    struct gi_pair *p = &gi.pair[k];
    if (p->rounds < GI_ROUNDS)
        return "round trips";
    if (!(p->c.hit[0] | p->c.hit[1] | p->s.hit[0] | p->s.hit[1]))
        return "a cancel that met an IPC of its client or server";
    if (n > 1 && !p->crossed)
        return "an answer from another processor (its server moved)";
    if (!p->from_intruders)
        return "an intruder answered by its server";
    if (gi.acts[k] < GI_ACTS)
        return "its processor's disturber's actions";
    return gi.waits[k] ? NULL : "its processor's timer's first wait";
}

/* Until no pair lacks anything. Fails with a thread's note; if a pair
 * made no round trip for 1000 polls (10 s of the kernel's ticks, which a
 * loaded host slows, unlike SystemClock); or if it made its round trips
 * but lacks something else after 100 actions of each disturber. */
static void gi_watch(unsigned n)
{
    L4_Word_t seen[GI_PAIRS], idle[GI_PAIRS] = { 0 }, next = 250;
    for (unsigned k = 0; k < n; k++)
        seen[k] = gi.pair[k].rounds;
    for (unsigned k = 0; k < n;) {
        if (!gi_lacks(n, k)) {
            k++;
            continue;
        }
        tsup_sleep_ms(10);
        if (gi.bad)
            test_fail(__FILE__, __LINE__, "%s", gi.why);
        int all_acted = 1;
        for (unsigned i = 0; i < n; i++) {
            struct gi_pair *p = &gi.pair[i];
            idle[i] = p->rounds == seen[i] ? idle[i] + 1 : 0;
            seen[i] = p->rounds;
            all_acted &= gi.acts[i] >= 100;
            if (idle[i] < 1000)
                continue;
            gi_report(n);
            test_fail(__FILE__, __LINE__, "pair %u (processor %u, %s) stopped at round %lu of "
                      "%u: attempt %lu, last ErrorCode 0x%lx; client state %lu, server state "
                      "%lu", i, i, gi_layout[i] ? "two spaces" : "one space", p->rounds,
                      GI_ROUNDS, p->attempt, p->last_err, sched_state(tid(p->client)),
                      sched_state(tid(p->server)));
        }
        if (all_acted && gi.pair[k].rounds >= GI_ROUNDS && gi_lacks(n, k))
            test_fail(__FILE__, __LINE__, "pair %u: after 100 actions of each disturber (%lu "
                      "cancels asked, %lu moves), it still lacks %s", k, gi.aborts, gi.moves,
                      gi_lacks(n, k));
        if (gi_min_rounds(n) >= next && next < GI_ROUNDS) {
            printf("  mp: general IPC under fire: every pair past round %lu (%lu cancels "
                   "asked, %lu moves)\n", next, gi.aborts, gi.moves);
            next += 250;
        }
    }
}

/* Each victim saw as many cancels in each phase as ExchangeRegisters
 * reported; returns how many. */
static L4_Word_t gi_check_cancels(unsigned n)
{
    L4_Word_t cancels = 0;
    for (unsigned k = 0; k < n; k++) {
        struct gi_side *side[2] = { &gi.pair[k].c, &gi.pair[k].s };
        for (int v = 0; v < 2; v++)
            for (int ph = SEND_PHASE; ph <= RECV_PHASE; ph++) {
                L4_Word_t seen = side[v]->err[IPC_ERR(L4_ErrCanceled, ph)];
                if (seen != side[v]->hit[ph])
                    test_fail(__FILE__, __LINE__, "pair %u's %s: ExchangeRegisters reported "
                              "cancelling its %s phase %lu times, it saw ErrorCode 0x%lx %lu "
                              "times", k, v ? "server" : "client", ph ? "receive" : "send",
                              side[v]->hit[ph], IPC_ERR(L4_ErrCanceled, ph), seen);
                cancels += seen;
            }
    }
    return cancels;
}

TEST(mp, general_ipc_on_every_processor_under_fire)
{
    unsigned n = gi_pairs();
    L4_ThreadId_t c[GI_PAIRS], s[GI_PAIRS], d[GI_PAIRS], in[GI_PAIRS], tm[GI_PAIRS];
    memset((void *)&gi, 0, sizeof gi);
    set_root();
    for (unsigned k = 0; k < n; k++) {
        s[k] = gi_layout[k] == GI_OWN_SERVER ? tsup_space(gi_server, k)
                                             : tsup_thread(gi_server, k);
        c[k] = gi_layout[k] == GI_OWN_CLIENT ? tsup_space(gi_client, k)
                                             : tsup_thread(gi_client, k);
        d[k] = tsup_thread(gi_disturber, k);
        in[k] = tsup_thread(gi_intruder, k);
        tm[k] = tsup_thread(gi_timer, k);
        gi.pair[k].server = s[k].raw;
        gi.pair[k].client = c[k].raw;
        gi.disturber[k] = d[k].raw;
        gi.timer[k] = tm[k].raw;
        L4_Set_Priority(d[k], 120);             /* they act when they mean to */
        L4_Set_Priority(tm[k], 110);
        EXPECT(tsup_wait_blocked(c[k]));        /* (it waits for its go) */
        L4_ThreadId_t all[5] = { s[k], c[k], d[k], in[k], tm[k] };
        for (int i = 0; i < 5; i++)
            tsup_move(all[i], k);
    }
    /* The disturbers go last and stop first: a cancel of wait_for_go, or
     * of a receive after the loop, would not be counted. */
    for (unsigned k = 0; k < n; k++) {
        go(c[k]);
        go(in[k]);
        go(tm[k]);
    }
    for (unsigned k = 0; k < n; k++)
        go(d[k]);
    gi_watch(n);
    gi.dstop = 1;
    int joined = 1;
    for (unsigned k = 0; k < n; k++)
        joined &= tsup_join(d[k], 5000);
    gi.stop = 1;
    L4_ThreadId_t *rest[4] = { c, in, tm, s };
    for (int i = 0; i < 4; i++)
        for (unsigned k = 0; k < n; k++)
            joined &= tsup_join(rest[i][k], 5000);
    for (unsigned k = 0; k < n; k++) {
        tsup_kill(d[k]);
        for (int i = 0; i < 4; i++)
            tsup_kill(rest[i][k]);
    }
    if (gi.bad)
        test_fail(__FILE__, __LINE__, "%s", gi.why);
    EXPECT(joined);                             /* every IPC had a finite timeout */
    L4_Word_t cancels = gi_check_cancels(n), timeouts = 0, intruders = 0, waits = 0;
    for (unsigned k = 0; k < n; k++) {
        struct gi_pair *p = &gi.pair[k];
        for (int e = 0; e < 16; e++)
            timeouts += (GI_TIMEOUTS >> e & 1) * (p->c.err[e] + p->s.err[e]);
        intruders += p->from_intruders;
        waits += gi.waits[k];
        EXPECT_EQ(p->client_cpu, k);
    }
    printf("  mp: %lu round trips of each pair at least; %lu of %lu cancels met an IPC; %lu "
           "timeouts in the pairs, %lu intruders' calls answered, %lu moves, %lu timers' "
           "waits\n", gi_min_rounds(n), cancels, gi.aborts, timeouts, intruders, gi.moves,
           waits);
    if (n == 1)
        EXPECT_NE(gi.refused, 0);
}

/* ---- an interrupt thread and a string copy whose partners move -------------- */

static volatile int pit_got;
static void pit_handler(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        pit_got++;
        L4_Send_Timeout(from, L4_ZeroTime);     /* acknowledge */
    }
}

/* An interrupt thread queued on one processor (lazily: it is halted, and
 * the scheduler drops it when it reaches it), because its handler was
 * deleted while it waited (ipc_detach wakes it), and then attached to a
 * handler on another processor, fires there: irq_fire moves it, and takes
 * it off its old processor's ready queue first. (It did not: the old
 * processor's highest_ready then unlinked it from the new one's list and
 * looped for ever with interrupts off under the kernel lock, and the
 * machine hung.) The root thread spins on processor 1 until the PIT's
 * interrupt reached the handler on 2, so that 1 does not schedule. */
TEST(mp, an_interrupt_thread_queued_on_one_processor_fires_on_another)
{
    if (ncpus() < 3)
        return;
    L4_ThreadId_t me = L4_MyGlobalId();
    tsup_move(me, 1);
    L4_ThreadId_t h1 = tsup_thread(tsup_fn_sleeper, 0);             /* on processor 1 */
    L4_ThreadId_t h2 = tsup_thread(pit_handler, 0);
    L4_Set_Priority(h2, 254);
    tsup_move(h2, 2);
    EXPECT_EQ(irq_attach(0, h1), 1);
    pit_start();
    tsup_sleep_ms(20);                                      /* fired on 1: waits on h1 */
    pit_got = 0;
    L4_ThreadSwitch(NIL);                                   /* a fresh time slice */
    L4_ThreadControl(h1, NIL, NIL, NIL, (void *)~0UL);      /* wakes it: queued on 1 */
    irq_attach(0, h2);                                       /* the line goes to 2 */
    for (unsigned long i = 0; i < 400000000UL && !pit_got; i++)
        __asm__ volatile("" ::: "memory");                  /* no scheduling on 1 */
    int got = pit_got;
    L4_ThreadSwitch(NIL);                                   /* highest_ready on 1 */
    pit_stop();
    irq_detach(0);
    tsup_kill(h2);
    tsup_kill(h1);
    tsup_move(me, 0);
    EXPECT(got > 0);
}

/* A string copy's preemption point lets the lock go and claims again the
 * processors it had claimed, by number; meanwhile the partner may have
 * moved (Schedule: nothing refuses moving a thread in a transfer), or the
 * copier. The copy claims both partners where they are now before it
 * goes on (xfer_preempted_out): at its end it changes the receiver's
 * state, timeout and ready queue, which the receiver's new processor
 * changes too, without the lock, unless claimed. (A check of the claims
 * in enqueue and the timeouts, too costly to keep, panicked on this test
 * without the fix; without the check the race is too narrow to see.)
 * S (processor 1) sends R, which the root thread moves between
 * processors 2 and 0 all the time, 256 KB strings, 4 preemption points
 * each; every copy must arrive whole. */
#define PX_LEN (256u * 1024)
static uint8_t px_src[PX_LEN] __attribute__((aligned(4096)));
static uint8_t px_dst[PX_LEN] __attribute__((aligned(4096)));
static volatile int px_stop, px_sent, px_got, px_bad;
static volatile L4_Word_t px_s_id, px_r_id;

static void px_receiver(L4_Word_t unused)
{
    (void)unused;
    while (!px_stop) {
        L4_LoadBR(0, 1);
        L4_LoadBR(1, (L4_Word_t)PX_LEN << 10);
        L4_LoadBR(2, (L4_Word_t)px_dst);
        L4_MsgTag_t tag = L4_Receive_Timeout(tid(px_s_id), SECONDS(2));
        if (L4_IpcFailed(tag))
            px_bad++;
        else
            px_got++;
    }
}

static void px_sender(L4_Word_t unused)
{
    (void)unused;
    while (!px_stop) {
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 0x5A5UL << 16 | 2 << 6;
        mr[1] = (L4_Word_t)PX_LEN << 10;
        mr[2] = (L4_Word_t)px_src;
        L4_MsgTag_t tag = L4_Send_Timeout(tid(px_r_id), SECONDS(2));
        if (L4_IpcSucceeded(tag))
            px_sent++;
    }
}

TEST(mp, a_string_copy_claims_its_partners_where_they_are_after_a_preemption_point)
{
    if (ncpus() < 3)
        return;
    for (unsigned i = 0; i < PX_LEN; i += 4096) {
        px_src[i] = (uint8_t)i;
        px_dst[i] = 0;
    }
    px_stop = px_sent = px_got = px_bad = 0;
    L4_ThreadId_t s_id = tsup_new_id(), r_id = tsup_new_id();
    px_s_id = s_id.raw;
    px_r_id = r_id.raw;
    L4_ThreadId_t r = tsup_thread_as(r_id, px_receiver, 0);
    tsup_move(r, 2);
    L4_ThreadId_t s = tsup_thread_as(s_id, px_sender, 0);
    tsup_move(s, 1);
    L4_Word_t old;
    for (unsigned i = 0; i < 20000 && px_sent < 3000; i++)
        L4_Schedule(r, ~0UL, (i & 1) ? 2 : 0, ~0UL, ~0UL, &old);
    px_stop = 1;
    tsup_sleep_ms(100);
    int sent = px_sent, got = px_got;
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(sent > 0);
    EXPECT(got > 0);
    unsigned wrong = 0;
    for (unsigned i = 0; i < PX_LEN; i += 4096)
        wrong += px_dst[i] != px_src[i];
    EXPECT_EQ(wrong, 0);
}

/* ---- a long revocation while the database changes ----------------------------- */

/*
 * A page P of the root task's space has 32768 mappings derived from it
 * (in the same space, at RV_BASE..). A thread on processor 1 takes the
 * write right from them all (Unmap of P with w, no flush): several
 * windows of work between preemption points (64 calls of 64 node
 * operations each). Meanwhile threads on the other processors Unmap,
 * with no rights, a page of their own, until it returns (or RV_HAMMER_MS
 * have passed: then it failed): each such call changes nothing but counts
 * as a change of the database. The revocation must end while they go on.
 * (Without mdb_unmap's redo it started again from the top after every
 * preemption point at which another processor had called Unmap, and
 * returned only after they stopped.)
 */
#define RV_BASE 0x600000000UL
#define RV_DOUBLINGS 15                 /* 2^15 derived pages */
#define RV_HAMMER_MS 15000
static volatile int rv_go, rv_done, rv_hammers_gave_up;
static volatile L4_Word_t rv_hammered;
static L4_Word_t rv_own[MAX_CPUS][512] __attribute__((aligned(4096)));

static void rv_hammer(L4_Word_t k)
{
    rv_own[k][0] = k;                   /* (mapped) */
    while (!rv_go)
        tsup_sleep_ms(1);
    L4_Word_t until = L4_SystemClock().raw + RV_HAMMER_MS * 1000UL;
    while (!rv_done) {
        if (L4_SystemClock().raw > until) {
            rv_hammers_gave_up = 1;     /* and the Unmap had not returned */
            return;
        }
        L4_UnmapFpage(L4_FpageLog2((L4_Word_t)rv_own[k], 12));     /* no rights */
        rv_hammered++;
    }
}

static void rv_unmapper(L4_Word_t p)
{
    wait_for_go();
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(p, 12), L4_Writable));
    rv_done = 1;
}

/* Map 2^log2 bytes at src, fully accessible, to `to`'s dst: 0, or the
 * ErrorCode with bit 0 set (from any space: no test_fail). */
static L4_Word_t map_to(L4_ThreadId_t to, L4_Word_t src, unsigned log2, L4_Word_t dst)
{
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(src, log2), L4_FullyAccessible),
                                dst);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    return L4_IpcFailed(L4_Send_Timeout(to, SECONDS(5))) ? L4_ErrorCode() | 1 : 0;
}

static void rv_map(L4_ThreadId_t to, L4_Word_t src, unsigned log2, L4_Word_t dst)
{
    L4_Word_t err = map_to(to, src, log2, dst);
    if (err)
        test_fail(__FILE__, __LINE__, "map of %u pages to 0x%lx: ErrorCode 0x%lx", 1u << (log2 - 12),
                  dst, err & ~1UL);
}

/* A page of the root task's space, holding 1, with 2^RV_DOUBLINGS
 * mappings derived from it at RV_BASE.. (each doubling maps all the pages
 * so far once more, through *rcv, a thread of the root task's that takes
 * map items anywhere). */
static unsigned rv_got;
static L4_Word_t rv_wide_tree(L4_ThreadId_t *rcv)
{
    L4_Fpage_t pf = tsup_sigma0_any(12);
    EXPECT(!L4_IsNilFpage(pf));
    L4_Word_t p = L4_Address(pf);
    *(volatile L4_Word_t *)p = 1;
    *rcv = tsup_thread(tsup_map_receiver, (L4_Word_t)&rv_got);
    EXPECT(tsup_wait_blocked(*rcv));
    rv_map(*rcv, p, 12, RV_BASE);
    for (unsigned k = 0; k < RV_DOUBLINGS; k++)
        rv_map(*rcv, RV_BASE, 12 + k, RV_BASE + (1UL << (12 + k)));
    return p;
}

TEST(mp, a_long_revocation_ends_while_others_change_the_database)
{
    unsigned n = ncpus();
    if (n < 3)
        return;
    set_root();
    rv_go = rv_done = rv_hammers_gave_up = 0;
    rv_hammered = 0;
    L4_ThreadId_t rcv;
    L4_Word_t p = rv_wide_tree(&rcv);
    EXPECT_EQ(*(volatile L4_Word_t *)(RV_BASE + (1UL << (12 + RV_DOUBLINGS)) - 4096), 1);
    L4_ThreadId_t u = tsup_thread(rv_unmapper, p);
    tsup_move(u, 1);
    EXPECT(tsup_wait_blocked(u));
    L4_ThreadId_t h[MAX_CPUS];
    unsigned nh = 0;
    for (unsigned c = 0; c < n; c++)
        if (c != 1) {
            h[nh] = tsup_thread(rv_hammer, nh);
            tsup_move(h[nh], c);
            nh++;
        }
    rv_go = 1;
    tsup_sleep_ms(20);
    L4_Word_t hammered_before = rv_hammered;
    go(u);
    for (unsigned i = 0; i < 600 && !rv_done && !rv_hammers_gave_up; i++)
        tsup_sleep_ms(100);
    int done = rv_done, gave_up = rv_hammers_gave_up;
    printf("rv: the others made %lu no-op Unmaps; %s\n", rv_hammered - hammered_before,
           gave_up ? "they gave up, the Unmap not returned" : "the Unmap returned meanwhile");
    rv_done = 1;                        /* (the hammers stop) */
    for (unsigned k = 0; k < nh; k++)
        tsup_kill(h[k]);
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(p, 12), L4_FullyAccessible));
    tsup_kill(u);
    tsup_kill(rcv);
    if (!done || gave_up)
        test_fail(__FILE__, __LINE__, "the Unmap (w) of a page with %u derived mappings had "
                  "not returned after %u s of no-op Unmaps on the other processors (expected "
                  "it to end while they go on; it returned: %s)", 1u << RV_DOUBLINGS,
                  RV_HAMMER_MS / 1000, done ? "yes, after they stopped" : "no");
}

/* ---- a grant with fewer rights over a wide tree ------------------------------ */

/*
 * The same tree (P with 32768 mappings derived from it). Threads on
 * processors 2 and 3 make Unmaps without rights of a page of their own
 * without end, each a system call that takes the kernel lock (the clock,
 * which they once read, takes none now). A grant of P, readable only, takes w and x
 * from the 32768 too: in bounded steps, each ended by a preemption point
 * that hands the lock to a processor waiting for it, as an Unmap's long
 * revocation does; so the readers' calls go on while the grant's IPC is in
 * the kernel. (Without that the grant took the rights from all of them
 * in one step, the lock held and interrupts off: the readers made no call
 * meanwhile.) Counted, not timed: the calls the readers completed between
 * the grant's Send and its return. A reader's processor waits for the
 * lock whenever the reader does not run, so each preemption point hands
 * the lock to one, however the host schedules them.
 */
static volatile int gl_stop;
static volatile L4_Word_t gl_calls;
static L4_Word_t gl_own[2][512] __attribute__((aligned(4096)));

static void gl_reader(L4_Word_t k)
{
    gl_own[k][0] = k;                   /* (mapped) */
    while (!gl_stop) {
        L4_UnmapFpage(L4_FpageLog2((L4_Word_t)gl_own[k], 12));     /* no rights */
        __atomic_add_fetch(&gl_calls, 1, __ATOMIC_RELAXED);
    }
}

TEST(mp, a_grant_with_fewer_rights_revokes_in_bounded_steps)
{
    unsigned n = ncpus();
    if (n < 4)
        return;
    set_root();
    gl_stop = 0;
    gl_calls = 0;
    L4_ThreadId_t rcv;
    L4_Word_t p = rv_wide_tree(&rcv);
    tsup_move(L4_MyGlobalId(), 1);
    L4_ThreadId_t rd[2];
    for (unsigned k = 0; k < 2; k++) {
        rd[k] = tsup_thread(gl_reader, k);
        tsup_move(rd[k], 2 + k);
    }
    for (unsigned i = 0; i < 1000 && gl_calls < 100; i++)
        tsup_sleep_ms(1);
    L4_GrantItem_t g = L4_GrantItem(L4_FpageAddRights(L4_FpageLog2(p, 12), L4_Readable),
                                    0x700000000UL);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = g.raw[0];
    mr[2] = g.raw[1];
    L4_Word_t before = gl_calls;
    L4_MsgTag_t tag = L4_Send_Timeout(rcv, SECONDS(5));
    L4_Word_t during = gl_calls - before;
    gl_stop = 1;
    printf("gl: the readers made %lu calls while the grant was in the kernel\n", during);
    for (unsigned k = 0; k < 2; k++)
        tsup_kill(rd[k]);
    L4_Word_t w = *(volatile L4_Word_t *)(RV_BASE + 4096);  /* still readable */
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(0x700000000UL, 12), L4_FullyAccessible));
    tsup_kill(rcv);
    tsup_move(L4_MyGlobalId(), 0);
    EXPECT(!L4_IpcFailed(tag));
    EXPECT_EQ(w, 1);
    if (during < 8)
        test_fail(__FILE__, __LINE__, "the grant (readable only) of a page with %u derived "
                  "mappings let the readers on processors 2 and 3 make %lu system calls while "
                  "it was in the kernel (expected at least 8: a preemption point after each "
                  "bounded step of its revocation)", 1u << RV_DOUBLINGS, during);
}

/* ---- IPC between processors while another holds the kernel lock -------------- */

/*
 * IPC to a thread of another processor is a request that processor
 * serves, without the kernel lock (arch/mp.h). A thread of a space of its
 * own (U), on processor 3, takes w from 65536 mappings derived within U
 * (Unmap): windows of work under the lock, each ended by a preemption
 * point that hands the lock to a processor waiting for it. Meanwhile a
 * client on processor 1 calls a server on processor 2, in the root
 * task's space, which the revocation does not touch. (Not on processor
 * 0, which takes the lock for the clock every 16th tick, and where this
 * test waits.)
 *
 * When IPC between processors took the lock, each IPC waited for it
 * behind a window of the revocation: at most one IPC a window, of which
 * there are 16 (of 64 calls of 64 node operations), so at most about 9
 * round trips in all (4 to 6 seen). Without the lock the pair goes on as
 * fast as the host lets the emulator's processors run: 34 to 1729 seen,
 * and 10 in 46 ms once in CI. So these tests count, and time nothing:
 * from just before the Unmap until it returned, the rounds of the load
 * and how often its processors took the kernel lock (KDB LockTakes,
 * l4/kdebug.h). Each test names the operations of a round that took the
 * lock before they went without it (here two: the Call on processor 1,
 * the answer on 2), and wants fewer takes than half of those operations.
 * Without the lock none took it here; a few still do where a request is
 * refused (the queued IPC below: a receiver in an IPC of its own without
 * the lock, ipc.c, serve_send).
 */
#define XL_DOUBLINGS 16
static volatile int xl_stop, xl_ready, xl_unmapped, xl_client_done, xq_rung;
static volatile L4_Word_t xl_rounds, xl_during, xl_bad, xl_map_err, xl_ms;
static L4_Word_t xl_span_rounds, xl_span_takes;
static unsigned xl_got;

static void xl_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (;;) {
        L4_Word_t w;
        L4_StoreMR(1, &w);
        w++;
        tsup_load(0, 1, &w);
        L4_ReplyWait(from, &from);
    }
}

static void xl_client(L4_Word_t server)
{
    while (!xl_stop) {
        L4_Word_t w = xl_rounds, got = 0;
        tsup_load(0, 1, &w);
        L4_MsgTag_t tag = L4_Call(tid(server));
        L4_StoreMR(1, &got);
        if (L4_IpcFailed(tag) || got != w + 1) {
            xl_bad = L4_IpcFailed(tag) ? L4_ErrorCode() | 1UL << 63 : got;
            break;
        }
        xl_rounds = w + 1;
    }
    xl_client_done = 1;
}

/* In U, on processor 3: builds the tree (through r, U's receiver of map
 * items), then, when told, revokes. */
static void xl_unmapper(L4_Word_t r)
{
    for (unsigned k = 0; k < XL_DOUBLINGS && !xl_map_err; k++)
        xl_map_err = map_to(tid(r), RV_BASE, 12 + k, RV_BASE + (1UL << (12 + k)));
    xl_ready = 1;
    wait_for_go();
    L4_Word_t before = xl_rounds;
    L4_Word_t clock = L4_SystemClock().raw;
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(RV_BASE, 12), L4_Writable));
    xl_during = xl_rounds - before;
    xl_ms = (L4_SystemClock().raw - clock) / 1000;
    xl_unmapped = 1;
    L4_Sleep(L4_Never);
}

/* U with its tree built, on processor 3 (xl_build); then, once the load
 * runs, the revocation (xl_revoke); then everything goes (xl_dismantle). */
struct xl_rig {
    L4_ThreadId_t r, u;
    L4_Word_t p;
    int built;
};

static void xl_build(struct xl_rig *g)
{
    set_root();
    xl_stop = xl_ready = xl_unmapped = xl_client_done = xq_rung = 0;
    xl_rounds = xl_during = xl_bad = xl_map_err = xl_ms = 0;
    tsup_move(L4_MyGlobalId(), 3);      /* U is made here: it runs on 3 only */
    g->r = tsup_space(tsup_map_receiver, (L4_Word_t)&xl_got);
    EXPECT(tsup_wait_blocked(g->r));
    L4_Fpage_t pf = tsup_sigma0_any(12);
    EXPECT(!L4_IsNilFpage(pf));
    g->p = L4_Address(pf);
    *(volatile L4_Word_t *)g->p = 1;
    rv_map(g->r, g->p, 12, RV_BASE);
    g->u = tsup_space_thread(g->r, xl_unmapper, g->r.raw);
    g->built = tsup_wait_flag(&xl_ready, 60000);
    tsup_move(L4_MyGlobalId(), 0);
}

/* A KDB count (LockTakes, Withdrawals) of processors `cpus` (a bit
 * each), summed. */
static L4_Word_t kdb_sum(L4_Word_t (*count)(L4_Word_t), unsigned cpus)
{
    L4_Word_t n = 0;
    for (unsigned c = 0; cpus >> c; c++)
        if (cpus >> c & 1)
            n += count(c);
    return n;
}

/* How often processors `cpus` took the kernel lock so far. */
static L4_Word_t lock_takes(unsigned cpus)
{
    return kdb_sum(L4_KDB_LockTakes, cpus);
}

/* Once the load (counting xl_rounds, setting xl_client_done when it
 * stops) has run 100 rounds, U revokes; then the load is told to stop.
 * Around the revocation, what the load counted and how often its
 * processors `cpus` took the lock: xl_span_rounds, xl_span_takes.
 * Returns whether the load ran 100 rounds (it has 20 s), the Unmap
 * returned and the load stopped. */
static int xl_revoke(const struct xl_rig *g, unsigned cpus)
{
    for (unsigned i = 0; i < 20000 && xl_rounds < 100 && !xl_client_done; i++)
        tsup_sleep_ms(1);
    int ran = xl_rounds >= 100;
    L4_Word_t rounds = xl_rounds, takes = lock_takes(cpus);
    if (g->built && !xl_map_err)
        go(g->u);
    int unmapped = tsup_wait_flag(&xl_unmapped, 60000);
    xl_span_takes = lock_takes(cpus) - takes;
    xl_span_rounds = xl_rounds - rounds;
    xl_stop = 1;
    return tsup_wait_flag(&xl_client_done, 10000) && unmapped && ran;
}

static void xl_dismantle(const struct xl_rig *g)
{
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(g->p, 12), L4_FullyAccessible));
    tsup_kill(g->u);
    tsup_kill(g->r);
    EXPECT(g->built);
    EXPECT_EQ(xl_map_err, 0);
    EXPECT_EQ(xl_bad, 0);
}

/* Fails the test unless the load's processors took the kernel lock fewer
 * times around U's revocation than half the operations of its rounds
 * (`what`) that once took it, `ops` a round; `why` says why they need
 * no lock. */
#define XL_EXPECT_NO_LOCK(ops, what, why)                                                  \
    do {                                                                                   \
        printf("  (%lu of them around the Unmap, %lu kernel lock takes meanwhile on "      \
               "their processors)\n", xl_span_rounds, xl_span_takes);                      \
        if (xl_span_takes * 2 > (ops) * xl_span_rounds)                                    \
            test_fail(__FILE__, __LINE__, "%lu " what " from just before to just after "   \
                      "an Unmap on processor 3 that revoked w from %u mappings, and "      \
                      "their processors took the kernel lock %lu times meanwhile "         \
                      "(expected at most half of the %u operations a round that once "     \
                      "took it: " why ")", xl_span_rounds, 1u << XL_DOUBLINGS,             \
                      xl_span_takes, (unsigned)(ops));                                     \
    } while (0)

/* The client on processor 1 calls the server on `server_cpu` (its
 * Calls counted in xl_rounds) while U's thread on processor 3 revokes;
 * then the pair stops and everything goes. Returns whether the Unmap
 * returned and the client stopped; xl_bad and the counts (xl_revoke)
 * say the rest. */
static int xl_run(L4_Word_t server_cpu, void (*server)(L4_Word_t), void (*doorbell)(L4_Word_t))
{
    struct xl_rig g;
    xl_build(&g);
    L4_ThreadId_t s = tsup_thread(server, 0);
    EXPECT(tsup_wait_blocked(s));
    tsup_move(s, server_cpu);
    L4_ThreadId_t d = L4_nilthread;
    if (doorbell) {                     /* (below the client, on its processor) */
        d = tsup_thread(doorbell, s.raw);
        L4_Set_Priority(d, 50);
        tsup_move(d, 1);
        EXPECT(tsup_wait_flag(&xq_rung, 5000));     /* (before the client calls) */
    }
    L4_ThreadId_t c = tsup_thread(xl_client, s.raw);
    tsup_move(c, 1);
    int done = xl_revoke(&g, 1u << 1 | 1u << server_cpu);
    printf("xl: %lu round trips of a client on processor 1 and a server on %lu while "
           "processor 3 revoked from %u mappings for %lu ms\n", xl_during, server_cpu,
           1u << XL_DOUBLINGS, xl_ms);
    tsup_kill(c);
    if (doorbell)
        tsup_kill(d);
    tsup_kill(s);
    xl_dismantle(&g);
    return done;
}

TEST(mp, ipc_between_processors_goes_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    EXPECT(xl_run(2, xl_server, NULL));
    XL_EXPECT_NO_LOCK(2, "round trips between processors 1 and 2",
                      "IPC between processors needs no kernel lock");
}

/*
 * Two clients, on processors 1 and 2, Call one server on processor 3,
 * which answers each with ReplyWait. Its reply is a request to its
 * client's processor, and a Call of the other client that comes while
 * processor 3 waits for that request finds the server between the two
 * phases of its IPC without the lock. That Call was refused
 * (serve_send) and went the locked way, whose claims made the requests
 * of the others withdraw and take the lock too: a pipeline of three
 * programs and the pipe server on four processors took it about once an
 * IPC. Now processor 3 serves the Call once its own request is over
 * (mp_request). The clients count their round trips, each answer
 * checked (xl_server's); the test wants the three processors to take
 * the kernel lock fewer times than once every 8 round trips.
 */
#define TC_ROUNDS 2000
static volatile L4_Word_t tc_rounds[2], tc_bad, tc_server_id;
static volatile int tc_go, tc_done[2];

static void tc_client(L4_Word_t k)
{
    L4_ThreadId_t server = tid(tc_server_id);
    while (!tc_go)
        ;
    for (L4_Word_t i = 0; i < TC_ROUNDS && !tc_bad; i++) {
        L4_Word_t w = i << 1 | k, got = 0;
        tsup_load(0, 1, &w);
        L4_MsgTag_t tag = L4_Call(server);
        L4_StoreMR(1, &got);
        if (L4_IpcFailed(tag) || got != w + 1)
            tc_bad = L4_IpcFailed(tag) ? L4_ErrorCode() | 1UL << 63 : got;
        tc_rounds[k] = i + 1;
    }
    tc_done[k] = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, a_call_to_a_server_whose_processor_waits_for_its_reply_takes_no_lock)
{
    if (ncpus() < 4)
        return;
    tc_go = tc_done[0] = tc_done[1] = 0;
    tc_rounds[0] = tc_rounds[1] = tc_bad = 0;
    L4_ThreadId_t s = tsup_thread(xl_server, 0);     /* (answers w + 1) */
    EXPECT(tsup_wait_blocked(s));
    tsup_move(s, 3);
    tc_server_id = s.raw;
    L4_ThreadId_t c[2];
    for (unsigned k = 0; k < 2; k++) {
        c[k] = tsup_thread(tc_client, k);
        tsup_move(c[k], 1 + k);
    }
    L4_Word_t takes = lock_takes(0xE);
    tc_go = 1;
    int done = tsup_wait_flag(&tc_done[0], 60000) && tsup_wait_flag(&tc_done[1], 60000);
    takes = lock_takes(0xE) - takes;
    L4_Word_t rounds = tc_rounds[0] + tc_rounds[1];
    printf("  (%lu round trips, %lu kernel lock takes on processors 1 to 3)\n", rounds, takes);
    for (unsigned k = 0; k < 2; k++)
        tsup_kill(c[k]);
    tsup_kill(s);
    EXPECT(done);
    EXPECT_EQ(tc_bad, 0);
    if (takes * 8 >= rounds)
        test_fail(__FILE__, __LINE__, "expected fewer kernel lock takes on processors 1 to 3 "
                  "than one every 8 of the %lu round trips of two clients on 1 and 2 calling "
                  "a server on 3, got %lu", rounds, takes);
}

/*
 * A ring of sends (an attacker's review of the sends deferred while a
 * processor waits for its own request): threads on processors 1, 2 and
 * 3 each send to the next with a send timeout of 0, again and again, so
 * that each processor often waits for its own request while the send of
 * the one before to its thread waits there. Deferred for as long as the
 * wait lasted, the three waited for each other until one withdrew its
 * request after 10 ms with interrupts off; now a processor whose own
 * request is deferred defers none (mp.c, deferred), and the ring breaks
 * at once. Each sender makes 5000 sends; the test wants fewer requests
 * withdrawn from such a ring on processors 1 to 3 (KDB Withdrawals)
 * than one in 500 sends.
 */
#define RING_SENDS 5000
static volatile L4_Word_t ring_ids[3], ring_sent[3];
static volatile int ring_go, ring_done[3];

static void ring_sender(L4_Word_t k)
{
    while (!ring_go)
        ;
    L4_ThreadId_t next = tid(ring_ids[(k + 1) % 3]);
    for (unsigned i = 0; i < RING_SENDS; i++) {
        __L4_Utcb()[0] = 0;
        L4_Send_Timeout(next, L4_ZeroTime);     /* (it never waits: "not waiting") */
        ring_sent[k] = i + 1;
    }
    ring_done[k] = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, a_ring_of_sends_between_three_processors_breaks_without_waiting_out_a_request)
{
    if (ncpus() < 4)
        return;
    ring_go = 0;
    L4_ThreadId_t t[3];
    for (unsigned k = 0; k < 3; k++) {
        ring_done[k] = 0;
        ring_sent[k] = 0;
        t[k] = tsup_thread(ring_sender, k);
        tsup_move(t[k], 1 + k);
        ring_ids[k] = t[k].raw;
    }
    L4_Word_t before = kdb_sum(L4_KDB_Withdrawals, 0xE);
    ring_go = 1;
    int done = 1;
    for (unsigned k = 0; k < 3; k++)
        done &= tsup_wait_flag(&ring_done[k], 60000);
    L4_Word_t withdrawn = kdb_sum(L4_KDB_Withdrawals, 0xE) - before;
    L4_Word_t sent = ring_sent[0] + ring_sent[1] + ring_sent[2];
    printf("  (%lu sends in the ring, %lu requests withdrawn from a ring)\n", sent, withdrawn);
    for (unsigned k = 0; k < 3; k++)
        tsup_kill(t[k]);
    EXPECT(done);
    if (withdrawn * 500 >= sent)
        test_fail(__FILE__, __LINE__, "expected fewer requests of processors 1 to 3 withdrawn "
                  "from a ring of deferrals after waiting 10 ms than one in 500 of the %lu "
                  "sends of a ring of three threads on them, got %lu", sent, withdrawn);
}

/*
 * The same with every Call queued: a sender whose receiver on another
 * processor does not wait joins its send queue by a request, and the
 * receiver takes the message from there by a request to the sender's
 * processor (arch/mp.h). The server waits for a doorbell, a thread on
 * the client's processor below the client's priority, which calls the
 * server whenever the client waits: so the client's Call is queued
 * before the doorbell rings, and the server's receive of timeout 0 after
 * the ring takes it from the queue. The server answers with sends of
 * timeout 0, which find the client waiting only because a Call's receive
 * phase begins when its message is taken (spec 5.1). A round trip is
 * six requests (the queued Call, the ring, two takes, two answers), three
 * times those of the pair above: without the lock 17 to 57 round trips
 * were seen (8 when other emulators shared the host's cores). When
 * queueing and taking took the kernel lock, at most about one of them
 * got through per window of the revocation, and the woken took it again:
 * at most about 5 round trips, 2 or 3 seen.
 */
static void xq_doorbell(L4_Word_t server)
{
    for (;;)
        L4_Call(tid(server));
}

static L4_Word_t xq_x;                  /* the X flag the server expects */

/* The server's failure: it says so (xl_bad, the client stops) and stops.
 * (Once the client has stopped, the doorbell rings alone.) */
static void xq_bad(L4_Word_t what)
{
    if (!xl_stop)
        xl_bad = what;
    L4_Sleep(L4_Never);
}

static void xq_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t d, c;
    L4_Wait(&d);                        /* the first ring (blocked until moved: xl_run) */
    xq_rung = 1;
    L4_MsgTag_t tag = L4_Wait(&c);      /* the client's first Call */
    for (;;) {
        if (L4_IpcFailed(tag) || L4_UntypedWords(tag) != 1 || (tag.raw & TAG_X) != xq_x ||
            c.raw == d.raw)
            xq_bad(tag.raw | 1UL << 62);        /* (expected the client's word, queued) */
        L4_Word_t w;
        L4_StoreMR(1, &w);
        w++;
        tsup_load(0, 1, &w);
        if (L4_IpcFailed(L4_Reply(c)))
            xq_bad(L4_ErrorCode() | 1UL << 61); /* (the client did not wait) */
        tsup_load(0, 0, NULL);
        if (L4_IpcFailed(L4_Reply(d)) || L4_IpcFailed(L4_Receive(d)))
            xq_bad(L4_ErrorCode() | 1UL << 60); /* (the doorbell did not wait, or ring) */
        tag = L4_Wait_Timeout(L4_ZeroTime, &c);
    }
}

TEST(mp, queued_ipc_between_processors_goes_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    xq_x = TAG_X;
    EXPECT(xl_run(2, xq_server, xq_doorbell));
    XL_EXPECT_NO_LOCK(6, "round trips between processors 1 and 2, each Call queued,",
                      "queueing and taking a message between processors need no kernel lock");
}

/* The same with all three on processor 1: a message queued by a thread
 * of the receiver's own processor is taken there without the lock too
 * (take_queued). Under the lock, one take per window of the revocation:
 * 10 or 11 round trips were seen; without it, over 10000. */
TEST(mp, queued_ipc_on_one_processor_goes_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    xq_x = 0;
    EXPECT(xl_run(1, xq_server, xq_doorbell));
    XL_EXPECT_NO_LOCK(1, "round trips on processor 1, each Call queued,",
                      "taking a queued message needs no kernel lock");
}

/* The same with a client that calls two servers on processor 2 in turn,
 * so that each Call is its first to that server: the caller must be
 * listed with the server (waiters.h) before its receive phase, and the
 * server's list is processor 2's. The request lists it there
 * (REQ_LISTED). When such a Call took the lock, at most one got through
 * per window of the revocation. */
static L4_ThreadId_t xf_servers[2];

static void xf_client(L4_Word_t unused)
{
    (void)unused;
    while (!xl_stop) {
        L4_Word_t w = xl_rounds, got = 0;
        tsup_load(0, 1, &w);
        L4_MsgTag_t tag = L4_Call(xf_servers[w % 2]);
        L4_StoreMR(1, &got);
        if (L4_IpcFailed(tag) || got != w + 1) {
            xl_bad = L4_IpcFailed(tag) ? L4_ErrorCode() | 1UL << 63 : got;
            break;
        }
        xl_rounds = w + 1;
    }
    xl_client_done = 1;
}

TEST(mp, first_calls_between_processors_go_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    struct xl_rig g;
    xl_build(&g);
    for (unsigned k = 0; k < 2; k++) {
        xf_servers[k] = tsup_thread(xl_server, 0);
        EXPECT(tsup_wait_blocked(xf_servers[k]));
        tsup_move(xf_servers[k], 2);
    }
    L4_ThreadId_t c = tsup_thread(xf_client, 0);
    tsup_move(c, 1);
    int done = xl_revoke(&g, 1u << 1 | 1u << 2);
    printf("xf: %lu round trips of a client on processor 1 with two servers on 2 in turn while "
           "processor 3 revoked from %u mappings for %lu ms\n", xl_during, 1u << XL_DOUBLINGS,
           xl_ms);
    tsup_kill(c);
    tsup_kill(xf_servers[0]);
    tsup_kill(xf_servers[1]);
    xl_dismantle(&g);
    EXPECT(done);
    XL_EXPECT_NO_LOCK(2, "round trips of a client on processor 1 calling two servers on 2 "
                      "in turn",
                      "a first Call to a thread of another processor needs no kernel lock");
}

/* First Calls racing the deletion of their servers: clients on
 * processors 1 and 3 call two servers on processor 2 in turn (each Call
 * a first one, listed by the request: REQ_LISTED), while processor 0
 * deletes one server after the other and makes it again. A Call to a
 * deleted server fails with "no partner" in either phase; no other
 * outcome, and no client may wait for ever for a server that is gone
 * (its list of waiters fails that receive, waiters.h). */
#define XD_CALLS 3000
#define XD_SERVERS_MADE 60
static volatile int xd_done[2];
static volatile L4_Word_t xd_bad, xd_ok, xd_gone;

static void xd_client(L4_Word_t k)
{
    for (unsigned i = 0; i < XD_CALLS && !xd_bad; i++) {
        L4_Word_t w = i;
        tsup_load(0, 1, &w);
        L4_MsgTag_t tag = L4_Call(xf_servers[i % 2]);
        L4_Word_t err = L4_ErrorCode(), got = 0;
        L4_StoreMR(1, &got);
        if (L4_IpcSucceeded(tag) && got == i + 1)
            xd_ok++;
        else if (L4_IpcFailed(tag) &&
                 (err == IPC_ERR(2, SEND_PHASE) || err == IPC_ERR(2, RECV_PHASE)))
            xd_gone++;
        else
            xd_bad = L4_IpcFailed(tag) ? err | 1UL << 63 : got | 1UL << 62;
    }
    xd_done[k] = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, first_calls_between_processors_race_the_deletion_of_their_servers)
{
    unsigned n = ncpus();
    L4_Word_t server_cpu = other_cpu(1), client_cpu[2] = { other_cpu(0), other_cpu(2) };
    xd_bad = xd_ok = xd_gone = 0;
    xd_done[0] = xd_done[1] = 0;
    for (unsigned k = 0; k < 2; k++) {
        xf_servers[k] = tsup_thread(xl_server, 0);
        tsup_move(xf_servers[k], server_cpu);
    }
    L4_ThreadId_t c[2];
    for (unsigned k = 0; k < 2; k++) {
        c[k] = tsup_thread(xd_client, k);
        tsup_move(c[k], client_cpu[k]);
    }
    for (unsigned m = 0; m < XD_SERVERS_MADE && !(xd_done[0] && xd_done[1]); m++) {
        unsigned k = m % 2;
        tsup_kill(xf_servers[k]);
        tsup_sleep_ms(1);
        L4_ThreadId_t s = tsup_thread(xl_server, 0);
        tsup_move(s, server_cpu);
        xf_servers[k] = s;
        tsup_sleep_ms(2);
    }
    int done = tsup_wait_flag(&xd_done[0], 20000) && tsup_wait_flag(&xd_done[1], 20000);
    printf("xd: %lu Calls answered, %lu found their server gone, on %u processors\n", xd_ok,
           xd_gone, n);
    tsup_kill(c[0]);
    tsup_kill(c[1]);
    tsup_kill(xf_servers[0]);
    tsup_kill(xf_servers[1]);
    if (!done)
        test_fail(__FILE__, __LINE__, "the clients did not finish their %u Calls within 20 s "
                  "(%lu answered, %lu no partner): one waits for a server that is gone",
                  XD_CALLS, xd_ok, xd_gone);
    EXPECT_EQ(xd_bad, 0);
    EXPECT(xd_ok > 0);
}

/* The same with timeouts: a thread on processor 1 sleeps for a
 * millisecond again and again (a receive from itself that times out).
 * Its timeout expires on its own processor; its tick ends its wait
 * without the lock (timeout_expire_here): about one wake-up a
 * millisecond of the revocation (30 in 32 ms, 33 in 33 ms alone; 13 in
 * 18 ms when the whole group ran). When every expiry took the lock, at
 * most one got through per window of the revocation: 11 in 66 ms, 10 in
 * 56 ms. */
static void xt_sleeper(L4_Word_t unused)
{
    (void)unused;
    while (!xl_stop) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_MyGlobalId(), L4_Timeouts(L4_Never, MS(1)),
                                 &from);
        if (L4_IpcSucceeded(tag) || L4_ErrorCode() != IPC_ERR(1, RECV_PHASE)) {
            xl_bad = L4_ErrorCode() | 1UL << 63;    /* (expected its receive to time out) */
            break;
        }
        xl_rounds++;
    }
    xl_client_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, timeouts_expire_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    struct xl_rig g;
    xl_build(&g);
    L4_ThreadId_t t = tsup_thread(xt_sleeper, 0);
    tsup_move(t, 1);
    int done = xl_revoke(&g, 1u << 1);
    printf("xt: %lu timeouts expired on processor 1 while processor 3 revoked from %u "
           "mappings for %lu ms\n", xl_during, 1u << XL_DOUBLINGS, xl_ms);
    tsup_kill(t);
    xl_dismantle(&g);
    EXPECT(done);
    XL_EXPECT_NO_LOCK(1, "timeouts expired on processor 1",
                      "a timeout whose wait is its processor's expires without the kernel lock");
}

/* System calls whose effects stay on their processor take no lock
 * either (syscall_abi.c, lock_unless_local; KernelInterface, trap.c):
 * SystemClock, ThreadSwitch, KernelInterface, and ExchangeRegisters of a
 * thread of the caller's processor, an abort of a wait there included. A
 * thread on processor 1 (A) goes round: KernelInterface (the KIP where it
 * was), the clock (which must not go back), an abort of C's open receive
 * (ExchangeRegisters control 2; C, on processor 1 too, counts the
 * cancellations and waits again when A switches to it), B's handle set
 * and read back, B halted and resumed (B sleeps on processor 1), and a
 * yield: 9 system calls a round. Under the lock each of them waited for a
 * turn with the lock between the revocation's windows: 45 rounds in
 * 51 ms (without KernelInterface). Without it 7087 in 35 ms. */
static volatile L4_Word_t xc_cancelled, xc_aborted, xc_b;

static void xc_waiter(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag) || L4_ErrorCode() != IPC_ERR(L4_ErrCanceled, RECV_PHASE)) {
            xl_bad = L4_ErrorCode() | 1UL << 62;  /* (expected its receive cancelled) */
            L4_Sleep(L4_Never);
        }
        xc_cancelled++;
    }
}

/* xl_bad: 1 << 63 and the clock's last value, the clock went back; the
 * round number and what went wrong, else. */
static void xc_caller(L4_Word_t c_raw)
{
    L4_ThreadId_t c = tid(c_raw), b = tid(xc_b);
    L4_Word_t last = 0;
    void *kip = L4_KernelInterface(NULL, NULL, NULL);
    while (!xl_stop && !xl_bad) {
        if (L4_KernelInterface(NULL, NULL, NULL) != kip)
            xl_bad = xl_rounds << 32 | 0x4;
        L4_Word_t r = xl_rounds, now = L4_SystemClock().raw, old;
        if (now < last)
            xl_bad = last | 1UL << 63;
        last = now;
        __L4_ExReg(c, L4_ExReg_AbortRecv, 0, 0, 0, 0, L4_nilthread, &old);
        if (old & L4_ExReg_AbortRecv)   /* (C may not be back in its receive yet) */
            xc_aborted++;
        L4_ThreadSwitch(c);
        L4_Set_UserDefinedHandleOf(b, r + 1);
        if (L4_UserDefinedHandleOf(b) != r + 1)
            xl_bad = r << 32 | 0x1;
        __L4_ExReg(b, L4_ExReg_Stop, 0, 0, 0, 0, L4_nilthread, &old);
        if (old & L4_ExReg_Halt)
            xl_bad = r << 32 | 0x2;     /* (it was halted before) */
        __L4_ExReg(b, L4_ExReg_Resume, 0, 0, 0, 0, L4_nilthread, &old);
        if (!(old & L4_ExReg_Halt))
            xl_bad = r << 32 | 0x3;     /* (the Stop did not halt it) */
        L4_Yield();
        xl_rounds = r + 1;
    }
    xl_client_done = 1;
    L4_Sleep(L4_Never);
}

/* A goes round on processor `a_cpu`, B and C on processor 1, while
 * processor 3 revokes; then all go. Checks A's and C's findings; the
 * caller checks the lock's takes (XL_EXPECT_NO_LOCK). */
static void xc_run(unsigned a_cpu)
{
    struct xl_rig g;
    xl_build(&g);
    xc_cancelled = xc_aborted = 0;
    L4_ThreadId_t b = tsup_thread(tsup_fn_sleeper, 0), c = tsup_thread(xc_waiter, 0);
    EXPECT(tsup_wait_blocked(b));
    EXPECT(tsup_wait_blocked(c));
    tsup_move(b, 1);
    tsup_move(c, 1);
    xc_b = b.raw;
    L4_ThreadId_t a = tsup_thread(xc_caller, c.raw);
    tsup_move(a, a_cpu);
    int done = xl_revoke(&g, 1u << 1 | 1u << a_cpu);
    printf("xc: %lu rounds of 9 system calls on processor %u, 5 of them ExchangeRegisters of "
           "threads on processor 1 (%lu aborts, %lu receives cancelled in all), while processor "
           "3 revoked from %u mappings for %lu ms\n", xl_during, a_cpu, xc_aborted,
           xc_cancelled, 1u << XL_DOUBLINGS, xl_ms);
    tsup_kill(a);
    tsup_kill(b);
    tsup_kill(c);
    xl_dismantle(&g);
    EXPECT(done);
    if (xc_cancelled > xc_aborted || xc_aborted - xc_cancelled > 1)
        test_fail(__FILE__, __LINE__, "C's receive cancelled %lu times: expected once for each "
                  "of the %lu aborts that found it receiving (the last perhaps not yet seen)",
                  xc_cancelled, xc_aborted);
    EXPECT(xc_aborted > 0);
}

TEST(mp, system_calls_of_one_processor_go_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    xc_run(1);
    XL_EXPECT_NO_LOCK(5, "rounds of KernelInterface, SystemClock, ThreadSwitch and "
                      "ExchangeRegisters on processor 1",
                      "they touch nothing but that processor's threads");
}

/* ExchangeRegisters of another processor's thread is a request that
 * processor serves (exreg.c, exreg_serve), as IPC to it is: no lock. The
 * same rounds as above from A on processor 2, of B and C on processor 1
 * (A's ThreadSwitch to C yields there). Under the lock: 10 rounds in
 * 135 ms; as requests 205 in 107 ms, 252 in 184 ms, 158 in 135 ms (each
 * of them waits for an IPI to wake processor 1's idle thread, as IPC
 * between processors does). */
TEST(mp, exchange_registers_of_another_processors_thread_goes_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    xc_run(2);
    XL_EXPECT_NO_LOCK(5, "rounds of ExchangeRegisters from processor 2 of threads on "
                      "processor 1",
                      "each is a request processor 1 serves");
}

/* Schedule of a thread that stays on its processor takes no lock either
 * (schedsys.c, schedule_local): of a thread of the caller's processor it
 * is done there, of another's it is a request to that one
 * (schedule_serve). A on processor 1 goes round: B's priority and time
 * slice set and the slice read back (B sleeps on processor 1), the same
 * of C (asleep on processor 2), and the priority of D, which spins on
 * processor 2 (so the request comes while it runs). Under the lock: 7
 * rounds in 126 ms; without it 46 in 93 ms, 668 in 77 ms, 3855 in 285 ms
 * (each request waits for processor 2's turn on the host). */
static volatile L4_Word_t xs_b, xs_c, xs_d;

static void xs_spinner(L4_Word_t unused)
{
    (void)unused;
    for (;;)
        ;
}

/* t's state after its time slice is set to `slice` and read back: 0 if
 * the slice read back is another. */
static L4_Word_t xs_set_slice(L4_ThreadId_t t, L4_Time_t slice)
{
    L4_Time_t s, q;
    L4_Word_t st = L4_Set_Timeslice(t, slice, L4_Never);
    return L4_Timeslice(t, &s, &q) == st && s.raw == slice.raw ? st : 0;
}

/* xl_bad: the round number and what went wrong */
static void xs_caller(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t b = tid(xs_b), c = tid(xs_c), d = tid(xs_d);
    while (!xl_stop && !xl_bad) {
        L4_Word_t r = xl_rounds;
        L4_Time_t slice = L4_TimePeriod(500 + (r & 0xFF));   /* (exact below 1024 us) */
        if (L4_Set_Priority(b, 50 + (r & 1)) != 6)   /* (B and C wait: state 6) */
            xl_bad = r << 32 | 0x1;
        if (xs_set_slice(b, slice) != 6)
            xl_bad = r << 32 | 0x2;
        if (L4_Set_Priority(c, 50 + (r & 1)) != 6)
            xl_bad = r << 32 | 0x3;
        if (xs_set_slice(c, slice) != 6)
            xl_bad = r << 32 | 0x4;
        if (L4_Set_Priority(d, 10 + (r & 1)) != 3)   /* (D runs: state 3) */
            xl_bad = r << 32 | 0x5;
        xl_rounds = r + 1;
    }
    xl_client_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, schedule_goes_on_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    struct xl_rig g;
    xl_build(&g);
    L4_ThreadId_t b = tsup_thread(tsup_fn_sleeper, 0), c = tsup_thread(tsup_fn_sleeper, 0);
    EXPECT(tsup_wait_blocked(b));
    EXPECT(tsup_wait_blocked(c));
    tsup_move(b, 1);
    tsup_move(c, 2);
    L4_ThreadId_t d = tsup_thread(xs_spinner, 0);
    L4_Set_Priority(d, 10);
    tsup_move(d, 2);
    xs_b = b.raw;
    xs_c = c.raw;
    xs_d = d.raw;
    L4_ThreadId_t a = tsup_thread(xs_caller, 0);
    tsup_move(a, 1);
    int done = xl_revoke(&g, 1u << 1 | 1u << 2);
    printf("xs: %lu rounds of 9 Schedules on processor 1, 5 of them of threads on processor 2, "
           "while processor 3 revoked from %u mappings for %lu ms\n",
           xl_during, 1u << XL_DOUBLINGS, xl_ms);
    tsup_kill(a);
    tsup_kill(b);
    tsup_kill(c);
    tsup_kill(d);
    xl_dismantle(&g);
    EXPECT(done);
    XL_EXPECT_NO_LOCK(5, "rounds of Schedule on processor 1",
                      "a Schedule that leaves its thread where it is takes no lock");
}

/* A page fault's message to its pager, and the answer back, take no lock
 * either when both are that processor's threads (fault.c,
 * fault_page_without_lock). T on processor 1 reads a page nobody maps, in
 * its own space's hole; its pager P, on processor 1 too, counts each
 * fault and answers with an empty message, so T faults again at once:
 * the round trip of a page fault without the mapping (a map item is
 * typed, and takes the lock). Under the lock every fault waited for a
 * turn with it. */
#define XPF_ADDR 0x66000000UL          /* (nobody maps there) */
#define PAGEFAULT_READ_LABEL (PROTO_LABEL(PROTO_PAGEFAULT) | L4_Readable)
static volatile L4_Word_t xpf_t;

/* xl_bad: 1 << 63 and the error; else the unexpected label, address or
 * sender's id (the round number in the high half). */
static void xpf_pager(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t addr, r = xl_rounds;
        L4_StoreMR(1, &addr);
        if (L4_IpcFailed(tag))
            xl_bad = L4_ErrorCode() | 1UL << 63;
        else if (L4_Label(tag) != PAGEFAULT_READ_LABEL || L4_UntypedWords(tag) != 2)
            xl_bad = r << 32 | 0x1;
        else if (addr != XPF_ADDR)
            xl_bad = r << 32 | 0x2;
        else if (from.raw != xpf_t)
            xl_bad = r << 32 | 0x3;
        if (xl_bad || xl_stop)
            break;                      /* (T waits in its fault until killed) */
        xl_rounds = r + 1;
        __L4_Utcb()[0] = 0;             /* (an empty answer: T faults again) */
        tag = L4_ReplyWait(from, &from);
    }
    xl_client_done = 1;
    L4_Sleep(L4_Never);
}

/* A thread that, once told to go (its pager set), reads `addr` for
 * ever: where nobody maps, each read a page fault. */
static void fault_reader(L4_Word_t addr)
{
    wait_for_go();
    for (;;)
        (void)*(volatile L4_Word_t *)addr;
}

TEST(mp, page_faults_reach_their_pager_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    struct xl_rig g;
    xl_build(&g);
    L4_ThreadId_t p = tsup_thread(xpf_pager, 0);
    EXPECT(tsup_wait_blocked(p));
    tsup_move(p, 1);
    L4_ThreadId_t t = tsup_thread(fault_reader, XPF_ADDR);
    EXPECT(tsup_wait_blocked(t));
    tsup_move(t, 1);
    xpf_t = L4_LocalIdOf(t).raw;        /* (how P, in T's space, sees it) */
    L4_Set_PagerOf(t, p);
    go(t);
    int done = xl_revoke(&g, 1u << 1);
    printf("xpf: %lu page faults of a thread on processor 1 reached its pager there while "
           "processor 3 revoked from %u mappings for %lu ms\n", xl_during,
           1u << XL_DOUBLINGS, xl_ms);
    tsup_kill(t);
    tsup_kill(p);
    xl_dismantle(&g);
    EXPECT(done);
    XL_EXPECT_NO_LOCK(2, "page faults on processor 1 answered by its pager",
                      "a fault's message and its untyped answer stay on that processor");
}

/* A local id names the thread of the caller's space at that UTCB whose
 * MyGlobalId word (user-writable) names it. ThreadControl lets a
 * privileged creator put two threads of one space at one UTCB location
 * (nothing checks it is unused); then the word decides which of them the
 * local id names, and any thread of the space may rewrite it. T1 sleeps on
 * processor 1, T2 (at T1's UTCB) waits for its start message on processor
 * 2; a thread on processor 3 writes T1's and T2's global ids into the word
 * in turn, while one on processor 1 reads the registers of the local id
 * (ExchangeRegisters, control 0) again and again. Each answer must be
 * T1's or T2's global id, or nilthread with ErrorCode 2; the kernel must
 * not decide on T1 (its processor's: no lock, exreg_local) and then look
 * the word up again and act on T2. */
#define DL_ROUNDS 200000
static volatile int dl_stop, dl_done;
static volatile L4_Word_t dl_local, dl_t1, dl_t2, dl_bad, dl_seen[3];

static void dl_flipper(L4_Word_t unused)
{
    (void)unused;
    volatile L4_Word_t *word = (volatile L4_Word_t *)dl_local - 0x78 / sizeof(L4_Word_t);
    while (!dl_stop) {
        *word = dl_t1;
        *word = dl_t2;
    }
    *word = dl_t1;
    dl_done = 1;
    L4_Sleep(L4_Never);
}

static void dl_reader(L4_Word_t unused)
{
    (void)unused;
    for (unsigned i = 0; i < DL_ROUNDS && !dl_bad; i++) {
        L4_Word_t old;
        L4_Word_t r = __L4_ExReg(tid(dl_local), 0, 0, 0, 0, 0, L4_nilthread, &old).raw;
        if (r == dl_t1)
            dl_seen[0]++;
        else if (r == dl_t2)
            dl_seen[1]++;
        else if (r == 0 && L4_ErrorCode() == L4_ErrInvalidThread)
            dl_seen[2]++;
        else
            dl_bad = r ? r : 1;
    }
    dl_stop = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, exchange_registers_of_a_local_id_whose_utcb_names_another_thread_meanwhile)
{
    unsigned n = ncpus();
    dl_stop = dl_done = 0;
    dl_bad = dl_seen[0] = dl_seen[1] = dl_seen[2] = 0;
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_ThreadId_t t1 = tsup_thread(tsup_fn_sleeper, 0);
    EXPECT(tsup_wait_blocked(t1));
    if (n >= 4)
        tsup_move(t1, 1);
    dl_local = L4_LocalIdOf(t1).raw;
    dl_t1 = t1.raw;
    L4_ThreadId_t t2 = tsup_new_id();
    dl_t2 = t2.raw;
    /* T2 at T1's UTCB location (the local id's 1 KB slot) */
    if (!L4_ThreadControl(t2, me, me, me, (void *)(dl_local & ~1023UL)))
        test_fail(__FILE__, __LINE__, "ThreadControl of a second thread at UTCB 0x%lx: expected "
                  "it made, got ErrorCode %lu", dl_local & ~1023UL, L4_ErrorCode());
    if (n >= 4)
        L4_Set_ProcessorNo(t2, 2);
    L4_ThreadId_t f = tsup_thread(dl_flipper, 0), r = tsup_thread(dl_reader, 0);
    if (n >= 4) {
        tsup_move(f, 3);
        tsup_move(r, 1);
    }
    for (int i = 0; i < 60000 && !(dl_stop && dl_done); i++)
        tsup_sleep_ms(1);
    printf("dl: ExchangeRegisters of local id %lx: %lu times T1 %lx, %lu times T2 %lx, %lu "
           "times invalid\n", dl_local, dl_seen[0], dl_t1, dl_seen[1], dl_t2, dl_seen[2]);
    EXPECT(dl_stop && dl_done);
    tsup_kill(f);
    tsup_kill(r);
    L4_ThreadControl(t2, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    tsup_kill(t1);
    if (dl_bad)
        test_fail(__FILE__, __LINE__, "ExchangeRegisters of local id %lx: expected T1's or T2's "
                  "global id (%lx, %lx) or nilthread with ErrorCode 2, got %lx (1: nilthread "
                  "with another ErrorCode)", dl_local, dl_t1, dl_t2, dl_bad);
}

/* The same with processor 1 busy: a thread below the client spins there,
 * so the server's answer, served in the IPI that interrupts the spinner
 * in user mode, makes the client ready above the running thread. It
 * switches to the client without the lock (preempt_without_lock): 90
 * and 97 round trips seen, with a reviewer's emulator beside it. When
 * that switch took the lock, each answer waited for a window of the
 * revocation: 4 and 10. */
static void xp_spinner(L4_Word_t unused)
{
    (void)unused;
    xq_rung = 1;
    for (;;)
        ;
}

TEST(mp, ipc_between_processors_preempts_a_busy_processor_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    EXPECT(xl_run(2, xl_server, xp_spinner));
    XL_EXPECT_NO_LOCK(2, "round trips between processors 1 and 2, a thread spinning on 1 below "
                      "the client,", "the answer preempts the spinner without the kernel lock");
}

/* The same with the server on processor 3, whose Unmap lets interrupts in
 * at its preemption points: a request may come in there. (It once asked
 * for its IPI again from there, which came back at once, for ever: the
 * processor stopped, and with it every processor waiting for the lock.) */
TEST(mp, a_request_during_a_preemption_point_does_not_stop_that_processor)
{
    if (ncpus() < 4)
        return;
    if (!xl_run(3, xl_server, NULL))
        test_fail(__FILE__, __LINE__, "the Unmap on processor 3 or the client on 1 calling a "
                  "server on 3 did not finish (expected both to)");
}

/*
 * The same with interrupts: a handler on processor 1, where COM2's line
 * goes (it was attached there, spec 7), answers each receive interrupt of
 * the UART in loopback by acknowledging it and writing the next byte,
 * whose interrupt follows: an interrupt round trip, counted in
 * xl_rounds. An interrupt whose interrupt thread and handler are its
 * processor's reaches the handler without the kernel lock, and so does
 * the acknowledgement (arch/mp.h): 4693 and 5262 round trips seen. When
 * both took the lock, at most one of them got through per window of the
 * revocation: 4 or 5 round trips. The handler gives up if no interrupt
 * comes for two seconds.
 */
static void xi_handler(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(SECONDS(2), &from);
        if (L4_IpcFailed(tag) || (tag.raw & ~TAG_X) != IRQ_TAG ||
            from.raw != irq_tid(COM2_IRQ).raw) {
            xl_bad = L4_IpcFailed(tag) ? L4_ErrorCode() | 1UL << 63 : tag.raw;
            break;                      /* (expected the line's message) */
        }
        while (inb(COM2 + 5) & 1)       /* (the byte: the UART lowers the line) */
            (void)inb(COM2);
        xl_rounds++;
        if (L4_IpcFailed(L4_Reply(from))) {
            xl_bad = L4_ErrorCode() | 1UL << 62;    /* (the line's thread did not wait) */
            break;
        }
        if (xl_stop)
            break;
        outb(COM2, 'x');                /* the next interrupt */
    }
    xl_client_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, interrupts_reach_their_handler_while_another_holds_the_lock)
{
    if (ncpus() < 4)
        return;
    struct xl_rig g;
    xl_build(&g);
    uart_loopback_on();
    L4_ThreadId_t h = tsup_thread(xi_handler, 0);
    EXPECT(tsup_wait_blocked(h));
    tsup_move(h, 1);
    EXPECT_EQ(irq_attach(COM2_IRQ, h), 1);
    outb(COM2 + 1, 0x01);               /* the receive interrupt */
    outb(COM2, 'x');                    /* the first */
    int done = xl_revoke(&g, 1u << 1);
    printf("xi: %lu interrupt round trips on processor 1 while processor 3 revoked from %u "
           "mappings for %lu ms\n", xl_during, 1u << XL_DOUBLINGS, xl_ms);
    uart_loopback_off();
    EXPECT_EQ(irq_detach(COM2_IRQ), 1);
    tsup_kill(h);
    xl_dismantle(&g);
    EXPECT(done);
    XL_EXPECT_NO_LOCK(2, "interrupt round trips on processor 1",
                      "an interrupt and its acknowledgement on the handler's processor need "
                      "no kernel lock");
}

/*
 * A line attached, detached and moved while its interrupts come without
 * the lock: handlers on processors 1 and 2 each keep COM2's loopback
 * going (a byte after each acknowledgement, and one whenever no interrupt
 * came for 10 ms: a message not yet received is dropped when the line is
 * attached again), while processor 0 attaches the line to one, then the
 * other, detaches it, and moves its interrupt thread between processors
 * 1 and 2 (Schedule), XR_ROUNDS times. Whoever changes the attachment
 * claims the interrupt thread's processor first (irq_control). At the
 * end the line, attached to the handler on processor 1 again, must still
 * bring interrupts, and neither handler may have received anything but
 * the line's message or failed but by its timeout.
 */
#define XR_ROUNDS 400
#define XR_AFTER 50                     /* interrupts wanted at the end */
static volatile L4_Word_t xr_got[2], xr_bad;
static volatile int xr_stop;

static void xr_handler(L4_Word_t k)
{
    while (!xr_stop) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(MS(10), &from);
        if (L4_IpcFailed(tag)) {
            if ((L4_ErrorCode() & 0xF) != IPC_ERR(1, RECV_PHASE))
                xr_bad = L4_ErrorCode() | 1UL << 63;
            outb(COM2, 'r');            /* none came: start again */
            continue;
        }
        if ((tag.raw & ~TAG_X) != IRQ_TAG || from.raw != irq_tid(COM2_IRQ).raw) {
            xr_bad = tag.raw;
            continue;
        }
        while (inb(COM2 + 5) & 1)
            (void)inb(COM2);
        xr_got[k]++;
        L4_Reply(from);                 /* (fails if it was attached again meanwhile) */
        outb(COM2, 'x');
    }
    L4_Sleep(L4_Never);
}

TEST(mp, an_interrupt_line_attached_and_moved_while_its_interrupts_come)
{
    unsigned n = ncpus();
    L4_Word_t cpu[2] = { other_cpu(0), other_cpu(1) }, old;
    xr_stop = 0;
    xr_bad = xr_got[0] = xr_got[1] = 0;
    uart_loopback_on();
    L4_ThreadId_t h[2];
    for (unsigned k = 0; k < 2; k++) {
        h[k] = tsup_thread(xr_handler, k);
        tsup_move(h[k], cpu[k]);
    }
    EXPECT_EQ(irq_attach(COM2_IRQ, h[0]), 1);
    outb(COM2 + 1, 0x01);               /* the receive interrupt */
    unsigned failed = 0;
    for (unsigned i = 0; i < XR_ROUNDS; i++) {
        if (i % 4 == 3)
            failed += irq_detach(COM2_IRQ) != 1;
        else if (i % 4 == 1 && n > 2)
            failed += L4_Schedule(irq_tid(COM2_IRQ), ~0UL, cpu[i / 4 % 2], ~0UL, ~0UL, &old) == 0;
        else
            failed += irq_attach(COM2_IRQ, h[i / 2 % 2]) != 1;
        tsup_sleep_ms(1);
    }
    EXPECT_EQ(irq_attach(COM2_IRQ, h[0]), 1);
    L4_Word_t before = xr_got[0];
    for (unsigned ms = 0; ms < 3000 && xr_got[0] < before + XR_AFTER; ms++)
        tsup_sleep_ms(1);
    L4_Word_t after = xr_got[0] - before;
    xr_stop = 1;
    uart_loopback_off();
    EXPECT_EQ(irq_detach(COM2_IRQ), 1);
    tsup_kill(h[0]);
    tsup_kill(h[1]);
    printf("xr: interrupts at the handlers %lu and %lu, then %lu\n", xr_got[0], xr_got[1], after);
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(xr_bad, 0);
    if (after < XR_AFTER)
        test_fail(__FILE__, __LINE__, "%lu interrupts within 3 s at the handler on processor %lu "
                  "after the line was attached, detached and moved %u times (expected %u: the "
                  "line still works)", after, cpu[0], XR_ROUNDS, XR_AFTER);
}

/*
 * An attacker's review: a line whose interrupt thread and handler are
 * processor 1's, moved to processor 2 and back (Schedule) while the PIT
 * runs fast. Moving it claims processor 1, whose interrupts are off while
 * parked: an interrupt of the line may wait there while the line goes to
 * 2, where the next one comes. Processor 1 then sends its message without
 * the lock, and 2, which holds the lock, must not send another before the
 * handler acknowledged the first (irq_fire looked at the interrupt
 * thread's state before it claimed processor 1). Every acknowledgement
 * must find the interrupt thread waiting for it (spec 7: one message per
 * acknowledgement).
 */
#define XM_ROUNDS 30000
static volatile L4_Word_t xm_got, xm_ack_failed, xm_bad, xm_crossed;
static volatile int xm_stop;

static void xm_handler(L4_Word_t unused)
{
    (void)unused;
    while (!xm_stop) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(MS(50), &from);
        if (L4_IpcFailed(tag))
            continue;
        if ((tag.raw & ~TAG_X) != IRQ_TAG || from.raw != irq_tid(0).raw) {
            xm_bad = tag.raw;
            continue;
        }
        xm_got++;
        xm_crossed += (tag.raw & TAG_X) != 0;
        if (L4_IpcFailed(L4_Send_Timeout(from, L4_ZeroTime)))
            xm_ack_failed++;            /* the interrupt thread did not wait */
    }
    L4_Sleep(L4_Never);
}

TEST(mp, an_interrupt_line_moved_while_its_processor_holds_one_of_its_interrupts)
{
    if (ncpus() < 3)
        return;
    L4_Word_t old;
    xm_stop = 0;
    xm_got = xm_ack_failed = xm_bad = xm_crossed = 0;
    L4_ThreadId_t h = tsup_thread(xm_handler, 0);
    tsup_move(h, 1);
    EXPECT_EQ(irq_attach(0, h), 1);
    outb(0x43, 0x34);                   /* the PIT at about 12 kHz */
    outb(0x40, 100);
    outb(0x40, 0);
    unsigned failed = 0;
    for (unsigned i = 0; i < XM_ROUNDS && !xm_ack_failed; i++) {
        failed += L4_Schedule(irq_tid(0), ~0UL, 2, ~0UL, ~0UL, &old) == 0;
        failed += L4_Schedule(irq_tid(0), ~0UL, 1, ~0UL, ~0UL, &old) == 0;
        if (i % 64 == 63)
            tsup_sleep_ms(1);
    }
    xm_stop = 1;
    pit_stop();
    tsup_sleep_ms(100);
    EXPECT_EQ(irq_detach(0), 1);
    tsup_kill(h);
    printf("xm: %lu interrupts (%lu from another processor), %lu acknowledgements found no "
           "interrupt thread waiting\n", xm_got, xm_crossed, xm_ack_failed);
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(xm_bad, 0);
    EXPECT(xm_got > 0);
    if (xm_ack_failed)
        test_fail(__FILE__, __LINE__, "%lu of %lu acknowledgements found the interrupt thread "
                  "not waiting for one: a second message was sent before the first was "
                  "acknowledged", xm_ack_failed, xm_got);
}

/* ---- takes and queueings of one send queue at once ------------------------------ */

/*
 * A receiver on processor 1 polls (receives of timeout 0: each takes a
 * sender queued from another processor by a request there, REQ_TAKE)
 * while six senders on processors 0, 2 and 3 send to it with timeout
 * never (each queued by a request to processor 1, REQ_SEND_OR_QUEUE).
 * While the receiver's take waits, its processor serves requests made to
 * it; it once queued another sender on the receiver's queue there, while
 * the taken sender's processor unlinked that one from the same queue: a
 * sender lost, blocked for ever, and a panic when the threads were
 * deleted (an attacker's review: 6121 and 9962 of 24000 messages, then
 * nothing). Every message must arrive, in order, and every sender end.
 */
#define TQ_SENDERS 6
#define TQ_MSGS 3000
static volatile L4_Word_t tq_got[TQ_SENDERS], tq_sent[TQ_SENDERS], tq_bad, tq_total, tq_rcv;
static volatile int tq_done;

static void tq_sender(L4_Word_t k)
{
    wait_for_go();
    for (L4_Word_t i = 0; i < TQ_MSGS; i++) {
        L4_Word_t w[2] = { k, i };
        tsup_load(0, 2, w);
        if (L4_IpcFailed(L4_Send(tid(tq_rcv)))) {
            if (!tq_bad)
                tq_bad = 1UL << 40 | L4_ErrorCode();
            return;
        }
        tq_sent[k]++;
    }
}

static void tq_receiver(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    while (tq_total < TQ_SENDERS * TQ_MSGS) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_ZeroTime, &from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t k, i;
        L4_StoreMR(1, &k);
        L4_StoreMR(2, &i);
        if (L4_UntypedWords(tag) != 2 || k >= TQ_SENDERS || i != tq_got[k]) {
            if (!tq_bad)                /* (expected sender k's next word) */
                tq_bad = 2UL << 40 | k << 20 | (i & 0xFFFFF);
            continue;
        }
        tq_got[k]++;
        tq_total++;
    }
    tq_done = 1;
}

TEST(mp, takes_and_queueings_of_one_send_queue_at_once)
{
    if (ncpus() < 4)
        return;
    static const L4_Word_t cpu[TQ_SENDERS] = { 0, 2, 3, 0, 2, 3 };
    set_root();
    tq_bad = tq_total = 0;
    tq_done = 0;
    L4_ThreadId_t r = tsup_thread(tq_receiver, 0), s[TQ_SENDERS];
    tq_rcv = r.raw;
    tsup_move(r, 1);
    for (unsigned k = 0; k < TQ_SENDERS; k++) {
        tq_got[k] = tq_sent[k] = 0;
        s[k] = tsup_thread(tq_sender, k);
        tsup_move(s[k], cpu[k]);
    }
    go(r);
    for (unsigned k = 0; k < TQ_SENDERS; k++)
        go(s[k]);
    int done = 0;
    for (unsigned i = 0; i < 12 && !done; i++) {
        done = tsup_wait_flag(&tq_done, 5000);
        printf("tq: %lu of %u messages\n", tq_total, TQ_SENDERS * TQ_MSGS);
    }
    int ended = 1;
    for (unsigned k = 0; k < TQ_SENDERS; k++)
        ended &= tsup_join(s[k], 2000);
    if (!done || !ended) {
        printf("tq: taken/sent, Schedule state of each sender:");
        for (unsigned k = 0; k < TQ_SENDERS; k++)
            printf(" %lu/%lu %lu", tq_got[k], tq_sent[k], sched_state(s[k]));
        printf("\n");
    }
    for (unsigned k = 0; k < TQ_SENDERS; k++)
        tsup_kill(s[k]);
    tsup_kill(r);
    EXPECT(done);
    EXPECT(ended);
    EXPECT_EQ(tq_bad, 0);
    EXPECT_EQ(tq_total, TQ_SENDERS * TQ_MSGS);
}

/* ---- sigma0 from another processor ------------------------------------------- */

/*
 * Sigma0 serves privileged spaces only (test_security.c): for every other
 * thread it does not exist. A plain send from another processor is a
 * request sigma0's processor serves (arch/mp.h), which must ask the same:
 * a thread of a space of its own, on a processor other than sigma0's,
 * sends sigma0 an untyped message. (Without the question there, sigma0,
 * waiting for anyone, got it.)
 */
static volatile L4_Word_t s0x_tag, s0x_err, s0x_cpu;
static volatile int s0x_done;

static void s0x_sender(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        wait_for_go();
        s0x_cpu = L4_ProcessorNo();
        L4_Word_t w[2] = { 1, 2 };
        tsup_load(0x5050, 2, w);
        L4_MsgTag_t tag = L4_Send_Timeout(__L4_Sigma0_Id(), L4_TimePeriod(100000));
        s0x_tag = tag.raw;
        s0x_err = L4_ErrorCode();
        s0x_done = 1;
    }
}

TEST(mp, sigma0_does_not_exist_for_an_unprivileged_sender_on_another_processor)
{
    if (ncpus() < 2)
        return;
    set_root();
    s0x_done = 0;
    L4_Word_t sigma0_cpu = 0, cpu = 1;  /* (sigma0 starts on 0, nobody moves it) */
    L4_ThreadId_t t = tsup_space(s0x_sender, 0);
    tsup_move(t, cpu);
    for (unsigned i = 0; i < 100; i++) {        /* each send goes the same way */
        s0x_done = 0;
        EXPECT(tsup_wait_blocked(t));
        go(t);
        if (!tsup_wait_flag(&s0x_done, 5000) || !L4_IpcFailed((L4_MsgTag_t){ .raw = s0x_tag }) ||
            s0x_err != 2 << 1)
            break;
        if (i == 0)
            EXPECT_EQ(s0x_cpu, cpu);
    }
    tsup_kill(t);
    if (!s0x_done || !L4_IpcFailed((L4_MsgTag_t){ .raw = s0x_tag }) || s0x_err != 2 << 1)
        test_fail(__FILE__, __LINE__, "a send to sigma0 from an unprivileged space on processor "
                  "%lu (sigma0's: %lu): done %d, tag 0x%lx, ErrorCode 0x%lx (expected it to fail "
                  "in the send phase with no partner, ErrorCode 0x4)", cpu, sigma0_cpu, s0x_done,
                  s0x_tag, s0x_err);
}

/* ---- console input for a reader on another processor ------------------------- */

/*
 * KDB ReadChar_Blocked: the reader sleeps until a character comes, and
 * the processor that takes the console's interrupt (0) makes it ready.
 * A reader on another processor is on that one's ready queue, which an
 * idle processor not kept looks at without the lock (on a `resched`): the
 * holder must claim it first. (wake_readers once did not; the kernel
 * checks that whoever sends a `resched` claimed the processor, and
 * panicked here.) The second reviewer's test.
 */
static volatile int kr_done;
static volatile L4_Word_t kr_char;

static void kr_reader(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    kr_char = (L4_Word_t)L4_KDB_ReadChar_Blocked();
    kr_done = 1;
}

TEST(mp, console_input_wakes_a_reader_on_another_processor)
{
    kr_done = 0;
    kr_char = 0;
    while (L4_KDB_ReadChar() >= 0)          /* nothing typed ahead */
        ;
    set_root();
    L4_ThreadId_t t = tsup_thread(kr_reader, 0);
    tsup_move(t, other_cpu(1));
    go(t);
    int waiting = wait_state(t, 6);         /* in ReadChar_Blocked */
    L4_Word_t on = tsup_processor_of(t);
    printf("HARNESS-TYPE m\n");
    int done = tsup_wait_flag(&kr_done, 3000);
    tsup_kill(t);
    EXPECT(waiting);
    EXPECT_EQ(on, other_cpu(1));
    EXPECT(done);
    EXPECT_EQ(kr_char, 'm');
}

/* ---- a receive from a thread made while its send waits ------------------------ */

/*
 * W on processor 0 sends to R on processor 1, which waits for someone
 * else (W is queued there), and then receives from X, a global id no
 * thread has yet: the receive fails with "no partner" (the general path
 * looks X up when the IPC begins). While W waits in its send phase, X is
 * made on processor 2, which claims nothing of processor 0. An IPC
 * without the lock once let that receive through (an empty slot's
 * processor reads as 0) and looked X up again when W's message was
 * taken: it joined X's list of waiters, another processor's, without
 * the lock (an attacker's review: "PANIC: mp: IPC without the kernel
 * lock reached processor 2's threads").
 */
static volatile L4_Word_t rn_r, rn_x, rn_err, rn_tag;
static volatile int rn_done, rn_r_done;

static void rn_w(L4_Word_t unused)
{
    (void)unused;
    while (!rn_r)
        ;
    L4_Receive_Timeout(L4_Myself(), L4_ZeroTime);     /* listed with itself, here */
    L4_ThreadId_t from;
    __L4_Utcb()[0] = 0;
    L4_MsgTag_t tag = L4_Ipc(tid(rn_r), tid(rn_x), L4_Timeouts(L4_Never, SECONDS(2)), &from);
    rn_tag = tag.raw;
    rn_err = L4_ErrorCode();
    rn_done = 1;
}

static void rn_r_fn(L4_Word_t unused)
{
    (void)unused;
    wait_for_go();
    L4_ThreadId_t from;
    L4_Wait(&from);
    rn_r_done = 1;
}

static void sleep_forever(L4_Word_t unused)
{
    (void)unused;
    L4_Sleep(L4_Never);
}

TEST(mp, a_receive_from_a_thread_made_while_its_send_waits_fails)
{
    if (ncpus() < 3)
        return;
    set_root();
    rn_r = rn_err = rn_tag = 0;
    rn_done = rn_r_done = 0;
    tsup_move(L4_MyGlobalId(), 2);
    L4_ThreadId_t x_id = tsup_new_id();
    rn_x = x_id.raw;
    L4_ThreadId_t r = tsup_thread(rn_r_fn, 0);
    tsup_move(r, 1);
    EXPECT(tsup_wait_blocked(r));
    L4_ThreadId_t w = tsup_thread(rn_w, 0);
    tsup_move(w, 0);
    rn_r = r.raw;
    EXPECT(tsup_wait_blocked(w));               /* queued on R */
    tsup_sleep_ms(20);
    L4_ThreadId_t x = tsup_thread_as(x_id, sleep_forever, 0);    /* here, on 2 */
    EXPECT(tsup_wait_blocked(x));
    go(r);
    int done = tsup_wait_flag(&rn_done, 5000);
    tsup_kill(w);
    tsup_kill(r);
    tsup_kill(x);
    tsup_move(L4_MyGlobalId(), 0);
    EXPECT(done);
    EXPECT_EQ(rn_tag & TAG_E, TAG_E);
    EXPECT_EQ(rn_err, IPC_ERR(2, RECV_PHASE));      /* no partner (X did not exist) */
}

/* Review: first Calls (REQ_LISTED) racing renames (ThreadControl, new
 * version: waiters_renamed, which claims only the renamed thread's
 * processor) and moves of their servers, whose lists the clients leave:
 * clients on processors 1 and 3 call two servers in turn; processor 0
 * renames one server after the other and moves it between processors 2
 * and 3 (so that the list a client leaves is now To's processor's, now
 * its own, now a third's). Every Call either succeeds, finds no partner,
 * or times out in its receive phase (a reply from the renamed server is
 * not accepted); nothing else, no panic. */
#define XN_CALLS 4000
#define XN_ROUNDS 300
static volatile L4_Word_t xn_ids[2];
static volatile int xn_done[2];
static volatile L4_Word_t xn_bad, xn_ok, xn_gone;

static void xn_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t w;
        L4_StoreMR(1, &w);
        w++;
        tsup_load(0, 1, &w);
        tag = L4_ReplyWait(from, &from);
    }
}

static void xn_client(L4_Word_t k)
{
    for (unsigned i = 0; i < XN_CALLS && !xn_bad; i++) {
        L4_Word_t w = i;
        tsup_load(0, 1, &w);
        L4_MsgTag_t tag = L4_Call_Timeouts(tid(xn_ids[i % 2]), L4_Never, MS(20));
        L4_Word_t err = L4_ErrorCode(), got = 0;
        L4_StoreMR(1, &got);
        if (L4_IpcSucceeded(tag) && got == i + 1)
            xn_ok++;
        else if (L4_IpcFailed(tag) &&
                 (err == IPC_ERR(2, SEND_PHASE) || err == IPC_ERR(2, RECV_PHASE) ||
                  err == IPC_ERR(1, RECV_PHASE)))
            xn_gone++;
        else
            xn_bad = L4_IpcFailed(tag) ? err | 1UL << 63 : got | 1UL << 62;
    }
    xn_done[k] = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, first_calls_race_renames_and_moves_of_their_servers)
{
    if (ncpus() < 4)
        return;
    xn_bad = xn_ok = xn_gone = 0;
    xn_done[0] = xn_done[1] = 0;
    L4_ThreadId_t s[2];
    for (unsigned k = 0; k < 2; k++) {
        s[k] = tsup_thread(xn_server, 0);
        tsup_move(s[k], 2);
        xn_ids[k] = s[k].raw;
    }
    L4_ThreadId_t c[2];
    L4_Word_t ccpu[2] = { 1, 3 };
    for (unsigned k = 0; k < 2; k++) {
        c[k] = tsup_thread(xn_client, k);
        tsup_move(c[k], ccpu[k]);
    }
    L4_Word_t renames = 0;
    for (unsigned m = 0; m < XN_ROUNDS && !(xn_done[0] && xn_done[1]); m++) {
        unsigned k = m % 2;
        if (m % 3 == 0) {
            /* (versions 2..61: never bits 0-5 all zero, a local id) */
            L4_ThreadId_t v = L4_GlobalId(L4_ThreadNo(s[k]), L4_Version(s[k]) % 60 + 2);
            if (L4_ThreadControl(v, L4_MyGlobalId(), NIL, NIL, (void *)~0UL) == 1) {
                s[k] = v;
                xn_ids[k] = v.raw;
                renames++;
            }
        } else {
            L4_Word_t old;
            L4_Schedule(s[k], ~0UL, (m / 2) % 2 ? 3 : 2, ~0UL, ~0UL, &old);
        }
        tsup_sleep_ms(1);
    }
    int done = tsup_wait_flag(&xn_done[0], 30000) && tsup_wait_flag(&xn_done[1], 30000);
    printf("xn: %lu Calls answered, %lu failed, %lu renames\n", xn_ok, xn_gone, renames);
    tsup_kill(c[0]);
    tsup_kill(c[1]);
    tsup_kill(s[0]);
    tsup_kill(s[1]);
    EXPECT(done);
    EXPECT_EQ(xn_bad, 0);
    EXPECT(xn_ok > 0);
}

/* A review's test (reading of 863c899): the console's receive interrupt
 * (processor 0) makes every KDB ReadChar_Blocked reader ready without a
 * look at processor 0's ready queue (irq_fire, kdb_console_interrupt). A
 * reader on processor 1 gets the character at once (its IPI); one on
 * processor 0, idle, ran when the boot processor's every 16th tick took
 * the lock (sched_tick: sched_check_preempt), found nothing and waited
 * again. With that tick taken only while the console has input for the
 * debugger (kdb_poll_wanted), it stays ready and never runs. */
static volatile L4_Word_t krv_char[2], krv_done[2];

static void krv_reader(L4_Word_t k)
{
    krv_char[k] = (L4_Word_t)L4_KDB_ReadChar_Blocked();
    krv_done[k] = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, a_console_reader_on_the_boot_processor_runs_when_another_took_the_character)
{
    if (ncpus() < 4)
        return;
    while (L4_KDB_ReadChar() >= 0)          /* nothing typed ahead */
        ;
    krv_done[0] = krv_done[1] = 0;
    tsup_move(L4_MyGlobalId(), 2);          /* (nothing of ours on 0 meanwhile) */
    L4_ThreadId_t r1 = tsup_space(krv_reader, 1);
    tsup_move(r1, 1);
    L4_ThreadId_t r0 = tsup_space(krv_reader, 0);
    tsup_move(r0, 0);
    wait_state(r0, 6);                      /* (a new space's first faults take a while */
    wait_state(r1, 6);                      /* on a busy host) */
    L4_Word_t s0 = sched_state(r0), s1 = sched_state(r1);
    printf("HARNESS-TYPE k\n");
    for (int i = 0; i < 3000 && !krv_done[0] && !krv_done[1]; i++)
        tsup_sleep_ms(1);
    tsup_sleep_ms(300);                     /* the other reader runs, and waits again */
    L4_Word_t a0 = sched_state(r0), a1 = sched_state(r1);
    int d0 = krv_done[0], d1 = krv_done[1];
    printf("kr: before %lu %lu, after %lu %lu, done %d %d\n", s0, s1, a0, a1, d0, d1);
    tsup_kill(r0);
    tsup_kill(r1);
    tsup_move(L4_MyGlobalId(), 0);
    EXPECT_EQ(s0, 6);
    EXPECT_EQ(s1, 6);
    EXPECT(d0 || d1);
    if (!d0)
        EXPECT_EQ(a0, 6);                   /* waiting again, not left ready */
    if (!d1)
        EXPECT_EQ(a1, 6);
}

/* ---- review of 48408b6: page faults without the lock, under fire ------------ */

/*
 * An attacker's space: faulters F0..F2 (processors 1..3 first) read a page
 * nobody maps, their pagers P0..P2 (in the same space) answer each fault
 * with an empty message (so the faulter faults again), F k paged by
 * P (k+1) % 3 at first: a fault's message to another processor's pager,
 * a request without the lock. Meanwhile scribblers of the space rewrite
 * the faulters' UTCBs (the kernel-made message's MR0 into string and map
 * items, BR0 and buffers, the pager TCR: a pager of any processor by its
 * global or local id, a faulter, itself, nil, sigma0, an interrupt
 * thread), a disturber of the space aborts, halts, resumes the faulters
 * and sets their pagers, the root thread moves faulters and pagers
 * between processors, deletes P2 half-way, and F0 handles COM2's
 * interrupts (in loopback, a byte every millisecond: an interrupt
 * thread that waits for F0's acknowledgement is a pager F0 may be given).
 * Then every faulter gets P0 or P1 again and must reach it. No panic, no
 * thread lost. (A reviewer's test: it passes.)
 *
 * The scribblers are deleted before that reset: pfx_stop only asks them,
 * and one preempted half-way through a rewrite (it runs below the
 * faulters) makes it when it runs again, after the reset perhaps. And a
 * faulter whose fault message failed before the reset (rewritten while it
 * waited on a pager's queue, its pager deleted), while it was halted or
 * before it ran again, has that fault to finish: resumed, it is stopped
 * for it (spec 6.1: a failed page-fault IPC may halt the thread; the
 * abort found no IPC to abandon). Such a faulter, one the reset found in
 * no IPC, gets one more resume; one the reset found in an IPC, which it
 * aborted, must not stop. (The test after the next makes that case on
 * purpose.)
 */
#define PFX_N      3
#define PFX_ADDR   0x67000000UL        /* nobody maps there */
#define PFX_MS     3000
static volatile L4_Word_t pfx_p[PFX_N], pfx_ploc[PFX_N], pfx_f[PFX_N], pfx_floc[PFX_N];
static volatile L4_Word_t pfx_faults[PFX_N][PFX_N], pfx_other[PFX_N], pfx_acts;
static volatile int pfx_stop, pfx_calm, pfx_reset, pfx_ready[2 * PFX_N];
static volatile L4_Word_t pfx_reset_old[PFX_N];    /* the reset's old control words */
static volatile int pfx_again[PFX_N];               /* 1: resume once more; 2: done */
static uint8_t pfx_src[4096] __attribute__((aligned(4096)));
static uint8_t pfx_dst[PFX_N][4096] __attribute__((aligned(4096)));

static L4_Word_t pfx_rnd(L4_Word_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void pfx_pager(L4_Word_t k)
{
    L4_Word_t seed = 0x9E3779B97F4A7C15UL * (k + 1);
    for (unsigned i = 0; i < 4096; i += 64)
        pfx_dst[k][i] = 1;              /* (mapped in this space) */
    pfx_ploc[k] = L4_MyLocalId().raw;
    pfx_ready[PFX_N + k] = 1;
    L4_Word_t *utcb = __L4_Utcb();
    for (;;) {
        L4_Word_t r = pfx_rnd(&seed);
        if (!pfx_calm && r % 3 == 0) {                  /* strings accepted */
            utcb[-16] = 0x10 | 1;
            utcb[-17] = (L4_Word_t)4096 << 10;
            utcb[-18] = (L4_Word_t)pfx_dst[k];
        } else {
            utcb[-16] = r % 3 == 1 && !pfx_calm ? 0x10 : 0;
        }
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        unsigned who = PFX_N;
        for (unsigned j = 0; j < PFX_N; j++)
            if (from.raw == pfx_f[j] || from.raw == pfx_floc[j])
                who = j;
        if (who < PFX_N && (L4_Label(tag) >> 4) == (PROTO_LABEL(PROTO_PAGEFAULT) >> 4))
            pfx_faults[k][who]++;
        else
            pfx_other[k]++;
        r = pfx_rnd(&seed);
        if (!pfx_calm && r % 4 == 0) {                  /* a string back */
            utcb[0] = 2 << 6;
            utcb[1] = (L4_Word_t)64 << 10;
            utcb[2] = (L4_Word_t)pfx_src;
        } else {
            utcb[0] = 0;
        }
        L4_Reply(from);
    }
}

static void pfx_faulter(L4_Word_t k)
{
    pfx_floc[k] = L4_MyLocalId().raw;
    pfx_ready[k] = 1;
    while (!pfx_p[(k + 1) % PFX_N])
        ;
    L4_Set_Pager(tid(pfx_p[(k + 1) % PFX_N]));
    for (;;)
        (void)*(volatile L4_Word_t *)(PFX_ADDR + k * 8);
}

static L4_Word_t pfx_any_pager(L4_Word_t *s)
{
    L4_Word_t r = pfx_rnd(s), j = (r >> 8) % PFX_N;
    switch (r % 10) {
    case 0: return pfx_ploc[j];                         /* a local id */
    case 1: return pfx_f[j];                            /* a faulter, itself perhaps */
    case 2: return 0;                                   /* nil */
    case 3: return __L4_Sigma0_Id().raw;
    case 4: return irq_tid(COM2_IRQ).raw;
    case 5: return pfx_f[j] + 64;                       /* another version */
    default: return pfx_p[j];
    }
}

static void pfx_scribbler(L4_Word_t seed)
{
    seed = seed * 0x2545F4914F6CDD1DUL + 1;
    while (!pfx_stop) {
        L4_Word_t r = pfx_rnd(&seed), k = (r >> 16) % PFX_N;
        volatile L4_Word_t *u = (volatile L4_Word_t *)pfx_floc[k];
        switch (r % 9) {
        case 0:                                         /* a string item */
            u[1] = (L4_Word_t)(64 + (r >> 40) % 8000) << 10;
            u[2] = (r >> 20) & 1 ? (L4_Word_t)pfx_src : PFX_ADDR + 0x10000;
            u[0] = 0x5555UL << 16 | 2 << 6;
            break;
        case 1:                                         /* a map item */
            u[1] = ((L4_Word_t)pfx_src & ~0x3FFUL) | 8;
            u[2] = (L4_Word_t)pfx_src | 12 << 4 | 7;
            u[0] = 0x5656UL << 16 | 2 << 6;
            break;
        case 2:
        case 3:
            u[-12] = pfx_any_pager(&seed);
            break;
        case 4:                                         /* buffers */
            u[-17] = (L4_Word_t)(64 + (r >> 40) % 8000) << 10;
            u[-18] = (r >> 20) & 1 ? (L4_Word_t)pfx_dst[k] : PFX_ADDR + 0x20000;
            u[-16] = 0x10 | 1;
            break;
        case 5:
            u[0] = r | 63;                              /* anything, 63 words */
            break;
        case 6:
            u[-8] = r >> 32;                            /* xfer timeouts */
            break;
        case 7:                                         /* propagation */
            u[-6] = pfx_any_pager(&seed);
            u[0] = 0x5757UL << 16 | 1 << 12 | 2;
            break;
        default:
            u[-16] = r;
            break;
        }
    }
    L4_Sleep(L4_Never);
}

static void pfx_disturber(L4_Word_t seed)
{
    seed = seed * 0x2545F4914F6CDD1DUL + 7;
    while (!pfx_stop) {
        L4_Word_t r = pfx_rnd(&seed), k = (r >> 16) % PFX_N, old, ctl = 0;
        L4_ThreadId_t pager = tid(pfx_any_pager(&seed));
        switch (r % 6) {
        case 0: ctl = L4_ExReg_AbortIpc; break;
        case 1: ctl = L4_ExReg_AbortRecv; break;
        case 2: ctl = L4_ExReg_Stop; break;
        case 3: ctl = L4_ExReg_Resume; break;
        case 4: ctl = L4_ExReg_SetPager; break;
        default: ctl = L4_ExReg_Resume | L4_ExReg_AbortIpc; break;
        }
        __L4_ExReg(tid((r >> 24) & 1 ? pfx_f[k] : pfx_floc[k]), ctl, 0, 0, 0, 0, pager, &old);
        pfx_acts++;
        if (r % 8 == 0)
            tsup_sleep_ms(1);           /* (above the others of its processor) */
    }
    /* Sane again (the root thread may not exchange our registers) */
    while (!pfx_calm)
        tsup_sleep_ms(1);
    for (unsigned k = 0; k < PFX_N; k++) {
        L4_Word_t old;
        __L4_ExReg(tid(pfx_f[k]), L4_ExReg_SetPager | L4_ExReg_Resume | L4_ExReg_AbortIpc, 0, 0,
                   0, 0, tid(pfx_p[(k + 1) % (PFX_N - 1)]), &old);
        pfx_reset_old[k] = old;
    }
    pfx_reset = 1;
    for (;;) {                          /* the root thread asks for another resume */
        for (unsigned k = 0; k < PFX_N; k++) {
            if (pfx_again[k] != 1)
                continue;
            L4_Word_t old;
            __L4_ExReg(tid(pfx_f[k]), L4_ExReg_Resume | L4_ExReg_AbortIpc, 0, 0, 0, 0,
                       L4_nilthread, &old);
            pfx_again[k] = 2;
        }
        tsup_sleep_ms(1);
    }
}

static L4_Word_t pfx_count(unsigned k)
{
    L4_Word_t n = 0;
    for (unsigned j = 0; j < PFX_N; j++)
        n += pfx_faults[j][k];
    return n;
}

TEST(mp, page_faults_without_the_lock_under_fire)
{
    if (ncpus() < 4)
        return;
    pfx_stop = pfx_calm = pfx_reset = 0;
    pfx_acts = 0;
    for (unsigned k = 0; k < PFX_N; k++) {
        pfx_p[k] = pfx_ploc[k] = pfx_f[k] = pfx_floc[k] = pfx_other[k] = 0;
        pfx_ready[k] = pfx_ready[PFX_N + k] = pfx_again[k] = 0;
        pfx_reset_old[k] = 0;
        for (unsigned j = 0; j < PFX_N; j++)
            pfx_faults[k][j] = 0;
    }
    for (unsigned i = 0; i < 4096; i += 64)
        pfx_src[i] = (uint8_t)i;
    THREAD_STOPS_BEGIN();
    L4_ThreadId_t p[PFX_N], f[PFX_N], s[2], d;
    p[0] = tsup_space(pfx_pager, 0);
    for (unsigned k = 1; k < PFX_N; k++)
        p[k] = tsup_space_thread(p[0], pfx_pager, k);
    for (unsigned k = 0; k < PFX_N; k++) {
        tsup_move(p[k], 1 + k);
        EXPECT(tsup_wait_flag(&pfx_ready[PFX_N + k], 2000));
    }
    for (unsigned k = 0; k < PFX_N; k++) {
        f[k] = tsup_space_thread(p[0], pfx_faulter, k);
        pfx_f[k] = f[k].raw;
        tsup_move(f[k], 1 + k);
        EXPECT(tsup_wait_flag(&pfx_ready[k], 2000));
    }
    for (unsigned k = 0; k < PFX_N; k++)
        pfx_p[k] = p[k].raw;
    tsup_sleep_ms(100);
    L4_Word_t before = pfx_count(0) + pfx_count(1) + pfx_count(2);
    for (unsigned i = 0; i < 2; i++) {
        s[i] = tsup_space_thread(p[0], pfx_scribbler, i);
        L4_Set_Priority(s[i], 50);
        tsup_move(s[i], 2 + i);
    }
    d = tsup_space_thread(p[0], pfx_disturber, 1);
    L4_Set_Priority(d, 110);
    tsup_move(d, 1);
    /* F0 handles COM2's interrupts too (in loopback: one per byte) */
    uart_loopback_on();
    EXPECT_EQ(irq_attach(COM2_IRQ, f[0]), 1);
    outb(COM2 + 1, 0x01);
    L4_Word_t seed = 12345, moves = 0;
    for (unsigned ms = 0; ms < PFX_MS; ms++) {
        L4_Word_t r = pfx_rnd(&seed), old;
        unsigned j = (r >> 8) % (ms < PFX_MS / 2 ? PFX_N : PFX_N - 1);
        L4_ThreadId_t t = r & 1 ? f[(r >> 8) % PFX_N] : p[j];
        moves += L4_Schedule(t, ~0UL, (r >> 16) % 4, ~0UL, ~0UL, &old) != 0;
        if (ms == PFX_MS / 2)
            tsup_kill(p[PFX_N - 1]);            /* a pager gone mid-fault */
        outb(COM2, 'x');
        tsup_sleep_ms(1);
    }
    uart_loopback_off();
    irq_detach(COM2_IRQ);
    pfx_stop = 1;
    tsup_sleep_ms(50);
    tsup_kill(s[0]);                    /* (no rewrite half done any more) */
    tsup_kill(s[1]);
    printf("pfx: %lu faults before, %lu after %lu moves and %lu disturbances (others %lu %lu %lu)\n",
           before, pfx_count(0) + pfx_count(1) + pfx_count(2), moves, pfx_acts,
           pfx_other[0], pfx_other[1], pfx_other[2]);
    /* Sane again: F k paged by P k, all on the processors they began on. */
    for (unsigned k = 0; k < PFX_N; k++) {
        L4_Word_t old;
        if (k < PFX_N - 1)
            L4_Schedule(p[k], ~0UL, 1 + k, ~0UL, ~0UL, &old);
        L4_Schedule(f[k], ~0UL, 1 + k, ~0UL, ~0UL, &old);
    }
    tsup_sleep_ms(20);
    L4_Word_t at[PFX_N];
    for (unsigned k = 0; k < PFX_N; k++)
        at[k] = pfx_count(k);
    pfx_calm = 1;
    EXPECT(tsup_wait_flag(&pfx_reset, 2000));
    int moving[PFX_N] = { 0 };
    for (unsigned ms = 0; ms < 3000; ms++) {
        int all = 1;
        for (unsigned k = 0; k < PFX_N; k++) {
            all &= moving[k] = pfx_count(k) > at[k] + 10;
            /* stopped for a fault that failed before the reset (above) */
            if (!moving[k] && !pfx_again[k] && !(pfx_reset_old[k] & L4_ExReg_AbortIpc) &&
                sched_state(f[k]) == 2) {
                printf("pfx: faulter %u stopped after the reset (which found it in no IPC: "
                       "0x%lx), resumed again\n", k, pfx_reset_old[k]);
                pfx_again[k] = 1;
            }
        }
        if (all)
            break;
        tsup_sleep_ms(1);
    }
    L4_Word_t st[PFX_N];
    for (unsigned k = 0; k < PFX_N; k++)
        st[k] = sched_state(f[k]);
    tsup_kill(d);
    for (unsigned k = 0; k < PFX_N; k++)
        tsup_kill(f[k]);
    for (unsigned k = PFX_N - 1; k-- > 0;)
        tsup_kill(p[k]);
    THREAD_STOPS_END();
    for (unsigned k = 0; k < PFX_N; k++)
        if (!moving[k])
            test_fail(__FILE__, __LINE__, "faulter %u, given its pager P%u again (and resumed, "
                      "its IPC aborted; the reset's old control 0x%lx, resumed again %d): "
                      "expected 10 more faults at P%u within 3 s, it made %lu (its state %lu)",
                      k, (k + 1) % (PFX_N - 1), pfx_reset_old[k], pfx_again[k] == 2,
                      (k + 1) % (PFX_N - 1), pfx_count(k) - at[k], st[k]);
}

/* A page fault's message to a pager of another processor goes by a
 * request (ipc_kernel_call, ipc_remote): delivered at once if the pager
 * waits, else queued on it and taken by its next receive. Either way the
 * pager sees what spec 6.2 says: label 0xFFE4 (read), two words, the
 * address and the faulting IP, from the faulter (its local id: same
 * space), the X flag allowed. T on processor 1, P on processor 2: P
 * waits for the first fault, spins through the second (T queued), then
 * takes it. (A reviewer's test: it passes.) */
#define RPF_ADDR 0x69000000UL
static volatile L4_Word_t rpf_t, rpf_tag[2], rpf_mr1[2], rpf_mr2[2], rpf_from[2], rpf_state;
static volatile int rpf_n, rpf_spin;

static void rpf_pager(L4_Word_t unused)
{
    (void)unused;
    for (int i = 0; i < 2; i++) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        rpf_tag[i] = tag.raw;
        L4_StoreMR(1, (L4_Word_t *)&rpf_mr1[i]);
        L4_StoreMR(2, (L4_Word_t *)&rpf_mr2[i]);
        rpf_from[i] = from.raw;
        rpf_n = i + 1;
        if (i == 0) {
            rpf_spin = 1;
            __L4_Utcb()[0] = 0;
            L4_Reply(from);             /* T faults again, and is queued: */
            while (rpf_spin)            /* we do not wait */
                ;
        }
    }
    L4_Sleep(L4_Never);
}

TEST(mp, a_page_fault_reaches_a_pager_of_another_processor_waiting_or_not)
{
    if (ncpus() < 4)
        return;
    set_root();
    rpf_n = rpf_spin = 0;
    L4_ThreadId_t p = tsup_thread(rpf_pager, 0);
    tsup_move(p, 2);
    EXPECT(tsup_wait_blocked(p));
    L4_ThreadId_t t = tsup_thread(fault_reader, RPF_ADDR);
    EXPECT(tsup_wait_blocked(t));
    tsup_move(t, 1);
    rpf_t = L4_LocalIdOf(t).raw;
    L4_Set_PagerOf(t, p);
    go(t);
    int first = 0, queued = 0;
    for (int i = 0; i < 3000 && !(first = rpf_spin); i++)
        tsup_sleep_ms(1);
    if (first)
        queued = wait_state(t, L4_SCHEDRESULT_PENDING_SEND);
    rpf_spin = 0;
    int second = 0;
    for (int i = 0; i < 3000 && !(second = rpf_n == 2); i++)
        tsup_sleep_ms(1);
    tsup_kill(t);
    tsup_kill(p);
    EXPECT(first);
    EXPECT(queued);
    EXPECT(second);
    for (int i = 0; i < 2; i++) {
        if ((rpf_tag[i] & ~TAG_X) != ((PROTO_LABEL(PROTO_PAGEFAULT) | L4_Readable) << 16 | 2) ||
            rpf_mr1[i] != RPF_ADDR || rpf_from[i] != rpf_t || !rpf_mr2[i])
            test_fail(__FILE__, __LINE__, "fault %d (%s): expected tag 0x%lx (X allowed), "
                      "address 0x%lx, an IP, from 0x%lx; got tag 0x%lx, 0x%lx, 0x%lx, from "
                      "0x%lx", i, i ? "queued" : "the pager waiting",
                      (PROTO_LABEL(PROTO_PAGEFAULT) | L4_Readable) << 16 | 2, RPF_ADDR, rpf_t,
                      rpf_tag[i], rpf_mr1[i], rpf_mr2[i], rpf_from[i]);
    }
}

/*
 * The case mp.page_faults_without_the_lock_under_fire's reset must allow
 * for, made on purpose: T faults, its message waits on the queue of its
 * pager P, which does not wait yet; T is halted (ExchangeRegisters) and
 * its space rewrites the message's MR0 into a string item, which P, when
 * it takes the message, does not accept: T's page-fault IPC fails while T
 * is halted. ExchangeRegisters then gives T that pager again, resumes it
 * and aborts its IPC: T was halted and in no IPC (old control 1). It may
 * be stopped for the failed fault now (spec 6.1; Pecan does: "unhandled
 * page fault"), but only once: resumed again, it faults at P again. T on
 * processor 1, P on processor 2 (T's fault a request without the lock)
 * or 1 too (an IPC of one processor), P named by its global id or its
 * local id (the fault under the lock).
 */
#define SFR_ADDR 0x6A000000UL
static volatile int sfr_take, sfr_failed, sfr_faults;
static volatile L4_Word_t sfr_err;

static void sfr_pager(L4_Word_t unused)
{
    (void)unused;
    while (!sfr_take)                   /* (T's message queued meanwhile) */
        ;
    for (;;) {
        __L4_Utcb()[-16] = 0;           /* BR0: no strings */
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag)) {
            sfr_err = L4_ErrorCode();
            sfr_failed++;
            continue;
        }
        if ((L4_Label(tag) >> 4) == (PROTO_LABEL(PROTO_PAGEFAULT) >> 4))
            sfr_faults++;
        __L4_Utcb()[0] = 0;
        L4_Reply(from);
    }
}

static char sfr_why[320];                /* the first case that failed: why */

/* One case; false, the reason in sfr_why, if it went wrong. */
static int sfr_case(L4_Word_t pcpu, int local)
{
    sfr_take = sfr_failed = sfr_faults = 0;
    sfr_err = 0;
    /* (T must fault at SFR_ADDR: nothing of an earlier test's there) */
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(SFR_ADDR, 12), L4_FullyAccessible));
    L4_ThreadId_t p = tsup_thread(sfr_pager, 0);
    tsup_move(p, pcpu);
    L4_ThreadId_t t = tsup_thread(fault_reader, SFR_ADDR);
    tsup_wait_blocked(t);
    tsup_move(t, 1);
    L4_ThreadId_t pager = local ? L4_LocalIdOf(p) : p;
    L4_Set_PagerOf(t, pager);
    go(t);
    int queued = wait_state(t, L4_SCHEDRESULT_PENDING_SEND), halted = 0, again = 0;
    L4_Word_t old = 0, reset = 0, st = 0;
    if (queued) {
        __L4_ExReg(t, L4_ExReg_Stop, 0, 0, 0, 0, L4_nilthread, &old);
        volatile L4_Word_t *u = (volatile L4_Word_t *)L4_LocalIdOf(t).raw;
        u[1] = (L4_Word_t)64 << 10;     /* a string item */
        u[2] = (L4_Word_t)&sfr_err;
        u[0] = 0x5555UL << 16 | 2 << 6;
        sfr_take = 1;
        for (int i = 0; i < 3000 && !sfr_failed; i++)
            tsup_sleep_ms(1);
        halted = sched_state(t) == 2;
        __L4_ExReg(t, L4_ExReg_SetPager | L4_ExReg_Resume | L4_ExReg_AbortIpc, 0, 0, 0, 0, pager,
                   &reset);
        for (int i = 0; i < 3000 && sfr_faults < 3; i++) {
            if (!again && sched_state(t) == 2) {
                L4_Word_t o;
                __L4_ExReg(t, L4_ExReg_Resume | L4_ExReg_AbortIpc, 0, 0, 0, 0, L4_nilthread,
                           &o);
                again = 1;
            }
            tsup_sleep_ms(1);
        }
        st = sched_state(t);
    }
    tsup_kill(t);
    tsup_kill(p);
    const char *how = local ? "local" : "global";
    if (!queued || !sfr_failed || !halted || (old & 7) != L4_ExReg_AbortSend ||
        (reset & 7) != L4_ExReg_Halt) {
        snprintf(sfr_why, sizeof sfr_why, "sfr: pager on %lu (%s id): expected T queued to "
                 "send (%d, ExchangeRegisters said 0x%lx), its rewritten message to fail at P, "
                 "T halted and in no IPC then (ExchangeRegisters said 0x%lx); got %d failures "
                 "(ErrorCode 0x%lx), halted %d", pcpu, how, queued, old, reset, sfr_failed,
                 sfr_err, halted);
        return 0;
    }
    if (sfr_faults < 3) {
        snprintf(sfr_why, sizeof sfr_why, "sfr: pager on %lu (%s id): T, resumed %s, expected "
                 "to fault at P again, got %d faults (its state %lu)", pcpu, how,
                 again ? "twice" : "once", sfr_faults, st);
        return 0;
    }
    return 1;
}

TEST(mp, a_faulter_whose_page_fault_message_failed_while_halted_stops_once_when_resumed)
{
    if (ncpus() < 4)
        return;
    set_root();
    THREAD_STOPS_BEGIN();
    sfr_why[0] = 0;
    int ok = sfr_case(2, 0) && sfr_case(1, 0) && sfr_case(2, 1) && sfr_case(1, 1);
    THREAD_STOPS_END();
    if (!ok)
        test_fail(__FILE__, __LINE__, "%s", sfr_why);
}

/* A pager's map item rewritten by another thread of its space while the
 * kernel maps it without the lock (an attacker's review: the kernel read
 * the item twice from the pager's UTCB, once to see that the page is new
 * to the faulter's space and once to map it; a rewrite between made it
 * map over a page the space already had, whose TLB entries only a claim
 * may flush, and it panicked "mdb: a mapping without the kernel lock
 * changed an entry a TLB may hold"). P answers F's faults at MRW_A with
 * the item in MR8 and MR9 (in memory, not in a register); Q, on another
 * processor, flips MR8 between MRW_A and pages of the space that each
 * have a frame of their own. */
#define MRW_A     0x6B000000UL          /* nobody maps there but P */
#define MRW_PAGES 64
#define MRW_MARK  0x4D52574D52574D52UL
static L4_Word_t mrw_src[512] __attribute__((aligned(4096)));
static L4_Word_t mrw_old[MRW_PAGES][512] __attribute__((aligned(4096)));
static volatile L4_Word_t mrw_utcb, mrw_p, mrw_rounds, mrw_bad, mrw_flips;
static volatile int mrw_stop;

static int mrw_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    (void)from;
    if (L4_IpcFailed(tag) || (mr[1] & ~0xFFFUL) != MRW_A)
        return 0;
    mr[0] = 2 << 6 | 7;                 /* u = 7: the item in MR8, MR9 */
    for (unsigned i = 1; i <= 7; i++)
        mr[i] = 0;
    mr[8] = MRW_A | 0x8;
    mr[9] = L4_FpageLog2((L4_Word_t)mrw_src, 12).raw | L4_ReadWriteOnly;
    return 1;
}

static void mrw_pager(L4_Word_t unused)
{
    (void)unused;
    mrw_utcb = (L4_Word_t)__L4_Utcb();
    tsup_pager_loop(mrw_answer);
}

static void mrw_flipper(L4_Word_t unused)
{
    (void)unused;
    volatile L4_Word_t *mr8 = (volatile L4_Word_t *)mrw_utcb + 8;
    for (L4_Word_t i = 0; !mrw_stop; i++) {
        *mr8 = MRW_A | 0x8;
        *mr8 = (L4_Word_t)mrw_old[i % MRW_PAGES] | 0x8;
        mrw_flips = i;
    }
    L4_Sleep(L4_Never);
}

static void mrw_faulter(L4_Word_t unused)
{
    (void)unused;
    L4_Set_Pager(tid(mrw_p));
    while (!mrw_stop) {
        L4_Word_t got = *(volatile L4_Word_t *)MRW_A;  /* faults until P's page is there */
        if (got != MRW_MARK && !mrw_bad)
            mrw_bad = got | 1;
        mrw_rounds++;
        L4_Flush(L4_FpageAddRights(L4_FpageLog2(MRW_A, 12), L4_FullyAccessible));
    }
    L4_Sleep(L4_Never);
}

TEST(mp, a_pagers_map_item_rewritten_while_the_kernel_maps_it_without_the_lock)
{
    if (ncpus() < 4)
        return;
    mrw_src[0] = MRW_MARK;
    for (unsigned k = 0; k < MRW_PAGES; k++)
        mrw_old[k][0] = k;              /* mapped, each its own frame */
    mrw_utcb = mrw_rounds = mrw_bad = mrw_flips = 0;
    mrw_stop = 0;
    L4_ThreadId_t p = tsup_thread(mrw_pager, 0);
    tsup_move(p, 2);
    while (!mrw_utcb)
        L4_ThreadSwitch(L4_nilthread);
    mrw_p = p.raw;
    L4_ThreadId_t q = tsup_thread(mrw_flipper, 0);
    tsup_move(q, 3);
    L4_ThreadId_t f = tsup_thread(mrw_faulter, 0);
    tsup_move(f, 2);
    for (unsigned ms = 0; mrw_rounds < 2000 && ms < 20000; ms += 10)
        tsup_sleep_ms(10);
    mrw_stop = 1;
    L4_Word_t rounds = mrw_rounds, flips = mrw_flips, replaced = 0;
    for (unsigned k = 0; k < MRW_PAGES; k++)
        replaced += mrw_old[k][0] == MRW_MARK;
    printf("mrw: %lu faults answered, %lu flips of MR8, %lu of %u pages mapped over\n", rounds,
           flips, replaced, MRW_PAGES);
    tsup_kill(f);
    tsup_kill(q);
    tsup_kill(p);
    /* F may have died between its read and its Flush: MRW_A stays P's
     * page in this space, which the tests after this one share. */
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(MRW_A, 12), L4_FullyAccessible));
    if (mrw_bad)
        test_fail(__FILE__, __LINE__, "expected P's page (word 0 %lx) at %lx after each fault, "
                  "read %lx", MRW_MARK, MRW_A, mrw_bad & ~1UL);
    if (rounds < 2000)
        test_fail(__FILE__, __LINE__, "expected 2000 faults answered within 20 s, got %lu",
                  rounds);
}

/* ---- review of 963eb22: a pager's answer with one map item without the lock ---- */

/*
 * A pager's answer with one map item maps without the kernel lock while
 * nobody holds it (mp_memory_try): also while a long revocation waits at
 * one of its preemption points, its thread preempted there. In U (the xl
 * rig's space) V revokes w from the mappings derived from U's page at
 * RV_BASE, on processor 3; F and Q, threads of U on processor 3 too, at
 * V's priority, take turns with it: F reads fresh pages of U one after
 * another, each a fault, and Q, its pager, answers each with a map item
 * (read and write) of RV_BASE or a page derived from it: IPC of one
 * processor (to F's global id), mapped without the lock (reply_short)
 * whenever V's time slice ended at a preemption point and the two run
 * (Q a step above them: in F's time). Such a mapping derives from a node
 * the revocation has passed already, or not yet, or from RV_BASE, which
 * keeps w, right after which it goes in the tree, before the place where
 * the revocation goes on: once the Unmap has returned, none may be
 * writable. (Q maps RV_BASE only while V's MR0 still holds the fpage it
 * passed, which the Unmap replaces by the access status when it is done.)
 * F then writes to every page it got, and each write must fault at Q.
 * (A reviewer's test: it passes; without mdb_map's generation++ the
 * pages mapped from RV_BASE stay writable.)
 */
#define LW_BASE  0x640000000UL         /* U maps nothing there */
#define LW_PAGES 4096
static volatile L4_Word_t lw_n, lw_bad, lw_faults2, lw_q, lw_f, lw_floc, lw_v_utcb;
static volatile L4_Word_t lw_tops, lw_during, lw_ms;
static volatile int lw_ready, lw_phase, lw_done, lw_unmapped, lw_stop;
static volatile uint8_t lw_wfault[LW_PAGES];
static L4_Word_t lw_scratch[512] __attribute__((aligned(4096)));
#define LW_FPAGE (L4_FpageAddRights(L4_FpageLog2(RV_BASE, 12), L4_Writable).raw)

static void lw_pager(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t seed = 0x2545F4914F6CDD1DUL;
    lw_scratch[0] = 1;                  /* (writable in U from now on, as all it */
    lw_tops = lw_faults2 = lw_bad = 0;  /* writes: no fault of its own between its */
    xl_rounds = 0;                      /* look at V's MR0 and its answer) */
    for (unsigned i = 0; i < LW_PAGES; i += 64)
        lw_wfault[i] = 0;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (tsup_image_fault_reply(tag)) {
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        L4_Word_t addr = mr[1];
        if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
            L4_UntypedWords(tag) != 2 || addr < LW_BASE || addr >= LW_BASE + LW_PAGES * 4096UL) {
            lw_bad = L4_IpcFailed(tag) ? L4_ErrorCode() | 1UL << 63 : addr | 1;
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t page = (addr - LW_BASE) >> 12, src;
        if (!lw_phase) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            /* (of the first 16384 pages: U's share of kernel memory ended
             * the tree before its 65536th) */
            src = RV_BASE + seed % (1UL << 14) * 4096UL;
            if (src == RV_BASE || seed % 4 == 0) {
                if (((volatile L4_Word_t *)lw_v_utcb)[0] == LW_FPAGE) {
                    src = RV_BASE;      /* (the Unmap is not done: in V, where Q runs) */
                    lw_tops++;
                } else {
                    src += 4096;
                }
            }
            xl_rounds++;
        } else {
            if (L4_Label(tag) & L4_Writable)
                lw_wfault[page] = 1;
            lw_faults2++;
            src = (L4_Word_t)lw_scratch;
        }
        mr[0] = 2 << 6;
        mr[1] = (addr & ~0xFFFUL) | 0x8;
        mr[2] = L4_FpageLog2(src, 12).raw | L4_Readable | L4_Writable;
        /* (to F's global id: an IPC to a local id takes the lock) */
        tag = L4_ReplyWait(from.raw == lw_floc ? tid(lw_f) : from, &from);
    }
}

static void lw_faulter(L4_Word_t unused)
{
    (void)unused;
    lw_n = 0;                           /* (the variables it uses: mapped now) */
    lw_floc = L4_MyLocalId().raw;
    (void)lw_stop;
    (void)lw_q;
    lw_ready = 1;
    wait_for_go();                      /* (once Q waits) */
    L4_Set_Pager(tid(lw_q));
    for (L4_Word_t i = 0; i < LW_PAGES && !lw_stop; i++) {
        if (i == 100) {
            lw_ready = 2;
            wait_for_go();              /* (once V's Unmap began) */
        }
        (void)*(volatile L4_Word_t *)(LW_BASE + i * 4096UL);
        lw_n = i + 1;
    }
    lw_ready = 3;
    wait_for_go();                      /* the Unmap has returned */
    for (L4_Word_t i = 0; i < lw_n; i++)
        *(volatile L4_Word_t *)(LW_BASE + i * 4096UL + 8) = 2;
    lw_done = 1;
    L4_Sleep(L4_Never);
}

static void lw_revoker(L4_Word_t unused)
{
    (void)unused;
    lw_v_utcb = (L4_Word_t)__L4_Utcb();
    lw_unmapped = 0;
    wait_for_go();
    L4_Word_t before = xl_rounds, clock = L4_SystemClock().raw;
    L4_UnmapFpage((L4_Fpage_t){ .raw = LW_FPAGE });
    lw_during = xl_rounds - before;
    lw_ms = (L4_SystemClock().raw - clock) / 1000;
    lw_unmapped = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, a_mapping_made_at_a_preemption_point_of_a_revocation_loses_what_it_revokes)
{
    if (ncpus() < 4)
        return;
    struct xl_rig g;
    xl_build(&g);
    lw_n = lw_bad = lw_faults2 = lw_tops = lw_during = lw_ms = 0;
    lw_ready = lw_phase = lw_done = lw_stop = 0;
    for (unsigned i = 0; i < LW_PAGES; i++)
        lw_wfault[i] = 0;
    L4_SetKernelMemoryLimit(g.r, L4_KmemUnlimited);     /* (the tree took U's share) */
    tsup_move(L4_MyGlobalId(), 3);      /* (made there: U runs on 3 only) */
    L4_ThreadId_t q = tsup_space_thread(g.r, lw_pager, 0);
    L4_Set_Priority(q, 101);            /* (V does not run between its look and answer) */
    L4_ThreadId_t v = tsup_space_thread(g.r, lw_revoker, 0);
    L4_ThreadId_t f = tsup_space_thread(g.r, lw_faulter, 0);
    tsup_move(L4_MyGlobalId(), 0);
    wait_for(&lw_ready, "F to start");
    EXPECT(tsup_wait_blocked(f));
    EXPECT(tsup_wait_blocked(q));
    EXPECT(tsup_wait_blocked(v));
    lw_q = q.raw;
    lw_f = f.raw;
    go(f);
    for (unsigned i = 0; i < 5000 && lw_ready != 2; i++)
        tsup_sleep_ms(1);
    EXPECT_EQ(lw_ready, 2);
    go(v);
    go(f);
    int done = tsup_wait_flag(&lw_unmapped, 60000);
    lw_stop = 1;
    for (unsigned i = 0; i < 10000 && lw_ready != 3; i++)
        tsup_sleep_ms(1);
    done &= lw_ready == 3;
    L4_Word_t got = lw_n;
    printf("lw: %lu pages mapped to F, %lu answers (%lu of RV_BASE) while V revoked w from "
           "the tree for %lu ms\n", got, lw_during, lw_tops, lw_ms);
    lw_phase = 1;
    go(f);
    int wrote = tsup_wait_flag(&lw_done, 10000);
    L4_Word_t writable = 0, first = ~0UL;
    for (L4_Word_t i = 0; i < got; i++)
        if (!lw_wfault[i]) {
            writable++;
            if (first == ~0UL)
                first = i;
        }
    tsup_kill(f);
    tsup_kill(v);
    tsup_kill(q);
    xl_dismantle(&g);
    EXPECT(done);
    EXPECT_EQ(lw_bad, 0);
    if (!wrote)
        test_fail(__FILE__, __LINE__, "F, writing to the %lu pages it got once the Unmap had "
                  "returned: expected it to finish within 10 s (each write a fault that Q "
                  "answers), it did not (%lu faults seen)", got, lw_faults2);
    if (writable)
        test_fail(__FILE__, __LINE__, "%lu of the %lu pages mapped to F from the tree whose w "
                  "the Unmap revoked (%lu answers while it ran, %lu of them of RV_BASE) stayed "
                  "writable after it returned (the first at 0x%lx): expected every write to "
                  "fault", writable, got, lw_during, lw_tops, LW_BASE + first * 4096UL);
}

/*
 * Pagers' answers without the lock race each other and the unmaps that
 * take their pages away. Space R: readers on processors 1..3 read
 * LC_PAGES pages of a window without end; their pagers, threads of R
 * above them (R is its own pager), one on the reader's processor (its
 * answer maps without the lock there, reply_short), two on others (by a
 * request, serve_map_reply), map into the window one of two pages of the
 * round (the two pagers at each address racing: the first maps a page
 * nobody maps, without the lock; the second replaces it, under the lock),
 * a thread of R flushes single pages of the window meanwhile (more
 * faults), and one rewrites bytes of the pagers' answers as they send
 * them (grant for map, rights, 8 KB for 4 KB). Each round the root
 * thread lets the pagers map the next round's two pages, waits
 * until none is in the middle of an answer, takes the window away (a
 * Flush by R's thread on processor 0, or an Unmap of the old pages by the
 * root thread, in turns), poisons the old pages, and waits until every
 * reader reads the new round's. A reader that reads poison used a TLB
 * entry the unmap should have flushed, or a mapping of a page its pager
 * no longer sent. (A reviewer's test: it passes.)
 */
#define LC_BASE   0x65000000UL         /* R maps nothing there */
#define LC_PAGES  8
#define LC_ROUNDS 60
#define LC_POISON 0xDEADDEADDEADDEADUL
static L4_Word_t lc_pg[2][2][512] __attribute__((aligned(16384)));
static volatile L4_Word_t lc_phase, lc_pager[3], lc_ploc[3], lc_seen[3], lc_cpu[3], lc_faults;
static volatile L4_Word_t lc_rloc[3], lc_rglob[3];
static volatile L4_Word_t lc_bad, lc_bad_value, lc_bad_reader, lc_bad_page, lc_bad_phase;
static volatile L4_Word_t lc_scribbles, lc_churns;
static volatile int lc_stop, lc_pready[3];

static L4_Word_t lc_value(L4_Word_t phase, unsigned j)
{
    return 0x5A5A000000000000UL | phase << 8 | j;
}

static void lc_fill(L4_Word_t phase)
{
    for (unsigned j = 0; j < 2; j++)
        for (unsigned i = 0; i < 512; i++)
            ((volatile L4_Word_t *)lc_pg[phase & 1][j])[i] = lc_value(phase, j);
}

static void lc_pager_fn(L4_Word_t k)
{
    lc_ploc[k] = (L4_Word_t)__L4_Utcb();
    lc_pready[k] = 1;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        if (tsup_image_fault_reply(tag)) {
            tag = L4_ReplyWait(from, &from);
            continue;
        }
        L4_Word_t addr = mr[1];
        if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFFFFFFFFFEUL ||
            addr < LC_BASE || addr >= LC_BASE + LC_PAGES * 4096UL) {
            tag = L4_Wait(&from);
            continue;
        }
        lc_faults++;
        /* The round's page, in R (a grant or an Unmap may have taken it:
         * then we wait for our pager, and the round may end meanwhile) */
        L4_Word_t phase, src;
        do {
            phase = lc_phase;
            src = (L4_Word_t)lc_pg[phase & 1][k & 1];
            (void)*(volatile L4_Word_t *)src;
        } while (phase != lc_phase);
        mr[0] = 2 << 6;
        mr[1] = (addr & ~0xFFFUL) | 0x8;
        mr[2] = L4_FpageLog2(src, 12).raw | L4_Readable | L4_Writable;
        /* (to the reader's global id: an IPC to a local id takes the lock) */
        L4_ThreadId_t to = from;
        for (unsigned j = 0; j < 3; j++)
            if (from.raw == lc_rloc[j] && lc_rglob[j])
                to = tid(lc_rglob[j]);
        tag = L4_ReplyWait(to, &from);
    }
}

static void lc_reader(L4_Word_t k)
{
    lc_rloc[k] = L4_MyLocalId().raw;
    while (!lc_rglob[k])
        ;
    L4_Set_Pager(tid(k == 0 ? lc_pager[0] : lc_pager[3 - k]));
    for (;;) {
        L4_Word_t least = ~0UL;
        for (unsigned p = 0; p < LC_PAGES; p++) {
            const volatile L4_Word_t *w = (const volatile L4_Word_t *)(LC_BASE + p * 4096UL);
            L4_Word_t first = w[0], last = w[511];
            L4_Word_t good = (first & ~0xFFFFFFUL) == 0x5A5A000000000000UL && (first & 0xFF) < 2;
            if ((!good || first != last) && !lc_bad) {
                lc_bad_value = first != last && good ? last : first;
                lc_bad_reader = k;
                lc_bad_page = p;
                lc_bad_phase = lc_phase;
                lc_bad = 1;
            }
            if ((first >> 8 & 0xFFFF) < least)
                least = first >> 8 & 0xFFFF;
        }
        lc_cpu[k] = L4_ProcessorNo();
        lc_seen[k] = least;
    }
}


static void lc_churner(L4_Word_t seed)
{
    while (!lc_stop) {
        L4_Word_t r = pfx_rnd(&seed);
        L4_Flush(L4_FpageAddRights(L4_FpageLog2(LC_BASE + r % LC_PAGES * 4096UL, 12),
                                   L4_FullyAccessible));
        lc_churns++;
        if (r % 4 == 0)
            tsup_sleep_ms(1);
    }
    L4_Sleep(L4_Never);
}

/* Rewrites the low byte of a pager's MR1 (map or grant) or MR2 (rights;
 * 8 KB: the round's two pages). (Not MR0: a pager's own page fault's
 * message is in its MRs too, and the kernel reads its tag there, under
 * the lock as it is: a typed item makes the fault fail, and the pager
 * stopped.) */
static void lc_scribbler(L4_Word_t seed)
{
    static const uint8_t mr2[] = { 0xC4, 0xC6, 0xC0, 0xD6, 0xC7 };
    while (!lc_stop) {
        L4_Word_t r = pfx_rnd(&seed), k = (r >> 8) % 3;
        volatile uint8_t *mr = (volatile uint8_t *)lc_ploc[k];
        if (r % 3 == 0)
            mr[8] = r >> 20 & 1 ? 0x08 : 0x0A;
        else
            mr[16] = mr2[(r >> 20) % sizeof mr2];
        lc_scribbles++;
    }
    L4_Sleep(L4_Never);
}

static int lc_all_see(L4_Word_t phase)
{
    for (int i = 0; i < 5000; i++) {
        unsigned k = 0;
        while (k < 3 && lc_seen[k] >= phase && lc_seen[k] != 0xFFFF)
            k++;
        if (k == 3)
            return 1;
        tsup_sleep_ms(1);
    }
    return 0;
}

TEST(mp, map_answers_without_the_lock_race_each_other_and_unmaps)
{
    if (ncpus() < 4)
        return;
    lc_phase = lc_faults = lc_bad = lc_scribbles = lc_churns = 0;
    lc_stop = 0;
    for (unsigned k = 0; k < 3; k++) {
        lc_rloc[k] = lc_rglob[k] = 0;
        lc_seen[k] = 0xFFFF;
        lc_cpu[k] = ~0UL;
        lc_pready[k] = 0;
    }
    lc_fill(0);
    L4_ThreadId_t u = tsup_space(um_flusher, 0);        /* R's thread on processor 0 */
    L4_ThreadId_t p[3], r[3], s, c;
    for (unsigned k = 0; k < 3; k++) {
        p[k] = tsup_space_thread(u, lc_pager_fn, k);
        L4_Set_Priority(p[k], 200);
        tsup_move(p[k], 1 + k);
        EXPECT(tsup_wait_flag(&lc_pready[k], 2000));
        lc_pager[k] = p[k].raw;
    }
    for (unsigned k = 0; k < 3; k++) {
        r[k] = tsup_space_thread(u, lc_reader, k);
        L4_Set_Priority(r[k], 50);
        tsup_move(r[k], 1 + k);
        lc_rglob[k] = r[k].raw;
    }
    s = tsup_space_thread(u, lc_scribbler, 77);
    L4_Set_Priority(s, 50);
    tsup_move(s, 1);
    c = tsup_space_thread(u, lc_churner, 99);
    L4_Set_Priority(c, 50);
    tsup_move(c, 2);
    int ok = lc_all_see(0);
    L4_Word_t round = 0;
    const char *how = "the first mappings";
    for (; ok && !lc_bad && round < LC_ROUNDS; round++) {
        L4_Word_t next = round + 1;
        lc_fill(next);
        lc_phase = next;
        /* no pager in the middle of an answer of the last round */
        for (unsigned k = 0; k < 3; k++)
            if (!wait_state(p[k], L4_SCHEDRESULT_WAITING))
                test_fail(__FILE__, __LINE__, "round %lu: expected pager %u to wait for a fault "
                          "within 2 s, its state is %lu", next, k, sched_state(p[k]));
        if (round % 2 == 0) {
            how = "Flush of the window by a thread of R on processor 0";
            L4_Word_t *mr = __L4_Utcb();
            mr[0] = 1;
            mr[1] = L4_FpageAddRights(L4_FpageLog2(LC_BASE, 15), L4_FullyAccessible).raw;
            L4_MsgTag_t tag = L4_Call_Timeouts(u, SECONDS(5), SECONDS(5));
            if (L4_IpcFailed(tag))
                test_fail(__FILE__, __LINE__, "round %lu: asking R's thread to flush: expected "
                          "an answer, got ErrorCode 0x%lx", next, L4_ErrorCode());
        } else {
            how = "Unmap of the old pages by the root thread";
            L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)lc_pg[round & 1], 13),
                                            L4_FullyAccessible));
        }
        for (unsigned j = 0; j < 2; j++)
            for (unsigned i = 0; i < 512; i++)
                ((volatile L4_Word_t *)lc_pg[round & 1][j])[i] = LC_POISON;
        ok = lc_all_see(next);
        if ((round & 7) == 7) {                 /* the pagers change processors */
            L4_Word_t old;
            for (unsigned k = 0; k < 3; k++)
                L4_Schedule(p[k], ~0UL, (round / 8 + k) % 4, ~0UL, ~0UL, &old);
        }
    }
    lc_stop = 1;
    printf("lc: %lu rounds, %lu faults, %lu single flushes, %lu bytes rewritten\n", round,
           lc_faults, lc_churns, lc_scribbles);
    L4_Word_t seen[3], cpu[3];
    for (unsigned k = 0; k < 3; k++) {
        seen[k] = lc_seen[k];
        cpu[k] = lc_cpu[k];
    }
    tsup_sleep_ms(10);
    for (unsigned k = 0; k < 3; k++) {
        tsup_kill(r[k]);
        tsup_kill(p[k]);
    }
    tsup_kill(s);
    tsup_kill(c);
    tsup_kill(u);
    if (lc_bad)
        test_fail(__FILE__, __LINE__, "reader %lu read 0x%lx in page %lu of the window in round "
                  "%lu: expected one of that round's two pages (or the round before), %s",
                  lc_bad_reader, lc_bad_value, lc_bad_page, lc_bad_phase,
                  lc_bad_value == LC_POISON ? "not the old page's poison: a stale TLB entry, "
                  "or a mapping of a page its pager no longer sent" : "not garbage");
    if (!ok)
        test_fail(__FILE__, __LINE__, "round %lu (after the %s): expected every reader to read "
                  "that round's pages within 5 s; they read rounds %lu %lu %lu (on processors "
                  "%lu %lu %lu)", round, how, seen[0], seen[1], seen[2], cpu[0], cpu[1], cpu[2]);
}

/* Reviewer's: an ExchangeRegisters that processor 2 refuses (its thread
 * S spins there) goes the lock's way from inside sys_exchange_registers,
 * where the caller's resume_local is set. Its caller, A on processor 1,
 * is the thread of a read-only ExchangeRegisters (as L4_LocalIdOf does)
 * by B on processor 3, which processor 1 refuses while A runs: B takes
 * the lock and evicts A, often while A waits for the lock. Processor 1's
 * fresh idle thread resumes A without the lock. Every call of A must
 * return S's local id, every call of B A's. */
static volatile L4_Word_t ev_target, ev_want, ev_rounds, ev_bad, ev_err, ev_asks;
static volatile L4_Word_t ev_a, ev_a_want, ev_ask_bad, ev_ask_err;
static volatile int ev_stop, ev_done, ev_asker_done;
#define EV_ASKS 3000

static void ev_spinner(L4_Word_t unused)
{
    (void)unused;
    for (;;)
        ;
}

static void ev_caller(L4_Word_t unused)
{
    (void)unused;
    while (!ev_stop) {
        L4_Word_t old;
        L4_ThreadId_t r = __L4_ExReg(tid(ev_target), 0, 0, 0, 0, 0, NIL, &old);
        if (r.raw != ev_want) {
            ev_err = L4_ErrorCode();
            ev_bad = r.raw ? r.raw : 1;
            break;
        }
        ev_rounds++;
    }
    ev_done = 1;
    L4_Sleep(L4_Never);
}

static void ev_asker(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t until = L4_SystemClock().raw + 8000000UL;     /* 8 s at most */
    for (L4_Word_t i = 0; i < EV_ASKS && !ev_bad && L4_SystemClock().raw < until; i++) {
        L4_Word_t old;
        L4_ThreadId_t r = __L4_ExReg(tid(ev_a), 0, 0, 0, 0, 0, NIL, &old);
        if (r.raw != ev_a_want) {
            ev_ask_err = L4_ErrorCode();
            ev_ask_bad = r.raw ? r.raw : 1;
            break;
        }
        ev_asks++;
    }
    ev_stop = 1;
    ev_asker_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, exchange_registers_of_a_thread_whose_own_exchange_registers_waits_for_the_lock)
{
    if (ncpus() < 4)
        return;
    ev_rounds = ev_bad = ev_err = ev_asks = ev_ask_bad = ev_ask_err = 0;
    ev_stop = ev_done = ev_asker_done = 0;
    L4_ThreadId_t s = tsup_thread(ev_spinner, 0);
    tsup_move(s, 2);
    ev_target = s.raw;
    ev_want = L4_LocalIdOf(s).raw;
    L4_ThreadId_t a = tsup_thread(ev_caller, 0);
    tsup_move(a, 1);
    ev_a = a.raw;
    ev_a_want = L4_LocalIdOf(a).raw;
    L4_ThreadId_t b = tsup_thread(ev_asker, 0);
    tsup_move(b, 3);
    int finished = tsup_wait_flag(&ev_asker_done, 15000) && tsup_wait_flag(&ev_done, 5000);
    printf("ev: %lu ExchangeRegisters of a spinner on processor 2 by A, %lu of A by B\n",
           ev_rounds, ev_asks);
    tsup_kill(b);
    tsup_kill(a);
    tsup_kill(s);
    if (ev_bad)
        test_fail(__FILE__, __LINE__, "A's ExchangeRegisters of %lx: expected its local id %lx, "
                  "got %lx (1: nilthread) with ErrorCode %lu", ev_target, ev_want, ev_bad,
                  ev_err);
    if (ev_ask_bad)
        test_fail(__FILE__, __LINE__, "B's ExchangeRegisters of A %lx: expected its local id "
                  "%lx, got %lx (1: nilthread) with ErrorCode %lu", ev_a, ev_a_want, ev_ask_bad,
                  ev_ask_err);
    if (!finished || ev_asks == 0 || ev_rounds == 0)
        test_fail(__FILE__, __LINE__, "expected B and A to stop within 20 s, each with some "
                  "calls; got %lu calls of B (%s), %lu of A (%s)", ev_asks,
                  ev_asker_done ? "done" : "not done", ev_rounds, ev_done ? "done" : "not done");
}

/* Reviewer's: halts and resumes of W by C (processor 2), while D
 * (processor 3) aborts W's IPC and moves it between processors 1 and 0,
 * and W spins, receives from and sends to P (processor 1). Only C halts
 * and resumes, so each of its calls must report the halt bit it left; a
 * halted W must not count; a resumed one must count again. */
static volatile L4_Word_t hw_count, hw_p, hw_w, hw_want, hw_rounds, hw_aborts, hw_moves;
static volatile L4_Word_t hw_bad_line, hw_bad_a, hw_bad_b;
static volatile int hw_stop, hw_c_done, hw_d_done;
static volatile L4_Word_t hw_lost_state, hw_lost_cpu, hw_lost_later, hw_lost_state2;

static void hw_note(L4_Word_t line, L4_Word_t a, L4_Word_t b)
{
    if (!hw_bad_line) {
        hw_bad_a = a;
        hw_bad_b = b;
        hw_bad_line = line;
    }
}

static void hw_worker(L4_Word_t unused)
{
    (void)unused;
    for (L4_Word_t n = 0;; n++) {
        for (int i = 0; i < 200; i++)
            hw_count++;
        switch (n % 3) {
        case 0:
            L4_Receive_Timeout(tid(hw_p), MS(1));
            break;
        case 1:
            L4_LoadMR(0, 0);
            L4_Send_Timeout(tid(hw_p), MS(1));
            break;
        default:
            L4_ThreadSwitch(NIL);
        }
    }
}

static void hw_partner(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        L4_ThreadId_t from;
        L4_Wait_Timeout(MS(2), &from);
        L4_LoadMR(0, 0);
        L4_Send_Timeout(tid(hw_w), L4_ZeroTime);
    }
}

static void hw_spin_us(L4_Word_t us)
{
    L4_Word_t until = L4_SystemClock().raw + us;
    while (L4_SystemClock().raw < until)
        ;
}

static void hw_controller(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t until = L4_SystemClock().raw + 8000000UL;
    for (L4_Word_t r = 0; r < 300 && !hw_bad_line && L4_SystemClock().raw < until; r++) {
        L4_Word_t old;
        L4_ThreadId_t id = __L4_ExReg(tid(hw_w), L4_ExReg_SetHalt | L4_ExReg_Halt, 0, 0, 0, 0,
                                      NIL, &old);
        if (id.raw != hw_want)
            hw_note(__LINE__, id.raw, L4_ErrorCode());
        if (old & L4_ExReg_Halt)
            hw_note(__LINE__, old, r);
        L4_Word_t c1 = hw_count;
        hw_spin_us(2000);
        L4_Word_t c2 = hw_count;
        if (c1 != c2)
            hw_note(__LINE__, c1, c2);
        id = __L4_ExReg(tid(hw_w), L4_ExReg_SetHalt, 0, 0, 0, 0, NIL, &old);
        if (id.raw != hw_want)
            hw_note(__LINE__, id.raw, L4_ErrorCode());
        if (!(old & L4_ExReg_Halt))
            hw_note(__LINE__, old, r);
        L4_Word_t t0 = L4_SystemClock().raw;
        while (hw_count == c2 && L4_SystemClock().raw - t0 < 3000000UL)
            ;
        if (hw_count == c2) {
            hw_lost_state = sched_state(tid(hw_w));
            hw_lost_cpu = tsup_processor_of(tid(hw_w));
            t0 = L4_SystemClock().raw;
            while (hw_count == c2 && L4_SystemClock().raw - t0 < 5000000UL)
                ;
            hw_lost_later = hw_count - c2;
            hw_lost_state2 = sched_state(tid(hw_w));
            hw_note(__LINE__, c2, r);
        }
        hw_rounds++;
    }
    hw_stop = 1;
    hw_c_done = 1;
    L4_Sleep(L4_Never);
}

static void hw_disturber(L4_Word_t unused)
{
    (void)unused;
    for (L4_Word_t n = 0; !hw_stop; n++) {
        L4_Word_t old;
        L4_ThreadId_t id = __L4_ExReg(tid(hw_w), L4_ExReg_AbortIpc, 0, 0, 0, 0, NIL, &old);
        if (id.raw != hw_want)
            hw_note(__LINE__, id.raw, L4_ErrorCode());
        hw_aborts++;
        if (n % 4 == 3)
            tsup_sleep_ms(1);           /* (a tight loop evicts W whenever it runs) */
        if (n % 64 == 63) {
            if (L4_Schedule(tid(hw_w), ~0UL, (n / 64) & 1, ~0UL, ~0UL, &old))
                hw_moves++;
            else
                hw_note(__LINE__, L4_ErrorCode(), n);
        }
    }
    hw_d_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, halts_and_resumes_of_another_processors_thread_under_aborts_and_moves)
{
    if (ncpus() < 4)
        return;
    hw_count = hw_rounds = hw_aborts = hw_moves = 0;
    hw_bad_line = hw_bad_a = hw_bad_b = 0;
    hw_lost_state = hw_lost_cpu = hw_lost_later = hw_lost_state2 = 0;
    hw_stop = hw_c_done = hw_d_done = 0;
    L4_ThreadId_t p = tsup_thread(hw_partner, 0);
    tsup_move(p, 1);
    hw_p = p.raw;
    L4_ThreadId_t w = tsup_thread(hw_worker, 0);
    hw_w = w.raw;
    tsup_move(w, 1);
    hw_want = L4_LocalIdOf(w).raw;
    L4_ThreadId_t c = tsup_thread(hw_controller, 0);
    tsup_move(c, 2);
    L4_ThreadId_t d = tsup_thread(hw_disturber, 0);
    tsup_move(d, 3);
    int finished = tsup_wait_flag(&hw_c_done, 30000) && tsup_wait_flag(&hw_d_done, 5000);
    printf("hw: %lu halt/resume rounds, %lu aborts, %lu moves, %lu counts\n", hw_rounds,
           hw_aborts, hw_moves, hw_count);
    if (hw_bad_line)
        printf("hw: lost? W state %lu on processor %lu; %lu counts in the 5 s after, state then "
               "%lu\n", hw_lost_state, hw_lost_cpu, hw_lost_later, hw_lost_state2);
    tsup_kill(c);
    tsup_kill(d);
    tsup_kill(w);
    tsup_kill(p);
    if (hw_bad_line)
        test_fail(__FILE__, __LINE__, "check at line %lu failed (values %lx %lx): a result id "
                  "other than W's local id %lx, a halt bit other than the one C left, W "
                  "counting while halted, or not counting within 3 s once resumed",
                  hw_bad_line, hw_bad_a, hw_bad_b, hw_want);
    if (!finished || hw_rounds == 0)
        test_fail(__FILE__, __LINE__, "expected C's rounds and D to end within 25 s with some "
                  "rounds, got %lu rounds (C %s, D %s)", hw_rounds, hw_c_done ? "done" : "not",
                  hw_d_done ? "done" : "not");
}

/* Review: a thread made ready on processor 1 by a request served while
 * processor 1's running thread X waits for its own Schedule request
 * (SERVE_WAITING) must preempt X when that Schedule returns, as it does
 * when the request comes while X is in user mode (resched) and as the
 * locked path did (mp_resched). X (priority 50, time slice 300 ms) on
 * processor 1 loops on Schedule of T, a thread blocked on processor 2
 * (each one a REQ_SCHEDULE to processor 2), counting its rounds. H
 * (priority 60) on processor 1 waits for S; S on processor 3 sends to H
 * (IPC_REMOTE: a request to processor 1, served mostly while X waits)
 * and, once the send returned, notes X's count; H, woken, notes X's
 * count too. H is ready from the send on, so X must not count on: the
 * test wants at most RP_LAG rounds of X between S's note and H's. */
#define RP_ROUNDS 60
#define RP_LAG 10
static volatile L4_Word_t rp_x_loops, rp_t, rp_h, rp_h_round, rp_h_woken;
static volatile L4_Word_t rp_s_at[RP_ROUNDS], rp_h_at[RP_ROUNDS], rp_s_err, rp_s_done_rounds;
static volatile L4_Word_t rp_x_bad;
static volatile int rp_go, rp_stop, rp_s_done;

static void rp_x(L4_Word_t unused)
{
    (void)unused;
    while (!rp_go)
        ;
    L4_ThreadId_t t = tid(rp_t);
    while (!rp_stop) {
        if (sched_state(t) != 6)
            rp_x_bad++;
        rp_x_loops++;
    }
    L4_Sleep(L4_Never);
}

static void rp_hf(L4_Word_t unused)
{
    (void)unused;
    for (L4_Word_t r = 0;; r++) {
        L4_ThreadId_t from;
        rp_h_round = r;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (r < RP_ROUNDS)
            rp_h_at[r] = rp_x_loops;
        (void)tag;
        rp_h_woken = r + 1;
    }
}

static void rp_s(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t h = tid(rp_h);
    for (L4_Word_t r = 0; r < RP_ROUNDS; r++) {
        L4_Clock_t start = L4_SystemClock();
        /* H back in its receive, X looping */
        while (rp_h_round != r || sched_state(h) != 6)
            if (L4_SystemClock().raw - start.raw > 3000000)
                goto out;
        L4_Word_t x0 = rp_x_loops;
        while (rp_x_loops < x0 + 3)
            if (L4_SystemClock().raw - start.raw > 3000000)
                goto out;
        L4_LoadMR(0, 0);
        L4_MsgTag_t tag = L4_Send(h);
        rp_s_at[r] = rp_x_loops;
        if (L4_IpcFailed(tag)) {
            rp_s_err = L4_ErrorCode() | 1UL << 63;
            goto out;
        }
        while (rp_h_woken != r + 1)
            if (L4_SystemClock().raw - start.raw > 3000000)
                goto out;
        rp_s_done_rounds = r + 1;
    }
out:
    rp_s_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, a_thread_woken_while_schedule_waits_for_its_request_preempts_at_once)
{
    if (ncpus() < 4)
        return;
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    EXPECT(tsup_wait_blocked(t));
    tsup_move(t, 2);
    rp_t = t.raw;
    L4_ThreadId_t h = tsup_thread(rp_hf, 0);
    EXPECT(tsup_wait_blocked(h));
    L4_Set_Priority(h, 60);
    tsup_move(h, 1);
    rp_h = h.raw;
    L4_ThreadId_t x = tsup_thread(rp_x, 0);
    L4_Set_Priority(x, 50);
    tsup_move(x, 1);
    L4_Set_Timeslice(x, MS(300), L4_Never);
    rp_go = 1;
    /* (a spinner on processor 0 too: with X and S, three busy emulated
     * processors on the host's two cores; processor 2, idle, wakes for
     * X's requests late, and X waits for them the longer) */
    L4_ThreadId_t sp = tsup_thread(xs_spinner, 0);
    L4_Set_Priority(sp, 1);
    L4_ThreadId_t s = tsup_thread(rp_s, 0);
    tsup_move(s, 3);
    int finished = tsup_wait_flag(&rp_s_done, 90000);
    tsup_kill(sp);
    rp_stop = 1;
    L4_Word_t worst = 0, late = 0, n = rp_s_done_rounds;
    for (L4_Word_t r = 0; r < n; r++) {
        long lag = (long)(rp_h_at[r] - rp_s_at[r]);
        if (lag > RP_LAG)
            late++;
        if (lag > (long)worst)
            worst = (L4_Word_t)lag;
    }
    printf("rp: %lu rounds, %lu late, worst: %lu of X's Schedules after H was woken; "
           "X %lu rounds, %lu bad\n", n, late, worst, rp_x_loops, rp_x_bad);
    tsup_kill(s);
    tsup_kill(x);
    tsup_kill(h);
    tsup_kill(t);
    if (!finished || n != RP_ROUNDS || rp_s_err)
        test_fail(__FILE__, __LINE__, "expected S's %u rounds to end within 90 s, got %lu "
                  "(send error %lx)", RP_ROUNDS, n, rp_s_err);
    if (late)
        test_fail(__FILE__, __LINE__, "expected H (priority 60, woken on processor 1) to run "
                  "within %u of X's (priority 50) Schedules after S's send returned, got %lu "
                  "rounds of %lu later, the worst %lu Schedules later",
                  RP_LAG, late, n, worst);
    EXPECT_EQ(rp_x_bad, 0);
}

/* Review: Schedules without the lock (of threads of the caller's
 * processor, and requests to another's) racing the root task's moves,
 * halts and deletions of their threads. Three callers (priority 60) on
 * processors 1-3 set random priorities (10..49), time slices and
 * preemption controls of six counting spinners, sometimes moving one;
 * every result must be a state (1..7) or an error with ErrorCode 2 (a
 * thread deleted meanwhile). The root task meanwhile halts, resumes,
 * moves, deletes and recreates the spinners; a halted one must not count
 * on. At the end every spinner, resumed at priority 30 with the callers
 * asleep, must count (none lost from a ready queue). */
#define SR_N 6
static volatile L4_Word_t sr_t[SR_N], sr_cnt[SR_N], sr_calls, sr_bad_res, sr_bad_err;
static volatile L4_Word_t sr_bad_where;
static volatile int sr_stop, sr_callers_asleep;

static void sr_spin(L4_Word_t k)
{
    for (;;)
        sr_cnt[k]++;
}

static L4_Word_t sr_rand(L4_Word_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void sr_caller(L4_Word_t seed)
{
    L4_Word_t s = seed * 0x9E3779B97F4A7C15UL + 1;
    while (!sr_stop) {
        L4_Word_t r = sr_rand(&s);
        L4_ThreadId_t t = tid(sr_t[r % SR_N]);
        L4_Word_t prio = 10 + (r >> 8) % 40;
        L4_Word_t tc = ~0UL;
        if ((r >> 16) & 1)
            tc = L4_TimeControl(L4_TimePeriod(1000 + ((r >> 20) % 20) * 1000), L4_Never);
        L4_Word_t pc = (r >> 24) & 1 ? (prio << 16 | 100) : ~0UL;   /* sensitive prio, delay */
        L4_Word_t cpu = (r >> 28) % 16 == 0 ? 1 + (r >> 32) % 3 : ~0UL;
        L4_Word_t old;
        L4_Word_t res = L4_Schedule(t, tc, cpu, prio, pc, &old);
        if (res == 0) {
            L4_Word_t e = L4_ErrorCode();
            if (e != 2 && !sr_bad_err) {
                sr_bad_err = e | 1UL << 63;
                sr_bad_where = t.raw;
            }
        } else if (res > 7 && !sr_bad_res) {
            sr_bad_res = res;
            sr_bad_where = t.raw;
        }
        sr_calls++;
    }
    __atomic_add_fetch(&sr_callers_asleep, 1, __ATOMIC_SEQ_CST);
    L4_Sleep(L4_Never);
}

TEST(mp, schedules_without_the_lock_race_moves_halts_and_deletions)
{
    if (ncpus() < 4)
        return;
    L4_ThreadId_t sp[SR_N];
    int halted[SR_N] = { 0 };
    for (unsigned k = 0; k < SR_N; k++) {
        sp[k] = tsup_thread(sr_spin, k);
        L4_Set_Priority(sp[k], 20);
        tsup_move(sp[k], 1 + k % 3);
        sr_t[k] = sp[k].raw;
    }
    L4_ThreadId_t c[3];
    for (unsigned i = 0; i < 3; i++) {
        c[i] = tsup_thread(sr_caller, i + 1);
        L4_Set_Priority(c[i], 60);
        tsup_move(c[i], 1 + i);
    }
    L4_Word_t s = 12345, rounds = 0, halt_runs = 0, halt_k = 0, halt_d = 0, deletions = 0;
    L4_Clock_t start = L4_SystemClock();
    while (L4_SystemClock().raw - start.raw < 8000000) {
        L4_Word_t r = sr_rand(&s);
        unsigned k = r % SR_N;
        switch ((r >> 8) % 8) {
        case 0:
        case 1:
        case 2: {                       /* halt, and it must not count on */
            L4_Stop(sp[k]);
            halted[k] = 1;
            L4_Word_t c0 = sr_cnt[k];
            L4_Sleep(MS(5));
            if (sr_cnt[k] != c0 && !halt_runs++) {
                halt_k = k;
                halt_d = sr_cnt[k] - c0;
            }
            break;
        }
        case 3:
        case 4:
            L4_Start(sp[k]);
            halted[k] = 0;
            break;
        case 5:
            L4_Schedule(sp[k], ~0UL, 1 + (r >> 16) % 3, ~0UL, ~0UL, &(L4_Word_t){ 0 });
            break;
        case 6:                         /* delete and recreate */
            if ((r >> 16) % 4 == 0) {
                tsup_kill(sp[k]);
                sp[k] = tsup_thread(sr_spin, k);
                L4_Set_Priority(sp[k], 20);
                tsup_move(sp[k], 1 + (r >> 20) % 3);
                sr_t[k] = sp[k].raw;
                halted[k] = 0;
                deletions++;
            }
            break;
        default:
            L4_Sleep(MS(1));
        }
        rounds++;
    }
    sr_stop = 1;
    int asleep = 0;
    for (int i = 0; i < 3000 && !(asleep = sr_callers_asleep == 3); i++)
        L4_Sleep(MS(1));
    L4_Word_t lost = 0, lost_k = 0;
    for (unsigned k = 0; k < SR_N; k++) {
        L4_Start(sp[k]);
        L4_Set_Priority(sp[k], 30);
    }
    L4_Sleep(MS(50));
    L4_Word_t c0[SR_N];
    for (unsigned k = 0; k < SR_N; k++)
        c0[k] = sr_cnt[k];
    L4_Sleep(MS(1500));
    for (unsigned k = 0; k < SR_N; k++)
        if (sr_cnt[k] == c0[k] && !lost++)
            lost_k = k;
    printf("sr: %lu Schedules by the callers, %lu root rounds, %lu deletions; halted that "
           "counted: %lu; lost: %lu\n", sr_calls, rounds, deletions, halt_runs, lost);
    for (unsigned i = 0; i < 3; i++)
        tsup_kill(c[i]);
    for (unsigned k = 0; k < SR_N; k++)
        tsup_kill(sp[k]);
    (void)halted;
    EXPECT(asleep);
    if (sr_bad_res || sr_bad_err)
        test_fail(__FILE__, __LINE__, "expected Schedule results 1..7 or ErrorCode 2, got "
                  "result %lu / ErrorCode %lx (of %lx)", sr_bad_res, sr_bad_err, sr_bad_where);
    if (halt_runs)
        test_fail(__FILE__, __LINE__, "expected a halted spinner not to count, got %lu that did "
                  "(spinner %lu counted %lu in 5 ms)", halt_runs, halt_k, halt_d);
    if (lost)
        test_fail(__FILE__, __LINE__, "expected every resumed spinner (priority 30) to count "
                  "within 1.5 s, got %lu that did not (spinner %lu)", lost, lost_k);
}

/* A thread that waits for the kernel lock, evicted meanwhile by the
 * holder (a locked ExchangeRegisters of it, refused by its processor
 * while it ran) and resumed without the lock by its processor's idle
 * thread, went on in a new wait for the lock nested in the old one on
 * its kernel stack (mp_resumed_lockless), 64 bytes deeper each time,
 * until the stack ran into its TCB (a kernel #PF in cancel_blocked on a
 * garbage xfer_partner, in
 * mp.halts_and_resumes_of_another_processors_thread_under_aborts_and_moves
 * at b6d967b). W takes the lock over and over (Unmap); three threads of
 * the other processors read its registers over and over. */
static volatile L4_Word_t ew_w, ew_count, ew_reads, ew_bad;
static volatile int ew_stop, ew_done[3];

static void ew_worker(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        L4_Unmap(0);                    /* (no fpage: the lock, and nothing else) */
        ew_count++;
    }
}

static void ew_reader(L4_Word_t i)
{
    while (!ew_stop) {
        L4_Word_t old;
        L4_ThreadId_t id = __L4_ExReg(tid(ew_w), 0, 0, 0, 0, 0, NIL, &old);
        if (id.raw == 0 && !ew_bad)
            ew_bad = L4_ErrorCode() | 1;
        ew_reads++;
    }
    ew_done[i] = 1;
    L4_Sleep(L4_Never);
}

/* The load: W on processor 1, the readers r on 0, 2 and 3. */
static L4_ThreadId_t ew_load(L4_ThreadId_t r[3])
{
    ew_count = ew_reads = ew_bad = 0;
    ew_stop = ew_done[0] = ew_done[1] = ew_done[2] = 0;
    L4_ThreadId_t w = tsup_thread(ew_worker, 0);
    ew_w = w.raw;
    tsup_move(w, 1);
    for (unsigned i = 0; i < 3; i++) {
        r[i] = tsup_thread(ew_reader, i);
        tsup_move(r[i], i == 0 ? 0 : i + 1);
    }
    return w;
}

TEST(mp, a_thread_evicted_again_and_again_while_it_waits_for_the_lock_keeps_its_stack)
{
    if (ncpus() < 4)
        return;
    L4_ThreadId_t r[3], w = ew_load(r);
    tsup_sleep_ms(6000);
    ew_stop = 1;
    int finished = tsup_wait_flag(&ew_done[0], 5000) && tsup_wait_flag(&ew_done[1], 5000) &&
                   tsup_wait_flag(&ew_done[2], 5000);
    L4_Word_t count = ew_count;
    printf("ew: %lu reads of W's registers, %lu Unmaps of W\n", ew_reads, count);
    for (unsigned i = 0; i < 3; i++)
        tsup_kill(r[i]);
    tsup_kill(w);
    if (ew_bad)
        test_fail(__FILE__, __LINE__, "expected W's id from every ExchangeRegisters, got an "
                  "error %lx", ew_bad);
    if (!finished || count == 0 || ew_reads == 0)
        test_fail(__FILE__, __LINE__, "expected the readers to stop within 5 s and W to "
                  "unmap, got %lu Unmaps, %lu reads (%s)", count, ew_reads,
                  finished ? "stopped" : "not stopped");
}

/* The clock of timeouts keeps up with SystemClock while processor 0,
 * whose ticks keep it, waits for the lock with interrupts off again and
 * again (ew's load: W takes the lock over and over on processor 1, three
 * threads on 0, 2 and 3 read W's registers). Its timer's interrupts came
 * then as one for several periods, the clock counted one tick for them,
 * and every processor's timeouts ran late: the Sleep of 2 s below took
 * 4.1 to 4.3 s of SystemClock. S, on processor 2 above the reader there,
 * sleeps 2 s; it must wake after 2 s of SystemClock (less a tick: the
 * clock must not jump a deadline early either) and within 3 s (both
 * clocks are the guest's; the second allows for waking S, which waits
 * for its processor's next tick, perhaps behind a wait for the lock
 * there, on a host that is busy). */
#define TK_SLEEP_US 2048000UL         /* (1000 * 2^11: a time period exactly) */
static volatile L4_Word_t tk_took;
static volatile int tk_done;

static void tk_sleeper(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t t0 = L4_SystemClock().raw;
    L4_Sleep(L4_TimePeriod(TK_SLEEP_US));
    tk_took = L4_SystemClock().raw - t0;
    tk_done = 1;
    L4_Sleep(L4_Never);
}

TEST(mp, the_clock_of_timeouts_keeps_up_with_system_clock_while_processor_0_waits_for_the_lock)
{
    if (ncpus() < 4)
        return;
    tk_took = tk_done = 0;
    L4_ThreadId_t r[3], w = ew_load(r);
    while (ew_reads < 1000)             /* the load is on */
        tsup_sleep_ms(1);
    L4_ThreadId_t s = tsup_thread(tk_sleeper, 0);
    L4_Set_Priority(s, 200);
    tsup_move(s, 2);
    int done = tsup_wait_flag(&tk_done, 60000);
    L4_Word_t reads = ew_reads, unmaps = ew_count, took = tk_took;
    ew_stop = 1;
    tsup_kill(s);
    for (unsigned i = 0; i < 3; i++)
        tsup_kill(r[i]);
    tsup_kill(w);
    printf("tk: a Sleep of %lu us took %lu us of SystemClock (%lu reads of W's registers, "
           "%lu Unmaps of W)\n", TK_SLEEP_US, took, reads, unmaps);
    if (!done || took + 1000 < TK_SLEEP_US || took > TK_SLEEP_US * 3 / 2)
        test_fail(__FILE__, __LINE__, "expected a Sleep of %lu us to take %lu to %lu us of "
                  "SystemClock, got %lu us%s", TK_SLEEP_US, TK_SLEEP_US - 1000,
                  TK_SLEEP_US * 3 / 2, took,
                  done ? "" : " (not done within 60 s of the clock of timeouts)");
}

/* A Schedule that cannot move its thread changes nothing (an attacker's
 * review: its time control and preemption control were set first, and
 * then the move failed for want of kernel memory for the space's page
 * tables there, ErrorCode 8, the changes kept). T's space may take no
 * more kernel memory; moving T to a processor it never ran on needs a
 * page-table root there. Then, with the limit gone, the same call works. */
TEST(mp, a_schedule_that_cannot_move_its_thread_changes_nothing)
{
    if (ncpus() < 2)
        return;
    L4_ThreadId_t t = tsup_space(sleep_forever, 0);
    L4_Word_t cpu = ncpus() - 1, before, old, after_old, now;
    L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &before);    /* its time control */
    L4_SetKernelMemoryLimit(t, L4_KernelMemoryUsed(t));
    L4_Word_t time = L4_TimeControl(L4_TimePeriod(5000), L4_Never);
    L4_Word_t r = L4_Schedule(t, time, cpu, 50, ~0UL, &old);
    L4_Word_t err = L4_ErrorCode();
    L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &after_old);
    L4_SetKernelMemoryLimit(t, L4_KmemUnlimited);
    L4_Word_t r2 = L4_Schedule(t, time, cpu, 50, ~0UL, &old);
    L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &now);
    tsup_kill(t);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(err, 8);                                  /* out of memory */
    if (after_old != before)
        test_fail(__FILE__, __LINE__, "expected the failed Schedule to leave time control "
                  "%lx, got %lx", before, after_old);
    EXPECT(r2 != 0);
    EXPECT_EQ(now, time);
}
