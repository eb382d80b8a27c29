/* The hostile fuzzer (hostile.h): unprivileged spaces full of threads
 * that do whatever a hostile task can, while the root task deletes and
 * re-creates threads and whole spaces under them. The kernel must not
 * panic or hang (the harness watches), no privileged call or instruction
 * may succeed, no kernel address may reach a register, and afterwards the
 * kernel must still work, with all of its memory back.
 *
 * Options on the test command line (make fuzz passes them, as does make
 * test from FUZZ_SEED, FUZZ_CALLS and FUZZ_OPS):
 *   fuzzcalls=N   operations in all (default 20000)
 *   fuzzseed=S    the seed (default 1); a run is a function of it, but
 *                 for the interleaving of the threads
 *   fuzzops=M     the operation classes (hostile.h, HC_*; default all)
 *   fuzztrace=1   every operation on the console before it runs */
#include <string.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "hostile.h"
#include "testlib.h"

#define DEFAULT_CALLS 20000
#define FILL_FIRST    0x20000UL         /* test_exhaust's thread numbers */

extern char _image_start[], _end[];

static uint64_t renewed_threads, renewed_spaces, redirections;

static struct hstate *state(unsigned k, unsigned s) { return h_state_in(h_priv[k][s]); }

/* ---- kernel memory ---------------------------------------------------- */

/* How many spaces fit into the kernel's memory now. */
static unsigned capacity(void)
{
    L4_Word_t err;
    unsigned n = tsup_fill_spaces(FILL_FIRST, 20000, &err);
    tsup_empty_spaces(FILL_FIRST, n);
    return err == 8 ? n : 0;
}

static void use_the_fpu(L4_Word_t unused)
{
    (void)unused;
    __asm__ volatile("xorps %xmm0, %xmm0");
}

/* What the kernel keeps once used, so that the capacity before and after
 * the fuzz compare: the TCB page table of the fuzz's thread numbers, FPU
 * save areas for more threads than there are fuzz threads, and free
 * mapping-database nodes for more mappings than the fuzz spaces can ever
 * hold at once (16 x 512): the kernel's slabs never shrink. Then one round
 * of filling, for the slab of spaces. */
static void prepare_memory(void)
{
    L4_Word_t err;
    tsup_empty_spaces(H_NUMBER, tsup_fill_spaces(H_NUMBER, 1, &err));
    L4_ThreadId_t fpu[24];
    for (unsigned i = 0; i < 24; i++)
        fpu[i] = tsup_thread(use_the_fpu, 0);
    for (unsigned i = 0; i < 24; i++) {
        tsup_join(fpu[i], 1000);
        tsup_kill(fpu[i]);
    }
    volatile unsigned got = 0;
    L4_ThreadId_t r = tsup_space(tsup_map_receiver, (L4_Word_t)&got);
    uint8_t *pool = h_pool();
    for (unsigned i = 0; i < H_POOL_PAGES; i++)
        pool[i * 4096] = 0;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 32 << 6;
    for (unsigned i = 0; i < 16; i++) {
        mr[1 + 2 * i] = (0x0000100000000000UL + i * 0x200000UL) | 0x8;
        mr[2 + 2 * i] = L4_FpageLog2((L4_Word_t)pool, 21).raw | L4_FullyAccessible;
    }
    L4_Send_Timeout(r, L4_TimePeriod(1000000));
    for (int i = 0; i < 1000 && !got; i++)
        tsup_sleep_ms(1);
    tsup_kill(r);
    capacity();
}

/* The root task's pages behind the fuzz spaces are still its own: a
 * thread of ours reads each, paged by a thread that only notes the fault
 * (these pages never leave the root task's space on their own). A fault
 * means a fuzz space took one away: its address (| 1), else 0. */
static volatile int pages_read;
static volatile L4_Word_t lost_at;

static void read_root_pages(L4_Word_t unused)
{
    (void)unused;
    for (unsigned i = 0; h_root_page(i); i++)
        (void)*(volatile uint8_t *)h_root_page(i);
    pages_read = 1;
}

static void note_a_fault(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    while (L4_IpcFailed(L4_Wait(&from)))
        ;
    lost_at = __L4_Utcb()[1] | 1;
}

static L4_Word_t root_page_lost(void)
{
    pages_read = 0;
    lost_at = 0;
    L4_ThreadId_t pager = tsup_thread(note_a_fault, 0);
    L4_Set_Priority(pager, 200);
    L4_ThreadId_t t = tsup_thread(read_root_pages, 0);
    L4_ThreadControl(t, t, L4_nilthread, pager, (void *)~0UL);
    for (int i = 0; i < 1000 && !pages_read && !lost_at; i++)
        tsup_sleep_ms(1);
    L4_Word_t lost = lost_at ? lost_at : pages_read ? 0 : ~0UL;
    tsup_kill(t);
    tsup_kill(pager);
    return lost;
}

/* ---- the run ----------------------------------------------------------- */

static uint64_t total_calls(void)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < H_SPACES; k++)
        for (unsigned s = 1; s <= H_THREADS; s++)
            n += state(k, s)->calls;
    return n;
}

/* Priorities, time slices and quanta as they were: the fuzz threads
 * schedule each other (hostile_calls.c), and a total quantum makes the
 * kernel send preemption messages to a scheduler that may never answer. */
static void repair(void)
{
    for (unsigned k = 0; k < H_SPACES; k++)
        for (unsigned s = 1; s <= H_THREADS; s++)
            L4_Schedule(hcfg.id[k][s], L4_TimeControl(L4_TimePeriod(10000), L4_Never), ~0UL,
                        100, ~0UL, &(L4_Word_t){ 0 });
}

/* A thread of another fuzz space to supervise space k's IPC, or nil. */
static L4_ThreadId_t redirector(hrng_t *r, unsigned k)
{
    if (!hon(HC_REDIRECT) || hchance(r, 2))
        return L4_nilthread;
    return hcfg.id[(k + 1 + hpick(r, H_SPACES - 1)) % H_SPACES][1 + hpick(r, H_THREADS)];
}

static int in_string(unsigned k, unsigned s)
{
    return !hon(HC_K4_DELETE_COPIER) && state(k, s)->in_string;
}

/* Delete and re-create a thread or a whole space, or change a space's
 * redirector, while everything runs. */
static void disturb(hrng_t *r)
{
    unsigned k = (unsigned)hpick(r, H_SPACES), s = 1 + (unsigned)hpick(r, H_THREADS);
    switch (hpick(r, 10)) {
    case 0: case 1: {
        int busy = 0;
        for (unsigned t = 1; t <= H_THREADS; t++)
            busy |= in_string(k, t);
        if (busy)
            return;
        h_space_delete(k);
        h_space_create(k, redirector(r, k));
        renewed_spaces++;
        return;
    }
    case 2: {
        L4_ThreadId_t to = redirector(r, k);
        L4_Word_t old;
        if (hon(HC_REDIRECT) && L4_SpaceControl(hcfg.id[k][0], 0, L4_Nilpage, L4_Nilpage,
                                                 to.raw ? to : L4_anythread, &old))
            redirections++;
        return;
    }
    default:
        if (in_string(k, s))
            return;
        h_thread_renew(k, s);
        renewed_threads++;
        return;
    }
}

/* What every thread does, when the run seems to stand still (for the
 * reader of the log: a hang itself the harness's timeout catches). */
static void show_threads(void)
{
    for (unsigned k = 0; k < H_SPACES; k++) {
        const struct kstate *ks = h_kstate_in(h_priv[k][0]);
        printf("  hostile: keeper %u (%lx): %lu faults, %lu served, %lu wild, %lu exceptions, "
               "%lu resets\n", k, hcfg.id[k][0].raw, ks->faults, ks->served, ks->wild,
               ks->exceptions, ks->rescued);
        for (unsigned s = 1; s <= H_THREADS; s++) {
            struct hstate *st = state(k, s);
            printf("  hostile: thread %u.%u (%lx): %lu calls, %lu recoveries, op %s%s\n", k, s,
                   hcfg.id[k][s].raw, st->calls, st->recoveries,
                   st->op < HOP_COUNT ? hop_names[st->op] : "-", st->in_string ? ", strings" : "");
        }
    }
}

static void run(hrng_t *r, uint64_t calls)
{
    uint64_t every = calls / 10 > 1000 ? calls / 10 : 1000, next = every, last = 0;
    unsigned still = 0;
    for (unsigned step = 1;; step++) {
        uint64_t done = total_calls();
        if (done >= calls)
            return;
        if (done >= next) {
            printf("hostile: %lu calls\n", done);
            next += every;
        }
        still = done == last ? still + 1 : 0;
        last = done;
        if (still % 2000 == 1999) {
            printf("hostile: no progress at %lu calls\n", done);
            show_threads();
        }
        tsup_sleep_ms(1 + (unsigned)hpick(r, 3));
        if (step % 16 == 0)
            repair();
        if (hon(HC_DELETE) && hchance(r, 6))
            disturb(r);
    }
}

/* ---- the report ---------------------------------------------------------- */

struct totals {
    uint64_t calls, recoveries, count[HOP_COUNT], ipc_ok, ipc_err[8], transferred;
    uint64_t priv_success, priv_wrong_error, leak, clock_back, findings;
    struct kstate keep;
};

static void add(uint64_t *sum, const uint64_t *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        sum[i] += w[i];
}

static void sum_up(struct totals *t)
{
    memset(t, 0, sizeof *t);
    for (unsigned k = 0; k < H_SPACES; k++) {
        const struct kstate *ks = h_kstate_in(h_priv[k][0]);
        add(&t->keep.faults, &ks->faults, (unsigned)(&ks->rescued_in[HOP_COUNT] - &ks->faults) + 1);
        for (unsigned s = 1; s <= H_THREADS; s++) {
            const struct hstate *st = state(k, s);
            t->calls += st->calls;
            t->recoveries += st->recoveries;
            add(t->count, st->count, HOP_COUNT);
            t->ipc_ok += st->ipc_ok;
            add(t->ipc_err, st->ipc_err, 8);
            t->transferred += st->transferred;
            t->priv_success += st->priv_success;
            t->priv_wrong_error += st->priv_wrong_error;
            t->leak += st->leak;
            t->clock_back += st->clock_back;
            if (st->find_what) {
                t->findings++;
                static const char *const what[] = { "", "privileged success", "kernel address",
                                                    "clock going back", "privileged instruction" };
                static const char *const regs[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
                                                    "rbp", "r8", "r9", "r10", "r11", "r12",
                                                    "r13", "r14", "r15" };
                printf("hostile: FINDING: %s%s%s (value 0x%lx) by thread %u.%u in its call %lu "
                       "(%s); fuzzseed=%lu fuzzops=0x%lx\n", what[st->find_what % 5],
                       st->find_what == HF_LEAK ? " in " : "",
                       st->find_what == HF_LEAK ? regs[st->find_reg % 15] : "", st->find_value,
                       k, s, st->find_call, hop_names[st->find_op % HOP_COUNT], hcfg.seed, hcfg.ops);
            }
        }
    }
}

static void report(const struct totals *t)
{
    printf("hostile: done: %lu calls\n", t->calls);
    printf("  hostile: operations:");
    for (unsigned i = 0; i < HOP_COUNT; i++)
        printf(" %s %lu", hop_names[i], t->count[i]);
    printf("\n  hostile: ipc: %lu delivered (%lu with items), errors:", t->ipc_ok, t->transferred);
    for (unsigned i = 1; i < 8; i++)
        printf(" %lu", t->ipc_err[i]);
    printf("\n  hostile: recoveries %lu; keepers: %lu faults (%lu served, %lu wild, %lu I/O), "
           "%lu exceptions, %lu stalled threads reset, %lu foreign messages; root handler: "
           "%lu exceptions\n", t->recoveries, t->keep.faults, t->keep.served, t->keep.wild,
           t->keep.io_faults, t->keep.exceptions, t->keep.rescued, t->keep.foreign,
           h_root_exceptions);
    printf("  hostile: reset in:");
    for (unsigned i = 0; i <= HOP_COUNT; i++)
        if (t->keep.rescued_in[i])
            printf(" %s %lu", i < HOP_COUNT ? hop_names[i] : "-", t->keep.rescued_in[i]);
    printf("\n  hostile: renewed %lu threads and %lu spaces, %lu redirector changes\n",
           renewed_threads, renewed_spaces, redirections);
}

TEST(hostile, random_system_calls_from_hostile_spaces)
{
    uint64_t calls = test_number_option("fuzzcalls=", DEFAULT_CALLS);
    memset(h_priv, 0, sizeof h_priv);
    hcfg = (struct hconfig){
        .ops = test_number_option("fuzzops=", HC_ALL),
        .seed = test_number_option("fuzzseed=", 1),
        .trace = (int)test_number_option("fuzztrace=", 0),
        .root_main = L4_MyGlobalId(),
        .sigma0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1),
        .image_start = (L4_Word_t)_image_start,
        .image_end = ((L4_Word_t)_end + 0xFFF) & ~0xFFFUL,
    };
    renewed_threads = renewed_spaces = redirections = h_root_exceptions = 0;
    hcfg.root_pager = tsup_thread(h_root_pager, 0);
    hcfg.root_handler = tsup_thread(h_root_handler, 0);
    h_root_handler_id = hcfg.root_handler.raw;
    L4_Set_Priority(hcfg.root_pager, 200);
    L4_Set_Priority(hcfg.root_handler, 200);
    L4_Sigma0_GetPage(L4_nilthread, L4_IoFpageLog2(H_PORTS, 3));   /* for the keepers */
    prepare_memory();
    unsigned before = capacity();

    hrng_t r = hrng(hcfg.seed, 0x5EED);
    printf("hostile: seed %lu, ops 0x%lx, %lu calls, %u spaces of %u threads, on %u processors\n",
           hcfg.seed, hcfg.ops, calls, H_SPACES, H_THREADS, tsup_processors());
    THREAD_STOPS_BEGIN();       /* a fuzz thread without a handler that faults */
    for (unsigned k = 0; k < H_SPACES; k++)
        h_space_create(k, redirector(&r, k));
    run(&r, calls);
    hcfg.stop = 1;
    for (unsigned k = 0; k < H_SPACES; k++)
        h_space_delete(k);
    THREAD_STOPS_END();

    L4_Word_t lost = root_page_lost();
    struct totals t;
    sum_up(&t);
    report(&t);
    if (lost)
        printf("hostile: FINDING: the root task lost its page at 0x%lx\n", lost & ~1UL);
    unsigned after = capacity();
    printf("  hostile: kernel memory: %u spaces fit before, %u after\n", before, after);
    L4_ThreadId_t alive = tsup_space(tsup_fn_sleeper, 0);
    L4_Word_t state = L4_Schedule(alive, ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 });
    tsup_kill(alive);
    tsup_kill(hcfg.root_pager);
    tsup_kill(hcfg.root_handler);
    EXPECT_EQ(t.findings, 0);
    EXPECT_EQ(lost, 0);
    EXPECT(t.calls >= calls);
    EXPECT_EQ(t.priv_wrong_error, 0);
    EXPECT_NE(state, 0);
    EXPECT_NE(before, 0);
    if (!hon(HC_K6_MANY_MAPPINGS))      /* (those mappings have no bound) */
        EXPECT(after >= before);
}
