/* The kernel debugger's entry from user programs. For now: print the
 * message and stop the calling thread; the rest of the system runs on. */
#include "kdebug.h"
#include "print.h"
#include "sched.h"

void kdb_enter(const char *message)
{
    kprintf("pecan: thread %lx entered the kernel debugger%s%s; thread halted\n",
            current->global_id, *message ? ": " : "", message);
    thread_halt(current);
}
