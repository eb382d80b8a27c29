/* Large pages (2 MB) behind 4 KB mappings: a 2 MB flexpage mapped whole
 * is served by one large page-table entry, which the kernel splits again
 * when a single page of it changes. The mapping database does not see
 * the difference, and neither may a user: the test checks that every page
 * reads right, and that revoking one page takes exactly that page. */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define BLOCK   (2UL << 20)
#define WINDOW  0x40000000UL               /* in the child's space, 2 MB aligned */

static volatile int stage, go_read_one, bad_reads;

/* The child: receives the 2 MB mapping, reads every page, then (told to)
 * reads the revoked page, which must fault. */
static void child(L4_Word_t unused)
{
    (void)unused;
    bad_reads = 0;
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(WINDOW, 21)));
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (L4_Word_t p = 0; p < BLOCK; p += 4096)
        if (*(volatile L4_Word_t *)(WINDOW + p) != p / 4096 + 0x1000)
            bad_reads++;
    stage = 1;
    while (!go_read_one)
        L4_Sleep(L4_TimePeriod(1000));
    for (L4_Word_t p = 0; p < BLOCK; p += 4096)     /* all but page 77 */
        if (p != 77 * 4096 && *(volatile L4_Word_t *)(WINDOW + p) != p / 4096 + 0x1000)
            bad_reads++;
    stage = 2;
    (void)*(volatile L4_Word_t *)(WINDOW + 77 * 4096);
    stage = 3;                                      /* not reached */
}

TEST(largepage, whole_block_then_one_page_revoked)
{
    stage = 0;
    go_read_one = 0;
    tsup_rec.count = 0;
    L4_Fpage_t block = L4_Sigma0_GetAny(L4_nilthread, 21, L4_CompleteAddressSpace);
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(!L4_IsNilFpage(block));
    L4_Word_t base = L4_Address(block);
    for (L4_Word_t p = 0; p < BLOCK; p += 4096)
        *(volatile L4_Word_t *)(base + p) = p / 4096 + 0x1000;

    L4_ThreadId_t pager = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(pager, 200);
    L4_ThreadId_t c = tsup_space(child, 0);
    tsup_wait_blocked(c);                           /* it waits for the mapping */
    L4_ThreadControl(c, c, L4_nilthread, pager, (void *)~0UL);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(block, L4_FullyAccessible), 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_MsgTag_t tag = L4_Send(c);
    for (int i = 0; i < 200 && stage < 1; i++)
        tsup_sleep_ms(1);
    int stage1 = stage;
    L4_Word_t faults_before = tsup_rec.count;
    /* revoke page 77 from everything derived from our mapping */
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(base + 77 * 4096, 12), L4_FullyAccessible));
    go_read_one = 1;
    for (int i = 0; i < 200 && stage < 2; i++)
        tsup_sleep_ms(1);
    tsup_sleep_ms(5);
    int stage2 = stage;
    L4_Word_t faults_after = tsup_rec.count, addr = tsup_rec.mr1;
    tsup_kill(c);
    tsup_kill(pager);
    L4_Flush(L4_FpageAddRights(block, L4_FullyAccessible));
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(stage1, 1);
    EXPECT_EQ(faults_before, 0);                    /* all 512 pages were there */
    EXPECT_EQ(bad_reads, 0);
    EXPECT_EQ(stage2, 2);                           /* stuck at page 77 */
    EXPECT_EQ(faults_after, 1);
    EXPECT_EQ(addr, WINDOW + 77 * 4096);
}
