/* The IPC fast path (fastpath.S) and the general path must be
 * indistinguishable except for speed. The whole suite runs twice: once as
 * the kernel boots (fast path on) and once with "nofastpath" on the kernel
 * and test command lines (tools/harness.py). These tests check that each
 * run really took the path it claims, by a side effect and not by timing:
 * the general path stores MR0..MR7 from the registers into the caller's
 * UTCB and delivers the reply through it; the fast path leaves the caller's
 * UTCB alone and delivers the reply in registers. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/syscalls.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define UTCB_MARK  0x5107UL     /* what our UTCB's MR1 holds before the call */
#define SENT_MR1   0xFA57UL     /* MR1 in RAX for the call */
#define REPLY_MR1  0x4E47UL     /* the server's MR1 */

static int general_path_run(void)
{
    return strstr(test_cmdline(), "nofastpath") != NULL;
}

static void reply_server(L4_Word_t rounds)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (L4_Word_t i = 0; i < rounds; i++) {
        (void)tag;
        __L4_Utcb()[0] = 1;                     /* u = 1 */
        __L4_Utcb()[1] = REPLY_MR1 + i;
        tag = L4_ReplyWait(from, &from);
    }
}

/* A Call with u = 1 and MR1 = SENT_MR1 in RAX, not in the UTCB. */
static L4_Word_t raw_call(L4_ThreadId_t to, L4_Word_t *mr1)
{
    register L4_Word_t r9 __asm__("r9") = 1;
    register L4_Word_t r8 __asm__("r8") = 0;
    L4_Word_t rsi = to.raw, rdx = to.raw, rdi = (L4_Word_t)__L4_Utcb(), rax = SENT_MR1;
    __asm__ volatile("push %%rbp\n\tcall *%[stub]\n\tpop %%rbp"
                     : "+r"(r9), "+r"(r8), "+S"(rsi), "+d"(rdx), "+D"(rdi), "+a"(rax)
                     : [stub] "m"(__L4_Ipc)
                     : "rbx", "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    *mr1 = rax;
    return r9;
}

TEST(fastpath, each_run_takes_its_path)
{
    L4_ThreadId_t srv = tsup_space(reply_server, 3);
    L4_Set_Priority(srv, 255);
    tsup_sleep_ms(5);                           /* it waits for us now */
    L4_Word_t tags[3], regs[3], in_utcb[3];
    for (int i = 0; i < 3; i++) {
        __L4_Utcb()[1] = UTCB_MARK;
        tags[i] = raw_call(srv, &regs[i]);
        in_utcb[i] = __L4_Utcb()[1];
    }
    tsup_kill(srv);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(tags[i] & 0x803F, 1);          /* no error, u = 1 */
        EXPECT_EQ(regs[i], REPLY_MR1 + i);       /* the reply in RAX either way */
    }
    /* The first call may meet the server not yet ready; the later ones
     * find it waiting, as the fast path needs. */
    if (general_path_run())
        EXPECT_EQ(in_utcb[2], REPLY_MR1 + 2);    /* the reply went through the UTCB */
    else
        EXPECT_EQ(in_utcb[2], UTCB_MARK);        /* registers only */
}
