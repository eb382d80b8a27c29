/* The kernel debugger's entry from user programs (KDB Enter): print the
 * message and stop the calling thread; the rest of the system runs on.
 * Where the kernel option allows (kdebug.h: "kdb" for privileged spaces,
 * "kdb=all"), Enter opens the interactive debugger instead, which stops
 * the system, and the thread continues afterwards. */
#include "kdebug.h"
#include "section.h"
#include "print.h"
#include "sched.h"
#include "space.h"

enum kdb_mode kdb_mode;

__kdb void kdb_enter(const char *message)
{
    if (kdb_mode == KDB_ENTER_ALL ||
        (kdb_mode == KDB_ENTER_PRIVILEGED && current->space->privileged)) {
        kdb_console(*message ? message : "KDB Enter");
        return;
    }
    kprintf("pecan: thread %lx entered the kernel debugger%s%s; thread halted\n",
            current->global_id, *message ? ": " : "", message);
    thread_halt(current);
}
