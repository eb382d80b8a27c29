/* Reproducers for kernel bugs found by the hostile fuzzer (test_hostile*.c):
 * one test per finding, each failing (or panicking the kernel) until the
 * bug is fixed. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

static volatile int nt_done;

/* ---- RFLAGS.NT survives the syscall entry -------------------------------
 * Any thread may set NT with popf. `syscall` clears only the SFMASK bits
 * (IF DF TF AC, context.c arch_cpu_init), so the kernel runs on with NT
 * set, and an `iretq` with NT set raises #GP in long mode (SDM, IRET:
 * IA-32e mode, NT = 1: #GP(0)). trap_exit's iretq then faults in ring 0:
 * after MemoryControl (syscall_dispatch returns true: exit by iretq), after
 * syscall_exit's non-canonical-RIP branch, and in any thread the CPU
 * switches to that resumes at trap_exit, since RFLAGS goes along with
 * switch_stack. Kernel #GP at trap_exit: a panic, from three user
 * instructions. */
static void nt_then_iret_exit(L4_Word_t unused)
{
    (void)unused;
    __asm__ volatile("pushfq\n\torq $0x4000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
    (void)L4_MemoryControl(0, (L4_Word_t[4]){ 0, 0, 0, 0 });
    __asm__ volatile("pushfq\n\tandq $~0x4000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
    nt_done = 1;
}

TEST(found, nt_flag_set_by_user_then_a_system_call)
{
    nt_done = 0;
    L4_ThreadId_t t = tsup_space(nt_then_iret_exit, 0);
    for (int i = 0; i < 1000 && !nt_done; i++)
        tsup_sleep_ms(1);
    int done = nt_done;
    tsup_kill(t);
    EXPECT(done);
}

/* ---- sigma0 spins on a request for the last page -------------------------
 * sigma0 answers anyone (issue 10, finding 5). A request for the last
 * page of the address space, FpageLog2(0xFFFFFFFFFFFFF000, 12), makes
 * pool_claim (user/sigma0/pool.c) loop forever: the page's last byte is
 * ~0, so "last + 1" wraps to 0, the range found for ~0 ends at ~0 (end 0
 * reads as ~0), `stop` stays ~0 == last and never passes it. sigma0, at
 * priority 255, spins and never serves anyone again: every pager chain
 * ending in sigma0 stops, threads below 255 starve (the suite after this
 * test hardly moves). */
static volatile int s0_asked, s0_answered;

static void ask_sigma0_for_the_last_page(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = L4_ProtocolLabel(L4_SIGMA0_PROTOCOL) << 16 | 2;
    mr[1] = L4_FpageLog2(0xFFFFFFFFFFFFF000UL, 12).raw;
    mr[2] = 0;
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(0x40000000UL, 12)));
    L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
    s0_asked = 1;
    L4_MsgTag_t tag = L4_Call_Timeouts(s0, L4_TimePeriod(100000), L4_TimePeriod(1000000));
    s0_answered = L4_IpcSucceeded(tag) ? 1 : 2;
}

TEST(found, sigma0_answers_a_request_for_the_last_page)
{
    s0_asked = s0_answered = 0;
    L4_ThreadId_t t = tsup_space(ask_sigma0_for_the_last_page, 0);
    for (int i = 0; i < 200 && s0_answered == 0; i++)   /* (a spinning sigma0 */
        tsup_sleep_ms(1);                               /* slows every step down) */
    int answered = s0_answered;
    tsup_kill(t);
    EXPECT_EQ(s0_asked, 1);
    EXPECT_EQ(answered, 1);
}

/* ---- iretq to the 32-bit code segment with RIP above 4 GB ---------------
 * A thread in the 32-bit code segment 0x1b (reached with a far return)
 * takes an exception; its handler answers with a canonical RIP above
 * 4 GB. Returning there, the kernel's iretq meets a RIP beyond the
 * segment's limit: on Intel CPUs that is #GP(0) in ring 0 (SDM, IRET:
 * "the return instruction pointer is not within the return code segment
 * limit"), a kernel panic, like the non-canonical RIPs of issue 10,
 * finding 2; TCG instead runs the thread on at the RIP cut to 32 bits.
 * The same goes for ExchangeRegisters SetIp on such a thread. Expected:
 * the thread gets the #GP (or never reaches the 32-bit segment). */
extern const char found_c32_ud2[];
__asm__(".pushsection .text\n"
        ".code32\n"
        "found_c32_ud2: ud2\n"
        ".code64\n"
        ".popsection\n");

static volatile L4_Word_t c32_vectors[2];
static volatile unsigned c32_seen;

static void c32_handler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcSucceeded(tag) && L4_UntypedWords(tag) == 19 && c32_seen < 2)
            c32_vectors[c32_seen++] = mr[19];
        if (c32_seen == 2)
            L4_Sleep(L4_Never);
        mr[0] = 1;
        mr[1] = 0x0000000100001000UL;           /* canonical, above 4 GB */
        tag = L4_ReplyWait(from, &from);
    }
}

static void c32_thread(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    __asm__ volatile("pushq $0x1b\n\tpushq %0\n\tlretq" : : "r"((L4_Word_t)found_c32_ud2) : "memory");
}

TEST(found, iret_to_the_32_bit_segment_above_4_gb)
{
    c32_seen = 0;
    tsup_rec.count = 0;
    L4_ThreadId_t h = tsup_thread(c32_handler, 0), pager = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(h, 200);
    L4_Set_Priority(pager, 200);
    L4_ThreadId_t t = tsup_space(c32_thread, h.raw);
    L4_ThreadControl(t, t, L4_nilthread, pager, (void *)~0UL);
    for (int i = 0; i < 500 && c32_seen < 2 && !tsup_rec.count; i++)
        tsup_sleep_ms(1);
    unsigned seen = c32_seen, faults = tsup_rec.count;
    L4_Word_t fault_at = tsup_rec.mr1;
    tsup_kill(t);
    tsup_kill(h);
    tsup_kill(pager);
    if (seen && c32_vectors[0] == 13)
        return;                                 /* no 32-bit code segment: fine */
    if (faults)
        printf("  found: the thread ran on at %lx\n", fault_at);
    EXPECT_EQ(faults, 0);
    EXPECT_EQ(seen, 2);
    EXPECT_EQ(c32_vectors[0], 6);               /* ud2 */
    EXPECT_EQ(c32_vectors[1], 13);              /* the return: #GP, the thread's */
}

/* ---- one sigma0 map item, unbounded work in the kernel ---------------------
 * sigma0 answers anyone (issue 10, finding 5), and memory no descriptor
 * mentions is free for the asking: a request for 16 TB at 16 TB gets a
 * map item of that fpage. map_item_transfer walks a sender in sigma0's
 * space page by page over the whole fpage (for other senders it skips
 * what is not mapped): 2^32 pages, a mapping-database node and page
 * tables each while the kernel pool lasts, and on after it ran dry (the
 * failed maps do not end the loop: mdb_map, sigma0_root and mdb_lookup
 * over ever longer hash chains), all with interrupts off. The machine
 * stands still (until the harness's boot timeout). Expected: the request
 * ends, refused or bounded, and the caller goes on. */
static volatile int huge_asked, huge_answered;

static void ask_sigma0_for_16_tb(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = L4_ProtocolLabel(L4_SIGMA0_PROTOCOL) << 16 | 2;
    mr[1] = L4_FpageLog2(1UL << 44, 44).raw;
    mr[2] = 0;
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    huge_asked = 1;
    L4_MsgTag_t tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_TimePeriod(100000),
                                       L4_TimePeriod(1000000));
    huge_answered = L4_IpcSucceeded(tag) ? 1 : 2;
}

TEST(found, sigma0_map_of_16_tb_ends)
{
    huge_asked = huge_answered = 0;
    L4_ThreadId_t t = tsup_space(ask_sigma0_for_16_tb, 0);
    for (int i = 0; i < 3000 && !huge_answered; i++)
        tsup_sleep_ms(1);
    int answered = huge_answered;
    tsup_kill(t);
    EXPECT_EQ(huge_asked, 1);
    EXPECT_NE(answered, 0);
}
