/* A thread moved to another space (ThreadControl) while the kernel works
 * for it: work that resumes after a preemption point must not go on with
 * the space it held before, which may be gone and its kernel object
 * another space's by now. Found in an audit after test_successor.c's
 * bugs, of every kernel pointer held across a switch. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* ---- an Unmap preempted while its caller moved to another space -------- */

#define AU_REGION    0x60000000UL
#define AU_PAGES_LOG2 14                        /* 16384 pages of 4 KB: 64 MB */
#define AU_PAGES     (1UL << AU_PAGES_LOG2)
#define AU_LAST      (AU_REGION + (AU_PAGES - 1) * 4096)

static char au_page[4096] __attribute__((aligned(4096)));
static volatile int t_go, t_go2, t_ready, t_started, t_done;
static volatile int c_go, c_go2, c_mapped, c_done;
static volatile L4_Word_t c_faults, c_raw, t_us;
static volatile L4_Word_t k_in_unmap, k_moved, k_done;
static volatile L4_Word_t t_id, b_id, c_id;
static volatile int s_spin;

/* The region pager: maps au_page wherever a thread faults in the region;
 * counts C's faults there. */
static int region_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    if (!L4_IpcSucceeded(tag) || L4_UntypedWords(tag) != 2 || mr[1] < AU_REGION ||
        mr[1] >= AU_REGION + AU_PAGES * 4096)
        return 0;
    if (from.raw == c_id)
        c_faults++;
    L4_Word_t a = mr[1] & ~0xFFFUL;
    mr[0] = 2 << 6;
    mr[1] = a | 0x8;
    mr[2] = L4_FpageLog2((L4_Word_t)au_page, 12).raw | L4_FullyAccessible;
    return 1;
}

static void region_pager(L4_Word_t unused)
{
    (void)unused;
    au_page[0] = 1;
    tsup_pager_loop(region_answer);
}

/* T (space A, its only thread, lowest priority): maps the region page
 * by page, then flushes all of it in one long Unmap. */
static void unmapper(L4_Word_t unused)
{
    (void)unused;
    tsup_wait_flag(&t_go, 5000);
    for (L4_Word_t i = 0; i < AU_PAGES; i++)
        (void)*(volatile char *)(AU_REGION + i * 4096);
    t_ready = 1;
    while (!t_go2)
        ;
    t_started = 1;
    L4_Word_t t0 = L4_SystemClock().raw;
    L4_Flush((L4_Fpage_t){ .raw = L4_FpageLog2(AU_REGION, 12 + AU_PAGES_LOG2).raw | L4_FullyAccessible });
    t_us = L4_SystemClock().raw - t0;
    t_done = 1;
}

/* C (a new space, made after A went): one page of the region. */
static void region_user(L4_Word_t unused)
{
    (void)unused;
    tsup_wait_flag(&c_go, 5000);
    (void)*(volatile char *)AU_LAST;
    c_mapped = 1;
    tsup_wait_flag(&c_go2, 5000);
    (void)*(volatile char *)AU_LAST;
    c_done = 1;
}

/* Keeps T from running while the killer sets C up (T has the lowest
 * priority; this runs whenever everything else waits). */
static void starver(L4_Word_t unused)
{
    (void)unused;
    while (!c_mapped && s_spin)
        ;
}

static void au_killer(L4_Word_t pager)
{
    while (!t_started)                          /* T begins its Unmap: the next */
        tsup_sleep_ms(1);                       /* tick finds it inside (~8 ms) */
    k_in_unmap = !t_done;
    s_spin = 1;
    L4_ThreadId_t s = tsup_thread(starver, 0);
    L4_Set_Priority(s, 60);
    /* T moves to B: A, whose only thread T was, goes. */
    k_moved = L4_ThreadControl((L4_ThreadId_t){ .raw = t_id }, (L4_ThreadId_t){ .raw = b_id },
                               L4_nilthread, L4_nilthread, (void *)~0UL);
    /* C: a new space (its kernel object is A's, freed just now) */
    L4_ThreadId_t c = tsup_space_as((L4_ThreadId_t){ .raw = c_id }, region_user, 0);
    tsup_go_paged_by(c, (L4_ThreadId_t){ .raw = pager }, &c_go);
    tsup_wait_flag(&c_mapped, 2000);
    k_done = 1;
}

TEST(moved, unmap_preempted_while_its_caller_moved_leaves_other_spaces_alone)
{
    t_go = t_go2 = t_ready = t_started = t_done = 0;
    c_go = c_go2 = c_mapped = c_done = 0;
    c_faults = t_us = k_in_unmap = k_moved = k_done = 0;
    s_spin = 0;
    L4_ThreadId_t p = tsup_thread(region_pager, 0);
    L4_Set_Priority(p, 200);
    L4_ThreadId_t t = tsup_space(unmapper, 0);
    t_id = t.raw;
    L4_Set_Priority(t, 50);
    tsup_go_paged_by(t, p, &t_go);
    int ready = tsup_wait_flag(&t_ready, 20000);
    /* B: a space with an inactive thread, where T may go */
    L4_ThreadId_t b = tsup_new_id();
    b_id = b.raw;
    L4_Word_t old;
    L4_ThreadControl(b, b, L4_Myself(), L4_nilthread, (void *)~0UL);
    L4_SpaceControl(b, 0, L4_FpageLog2(0xA0000000UL, 12), L4_FpageLog2(0xA0100000UL, 16),
                    L4_nilthread, &old);
    c_id = tsup_new_id().raw;
    L4_ThreadId_t k = tsup_thread(au_killer, p.raw);
    L4_Set_Priority(k, 250);
    t_go2 = 1;
    int kd = tsup_join(k, 5000);
    int td = tsup_join(t, 5000);                 /* T finishes its Unmap */
    c_go2 = 1;
    tsup_wait_flag(&c_done, 200);
    tsup_sleep_ms(5);
    L4_Word_t faults = c_faults;
    int cd = c_done;
    tsup_kill(t);
    tsup_kill(k);
    tsup_kill((L4_ThreadId_t){ .raw = c_id });
    L4_ThreadControl(b, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    tsup_kill(p);
    EXPECT(ready);
    EXPECT(kd);
    EXPECT(td);
    EXPECT_EQ(k_moved, 1);
    if (!k_in_unmap)
        test_fail(__FILE__, __LINE__, "set-up: T was not in its Unmap when the killer ran "
                  "(started %d done %d, %lu us)", t_started, t_done, t_us);
    /* C touched its page twice; it was mapped once: T's Unmap, begun in
     * A, must not have taken it from C. */
    if (faults != 1 || !cd)
        test_fail(__FILE__, __LINE__, "expected C's page to stay mapped (1 fault, done); "
                  "got %lu faults, done %d (T's Unmap took %lu us)", faults, cd, t_us);
}
