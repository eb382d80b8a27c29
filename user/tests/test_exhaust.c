/* Kernel memory runs out (spec 2.9.2, error 8): creating spaces until
 * ThreadControl or SpaceControl says "out of memory" must end in that
 * error, not in a panic, and deleting them must give all of it back. */
#include <l4/kip.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define FIRST  0x20000UL            /* thread numbers no other test uses */
#define LIMIT  20000

static unsigned fill(unsigned limit, L4_Word_t *err) { return tsup_fill_spaces(FIRST, limit, err); }
static unsigned empty(unsigned n) { return tsup_empty_spaces(FIRST, n); }

TEST(exhaust, spaces_until_the_kernel_runs_out)
{
    L4_Word_t err, err2;
    unsigned n = fill(LIMIT, &err);
    printf("  exhaust: out of kernel memory after %u spaces (error %lu)\n", n, err);
    unsigned gone = empty(n);
    /* all of it came back: the same number fits again */
    unsigned n2 = fill(n + 50, &err2);
    unsigned gone2 = empty(n2);
    EXPECT_EQ(err, 8);
    EXPECT_EQ(gone, n);
    EXPECT(n2 >= n);
    EXPECT_EQ(gone2, n2);
}

/* Mappings use kernel memory too (page tables, mapping-database nodes):
 * one page mapped at 10000 addresses 2 MB apart in another space needs a
 * page table for each, more than the kernel pool holds. The maps that do
 * not fit are dropped; the kernel carries on, and deleting the space gives
 * the memory back. (The receiving space has no limit of its own here: the
 * security group tests the limits.) */
#define FAR   0x0000010000000000UL      /* 1 TB: far from the test image */
static volatile unsigned received;

static uint8_t the_page[4096] __attribute__((aligned(4096)));

TEST(exhaust, mappings_until_the_kernel_runs_out)
{
    received = 0;
    the_page[0] = 1;
    L4_ThreadId_t r = tsup_space(tsup_map_receiver, (L4_Word_t)&received);
    L4_SetKernelMemoryLimit(r, L4_KmemUnlimited);
    unsigned sent = 0;
    for (unsigned i = 0; i < 10000; i++) {
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 2 << 6;                                 /* one map item */
        mr[1] = (FAR + (L4_Word_t)i * 0x200000UL) | 0x8;
        mr[2] = L4_FpageLog2((L4_Word_t)the_page, 12).raw | L4_Readable;
        sent += L4_IpcSucceeded(L4_Send_Timeout(r, L4_TimePeriod(1000000)));
        if (i % 2500 == 2499)
            printf("  exhaust: %u map items sent\n", i + 1);
    }
    for (int i = 0; i < 1000 && received < sent; i++)
        tsup_sleep_ms(1);
    unsigned got = received;
    L4_Word_t full_err;
    empty(fill(5, &full_err));                          /* nothing left for a space */
    tsup_kill(r);
    L4_Word_t err;
    unsigned n = fill(100, &err);                       /* the memory is back */
    unsigned gone = empty(n);
    EXPECT_EQ(full_err, 8);
    EXPECT_EQ(sent, 10000);
    EXPECT_EQ(got, 10000);
    EXPECT_EQ(n, 100);
    EXPECT_EQ(gone, 100);
}
