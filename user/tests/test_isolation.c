/* What a hostile thread can do with the CPU in user mode, and what the
 * kernel must keep from spreading: no instruction a thread executes may
 * crash the kernel or change what other threads see. */
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* ---- the GS base --------------------------------------------------------
 * %gs:0 is every thread's local id (the ABI's way to its UTCB). A thread
 * may load %gs with a selector, which (on Intel CPUs) also sets the GS base
 * to 0 or to the descriptor's base: its own %gs:0 is then gone, but the
 * next thread to run must still find its own. */
static volatile int clobbered;

static void clobber_gs(L4_Word_t unused)
{
    (void)unused;
    __asm__ volatile("xor %%eax, %%eax\n\tmov %%eax, %%gs" : : : "rax");
    clobbered = 1;
    __asm__ volatile("1: pause\n\tjmp 1b");     /* runs on; preempted by the timer */
}

static void clobber_gs_and_call(L4_Word_t unused)
{
    (void)unused;
    __asm__ volatile("mov $0x1b, %%eax\n\tmov %%eax, %%gs" : : : "rax");
    clobbered = 1;
    for (;;)                                    /* enters the kernel again and again */
        __asm__ volatile("push %%rbp\n\tsyscall\n\tpop %%rbp"
                         : : : "rax", "rcx", "rdx", "r11", "memory");
}

static L4_Word_t my_gs0(void)
{
    L4_Word_t v;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(v));
    return v;
}

static void gs_survives(tsup_fn_t fn)
{
    clobbered = 0;
    L4_Word_t before = my_gs0();
    L4_ThreadId_t t = tsup_space(fn, 0);
    for (int i = 0; i < 1000 && !clobbered; i++)
        tsup_sleep_ms(1);
    tsup_sleep_ms(20);                  /* switches back and forth, ticks */
    L4_Word_t after = my_gs0();
    tsup_kill(t);
    EXPECT_EQ(clobbered, 1);
    EXPECT_EQ(after, before);
    EXPECT_EQ(after, L4_MyLocalId().raw);
}

TEST(isolation, a_thread_clearing_its_gs_base_harms_no_other)
{
    gs_survives(clobber_gs);
}

TEST(isolation, a_thread_loading_gs_and_entering_the_kernel_harms_no_other)
{
    gs_survives(clobber_gs_and_call);
}
