/* Console input outside the interactive debugger: the ESC that breaks
 * into it, and the characters of the user programs' KDB ReadChar calls.
 * The kernel reads COM1 only while no user-level driver has its
 * interrupt attached: every tenth tick (looking for ESC), and on the
 * receive interrupt while a thread waits in ReadChar_Blocked. Nothing
 * here waits with interrupts off: a reader sleeps until input arrives. */
#include "kdebug.h"
#include "section.h"
#include "arch/console.h"
#include "arch/intctl.h"
#include "arch/mp.h"
#include "sched.h"

#define KDB_BREAK_KEY 0x1B      /* ESC */
#define POLL_TICKS 10

bool kdb_input_to_user;

/* Characters read while looking for the break key, kept for ReadChar. */
static char pending[16];
static unsigned pending_head, pending_count;

/* Read what COM1 holds: ESC enters the debugger, the rest is kept (as
 * much as fits). */
__kdb static void drain(void)
{
    int c;
    while ((c = console_getc()) >= 0) {
        if (c == KDB_BREAK_KEY) {
            kdb_console("break-in from the console");
            continue;
        }
        if (pending_count < sizeof pending) {
            pending[(pending_head + pending_count) % sizeof pending] = (char)c;
            pending_count++;
        }
    }
}

/* Threads waiting in ReadChar_Blocked try again. */
__kdb static void wake_readers(void)
{
    struct tcb *t;
    tcb_for_each(t)
        if (t->state == TS_KDB_READ) {
            mp_claim(t->cpu);           /* (its ready queue) */
            sched_make_ready(t);
        }
}

/* (Characters kept with no reader waiting need no lock: a reader takes
 * them before it waits, and a drain wakes the readers waiting then.) */
__kdb bool kdb_poll_wanted(void)
{
    return !kdb_input_to_user && console_has_input();
}

__kdb void kdb_poll(void)
{
    static unsigned ticks;              /* since the last look */
    if (++ticks < POLL_TICKS)
        return;
    ticks = 0;
    if (kdb_input_to_user)
        return;
    drain();
    if (pending_count)
        wake_readers();
}

__kdb void kdb_console_interrupt(void)
{
    drain();
    wake_readers();                     /* the line stays masked until one waits again */
}

__kdb void kdb_console_released(void)
{
    wake_readers();                     /* the kernel reads COM1 again: re-arm */
}

__kdb int kdb_getc(void)
{
    if (pending_count) {
        char c = pending[pending_head];
        pending_head = (pending_head + 1) % sizeof pending;
        pending_count--;
        return (unsigned char)c;
    }
    return kdb_input_to_user ? -1 : console_getc();
}

__kdb int kdb_read_blocked(void)
{
    for (;;) {
        int c = kdb_getc();
        if (c >= 0)
            return c;
        if (!kdb_input_to_user) {
            console_rx_interrupt_enable();
            intctl_unmask(CONSOLE_IRQ, 0);
            if ((c = kdb_getc()) >= 0)      /* arrived before the interrupt was on */
                return c;
        }
        current->state = TS_KDB_READ;
        sched_remove(current);
        schedule();
    }
}
