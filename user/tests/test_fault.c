/* Faults with nobody to handle them: with the Pager TCR set to nil, or
 * with no exception handler, the kernel stops the thread with a message
 * and runs on. The harness boots each of these alone and checks the
 * kernel's report and that the kernel debugger still answers afterwards. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

FATAL_TEST(fault, page_fault_stops_thread,
           "page fault at 0000000040000000 (read)")
{
    __L4_Utcb()[__L4_TCR_PAGER] = 0;                 /* no pager */
    volatile uint64_t *p = (uint64_t *)0x40000000;   /* never mapped */
    (void)*p;
}

FATAL_TEST(fault, invalid_opcode_stops_thread, "#UD invalid opcode (vector 6")
{
    __asm__ volatile("ud2");
}

/* The pager is deleted while it holds this thread's fault unanswered:
 * the thread, waiting for the answer (listed with its pager, as every
 * closed receive is: ipc.c kernel_call_short), learns at once that its
 * pager is gone, and the kernel stops it with its report. */
static volatile int holder_ready, fault_held;
static L4_ThreadId_t holder;

static void holding_pager(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_Wait_Timeout(L4_ZeroTime, &from);    /* (its pages in: no fault of its own */
    holder_ready = 1;                       /* keeps it from its receive below) */
    L4_MsgTag_t tag = L4_Wait(&from);
    while (tsup_image_fault_reply(tag))
        tag = L4_ReplyWait(from, &from);
    fault_held = 1;                         /* and never answer */
    L4_Sleep(L4_Never);
}

static void pager_deleter(L4_Word_t unused)
{
    (void)unused;
    if (tsup_wait_flag(&fault_held, 2000))
        tsup_kill(holder);
}

FATAL_TEST(fault, deleted_pager_fails_the_fault_it_holds,
           "page fault at 0000000068000000 (write)")
{
    holder = tsup_space(holding_pager, 0);
    tsup_thread(pager_deleter, 0);
    L4_Set_Priority(holder, 255);           /* not below ours, and waiting: the */
    tsup_wait_flag(&holder_ready, 2000);    /* fault goes to it at once */
    tsup_wait_blocked(holder);
    __L4_Utcb()[__L4_TCR_PAGER] = holder.raw;
    *(volatile L4_Word_t *)0x68000000UL = 1;    /* never mapped */
}
