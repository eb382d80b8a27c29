/* Reproducers for kernel bugs found by the hostile fuzzer (test_hostile*.c):
 * one test per finding, each failing (or panicking the kernel) until the
 * bug is fixed. */
#include <l4/ipc.h>
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
