/* Unix-ABI spaces (docs/unix.md, pecan/unix_abi.h): a thread of such a
 * space meets its exception handler - here the test's root thread, also
 * its pager - with one message for its start, its system calls, its
 * exceptions and its interrupts, and runs with the registers and FS/GS
 * bases of the answer. The threads run small assembly routines of the
 * test image (ux_* below), which the handler maps like tsupport's pager;
 * they report through ux_out, shared with the root task. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/syscalls.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <pecan/unix_abi.h>
#include "testlib.h"
#include "tsupport.h"

#define UX_WAIT L4_TimePeriod(2000000)      /* a lost message fails the test */
#define NONE    (~0UL)

extern char ux_regs_code[], ux_regs_after[], ux_bases_code[], ux_bases_after[],
    ux_loop_code[], ux_loop_exit[], ux_fault_code[], ux_after_int3[], ux_switch_code[],
    ux_flags_code[], ux_io_code[], ux_df_code[], ux_count_code[], ux_moved_code[];
volatile L4_Word_t ux_out[16], ux_count, ux_bad;
static L4_Word_t ux_stack[2][512] __attribute__((aligned(16)));
static L4_Word_t fs_word[2] = { 0xF5F5F5F5, 0xF6F6F6F6 }, gs_word[2] = { 0x65656565, 0x66666666 };

/* The routines, in the threads' user mode: they leave with system call
 * 60 ("exit"), which the tests do not answer. */
__asm__(
    ".text\n"
    "ux_regs_code:\n"           /* every register set, then a system call */
    "  mov $0x11, %rax\n  mov $0x22, %rbx\n  mov $0x33, %rcx\n  mov $0x44, %rdx\n"
    "  mov $0x55, %rsi\n  mov $0x66, %rdi\n  mov $0x77, %rbp\n  mov $0x88, %r8\n"
    "  mov $0x99, %r9\n  mov $0xaa, %r10\n  mov $0xbb, %r11\n  mov $0xcc, %r12\n"
    "  mov $0xdd, %r13\n  mov $0xee, %r14\n  mov $0xff, %r15\n"
    "  syscall\n"
    "ux_regs_after:\n"
    "  mov %rax, ux_out+0(%rip)\n  mov %rbx, ux_out+8(%rip)\n  mov %rcx, ux_out+16(%rip)\n"
    "  mov %rdx, ux_out+24(%rip)\n  mov %rsi, ux_out+32(%rip)\n  mov %rdi, ux_out+40(%rip)\n"
    "  mov %rbp, ux_out+48(%rip)\n  mov %r8, ux_out+56(%rip)\n  mov %r9, ux_out+64(%rip)\n"
    "  mov %r10, ux_out+72(%rip)\n  mov %r11, ux_out+80(%rip)\n  mov %r12, ux_out+88(%rip)\n"
    "  mov %r13, ux_out+96(%rip)\n  mov %r14, ux_out+104(%rip)\n  mov %r15, ux_out+112(%rip)\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_bases_code:\n"          /* FS/GS bases and RCX/R11 from the start answer */
    "  mov %fs:0, %rax\n  mov %rax, ux_out+0(%rip)\n"
    "  mov %gs:0, %rax\n  mov %rax, ux_out+8(%rip)\n"
    "  mov %rcx, ux_out+16(%rip)\n  mov %r11, ux_out+24(%rip)\n"
    "  mov $1, %eax\n  syscall\n"
    "ux_bases_after:\n"         /* ... and from a system call's answer */
    "  mov %fs:0, %rax\n  mov %rax, ux_out+32(%rip)\n"
    "  mov %rcx, ux_out+40(%rip)\n  mov %r11, ux_out+48(%rip)\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_loop_code:\n"           /* no system call: only an interrupt gets it out */
    "1: incq ux_count(%rip)\n  jmp 1b\n"
    "ux_loop_exit:\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_fault_code:\n"          /* exceptions, and X.2's special instructions */
    "  ud2\n  int3\n"
    "ux_after_int3:\n"
    "  .byte 0xf0, 0x90\n"      /* lock nop: X.2's KernelInterface */
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_switch_code:\n"         /* R12: what %fs:0 must read; R13: rounds; */
    "1: mov %fs:0, %rax\n  cmp %rax, %r12\n  je 2f\n  lock incq ux_bad(%rip)\n"
    "2: test %r14, %r14\n  jz 3f\n"             /* R14 != 0: load a null %fs selector, */
    "  xor %eax, %eax\n  mov %eax, %fs\n"       /* which may clear the base on this CPU */
    "3: mov $24, %eax\n  syscall\n"              /* sched_yield: to the handler */
    "  dec %r13\n  jnz 1b\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_df_code:\n"             /* DF as the answer leaves it */
    "  std\n  mov $2, %eax\n  syscall\n"
    "  pushfq\n  pop %rax\n  mov %rax, ux_out+0(%rip)\n  cld\n"
    "  mov $3, %eax\n  syscall\n"
    "  pushfq\n  pop %rax\n  mov %rax, ux_out+8(%rip)\n  cld\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_io_code:\n"             /* with IOPL 3 these would just run */
    "  cli\n  inb $0x80, %al\n  sti\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_flags_code:\n"          /* RFLAGS before and after an answer that sets all bits */
    "  pushfq\n  pop %rax\n  mov %rax, ux_out+0(%rip)\n"
    "  mov $2, %eax\n  syscall\n"
    "  pushfq\n  pop %rax\n  mov %rax, ux_out+8(%rip)\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_count_code:\n"         /* R13 rounds: system call R12 (not 60), whose answer must be */
    "  mov ux_count(%rip), %rax\n  mov ux_bad(%rip), %rax\n"   /* (their pages first) */
    "1: mov %r12, %rax\n  syscall\n"           /* R12 + 1; RBX must stay 0xb0b */
    "  lea 1(%r12), %rcx\n  cmp %rcx, %rax\n  je 2f\n  lock incq ux_bad(%rip)\n"
    "2: cmp $0xb0b, %rbx\n  je 3f\n  lock incq ux_bad(%rip)\n"
    "3: inc %r12\n  incq ux_count(%rip)\n  dec %r13\n  jnz 1b\n"
    "  mov $60, %eax\n  syscall\n  ud2\n"

    "ux_moved_code:\n"         /* where ExchangeRegisters sends a thread that waits */
    "  mov %rax, ux_out+0(%rip)\n  mov %rcx, ux_out+8(%rip)\n  mov %r11, ux_out+16(%rip)\n"
    "  pushfq\n  pop %rax\n  mov %rax, ux_out+24(%rip)\n"
    "  mov $60, %eax\n  syscall\n  ud2\n");

/* A new Unix-ABI space with one thread, whose pager (and so handler) is
 * `handler`. Its first act is the start message. */
static L4_ThreadId_t ux_space_for(L4_ThreadId_t handler)
{
    L4_ThreadId_t id = tsup_new_id(), me = L4_MyGlobalId();
    L4_Word_t old;
    EXPECT(L4_ThreadControl(id, id, me, L4_nilthread, (void *)~0UL));
    EXPECT(L4_SpaceControl(id, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                           L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread, &old));
    EXPECT(L4_SetUnixAbi(id, 1));
    EXPECT(L4_ThreadControl(id, id, me, handler, (void *)TSUP_UTCB_AREA));
    return id;
}

/* The same with the calling thread as the handler. */
static L4_ThreadId_t ux_space(void)
{
    return ux_space_for(L4_MyGlobalId());
}

/* The last Unix message. */
static L4_Word_t msg[UNIX_MSG_WORDS + 1];

/* Send the answer in MR0..MRu (answer != 0), then wait for t's next Unix
 * message, answering its page faults from the image meanwhile. Returns
 * its MR19, NONE if none came (or something else). */
static L4_Word_t ux_exchange(L4_ThreadId_t t, int answer)
{
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = answer ? L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, UX_WAIT), &from)
                             : L4_Receive_Timeout(t, UX_WAIT);
    while (tsup_image_fault_reply(tag))
        tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, UX_WAIT), &from);
    if (L4_IpcFailed(tag) || tag.raw != UNIX_TAG)
        return NONE;
    for (unsigned i = 0; i <= UNIX_MSG_WORDS; i++)
        msg[i] = mr[i];
    return msg[UNIX_MR_WHY];
}

/* Answer with the last message changed by `set` (MR index -> value
 * pairs, ended by 0), all 21 words. */
static L4_Word_t ux_answer_all(L4_ThreadId_t t, const L4_Word_t *set)
{
    L4_Word_t *mr = __L4_Utcb();
    for (unsigned i = 1; i <= UNIX_MSG_WORDS; i++)
        mr[i] = msg[i];
    for (; set[0]; set += 2)
        mr[set[0]] = set[1];
    mr[0] = UNIX_MSG_WORDS;
    return ux_exchange(t, 1);
}

/* Start t at `code` on stack `s`, FS and GS bases as given. Returns the
 * next message's MR19. */
static L4_Word_t ux_start(L4_ThreadId_t t, const char *code, unsigned s, L4_Word_t fs,
                          L4_Word_t gs)
{
    if (ux_exchange(t, 0) != UNIX_START)
        return NONE;
    L4_Word_t set[] = { UNIX_MR_RIP, (L4_Word_t)code, UNIX_MR_RSP,
                        (L4_Word_t)&ux_stack[s][512], UNIX_MR_FS_BASE, fs,
                        UNIX_MR_GS_BASE, gs, 0 };
    return ux_answer_all(t, set);
}

/* Answer with u = 1: RAX. */
static L4_Word_t ux_answer_rax(L4_ThreadId_t t, L4_Word_t rax)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 1;
    mr[1] = rax;
    return ux_exchange(t, 1);
}

TEST(unix_abi, start_message_has_all_registers_zero)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_exchange(t, 0), UNIX_START);
    EXPECT_EQ(msg[0], UNIX_TAG);
    for (unsigned i = 1; i <= UNIX_MSG_WORDS; i++)
        if (i != UNIX_MR_RFLAGS && i != UNIX_MR_WHY)
            EXPECT_EQ(msg[i], 0);
    EXPECT(msg[UNIX_MR_RFLAGS] & 0x200);       /* IF */
    tsup_kill(t);
}

TEST(unix_abi, system_call_reaches_the_handler_with_every_register)
{
    L4_ThreadId_t t = ux_space();
    for (unsigned i = 0; i < 16; i++)
        ux_out[i] = 0;
    EXPECT_EQ(ux_start(t, ux_regs_code, 0, 0, 0), UNIX_SYSCALL);
    const L4_Word_t after = (L4_Word_t)ux_regs_after;
    EXPECT_EQ(msg[UNIX_MR_RAX], 0x11);
    EXPECT_EQ(msg[UNIX_MR_RBX], 0x22);
    EXPECT_EQ(msg[UNIX_MR_RCX], after);         /* the CPU's: the return address */
    EXPECT_EQ(msg[UNIX_MR_RDX], 0x44);
    EXPECT_EQ(msg[UNIX_MR_RSI], 0x55);
    EXPECT_EQ(msg[UNIX_MR_RDI], 0x66);
    EXPECT_EQ(msg[UNIX_MR_RBP], 0x77);
    EXPECT_EQ(msg[UNIX_MR_R8], 0x88);
    EXPECT_EQ(msg[UNIX_MR_R9], 0x99);
    EXPECT_EQ(msg[UNIX_MR_R10], 0xaa);
    EXPECT_EQ(msg[UNIX_MR_R11], msg[UNIX_MR_RFLAGS]);   /* the CPU's: RFLAGS */
    EXPECT_EQ(msg[UNIX_MR_R12], 0xcc);
    EXPECT_EQ(msg[UNIX_MR_R13], 0xdd);
    EXPECT_EQ(msg[UNIX_MR_R14], 0xee);
    EXPECT_EQ(msg[UNIX_MR_R15], 0xff);
    EXPECT_EQ(msg[UNIX_MR_RIP], after);
    EXPECT_EQ(msg[UNIX_MR_RSP], (L4_Word_t)&ux_stack[0][512]);
    /* u = 1 sets RAX, the result; the rest stays */
    EXPECT_EQ(ux_answer_rax(t, 0x1234), UNIX_SYSCALL);
    EXPECT_EQ(msg[UNIX_MR_RAX], 60);
    const L4_Word_t want[15] = { 0x1234, 0x22, after, 0x44, 0x55, 0x66, 0x77, 0x88,
                                 0x99, 0xaa, msg[UNIX_MR_RFLAGS], 0xcc, 0xdd, 0xee, 0xff };
    for (unsigned i = 0; i < 15; i++)
        EXPECT_EQ(ux_out[i], want[i]);
    tsup_kill(t);
}

TEST(unix_abi, answers_set_fs_and_gs_bases_and_rcx_r11)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_start(t, ux_bases_code, 0, (L4_Word_t)&fs_word[0], (L4_Word_t)&gs_word[0]),
              UNIX_SYSCALL);
    EXPECT_EQ(ux_out[0], fs_word[0]);
    EXPECT_EQ(ux_out[1], gs_word[0]);
    EXPECT_EQ(ux_out[2], 0);                    /* RCX and R11 as the start answer set them */
    EXPECT_EQ(ux_out[3], 0);
    EXPECT_EQ(msg[UNIX_MR_FS_BASE], (L4_Word_t)&fs_word[0]);
    EXPECT_EQ(msg[UNIX_MR_GS_BASE], (L4_Word_t)&gs_word[0]);
    /* a new FS base; RCX and R11 other than RIP and RFLAGS (not sysret's) */
    L4_Word_t set[] = { UNIX_MR_FS_BASE, (L4_Word_t)&fs_word[1], UNIX_MR_RCX, 0x4242,
                        UNIX_MR_R11, 0x4343, 0 };
    EXPECT_EQ(ux_answer_all(t, set), UNIX_SYSCALL);
    EXPECT_EQ(ux_out[4], fs_word[1]);
    EXPECT_EQ(ux_out[5], 0x4242);
    EXPECT_EQ(ux_out[6], 0x4343);
    tsup_kill(t);
}

TEST(unix_abi, exceptions_are_unix_messages_with_no_x2_meaning)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_start(t, ux_fault_code, 0, 0, 0), 6);      /* ud2: #UD at it */
    EXPECT_EQ(msg[UNIX_MR_RIP], (L4_Word_t)ux_fault_code);
    L4_Word_t skip[] = { UNIX_MR_RIP, (L4_Word_t)ux_fault_code + 2, 0 };
    EXPECT_EQ(ux_answer_all(t, skip), 3);                  /* int3: no debugger call */
    EXPECT_EQ(msg[UNIX_MR_RIP], (L4_Word_t)ux_after_int3);
    L4_Word_t on[] = { 0 };
    EXPECT_EQ(ux_answer_all(t, on), 6);                    /* lock nop: no KernelInterface */
    EXPECT_EQ(msg[UNIX_MR_RIP], (L4_Word_t)ux_after_int3);
    tsup_kill(t);
}

TEST(unix_abi, the_handler_interrupts_a_thread_that_makes_no_system_call)
{
    L4_ThreadId_t t = ux_space();
    ux_count = 0;
    EXPECT_EQ(ux_exchange(t, 0), UNIX_START);
    L4_Word_t set[] = { UNIX_MR_RIP, (L4_Word_t)ux_loop_code, UNIX_MR_RSP,
                        (L4_Word_t)&ux_stack[0][512], 0 };
    L4_Word_t *mr = __L4_Utcb();
    for (unsigned i = 1; i <= UNIX_MSG_WORDS; i++)
        mr[i] = msg[i];
    for (L4_Word_t *p = set; p[0]; p += 2)
        mr[p[0]] = p[1];
    mr[0] = UNIX_MSG_WORDS;
    EXPECT(L4_IpcSucceeded(L4_Send_Timeout(t, L4_ZeroTime)));
    for (int i = 0; i < 2000 && ux_count < 1000; i++) {    /* it runs in its loop */
        L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(1000));
        if (tsup_image_fault_reply(tag))
            L4_Reply(t);
    }
    EXPECT(ux_count >= 1000);
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pg;
    L4_ThreadId_t r = L4_ExchangeRegisters(t, UNIX_XR_INTERRUPT, 0, 0, 0, 0, L4_nilthread,
                                           &c, &sp, &ip, &fl, &h, &pg);
    EXPECT_EQ(r.raw, t.raw);                   /* its handler may, from another space */
    EXPECT_EQ(c & UNIX_XR_INTERRUPT, 0);       /* none was pending */
    EXPECT_EQ(ux_exchange(t, 0), UNIX_INTERRUPT);
    EXPECT(msg[UNIX_MR_RIP] >= (L4_Word_t)ux_loop_code && msg[UNIX_MR_RIP] < (L4_Word_t)ux_loop_exit);
    L4_Word_t out[] = { UNIX_MR_RIP, (L4_Word_t)ux_loop_exit, 0 };
    EXPECT_EQ(ux_answer_all(t, out), UNIX_SYSCALL);
    EXPECT_EQ(msg[UNIX_MR_RAX], 60);
    tsup_kill(t);
}

/* Two threads in two spaces with their own FS bases take turns with the
 * handler (the first also loads a null %fs selector each time, which may
 * clear its base on this CPU); a thread of the X.2 (the root task) reads
 * through %fs after the second. Each must see its own base every time. */
TEST(unix_abi, fs_bases_survive_switches_and_stay_apart)
{
    L4_ThreadId_t t[2] = { ux_space(), ux_space() };
    ux_bad = 0;
    for (unsigned k = 0; k < 2; k++) {
        EXPECT_EQ(ux_exchange(t[k], 0), UNIX_START);
        L4_Word_t set[] = { UNIX_MR_RIP, (L4_Word_t)ux_switch_code, UNIX_MR_RSP,
                            (L4_Word_t)&ux_stack[k][512], UNIX_MR_FS_BASE,
                            (L4_Word_t)&fs_word[k], UNIX_MR_R12, fs_word[k], UNIX_MR_R13, 50,
                            UNIX_MR_R14, k == 0, 0 };
        EXPECT_EQ(ux_answer_all(t[k], set), UNIX_SYSCALL);
    }
    unsigned native_bad = 0, rounds = 0;
    for (;; rounds++) {
        L4_Word_t x2_sees;
        __asm__ volatile("mov %%fs:(%1), %0" : "=r"(x2_sees) : "r"(&gs_word[1]));
        native_bad += x2_sees != gs_word[1];   /* an X.2 thread's FS base is 0 */
        L4_Word_t a = ux_answer_rax(t[0], 0), b = ux_answer_rax(t[1], 0);
        if (a != UNIX_SYSCALL || b != UNIX_SYSCALL || msg[UNIX_MR_RAX] == 60)
            break;
    }
    EXPECT_EQ(rounds, 49);
    EXPECT_EQ(ux_bad, 0);
    EXPECT_EQ(native_bad, 0);
    tsup_kill(t[0]);
    tsup_kill(t[1]);
}

/* ---- what an answer or another thread cannot do ------------------------- */

TEST(unix_abi, answers_change_only_the_user_flags)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_start(t, ux_flags_code, 0, 0, 0), UNIX_SYSCALL);
    L4_Word_t set[] = { UNIX_MR_RFLAGS, ~0UL, 0 };         /* IOPL, IF off, NT, TF, VM ... */
    EXPECT_EQ(ux_answer_all(t, set), UNIX_SYSCALL);
    EXPECT_EQ(ux_out[1] & ~UNIX_USER_FLAGS, ux_out[0] & ~UNIX_USER_FLAGS);
    EXPECT_EQ(ux_out[1] & UNIX_USER_FLAGS, UNIX_USER_FLAGS);
    tsup_kill(t);
}

TEST(unix_abi, noncanonical_rip_and_bases_in_an_answer_are_harmless)
{
    L4_Word_t set[] = { UNIX_MR_RIP, 0x800000000000UL, UNIX_MR_FS_BASE, 0x8000000000000000UL,
                        UNIX_MR_GS_BASE, 0x0000800000001000UL, 0 };
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_start(t, ux_bases_code, 0, (L4_Word_t)&fs_word[0], (L4_Word_t)&gs_word[0]),
              UNIX_SYSCALL);
    EXPECT_EQ(ux_answer_all(t, set), 13);      /* #GP at the RIP, in user mode */
    EXPECT_EQ(msg[UNIX_MR_RIP], 0x800000000000UL);
    EXPECT_EQ(msg[UNIX_MR_FS_BASE], (L4_Word_t)&fs_word[0]);   /* the old bases */
    EXPECT_EQ(msg[UNIX_MR_GS_BASE], (L4_Word_t)&gs_word[0]);
    L4_Word_t back[] = { UNIX_MR_RIP, (L4_Word_t)ux_bases_after, 0 };
    EXPECT_EQ(ux_answer_all(t, back), UNIX_SYSCALL);
    EXPECT_EQ(ux_out[4], fs_word[0]);
    tsup_kill(t);
}

/* DF is one of the user flags an answer sets (pecan/unix_abi.h): a
 * server must be able to clear it, as Linux does for a signal handler. */
TEST(unix_abi, answers_clear_and_set_df)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_start(t, ux_df_code, 0, 0, 0), UNIX_SYSCALL);
    EXPECT_EQ(msg[UNIX_MR_RFLAGS] & 0x400, 0x400);          /* std */
    L4_Word_t clear[] = { UNIX_MR_RFLAGS, msg[UNIX_MR_RFLAGS] & ~0x400UL, 0 };
    EXPECT_EQ(ux_answer_all(t, clear), UNIX_SYSCALL);
    EXPECT_EQ(ux_out[0] & 0x400, 0);
    L4_Word_t set[] = { UNIX_MR_RFLAGS, msg[UNIX_MR_RFLAGS] | 0x400, 0 };
    EXPECT_EQ(ux_answer_all(t, set), UNIX_SYSCALL);
    EXPECT_EQ(ux_out[1] & 0x400, 0x400);
    EXPECT_EQ(msg[UNIX_MR_RAX], 60);
    tsup_kill(t);
}

static volatile L4_Word_t other_result, other_error;
static void exchange_as_other(L4_Word_t target)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pg;
    other_result = L4_ExchangeRegisters((L4_ThreadId_t){ .raw = target },
                                        UNIX_XR_INTERRUPT | 0x100 | 1, 0, 0, 0, 0,
                                        L4_nilthread, &c, &sp, &ip, &fl, &h, &pg).raw;
    other_error = L4_ErrorCode();
}

TEST(unix_abi, only_the_handler_exchanges_registers_across_spaces)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_exchange(t, 0), UNIX_START);
    other_result = 1;
    L4_ThreadId_t o = tsup_thread(exchange_as_other, t.raw);   /* our space, not the handler */
    EXPECT(tsup_join(o, 2000));
    tsup_kill(o);
    EXPECT_EQ(other_result, 0);
    EXPECT_EQ(other_error, 2);
    tsup_kill(t);
}

TEST(unix_abi, the_abi_of_a_space_with_an_active_thread_stays)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(L4_SetUnixAbi(t, 0), 0);
    EXPECT_EQ(L4_ErrorCode(), 3);
    L4_ThreadId_t x = tsup_space(tsup_fn_sleeper, 0);       /* an X.2 space */
    EXPECT_EQ(L4_SetUnixAbi(x, 1), 0);
    EXPECT_EQ(L4_ErrorCode(), 3);
    /* nor does an active thread move between the ABIs */
    EXPECT_EQ(L4_ThreadControl(x, t, L4_nilthread, L4_nilthread, (void *)~0UL), 0);
    EXPECT_EQ(L4_ErrorCode(), 3);
    tsup_kill(x);
    tsup_kill(t);
}

/* Linux programs see Linux's machine, also under the kernel option
 * ioports=all (which gives X.2 threads IOPL 3: the harness runs this
 * group with it too): no IOPL, so cli, in and sti are exceptions, each
 * a message (#GP), never executed. */
TEST(unix_abi, io_instructions_and_cli_are_exceptions_even_with_ioports_all)
{
    L4_ThreadId_t t = ux_space();
    EXPECT_EQ(ux_exchange(t, 0), UNIX_START);
    EXPECT_EQ(msg[UNIX_MR_RFLAGS] & 0x3000, 0);             /* IOPL 0 */
    L4_Word_t set[] = { UNIX_MR_RIP, (L4_Word_t)ux_io_code, UNIX_MR_RSP,
                        (L4_Word_t)&ux_stack[0][512], 0 };
    EXPECT_EQ(ux_answer_all(t, set), 13);                  /* cli */
    EXPECT_EQ(msg[UNIX_MR_RIP], (L4_Word_t)ux_io_code);
    EXPECT_EQ(msg[UNIX_MR_RFLAGS] & 0x3200, 0x200);         /* IOPL 0, IF still on */
    L4_Word_t in[] = { UNIX_MR_RIP, (L4_Word_t)ux_io_code + 1, 0 };
    EXPECT_EQ(ux_answer_all(t, in), 13);                   /* in */
    EXPECT_EQ(msg[UNIX_MR_RIP], (L4_Word_t)ux_io_code + 1);
    L4_Word_t sti[] = { UNIX_MR_RIP, (L4_Word_t)ux_io_code + 3, 0 };
    EXPECT_EQ(ux_answer_all(t, sti), 13);                  /* sti */
    L4_Word_t out[] = { UNIX_MR_RIP, (L4_Word_t)ux_io_code + 4, 0 };
    EXPECT_EQ(ux_answer_all(t, out), UNIX_SYSCALL);
    EXPECT_EQ(msg[UNIX_MR_RAX], 60);
    tsup_kill(t);
}

/* ---- the fast path (unix_fastpath.S) ------------------------------------ */

/* A handler that waits for its thread's messages without a timeout, so
 * that the fast path finds it waiting, and answers as a script says. It
 * runs in a thread of its own, which the test joins (with a limit: a lost
 * message fails the test). It passes MR0..MR7 in registers (fh_ipc), as
 * pingpong does: a Unix message that leaves its UTCB's MR0 other than the
 * Unix tag came by the fast path, which writes MR8..MR21 only (the general
 * path delivers through the UTCB, MR0 too). The whole suite also runs
 * with "nofastpath". */
#define FH_MARK  0xFA57FA57UL
#define FH_MSGS  8
#define FH_WAIT  (~0UL)         /* script: no answer, wait for the next message */
#define FH_STOP  (~1UL)         /* script: no answer, stop */
#define FH_PAUSE (1UL << 63)    /* script: tag | FH_PAUSE: send only, wait for fh.go */

/* The answer to the n-th Unix message (0: the start) in m (MR0..MR21):
 * its tag, the words set in m; or FH_WAIT, FH_STOP. */
typedef L4_Word_t (*fh_script_t)(unsigned n, L4_Word_t *m);

static struct {
    fh_script_t script;
    L4_ThreadId_t ux, handler;
    volatile unsigned n, fast;          /* Unix messages, those by the fast path */
    volatile L4_Word_t fast_mask;       /* which of the first 64 came by it */
    volatile L4_Word_t bad;             /* a message it did not expect */
    volatile int paused, go;
    volatile L4_Word_t fault_pages[8];  /* the first page faults */
    volatile unsigned faults;
    L4_Word_t msg[FH_MSGS][UNIX_MSG_WORDS + 1];     /* the first ones */
} fh;

static int general_path_run(void)
{
    return strstr(test_cmdline(), "nofastpath") != NULL;
}

/* Ipc to `to` (nil: none) and from `from_spec`, never timing out, with
 * MR0..MR7 in R9, RAX, RBX, R10, R12-R15 both ways (m[0..7]). */
static L4_Word_t fh_ipc(L4_Word_t to, L4_Word_t from_spec, L4_Word_t *m, L4_Word_t *from)
{
    register L4_Word_t r9 __asm__("r9") = m[0], r8 __asm__("r8") = 0;
    register L4_Word_t r10 __asm__("r10") = m[3], r12 __asm__("r12") = m[4];
    register L4_Word_t r13 __asm__("r13") = m[5], r14 __asm__("r14") = m[6];
    register L4_Word_t r15 __asm__("r15") = m[7];
    L4_Word_t rax = m[1], rbx = m[2], rsi = to, rdx = from_spec, rdi = (L4_Word_t)__L4_Utcb();
    __asm__ volatile("push %%rbp\n\tcall *%[stub]\n\tpop %%rbp"
                     : "+r"(r9), "+r"(r8), "+r"(r10), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15),
                       "+a"(rax), "+b"(rbx), "+S"(rsi), "+d"(rdx), "+D"(rdi)
                     : [stub] "m"(__L4_Ipc)
                     : "rcx", "r11", "memory");
    m[0] = r9, m[1] = rax, m[2] = rbx, m[3] = r10, m[4] = r12, m[5] = r13, m[6] = r14, m[7] = r15;
    *from = rsi;
    return r9;
}

static void fh_handler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *utcb = __L4_Utcb(), m[UNIX_MSG_WORDS + 1], from;
    L4_ThreadId_t f;
    L4_Word_t in = L4_Wait(&f).raw;                 /* the start message */
    for (unsigned i = 0; i <= UNIX_MSG_WORDS; i++)
        m[i] = utcb[i];
    from = f.raw;
    int fast = 0;
    for (;;) {
        L4_Word_t to = from, out;
        if (from != fh.ux.raw) {
            fh.bad = in ? in : 1;
            return;
        }
        if (in == UNIX_TAG) {
            unsigned n = fh.n;
            for (unsigned i = 8; i <= UNIX_MSG_WORDS; i++)
                m[i] = utcb[i];
            if (n < FH_MSGS)
                memcpy(fh.msg[n], m, sizeof m);
            if (fast) {
                fh.fast++;
                if (n < 64)
                    fh.fast_mask |= 1UL << n;
            }
            fh.n = n + 1;
            out = fh.script(n, m);
            if (out == FH_STOP)
                return;
            if (out == FH_WAIT)
                to = 0;
        } else {                                    /* a page fault in the image */
            if (fh.faults < 8)
                fh.fault_pages[fh.faults] = m[1] & ~0xFFFUL;
            fh.faults++;
            utcb[1] = m[1];
            utcb[2] = m[2];
            if (!tsup_image_fault_reply((L4_MsgTag_t){ .raw = in })) {
                fh.bad = in;
                return;
            }
            for (unsigned i = 0; i <= 2; i++)
                m[i] = utcb[i];
            out = m[0];
        }
        for (unsigned i = 8; i <= UNIX_MSG_WORDS; i++)
            utcb[i] = m[i];
        m[0] = out == FH_WAIT ? 0 : out & ~FH_PAUSE;
        if (out != FH_WAIT && (out & FH_PAUSE)) {
            fh_ipc(to, 0, m, &from);                /* send only, then wait for fh.go */
            fh.paused = 1;
            while (!fh.go)
                tsup_sleep_ms(1);
            to = 0;
            m[0] = 0;
        }
        utcb[0] = FH_MARK;
        in = fh_ipc(to, ~0UL, m, &from);
        fast = utcb[0] != UNIX_TAG;
    }
}

/* Start a Unix-ABI thread served by fh_handler with `script`. */
static void fh_begin(fh_script_t script)
{
    memset(&fh, 0, sizeof fh);
    fh.script = script;
    fh.handler = tsup_thread(fh_handler, 0);
    fh.ux = ux_space_for(fh.handler);
}

/* Wait until the handler stops; then both go. False if it did not. */
static int fh_end(void)
{
    int stopped = tsup_join(fh.handler, 30000);
    tsup_kill(fh.ux);
    tsup_kill(fh.handler);
    return stopped && !fh.bad;
}

/* The start answer: RIP = code, RSP = top of ux_stack[0], the registers
 * given as (MR index, value) pairs, ended by 0. */
static L4_Word_t fh_start(L4_Word_t *m, const char *code, const L4_Word_t *set)
{
    m[UNIX_MR_RIP] = (L4_Word_t)code;
    m[UNIX_MR_RSP] = (L4_Word_t)&ux_stack[0][512];
    for (; set && set[0]; set += 2)
        m[set[0]] = set[1];
    return UNIX_MSG_WORDS;
}

/* Was message n delivered by the path this run claims? */
static int fh_path_ok(unsigned n, int fast)
{
    int came_fast = (fh.fast_mask >> n) & 1;
    return general_path_run() ? !came_fast : came_fast == fast;
}

static L4_Word_t script_regs(unsigned n, L4_Word_t *m)
{
    if (n == 0)
        return fh_start(m, ux_regs_code, NULL);
    if (n == 1) {
        m[UNIX_MR_RAX] = 0x1234;
        return 1;                                   /* u = 1: RAX */
    }
    return FH_STOP;                                 /* exit */
}

TEST(unix_abi, fast_path_brings_the_message_and_a_u1_answer)
{
    for (unsigned i = 0; i < 16; i++)
        ux_out[i] = 0;
    fh_begin(script_regs);
    EXPECT(fh_end());
    EXPECT_EQ(fh.n, 3);
    const L4_Word_t after = (L4_Word_t)ux_regs_after, *m = fh.msg[1];
    const L4_Word_t want_msg[UNIX_MSG_WORDS + 1] = {
        UNIX_TAG, 0x11, 0x22, 0xaa, 0xcc, 0xdd, 0xee, 0xff, after, after, 0x44, 0x55, 0x66,
        0x77, 0x88, 0x99, m[UNIX_MR_RFLAGS], (L4_Word_t)&ux_stack[0][512], m[UNIX_MR_RFLAGS],
        UNIX_SYSCALL, 0, 0 };
    for (unsigned i = 0; i <= UNIX_MSG_WORDS; i++)
        EXPECT_EQ(m[i], want_msg[i]);
    EXPECT(m[UNIX_MR_RFLAGS] & 0x200);
    const L4_Word_t want[15] = { 0x1234, 0x22, after, 0x44, 0x55, 0x66, 0x77, 0x88,
                                 0x99, 0xaa, m[UNIX_MR_RFLAGS], 0xcc, 0xdd, 0xee, 0xff };
    for (unsigned i = 0; i < 15; i++)
        EXPECT_EQ(ux_out[i], want[i]);
    EXPECT_EQ(fh.msg[2][UNIX_MR_RAX], 60);
    EXPECT(fh_path_ok(1, 1));
    EXPECT(fh_path_ok(2, 1));
}

/* Many rounds, answered with u = 1 (the fast path's answer), u = 2 and
 * u = 21 (the general path's, to a thread the fast path blocked) in turn. */
#define ROUNDS 3000
static L4_Word_t script_count(unsigned n, L4_Word_t *m)
{
    if (n == 0) {
        const L4_Word_t set[] = { UNIX_MR_R12, 1000, UNIX_MR_R13, ROUNDS, UNIX_MR_RBX, 0xb0b, 0 };
        return fh_start(m, ux_count_code, set);
    }
    if (m[UNIX_MR_RAX] == 60)
        return FH_STOP;
    m[UNIX_MR_RAX]++;
    return n % 3 == 0 ? UNIX_MSG_WORDS : n % 3 == 1 ? 1 : 2;
}

static void count_rounds(int handler_priority)
{
    ux_count = ux_bad = 0;
    fh_begin(script_count);
    if (handler_priority)
        EXPECT(L4_Set_Priority(fh.handler, handler_priority));
    EXPECT(fh_end());
    EXPECT_EQ(ux_count, ROUNDS);
    EXPECT_EQ(ux_bad, 0);
    EXPECT_EQ(fh.n, ROUNDS + 2);
    if (general_path_run())
        EXPECT_EQ(fh.fast, 0);
    else
        EXPECT_EQ(fh.fast, ROUNDS + 1);             /* every system call */
}

TEST(unix_abi, fast_path_many_rounds_with_every_kind_of_answer)
{
    count_rounds(0);
}

/* The handler above its thread: the answer takes the general path, the
 * thread resumes from the scheduler's switch (not the direct one). */
TEST(unix_abi, fast_path_rounds_with_a_handler_of_higher_priority)
{
    count_rounds(150);
}

/* ExchangeRegisters moves a thread that waits for its answer and sets a
 * flag: it resumes there, with RCX and R11 as its syscall left them
 * (so not by sysret), and the answer's RAX. */
static volatile L4_Word_t moved_from;
static L4_Word_t script_move(unsigned n, L4_Word_t *m)
{
    if (n == 0)
        return fh_start(m, ux_regs_code, NULL);
    if (n == 1) {
        L4_Word_t c, sp, ip, fl, h;
        L4_ThreadId_t pg;
        L4_ExchangeRegisters(fh.ux, (1 << 4) | (1 << 5), 0, (L4_Word_t)ux_moved_code,
                             m[UNIX_MR_RFLAGS] | 1, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pg);
        moved_from = ip;
        m[UNIX_MR_RAX] = 0x5678;
        return 1;
    }
    return FH_STOP;
}

TEST(unix_abi, a_thread_moved_while_it_waits_returns_where_it_was_moved)
{
    for (unsigned i = 0; i < 16; i++)
        ux_out[i] = 0;
    fh_begin(script_move);
    EXPECT(fh_end());
    EXPECT_EQ(fh.n, 3);
    EXPECT_EQ(moved_from, (L4_Word_t)ux_regs_after);
    EXPECT_EQ(ux_out[0], 0x5678);                  /* RAX: the answer */
    EXPECT_EQ(ux_out[1], (L4_Word_t)ux_regs_after); /* RCX, R11: the syscall's */
    EXPECT_EQ(ux_out[2], fh.msg[1][UNIX_MR_RFLAGS]);
    EXPECT_EQ(ux_out[3] & 1, 1);                   /* CF: ExchangeRegisters' flags */
    EXPECT(fh_path_ok(1, 1));
}

/* A non-canonical RIP after a fast wait, from an answer (RCX equal, so
 * sysret's registers) or from ExchangeRegisters before a u = 1 answer:
 * a #GP in user mode either way, as a message. */
#define NONCANONICAL 0x800000000000UL
static L4_Word_t script_noncanonical(unsigned n, L4_Word_t *m)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pg;
    switch (n) {
    case 0:
        return fh_start(m, ux_regs_code, NULL);
    case 1:                                         /* the system call */
        m[UNIX_MR_RIP] = m[UNIX_MR_RCX] = NONCANONICAL;
        return UNIX_MSG_WORDS;
    case 2:                                         /* the #GP: once more */
        m[UNIX_MR_RIP] = (L4_Word_t)ux_regs_code;
        return UNIX_MSG_WORDS;
    case 3:                                         /* the system call again */
        L4_ExchangeRegisters(fh.ux, 1 << 4, 0, NONCANONICAL, 0, 0, L4_nilthread, &c, &sp, &ip,
                             &fl, &h, &pg);
        m[UNIX_MR_RAX] = 0x99;
        return 1;
    case 4:                                         /* the #GP: go on after the syscall */
        m[UNIX_MR_RIP] = (L4_Word_t)ux_regs_after;
        return UNIX_MSG_WORDS;
    default:
        return FH_STOP;
    }
}

TEST(unix_abi, a_noncanonical_rip_after_a_fast_wait_is_a_user_gp)
{
    fh_begin(script_noncanonical);
    EXPECT(fh_end());
    EXPECT_EQ(fh.n, 6);
    EXPECT_EQ(fh.msg[2][UNIX_MR_WHY], 13);
    EXPECT_EQ(fh.msg[2][UNIX_MR_RIP], NONCANONICAL);
    EXPECT_EQ(fh.msg[4][UNIX_MR_WHY], 13);
    EXPECT_EQ(fh.msg[4][UNIX_MR_RIP], NONCANONICAL);
    EXPECT_EQ(fh.msg[4][UNIX_MR_RAX], 0x99);       /* the answer was applied */
    EXPECT_EQ(fh.msg[5][UNIX_MR_RAX], 60);
    EXPECT(fh_path_ok(1, 1));
    EXPECT(fh_path_ok(3, 1));
}

/* Interrupted (K) while it waits: the answer first, then the interrupt
 * message, before the thread runs on (to its next system call). */
static L4_Word_t script_interrupt(unsigned n, L4_Word_t *m)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pg;
    switch (n) {
    case 0: {
        const L4_Word_t set[] = { UNIX_MR_R12, 1000, UNIX_MR_R13, 2, UNIX_MR_RBX, 0xb0b, 0 };
        return fh_start(m, ux_count_code, set);
    }
    case 1:
        L4_ExchangeRegisters(fh.ux, UNIX_XR_INTERRUPT, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip,
                             &fl, &h, &pg);
        m[UNIX_MR_RAX]++;
        return 1;
    case 2:
        return 0;                                   /* u = 0: it goes on as it is */
    case 3:
        m[UNIX_MR_RAX]++;
        return 1;
    default:
        return FH_STOP;
    }
}

TEST(unix_abi, an_interrupt_due_during_a_fast_wait_follows_the_answer)
{
    ux_count = ux_bad = 0;
    fh_begin(script_interrupt);
    EXPECT(fh_end());
    EXPECT_EQ(fh.n, 5);
    EXPECT_EQ(fh.msg[1][UNIX_MR_RAX], 1000);
    EXPECT_EQ(fh.msg[2][UNIX_MR_WHY], UNIX_INTERRUPT);
    EXPECT_EQ(fh.msg[2][UNIX_MR_RAX], 1001);
    EXPECT_EQ(fh.msg[2][UNIX_MR_RIP], fh.msg[1][UNIX_MR_RIP]);     /* after the syscall */
    EXPECT_EQ(fh.msg[3][UNIX_MR_WHY], UNIX_SYSCALL);
    EXPECT_EQ(fh.msg[3][UNIX_MR_RAX], 1001);
    EXPECT_EQ(ux_count, 2);
    EXPECT_EQ(ux_bad, 0);
    EXPECT(fh_path_ok(1, 1));
}

/* The handler cancels the wait (ExchangeRegisters r): the message comes
 * again, the same. */
static L4_Word_t script_cancel(unsigned n, L4_Word_t *m)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pg;
    switch (n) {
    case 0:
        return fh_start(m, ux_regs_code, NULL);
    case 1:
        L4_ExchangeRegisters(fh.ux, 1 << 1, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pg);
        return FH_WAIT;
    case 2:
        m[UNIX_MR_RAX] = 0x42;
        return 1;
    default:
        return FH_STOP;
    }
}

TEST(unix_abi, a_cancelled_fast_wait_sends_the_message_again)
{
    ux_out[0] = 0;
    fh_begin(script_cancel);
    EXPECT(fh_end());
    EXPECT_EQ(fh.n, 4);
    for (unsigned i = 0; i <= UNIX_MSG_WORDS; i++)
        EXPECT_EQ(fh.msg[2][i], fh.msg[1][i]);
    EXPECT_EQ(fh.msg[1][UNIX_MR_WHY], UNIX_SYSCALL);
    EXPECT_EQ(ux_out[0], 0x42);
    EXPECT(fh_path_ok(1, 1));
    EXPECT(fh_path_ok(2, 0));                       /* sent again by the general path */
}

/* The handler does not wait when the system call comes: the general
 * path, and the fast path again once it waits. */
static L4_Word_t script_pause(unsigned n, L4_Word_t *m)
{
    if (n == 0) {
        const L4_Word_t set[] = { UNIX_MR_R12, 1000, UNIX_MR_R13, 3, UNIX_MR_RBX, 0xb0b, 0 };
        return fh_start(m, ux_count_code, set);
    }
    if (m[UNIX_MR_RAX] == 60)
        return FH_STOP;
    m[UNIX_MR_RAX]++;
    return n == 1 ? 1 | FH_PAUSE : 1;
}

TEST(unix_abi, a_handler_not_waiting_gets_the_message_by_the_general_path)
{
    ux_count = ux_bad = 0;
    fh_begin(script_pause);
    for (int i = 0; i < 5000 && !fh.paused; i++)
        tsup_sleep_ms(1);
    EXPECT(fh.paused);
    EXPECT(tsup_wait_blocked(fh.ux));               /* in its next system call */
    fh.go = 1;
    EXPECT(fh_end());
    EXPECT_EQ(ux_count, 3);
    EXPECT_EQ(ux_bad, 0);
    EXPECT_EQ(fh.n, 5);
    EXPECT(fh_path_ok(1, 1));
    EXPECT(fh_path_ok(2, 0));
    EXPECT(fh_path_ok(3, 1));
}

/* An answer with a map item (the kernel call accepts mappings anywhere,
 * fast or not): the page it maps takes no page fault. */
static L4_Word_t script_map(unsigned n, L4_Word_t *m)
{
    if (n == 0)
        return fh_start(m, ux_regs_code, NULL);
    if (n == 1) {
        L4_Word_t page = (L4_Word_t)ux_out & ~0xFFFUL;
        L4_MapItem_t item = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12),
                                                         L4_FullyAccessible), page);
        m[UNIX_MR_RAX] = 0x4321;
        m[2] = item.raw[0];
        m[3] = item.raw[1];
        return 2 << 6 | 1;                          /* u = 1, t = 2 */
    }
    return FH_STOP;
}

TEST(unix_abi, an_answer_after_a_fast_wait_may_map)
{
    ux_out[0] = 0;
    fh_begin(script_map);
    EXPECT(fh_end());
    EXPECT_EQ(fh.n, 3);
    EXPECT_EQ(ux_out[0], 0x4321);
    EXPECT_EQ(fh.msg[2][UNIX_MR_RBX], 0x22);       /* u = 1: RBX is not MR2 */
    for (unsigned i = 0; i < fh.faults && i < 8; i++)
        EXPECT(fh.fault_pages[i] != ((L4_Word_t)ux_out & ~0xFFFUL));
    EXPECT(fh_path_ok(1, 1));
}
