/* Unix-ABI spaces (docs/unix.md, pecan/unix_abi.h): a thread of such a
 * space meets its exception handler - here the test's root thread, also
 * its pager - with one message for its start, its system calls, its
 * exceptions and its interrupts, and runs with the registers and FS/GS
 * bases of the answer. The threads run small assembly routines of the
 * test image (ux_* below), which the handler maps like tsupport's pager;
 * they report through ux_out, shared with the root task. */
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <pecan/unix_abi.h>
#include "testlib.h"
#include "tsupport.h"

#define UX_WAIT L4_TimePeriod(2000000)      /* a lost message fails the test */
#define NONE    (~0UL)

extern char ux_regs_code[], ux_regs_after[], ux_bases_code[], ux_bases_after[],
    ux_loop_code[], ux_loop_exit[], ux_fault_code[], ux_after_int3[], ux_switch_code[],
    ux_flags_code[], ux_io_code[], ux_df_code[];
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
    "  mov $60, %eax\n  syscall\n  ud2\n");

/* A new Unix-ABI space with one thread, whose pager (and so handler) is
 * the calling thread. Its first act is the start message. */
static L4_ThreadId_t ux_space(void)
{
    L4_ThreadId_t id = tsup_new_id(), me = L4_MyGlobalId();
    L4_Word_t old;
    EXPECT(L4_ThreadControl(id, id, me, L4_nilthread, (void *)~0UL));
    EXPECT(L4_SpaceControl(id, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                           L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread, &old));
    EXPECT(L4_SetUnixAbi(id, 1));
    EXPECT(L4_ThreadControl(id, id, me, me, (void *)TSUP_UTCB_AREA));
    return id;
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
