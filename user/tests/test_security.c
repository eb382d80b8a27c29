/* The security group: one test for each way an unprivileged task once
 * took over, crashed or froze the kernel (issue "No user task can take
 * over, crash or freeze the kernel", docs/security.md), each run by a
 * thread of a new, unprivileged space. */
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* ---- catching the attacker's exceptions ----------------------------------
 * The attacking thread's exception handler records each exception and
 * sends the thread on at a resume point the thread set before its attack
 * (RIP and RSP in resume_at), so one thread can try one thing after another. */
static struct {
    volatile L4_Word_t count, vector, rip;
} caught;
static volatile L4_Word_t resume_at[2];     /* RIP, RSP */

static void catcher(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcSucceeded(tag) && L4_Label(tag) == 0xFFFFFFFFFFB0UL) {
            caught.vector = mr[19];
            caught.rip = mr[1];
            caught.count++;
            mr[1] = resume_at[0];
            mr[17] = resume_at[1];
            mr[0] = 17;                 /* u = 17: MR1 (RIP) .. MR17 (RSP) apply */
        } else {
            mr[0] = 0;
        }
        tag = L4_ReplyWait(from, &from);
    }
}

/* Set the resume point to the label `label` with the current RSP. */
#define RESUME_AT(label)                                             \
    "lea " label "(%%rip), %%rax\n\t"                                \
    "mov %%rax, resume_at(%%rip)\n\t"                                \
    "mov %%rsp, resume_at+8(%%rip)\n\t"

static volatile int attack_done;

/* Run `attack` in a thread of a new space whose exception handler is the
 * catcher; true if it finished. */
static int run_attack(tsup_fn_t attack)
{
    caught.count = caught.vector = caught.rip = 0;
    attack_done = 0;
    L4_ThreadId_t h = tsup_thread(catcher, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t t = tsup_space(attack, h.raw);
    for (int i = 0; i < 3000 && !attack_done; i++)
        tsup_sleep_ms(1);
    int done = attack_done;
    tsup_kill(t);
    tsup_kill(h);
    return done;
}

/* ---- compatibility mode ---------------------------------------------------
 * A far return into selector 0x1B (once a 32-bit user code segment) and a
 * `syscall` there: with CSTAR = 0 the CPU jumped to address 0 in ring 0.
 * Now the selector names an empty GDT slot: the far return raises #GP in
 * user mode, an exception message for the thread. */
extern const char compat_lretq[];

static void compat_syscall(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    __asm__ volatile(RESUME_AT("1f")
                     "pushq $0x1b\n\t"
                     "lea 2f(%%rip), %%rax\n\t"
                     "push %%rax\n"
                     "compat_lretq:\n\t"
                     "lretq\n"
                     "2:\tsyscall\n"
                     "1:"
                     : : : "rax", "rcx", "r11", "memory");
    attack_done = 1;
}

TEST(security, compat_mode_syscall_is_an_exception_of_the_thread)
{
    EXPECT(run_attack(compat_syscall));
    EXPECT_EQ(caught.count, 1);
    EXPECT_EQ(caught.vector, 13);               /* #GP on the far return */
    EXPECT_EQ(caught.rip, (L4_Word_t)compat_lretq);
}
