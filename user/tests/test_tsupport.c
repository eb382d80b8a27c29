/* The test support's own promises (tsupport.h): what a test leaves
 * behind goes with tsup_cleanup, which the suite calls after every test,
 * passed or failed, so that no failure spills into the tests after it and
 * the suite can run again and again in one boot. */
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include "testlib.h"
#include "tsupport.h"

static int exists(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old) != 0;
}

TEST(tsupport, cleanup_deletes_the_helpers_and_starts_the_ids_again)
{
    L4_ThreadId_t first = tsup_new_id();
    L4_ThreadId_t here = tsup_thread(tsup_fn_sleeper, 0);
    L4_ThreadId_t there = tsup_space(tsup_fn_sleeper, 0);
    int before = exists(here) && exists(there) && exists(tsup_pager());
    L4_ThreadId_t pager = tsup_pager();
    tsup_cleanup();
    EXPECT(before);
    EXPECT(!exists(here));
    EXPECT(!exists(there));
    EXPECT(!exists(pager));
    EXPECT_EQ(tsup_new_id().raw, first.raw);            /* the same ids again */
    L4_ThreadId_t again = tsup_thread(tsup_fn_sleeper, 0);  /* and all still works */
    EXPECT(exists(again));
}

TEST(tsupport, sigma0_memory_comes_back_to_the_thread_that_had_it)
{
    L4_Fpage_t first = tsup_sigma0_any(12);
    EXPECT(!L4_IsNilFpage(first));
    *(volatile L4_Word_t *)L4_Address(first) = 0x7E57;
    tsup_cleanup();                                      /* flushed from our space */
    L4_Fpage_t again = tsup_sigma0_any(12);
    EXPECT_EQ(L4_Address(again), L4_Address(first));    /* not new memory */
    EXPECT_EQ(*(volatile L4_Word_t *)L4_Address(again), 0x7E57);
}
