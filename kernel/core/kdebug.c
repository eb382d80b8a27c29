/* The kernel debugger's entry from user programs (KDB Enter): print the
 * message and stop the calling thread; the rest of the system runs on.
 * With "kdb" on the kernel command line, Enter opens the interactive
 * debugger instead and the thread continues afterwards. */
#include "kdebug.h"
#include "print.h"
#include "sched.h"

bool kdb_interactive;

void kdb_enter(const char *message)
{
    if (kdb_interactive) {
        kdb_console(*message ? message : "KDB Enter");
        return;
    }
    kprintf("pecan: thread %lx entered the kernel debugger%s%s; thread halted\n",
            current->global_id, *message ? ": " : "", message);
    thread_halt(current);
}
