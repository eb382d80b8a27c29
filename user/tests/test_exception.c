/* Exceptions as IPC (spec 6.4): the exception message carries the
 * registers in the spec's order, the handler's reply changes them, and
 * the thread resumes with them. Faults run in a thread of another space;
 * the handler is a thread of the root task. */
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define EXC_TAG 0xFFFFFFFFFFB00013UL        /* label 0xFFFF_FFFF_FFB0, u = 19 */

/* What the handler saw of the last exception, and how to answer. */
static volatile L4_Word_t seen_tag, seen_vector, seen_rip, seen_rax, seen_from, seen_count;
static volatile L4_Word_t skip_bytes, new_rax;

static void handler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        seen_tag = tag.raw;
        seen_vector = mr[19];
        seen_rip = mr[1];
        seen_rax = mr[8];
        seen_from = from.raw;
        seen_count++;
        mr[1] += skip_bytes;                /* RIP */
        mr[8] = new_rax;                    /* RAX */
        mr[0] = 8;                          /* u = 8: MR1..MR8 apply */
        tag = L4_ReplyWait(from, &from);
    }
}

/* The faulting side: which instruction, and what RAX was after it. */
enum { DO_UD2, DO_DIV0, DO_HLT, DO_INT3, DO_TRAPFLAG };
static volatile L4_Word_t after_rax, done_op;

static void faulter(L4_Word_t handler_id)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler_id });
    L4_Word_t rax = 0x5A5A;
    switch (done_op) {
    case DO_UD2:
        __asm__ volatile("ud2" : "+a"(rax));
        break;
    case DO_DIV0:                           /* div %rcx with rcx = 0: 3 bytes */
        __asm__ volatile("xor %%ecx, %%ecx\n\t.byte 0x48, 0xf7, 0xf1"
                         : "+a"(rax) : : "rcx", "rdx");
        break;
    case DO_HLT:                            /* privileged: #GP, 1 byte */
        __asm__ volatile("hlt" : "+a"(rax));
        break;
    case DO_INT3:                           /* a breakpoint, not a debugger call */
        __asm__ volatile("int3\n\tnop\n\tnop" : "+a"(rax));
        break;
    case DO_TRAPFLAG:                       /* single step over a few instructions */
        __asm__ volatile("pushf\n\torq $0x100, (%%rsp)\n\tpopf\n\tnop\n\t"
                         "pushf\n\tandq $~0x100, (%%rsp)\n\tpopf"
                         : "+a"(rax) : : "memory", "cc");
        break;
    }
    after_rax = rax;
}

/* Run `op` in a new space; the handler skips `skip` bytes and sets RAX. */
static int run(unsigned op, unsigned skip)
{
    seen_count = 0;
    seen_tag = seen_vector = seen_rip = 0;
    after_rax = 0;
    skip_bytes = skip;
    new_rax = 0x1234 + op;
    done_op = op;
    L4_ThreadId_t h = tsup_thread(handler, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t f = tsup_space(faulter, h.raw);
    int ok = tsup_join(f, 2000);
    tsup_kill(f);
    tsup_kill(h);
    return ok;
}

TEST(exception, invalid_opcode_message_and_resume)
{
    EXPECT(run(DO_UD2, 2));
    EXPECT_EQ(seen_tag, EXC_TAG);
    EXPECT_EQ(seen_vector, 6);
    EXPECT_EQ(seen_rax, 0x5A5A);                /* MR8 = RAX at the fault */
    EXPECT_EQ(after_rax, 0x1234 + DO_UD2);      /* the handler's RAX */
    EXPECT_EQ(seen_count, 1);
}

TEST(exception, divide_error)
{
    EXPECT(run(DO_DIV0, 3));
    EXPECT_EQ(seen_vector, 0);
    EXPECT_EQ(after_rax, 0x1234 + DO_DIV0);
}

TEST(exception, general_protection_for_hlt)
{
    EXPECT(run(DO_HLT, 1));
    EXPECT_EQ(seen_vector, 13);
    EXPECT_EQ(after_rax, 0x1234 + DO_HLT);
}

TEST(exception, breakpoint_that_is_no_debugger_call)
{
    EXPECT(run(DO_INT3, 0));                    /* a trap: RIP is past int3 */
    EXPECT_EQ(seen_vector, 3);
    EXPECT_EQ(after_rax, 0x1234 + DO_INT3);
}

TEST(exception, single_step_traps)
{
    EXPECT(run(DO_TRAPFLAG, 0));
    EXPECT_EQ(seen_vector, 1);
    EXPECT(seen_count >= 2);                    /* one per stepped instruction */
}

/* The handler itself faults while handling: with no handler of its own it
 * is halted; the original thread stays blocked in its exception IPC; the
 * kernel and everyone else go on. */
static void faulty_handler(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_Wait(&from);
    __L4_Utcb()[__L4_TCR_EXCEPTION_HANDLER] = 0;
    __asm__ volatile("ud2");
}

TEST(exception, exception_inside_the_handler)
{
    done_op = DO_UD2;
    after_rax = 0;
    EXPECT_THREAD_STOP();
    L4_ThreadId_t h = tsup_thread(faulty_handler, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t f = tsup_space(faulter, h.raw);
    tsup_sleep_ms(20);
    L4_Word_t hstate = L4_Schedule(h, ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 });
    L4_Word_t fstate = L4_Schedule(f, ~0UL, ~0UL, ~0UL, ~0UL, &(L4_Word_t){ 0 });
    int f_done = tsup_done(f);
    tsup_kill(f);
    tsup_kill(h);
    EXPECT_EQ(hstate, 2);                       /* halted */
    EXPECT_EQ(fstate, 6);                       /* waiting for the reply */
    EXPECT(!f_done);
    /* the system still works */
    L4_ThreadId_t h2 = tsup_thread(handler, 0);
    skip_bytes = 2;
    L4_Set_Priority(h2, 200);
    L4_ThreadId_t f2 = tsup_space(faulter, h2.raw);
    EXPECT(tsup_join(f2, 2000));
    tsup_kill(f2);
    tsup_kill(h2);
}
