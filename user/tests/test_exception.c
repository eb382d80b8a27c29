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
enum { DO_UD2, DO_DIV0, DO_HLT, DO_INT3, DO_TRAPFLAG, DO_LOCK_TAKES, DO_WITHDRAWALS };
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
    case DO_LOCK_TAKES:                     /* KDB LockTakes of processor 0 */
        rax = 0;
        __asm__ volatile("int3; cmpb $0x4C, %%al" : "+a"(rax));
        break;
    case DO_WITHDRAWALS:                    /* KDB Withdrawals of processor 0 */
        rax = 0;
        __asm__ volatile("int3; cmpb $0x57, %%al" : "+a"(rax));
        break;
    case DO_TRAPFLAG:                       /* single step over a few instructions */
        __asm__ volatile("pushf\n\torq $0x100, (%%rsp)\n\tpopf\n\tnop\n\t"
                         "pushf\n\tandq $~0x100, (%%rsp)\n\tpopf"
                         : "+a"(rax) : : "memory", "cc");
        break;
    }
    after_rax = rax;
}

/* Run faulter_fn in a new space, its exception handler handler_fn in
 * ours; 1 if the faulter finished. */
static int handled_in_a_new_space(tsup_fn_t handler_fn, tsup_fn_t faulter_fn)
{
    L4_ThreadId_t h = tsup_thread(handler_fn, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t f = tsup_space(faulter_fn, h.raw);
    int ok = tsup_join(f, 2000);
    tsup_kill(f);
    tsup_kill(h);
    return ok;
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
    return handled_in_a_new_space(handler, faulter);
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

/* Pecan's KDB LockTakes and Withdrawals answer privileged spaces only
 * (docs/security.md): to a thread of another each is a breakpoint like
 * any unknown marker, and RAX keeps the processor number it asked about. */
static void expect_a_breakpoint(unsigned op)
{
    EXPECT(run(op, 0));
    EXPECT_EQ(seen_vector, 3);
    EXPECT_EQ(seen_rax, 0);
    EXPECT_EQ(seen_count, 1);
    EXPECT_EQ(after_rax, 0x1234 + op);
}

TEST(exception, lock_takes_of_an_unprivileged_thread_is_a_breakpoint)
{
    expect_a_breakpoint(DO_LOCK_TAKES);
}

TEST(exception, withdrawals_of_an_unprivileged_thread_is_a_breakpoint)
{
    expect_a_breakpoint(DO_WITHDRAWALS);
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

/* Every register (spec 6.4, appendix A). exc_all_registers loads RAX,
 * RBX, RCX, RDX, RSI, RDI, RBP, R8-R15 from exc_in[0..14], executes ud2
 * (at exc_ud2), and on its return stores them to exc_out[0..14], RSP to
 * exc_out[15] and RFLAGS to exc_out[16]; exc_sp and exc_flags hold RSP
 * and RFLAGS at the ud2. */
__asm__(".pushsection .bss\n .balign 8\n"
        " .globl exc_in, exc_out, exc_sp, exc_flags\n"
        "exc_in: .skip 8*15\n"
        "exc_out: .skip 8*17\n"
        "exc_sp: .quad 0\n"
        "exc_flags: .quad 0\n"
        "exc_saved_sp: .quad 0\n"
        ".popsection\n"
        ".text\n .globl exc_all_registers, exc_ud2\n .type exc_all_registers, @function\n"
        "exc_all_registers:\n"
        " push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
        " mov %rsp, exc_saved_sp(%rip)\n"
        " mov %rsp, exc_sp(%rip)\n"
        " pushfq\n popq exc_flags(%rip)\n"
        " mov exc_in+0(%rip), %rax\n mov exc_in+8(%rip), %rbx\n mov exc_in+16(%rip), %rcx\n"
        " mov exc_in+24(%rip), %rdx\n mov exc_in+32(%rip), %rsi\n mov exc_in+40(%rip), %rdi\n"
        " mov exc_in+48(%rip), %rbp\n mov exc_in+56(%rip), %r8\n mov exc_in+64(%rip), %r9\n"
        " mov exc_in+72(%rip), %r10\n mov exc_in+80(%rip), %r11\n mov exc_in+88(%rip), %r12\n"
        " mov exc_in+96(%rip), %r13\n mov exc_in+104(%rip), %r14\n mov exc_in+112(%rip), %r15\n"
        "exc_ud2:\n ud2\n"
        " mov %rax, exc_out+0(%rip)\n mov %rbx, exc_out+8(%rip)\n mov %rcx, exc_out+16(%rip)\n"
        " mov %rdx, exc_out+24(%rip)\n mov %rsi, exc_out+32(%rip)\n mov %rdi, exc_out+40(%rip)\n"
        " mov %rbp, exc_out+48(%rip)\n mov %r8, exc_out+56(%rip)\n mov %r9, exc_out+64(%rip)\n"
        " mov %r10, exc_out+72(%rip)\n mov %r11, exc_out+80(%rip)\n mov %r12, exc_out+88(%rip)\n"
        " mov %r13, exc_out+96(%rip)\n mov %r14, exc_out+104(%rip)\n mov %r15, exc_out+112(%rip)\n"
        " mov %rsp, exc_out+120(%rip)\n"
        " mov exc_saved_sp(%rip), %rsp\n"
        " pushfq\n popq exc_out+128(%rip)\n"
        " pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
        " ret\n");
void exc_all_registers(void);
extern char exc_ud2[];
extern volatile L4_Word_t exc_in[15], exc_out[17], exc_sp, exc_flags;

enum { XRAX, XRBX, XRCX, XRDX, XRSI, XRDI, XRBP, XR8, XR9, XR10, XR11, XR12, XR13, XR14, XR15,
       XRSP, XRFLAGS };
/* MR1..MR18 of the message: the register (exc_in/exc_out index) each holds */
static const int msg_reg[19] = { -1, -1, XRBX, XR10, XR12, XR13, XR14, XR15, XRAX, XRCX, XRDX,
                                 XRSI, XRDI, XRBP, XR8, XR9, XR11, XRSP, XRFLAGS };
#define MR20_MARK 0x2020202020202020UL
#define NEW_REG(r) (0x5EED000000000000UL | (L4_Word_t)(r) << 8)
#define SP_SHIFT 256                        /* the handler moves RSP down by this */

static volatile L4_Word_t hx_mr[21], hx_count, fx_mr[20];

/* Records the first message (MR0..MR20) and answers with u = 18: RIP past
 * the ud2, NEW_REG in the registers, RSP lower, every arithmetic flag
 * flipped, IF cleared and IOPL 3 asked for. Later messages: no answer. */
static void handler_of_everything(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    mr[20] = MR20_MARK;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (hx_count++ == 0) {
            hx_mr[0] = tag.raw;
            for (int i = 1; i < 21; i++)
                hx_mr[i] = mr[i];
            mr[1] += 2;
            for (int i = 2; i < 17; i++)
                mr[i] = NEW_REG(msg_reg[i]);
            mr[17] -= SP_SHIFT;
            mr[18] = (mr[18] ^ 0x8D5) & ~0x200UL;
            mr[18] |= 0x3000;
            mr[0] = 18;
            tag = L4_ReplyWait(from, &from);
        } else {
            tag = L4_Wait(&from);
        }
    }
}

static void faulter_of_everything(L4_Word_t handler_id)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler_id });
    L4_Word_t *mr = __L4_Utcb();
    for (int i = 0; i < 20; i++)
        mr[i] = 0xFACE000000000000UL + (L4_Word_t)i;
    exc_all_registers();
    for (int i = 0; i < 20; i++)
        fx_mr[i] = mr[i];
}

TEST(exception, message_and_reply_cover_every_register)
{
    hx_count = 0;
    for (int r = 0; r < 15; r++)
        exc_in[r] = 0xC0DE000000000000UL | (L4_Word_t)(r + 1) << 8;
    EXPECT(handled_in_a_new_space(handler_of_everything, faulter_of_everything));
    EXPECT_EQ(hx_count, 1);
    /* the message: the tag, the registers in the spec's order, the vector */
    EXPECT_EQ(hx_mr[0], EXC_TAG);
    EXPECT_EQ(hx_mr[1], (L4_Word_t)exc_ud2);
    for (int i = 2; i < 17; i++)
        EXPECT_EQ(hx_mr[i], exc_in[msg_reg[i]]);
    EXPECT_EQ(hx_mr[17], exc_sp);
    EXPECT_EQ(hx_mr[18] & 0x3FFF, exc_flags & 0x3FFF);  /* (RF may be set in the frame) */
    EXPECT_EQ(hx_mr[19], 6);
    EXPECT_EQ(hx_mr[20], MR20_MARK);                    /* u = 19: MR20 is not sent */
    /* the reply: every register from MR1..MR18; of RFLAGS only the arithmetic bits */
    for (int r = 0; r < 15; r++)
        EXPECT_EQ(exc_out[r], NEW_REG(r));
    EXPECT_EQ(exc_out[XRSP], exc_sp - SP_SHIFT);
    EXPECT_EQ(exc_out[XRFLAGS] & 0x8D5, (exc_flags ^ 0x8D5) & 0x8D5);
    EXPECT_EQ(exc_out[XRFLAGS] & 0x3200, exc_flags & 0x3200);    /* IF and IOPL kept */
    /* and the faulter's MR0..MR19 are its own again */
    for (int i = 0; i < 20; i++)
        EXPECT_EQ(fx_mr[i], 0xFACE000000000000UL + (L4_Word_t)i);
}
