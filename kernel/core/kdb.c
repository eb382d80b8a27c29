/* The interactive kernel debugger on the serial console. ESC on the
 * console (checked every few timer ticks) enters it; so does a user
 * program's KDB Enter. While it runs, the system stands still. */
#include "kdebug.h"
#include "arch/console.h"
#include "arch/cpu.h"
#include "frame.h"
#include "print.h"
#include "sched.h"

#define KDB_BREAK_KEY 0x1B      /* ESC */
#define POLL_TICKS 10

/* Characters read while looking for the break key are kept for the
 * KDB ReadChar calls. */
static char pending[16];
static unsigned pending_head, pending_count;

int kdb_getc(void)
{
    if (pending_count) {
        char c = pending[pending_head];
        pending_head = (pending_head + 1) % sizeof pending;
        pending_count--;
        return (unsigned char)c;
    }
    return console_getc();
}

static int getc_blocking(void)
{
    int c;
    while ((c = console_getc()) < 0)
        cpu_relax();
    return c;
}

static const char *state_name(const struct tcb *t)
{
    if (t->halted)
        return "halted";
    switch (t->state) {
    case TS_INACTIVE:
        return "inactive";
    case TS_READY:
        return t == current ? "running" : "ready";
    case TS_SEND_BLOCKED:
        return "sending";
    case TS_RECV_BLOCKED:
        return t->start_wait ? "starting" : "waiting";
    case TS_DEAD:
        return "dead";
    default:
        return "?";
    }
}

static void list_threads(void)
{
    kprintf("  %-18s %-8s %-4s %-8s %s\n", "thread", "name", "prio", "state", "space");
    for (struct tcb *t = tcb_list; t; t = t->list_next)
        kprintf("  %016lx   %-8s %4u %-8s %p\n", t->global_id, t->name ? t->name : "-",
                t->priority, state_name(t), (void *)t->space);
}

static void help(void)
{
    kprintf("  t  list threads      i  kernel info\n"
            "  g  continue          h  this help\n");
}

void kdb_console(const char *why)
{
    kprintf("\nkdb: %s; 'h' for help\n", why);
    for (;;) {
        kprintf("kdb> ");
        int c = getc_blocking();
        kprintf("%c\n", c >= ' ' && c < 127 ? c : '?');
        switch (c) {
        case 't':
            list_threads();
            break;
        case 'i':
            kprintf("  ticks %lu, free kernel frames %zu\n", kernel_ticks, frame_available());
            break;
        case 'g':
        case 'c':
            kprintf("kdb: continuing\n");
            return;
        default:
            help();
            break;
        }
    }
}

void kdb_poll(void)
{
    if (kernel_ticks % POLL_TICKS)
        return;
    int c;
    while ((c = console_getc()) >= 0) {
        if (c == KDB_BREAK_KEY) {
            kdb_console("break-in from the console");
            return;
        }
        if (pending_count < sizeof pending) {
            pending[(pending_head + pending_count) % sizeof pending] = (char)c;
            pending_count++;
        }
    }
}
