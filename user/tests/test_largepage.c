/* Large pages (2 MB, and 1 GB where the CPU has them): a 2 MB or 1 GB
 * flexpage mapped whole is served by one large page-table entry and one
 * mapping-database node, which the kernel splits when a single page of
 * it changes. A user sees no difference: the tests check that every page
 * is there and reads right, that revoking one page takes exactly that
 * page, and that the block cost the receiver a node, not one a page. */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define WINDOW   0x40000000UL              /* in the child's space, 1 GB aligned */
#define GIGABYTE 0x40000000UL              /* physical: free RAM on a 3 GB machine */
#define REVOKED  77                        /* the page revoked from the child */

static volatile int stage, go_read_one, bad_reads, waiting;
static volatile L4_Word_t block_size, marked_every;    /* pages */

static int marked(L4_Word_t page)
{
    return page % marked_every == 0;
}

/* The child: receives the mapping, reads every page (checking the marked
 * ones), then (told to) all pages but the revoked one, then that one,
 * which must fault. */
static void child(L4_Word_t unused)
{
    (void)unused;
    bad_reads = 0;
    L4_Accept(L4_MapGrantItems(L4_Fpage(WINDOW, block_size * 4096)));
    L4_ThreadId_t from;
    waiting = 1;                                    /* (no more faults before the mapping) */
    L4_Wait(&from);
    for (int pass = 1; pass <= 2; pass++) {
        for (L4_Word_t p = 0; p < block_size; p++) {
            L4_Word_t v = *(volatile L4_Word_t *)(WINDOW + p * 4096);
            if (marked(p) && v != p + 0x1000)
                bad_reads++;
            if (pass == 2 && p + 1 == REVOKED)
                p++;                                /* skip the revoked page */
        }
        stage = pass;
        while (pass == 1 && !go_read_one)
            L4_Sleep(L4_TimePeriod(1000));
    }
    (void)*(volatile L4_Word_t *)(WINDOW + REVOKED * 4096);
    stage = 3;                                      /* not reached */
}

/* Map `block` (root-owned, marked every `every` pages) whole into a new
 * space, revoke one page of it, and check what the child sees. */
static void whole_block_then_one_page_revoked(L4_Fpage_t block, L4_Word_t every)
{
    stage = 0;
    go_read_one = waiting = 0;
    tsup_rec.count = 0;
    block_size = L4_Size(block) / 4096;
    marked_every = every;
    L4_Word_t base = L4_Address(block);
    for (L4_Word_t p = 0; p < block_size; p += every)
        *(volatile L4_Word_t *)(base + p * 4096) = p + 0x1000;

    L4_ThreadId_t pager = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(pager, 200);
    L4_ThreadId_t c = tsup_space(child, 0);
    tsup_wait_flag(&waiting, 5000);
    tsup_wait_blocked(c);                           /* it waits for the mapping */
    L4_Word_t kmem_before = L4_KernelMemoryUsed(c);
    L4_ThreadControl(c, c, L4_nilthread, pager, (void *)~0UL);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(block, L4_FullyAccessible), 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_MsgTag_t tag = L4_Send(c);
    for (int i = 0; i < 20000 && stage < 1; i++)
        tsup_sleep_ms(1);
    int stage1 = stage;
    L4_Word_t faults_before = tsup_rec.count;
    L4_Word_t kmem_mapped = L4_KernelMemoryUsed(c) - kmem_before;
    /* revoke one page from everything derived from our mapping */
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(base + REVOKED * 4096, 12), L4_FullyAccessible));
    go_read_one = 1;
    for (int i = 0; i < 20000 && stage < 2; i++)
        tsup_sleep_ms(1);
    tsup_sleep_ms(5);
    int stage2 = stage;
    L4_Word_t faults_after = tsup_rec.count, addr = tsup_rec.mr1;
    tsup_kill(c);
    tsup_kill(pager);
    L4_Flush(L4_FpageAddRights(block, L4_FullyAccessible));
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(stage1, 1);
    EXPECT_EQ(faults_before, 0);                    /* every page was there */
    EXPECT(kmem_mapped <= 16);                      /* KB: a node, maybe two tables */
    EXPECT_EQ(bad_reads, 0);
    EXPECT_EQ(stage2, 2);                           /* stuck at the revoked page */
    EXPECT_EQ(faults_after, 1);
    EXPECT_EQ(addr, WINDOW + REVOKED * 4096);
}

TEST(largepage, whole_block_then_one_page_revoked)
{
    L4_Fpage_t block = tsup_sigma0_any(21);
    EXPECT(!L4_IsNilFpage(block));
    if (!L4_IsNilFpage(block))
        whole_block_then_one_page_revoked(block, 1);
}

/* The same with 1 GB at 1 GB physical, where the harness boots a 3 GB
 * machine (the one test the usual 256 MB boots skip): that gigabyte is
 * free RAM, which sigma0 hands out whole. Every 16th page is marked (so
 * QEMU need not back all of the gigabyte). */
TEST(largepage, gigabyte_block_then_one_page_revoked)
{
    int ram = tsup_all_conventional(GIGABYTE, GIGABYTE);
    L4_Fpage_t block = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(GIGABYTE, 30));
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(ram);
    EXPECT(!L4_IsNilFpage(block));
    whole_block_then_one_page_revoked(block, 16);
}

/* A space's kernel-memory limit holds when splits of large mappings it
 * made itself come due. The holder H gets one 2 MB mapping and maps it
 * on to AL_N addresses of its own space (a node each, within its limit);
 * an unmap of one 4 KB page of it splits every one of those into 512
 * (511 nodes, a node table and a page table each: some 24 KB per 32-byte
 * node). Charged past the limit, that made a limit of some 100 KB good
 * for 6 MB; the kernel pool would go the same way with more aliases. */
#define AL_WINDOW  0x40000000UL
#define AL_ALIASES 0x80000000UL                /* 1 GB of aliases */
#define AL_N       (31 * 8)
static volatile int al_waiting, al_stage, al_read_ok;
static volatile L4_Word_t al_receiver;

/* In the holder's space: takes the aliases into the window `window` (an
 * fpage's raw word), message after message. */
static void al_alias_receiver(L4_Word_t window)
{
    L4_ThreadId_t from;
    for (;;) {
        L4_Accept(L4_MapGrantItems((L4_Fpage_t){ .raw = window }));
        L4_Wait(&from);
    }
}

/* The root thread's side of the alias tests' stages: the next one is
 * `stage`; wait (up to `ms`) until the holder says it is there. */
static int al_next_stage(int stage, int ms)
{
    al_stage = stage - 1;
    for (int i = 0; i < ms && al_stage < stage; i++)
        tsup_sleep_ms(1);
    return al_stage;
}

/* The holder's start: its 2 MB page at AL_WINDOW, then, told so
 * (al_stage 1), `msgs` messages of 31 map items of it to al_receiver,
 * which places the aliases 2 MB apart from the start of its window. */
static void al_hold_and_alias(L4_Word_t msgs)
{
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(AL_WINDOW, 21)));
    L4_ThreadId_t from;
    al_waiting = 1;
    L4_Wait(&from);                                 /* the 2 MB mapping */
    while (al_stage < 1)
        tsup_sleep_ms(1);
    L4_Word_t *mr = __L4_Utcb();
    for (L4_Word_t m = 0; m < msgs; m++) {
        mr[0] = 62 << 6;                            /* 31 map items */
        for (L4_Word_t i = 0; i < 31; i++) {
            mr[1 + 2 * i] = (m * 31 + i) << 21 | 0x8;
            mr[2 + 2 * i] = L4_FpageLog2(AL_WINDOW, 21).raw | 7;
        }
        L4_Send((L4_ThreadId_t){ .raw = al_receiver });
    }
}

static void al_holder(L4_Word_t unused)
{
    (void)unused;
    al_hold_and_alias(AL_N / 31);
    L4_Word_t first = *(volatile L4_Word_t *)AL_ALIASES;
    L4_Word_t last = *(volatile L4_Word_t *)(AL_ALIASES + (AL_N - 1) * (1UL << 21));
    al_read_ok = first == 0xA11A5 && last == 0xA11A5;
    al_stage = 2;
    while (al_stage < 3)
        tsup_sleep_ms(1);
    /* revokes the page from every alias: each is split */
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(AL_WINDOW + 4096, 12), L4_FullyAccessible));
    al_stage = 4;
}

/* Both tests' start: a 2 MB page from sigma0 (its first word 0xA11A5)
 * to a holder in a space of its own (holder_fn, which then makes the
 * aliases), and a receiver of them in its space with window `window`.
 * *tag: the mapping's send; false if sigma0 had no such page. */
static int al_start(tsup_fn_t holder_fn, L4_Fpage_t window, L4_ThreadId_t *h, L4_ThreadId_t *r,
                    L4_MsgTag_t *tag)
{
    al_waiting = al_stage = al_read_ok = 0;
    L4_Fpage_t block = tsup_sigma0_any(21);
    if (L4_IsNilFpage(block))
        return 0;
    *(volatile L4_Word_t *)L4_Address(block) = 0xA11A5;
    *h = tsup_space(holder_fn, 0);
    tsup_wait_flag(&al_waiting, 5000);
    tsup_wait_blocked(*h);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(block, L4_FullyAccessible), 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    *tag = L4_Send(*h);
    *r = tsup_space_thread(*h, al_alias_receiver, window.raw);
    al_receiver = r->raw;
    tsup_wait_blocked(*r);
    return 1;
}

TEST(largepage, splits_of_a_spaces_own_aliases_keep_its_limit)
{
    L4_ThreadId_t h, r;
    L4_MsgTag_t tag;
    int started = al_start(al_holder, L4_FpageLog2(AL_ALIASES, 30), &h, &r, &tag);
    EXPECT(started);
    if (!started)
        return;
    tsup_sleep_ms(10);
    L4_Word_t limit = L4_KernelMemoryUsed(h) + 64;  /* KB */
    L4_SetKernelMemoryLimit(h, limit);
    al_next_stage(2, 10000);
    L4_Word_t used_aliased = L4_KernelMemoryUsed(h);
    int stage = al_next_stage(4, 10000);
    L4_Word_t used_split = L4_KernelMemoryUsed(h);
    tsup_kill(r);
    tsup_kill(h);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(stage, 4);
    EXPECT(al_read_ok);                             /* the aliases were there */
    EXPECT(used_aliased <= limit);
    EXPECT(used_split <= limit);
}

/* The same kind of holder, with 8184 aliases of its 2 MB page (its
 * default limit allows them), flushes one page of it. The split of its
 * node made the pieces of every alias in one step (until the limit, then
 * deleting the rest), with interrupts off: some 165 ms under TCG in which
 * the root thread, waking every 1 ms, woke once. Refused (mdb.c
 * SPLIT_SAME), the node goes whole in bounded steps: some 3 ms. The test
 * tells the two apart without a clock: the split ways leave the space
 * holding more kernel memory than before the flush (pieces up to its
 * limit), the whole way less (the aliases are gone). */
#define BX_ALIASES 0x400000000UL               /* 16 GB of aliases */
#define BX_MSGS    264                         /* of 31 map items */

static void bx_holder(L4_Word_t unused)
{
    (void)unused;
    al_hold_and_alias(BX_MSGS);
    L4_Word_t last = *(volatile L4_Word_t *)(BX_ALIASES + (BX_MSGS * 31 - 1) * (1UL << 21));
    al_read_ok = last == 0xA11A5;
    al_stage = 2;
    while (al_stage < 3)
        tsup_sleep_ms(1);
    L4_Flush(L4_FpageAddRights(L4_FpageLog2(AL_WINDOW + 4096, 12), L4_FullyAccessible));
    al_stage = 4;
}

TEST(largepage, flush_of_a_much_aliased_large_page_lets_the_system_run)
{
    L4_ThreadId_t h, r;
    L4_MsgTag_t tag;
    int started = al_start(bx_holder, L4_FpageLog2(BX_ALIASES, 34), &h, &r, &tag);
    EXPECT(started);
    if (!started)
        return;
    int aliased = al_next_stage(2, 30000) == 2 && al_read_ok;
    L4_Word_t used_aliased = L4_KernelMemoryUsed(h);
    int stage = al_next_stage(4, 20000);
    L4_Word_t used_flushed = L4_KernelMemoryUsed(h);
    tsup_kill(r);
    tsup_kill(h);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(aliased);
    EXPECT_EQ(stage, 4);
    /* no split of thousands: the aliases went, their memory with them */
    EXPECT_EQ(used_flushed < used_aliased ? 0 : used_flushed, 0);
}
