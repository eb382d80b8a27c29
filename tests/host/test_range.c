/* Range sets: the arithmetic boot code uses to find free physical memory. */
#define CHECK_SUITE "range"
#include "check.h"
#include "range.h"

static struct range_set set_of(int n, const struct range *r)
{
    struct range_set s = { 0 };
    for (int i = 0; i < n; i++)
        range_add(&s, r[i].base, r[i].end);
    return s;
}

#define EXPECT_RANGE(s, i, b, e)                                             \
    do {                                                                     \
        EXPECT_EQ((s).r[i].base, b);                                         \
        EXPECT_EQ((s).r[i].end, e);                                          \
    } while (0)

CHECK_TEST(add_keeps_order)
{
    struct range_set s = set_of(3, (struct range[]){ { 0x5000, 0x6000 }, { 0x1000, 0x2000 },
                                                     { 0x3000, 0x4000 } });
    EXPECT_EQ(s.n, 3);
    EXPECT_RANGE(s, 0, 0x1000, 0x2000);
    EXPECT_RANGE(s, 1, 0x3000, 0x4000);
    EXPECT_RANGE(s, 2, 0x5000, 0x6000);
}

CHECK_TEST(add_merges_adjacent_and_overlapping)
{
    struct range_set s = set_of(3, (struct range[]){ { 0x1000, 0x2000 }, { 0x3000, 0x4000 },
                                                     { 0x2000, 0x3800 } });
    EXPECT_EQ(s.n, 1);
    EXPECT_RANGE(s, 0, 0x1000, 0x4000);
}

CHECK_TEST(add_empty_is_noop)
{
    struct range_set s = { 0 };
    EXPECT(range_add(&s, 0x2000, 0x2000));
    EXPECT(range_add(&s, 0x3000, 0x1000));
    EXPECT_EQ(s.n, 0);
}

CHECK_TEST(remove_splits)
{
    struct range_set s = set_of(1, (struct range[]){ { 0x0, 0x10000 } });
    EXPECT(range_remove(&s, 0x4000, 0x5000));
    EXPECT_EQ(s.n, 2);
    EXPECT_RANGE(s, 0, 0x0, 0x4000);
    EXPECT_RANGE(s, 1, 0x5000, 0x10000);
}

CHECK_TEST(remove_spanning_several)
{
    struct range_set s = set_of(3, (struct range[]){ { 0x1000, 0x2000 }, { 0x3000, 0x4000 },
                                                     { 0x5000, 0x6000 } });
    EXPECT(range_remove(&s, 0x1800, 0x5800));
    EXPECT_EQ(s.n, 2);
    EXPECT_RANGE(s, 0, 0x1000, 0x1800);
    EXPECT_RANGE(s, 1, 0x5800, 0x6000);
}

CHECK_TEST(remove_outside_is_noop)
{
    struct range_set s = set_of(1, (struct range[]){ { 0x1000, 0x2000 } });
    EXPECT(range_remove(&s, 0x3000, 0x4000));
    EXPECT_EQ(s.n, 1);
    EXPECT_RANGE(s, 0, 0x1000, 0x2000);
}

CHECK_TEST(full_set_reports_failure)
{
    struct range_set s = { 0 };
    for (int i = 0; i < RANGE_SET_MAX; i++)
        EXPECT(range_add(&s, 0x10000 * (i + 1), 0x10000 * (i + 1) + 0x1000));
    EXPECT(!range_add(&s, 0x1, 0x2));
    EXPECT(!range_remove(&s, 0x10800, 0x10900));   /* a split needs one more slot */
}

CHECK_TEST(overlaps_and_contains)
{
    struct range_set s = set_of(2, (struct range[]){ { 0x1000, 0x2000 }, { 0x4000, 0x8000 } });
    EXPECT(range_overlaps(&s, 0x1fff, 0x3000));
    EXPECT(!range_overlaps(&s, 0x2000, 0x4000));   /* ends are exclusive */
    EXPECT(range_contains(&s, 0x4000, 0x8000));
    EXPECT(!range_contains(&s, 0x1000, 0x4001));   /* spans a hole */
    EXPECT(!range_contains(&s, 0x3000, 0x3001));
}

CHECK_TEST(find_top_respects_limit_and_alignment)
{
    struct range_set s = set_of(2, (struct range[]){ { 0x100000, 0x800000 },
                                                     { 0x1100000, 0x1234000 } });
    EXPECT_EQ(range_find_top(&s, 0x10000, 0x1000, ~0UL), 0x1224000);
    EXPECT_EQ(range_find_top(&s, 0x10000, 0x100000, ~0UL), 0x1200000);
    /* aligned down to 4 MB the top range no longer fits: use the lower one */
    EXPECT_EQ(range_find_top(&s, 0x40000, 0x400000, ~0UL), 0x400000);
    EXPECT_EQ(range_find_top(&s, 0x1000, 0x1000, 0x900000), 0x7ff000);
    EXPECT_EQ(range_find_top(&s, 0x10000000, 0x1000, ~0UL), 0);       /* nowhere big enough */
}
