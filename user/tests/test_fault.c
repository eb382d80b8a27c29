/* Faults with nobody to handle them: with the Pager TCR set to nil, or
 * with no exception handler, the kernel stops the thread with a message
 * and runs on. The harness boots each of these alone and checks the
 * kernel's report and that the kernel debugger still answers afterwards. */
#include <l4/utcb.h>
#include "testlib.h"

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
