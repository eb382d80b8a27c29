/* The frame allocator, run over a pool of host memory. Pool "physical"
 * addresses are offsets into a buffer; frame 0 is never handed out. */
#define CHECK_SUITE "frame"
#include "check.h"
#include "frame.h"

#define POOL_PAGES 16
static unsigned char mem[(POOL_PAGES + 1) * PAGE_SIZE] __attribute__((aligned(4096)));

static void *view(paddr_t p)
{
    if (p < PAGE_SIZE || p >= sizeof mem)
        check_fail("allocator touched 0x%llx, outside its pool", (unsigned long long)p);
    return mem + (p % sizeof mem);
}

/* A pool of two ranges: pages 1..4 and 8..15 (page 0, 5-7 reserved). */
static void init_pool(void)
{
    struct range_set pool = { 0 };
    range_add(&pool, 1 * PAGE_SIZE, 5 * PAGE_SIZE);
    range_add(&pool, 8 * PAGE_SIZE, 16 * PAGE_SIZE);
    memset(mem, 0xAB, sizeof mem);
    frame_init(&pool, view);
}

static int in_pool(paddr_t f)
{
    paddr_t page = f / PAGE_SIZE;
    return f % PAGE_SIZE == 0 && ((page >= 1 && page < 5) || (page >= 8 && page < 16));
}

CHECK_TEST(counts_the_pool)
{
    init_pool();
    EXPECT_EQ(frame_available(), 12);
}

CHECK_TEST(hands_out_every_frame_once_then_zero)
{
    init_pool();
    int seen[POOL_PAGES + 1] = { 0 };
    for (int i = 0; i < 12; i++) {
        paddr_t f = frame_alloc();
        EXPECT(in_pool(f));
        if (in_pool(f))
            seen[f / PAGE_SIZE]++;
    }
    for (int p = 0; p <= POOL_PAGES; p++)
        EXPECT_EQ(seen[p], (p >= 1 && p < 5) || (p >= 8 && p < 16));
    EXPECT_EQ(frame_available(), 0);
    EXPECT_EQ(frame_alloc(), 0);
}

CHECK_TEST(frames_come_zeroed)
{
    init_pool();
    paddr_t f = frame_alloc();
    const unsigned char *b = view(f);
    int nonzero = 0;
    for (size_t i = 0; i < PAGE_SIZE; i++)
        nonzero += b[i] != 0;
    EXPECT_EQ(nonzero, 0);
}

CHECK_TEST(freed_frame_is_reused_and_rezeroed)
{
    init_pool();
    paddr_t f = frame_alloc();
    memset(view(f), 0x5A, PAGE_SIZE);
    frame_free(f);
    EXPECT_EQ(frame_available(), 12);
    EXPECT_EQ(frame_alloc(), f);
    EXPECT_EQ(((unsigned char *)view(f))[8], 0);      /* the free-list link is gone too */
    EXPECT_EQ(((unsigned char *)view(f))[PAGE_SIZE - 1], 0);
}

CHECK_TEST(free_list_is_lifo_then_fresh_frames)
{
    init_pool();
    paddr_t a = frame_alloc(), b = frame_alloc();
    frame_free(a);
    frame_free(b);
    EXPECT_EQ(frame_alloc(), b);
    EXPECT_EQ(frame_alloc(), a);
    paddr_t c = frame_alloc();
    EXPECT(in_pool(c) && c != a && c != b);
}

CHECK_TEST(freeing_an_unaligned_frame_panics)
{
    init_pool();
    EXPECT_PANIC(frame_free(PAGE_SIZE + 8));
    EXPECT_PANIC(frame_free(0));
}

/* frame_add (the boot memory the kernel releases): its frames count at
 * once but come only after every fresh frame of the pool. */
CHECK_TEST(added_frames_come_after_the_pool)
{
    init_pool();
    paddr_t first = frame_alloc();
    frame_add(5 * PAGE_SIZE, 7 * PAGE_SIZE);
    EXPECT_EQ(frame_available(), 13);
    EXPECT_EQ(frame_total(), 14);
    EXPECT_EQ(((unsigned char *)view(5 * PAGE_SIZE))[0], 0xAB);     /* not touched */
    for (int i = 0; i < 11; i++)
        EXPECT(in_pool(frame_alloc()));
    EXPECT_EQ(frame_alloc(), 5 * PAGE_SIZE);
    EXPECT_EQ(frame_alloc(), 6 * PAGE_SIZE);
    EXPECT_EQ(frame_alloc(), 0);
    frame_free(first);
    EXPECT_EQ(frame_alloc(), first);
}

CHECK_TEST(adding_an_unaligned_range_panics)
{
    init_pool();
    EXPECT_PANIC(frame_add(5 * PAGE_SIZE + 8, 7 * PAGE_SIZE));
    EXPECT_PANIC(frame_add(6 * PAGE_SIZE, 6 * PAGE_SIZE));
}
