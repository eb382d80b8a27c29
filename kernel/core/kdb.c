/* The interactive kernel debugger on the serial console. ESC on the
 * console (kdb_input.c) enters it; so does a KDB Enter where the kernel
 * option allows (kdebug.c). While it runs, the system stands still. */
#include "kdebug.h"
#include "section.h"
#include "arch/console.h"
#include "arch/cpu.h"
#include "arch/mp.h"
#include "frame.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "utcb.h"
#include "fault.h"
#include "arch/context.h"

__kdb static int getc_blocking(void)
{
    int c;
    while ((c = console_getc()) < 0)
        cpu_relax();
    return c;
}

__kdb static const char *state_name(const struct tcb *t)
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
    case TS_XFER:
        return "string copy";
    case TS_KDB_READ:
        return "reading";
    default:
        return "?";
    }
}

/* A thread's name: the kernel's (sigma0, root, interrupt), else what its
 * UserDefinedHandle spells if that is 1 to 8 printable characters padded
 * with NULs (user/os names each task's thread so), else "-". */
__kdb static const char *thread_name(const struct tcb *t, char buf[9])
{
    if (t->name)
        return t->name;
    word_t h = t->utcb ? utcb_get(t, UTCB_USER_HANDLE) : 0;
    unsigned n = 0;
    for (; n < 8 && (h >> 8 * n & 0xFF); n++) {
        buf[n] = (char)(h >> 8 * n);
        if (buf[n] < ' ' || buf[n] > '~')
            return "-";
    }
    buf[n] = '\0';
    return n && (n == 8 || !(h >> 8 * n)) ? buf : "-";
}

__kdb static void list_threads(void)
{
    char name[9];
    kprintf("  %-18s %-8s %-4s %-8s %s\n", "thread", "name", "prio", "state", "space");
    struct tcb *t;
    tcb_for_each(t)
        kprintf("  %016lx   %-8s %4u %-8s %p\n", t->global_id, thread_name(t, name),
                t->priority, state_name(t), (void *)t->space);
}

__kdb static void list_spaces(void)
{
    kprintf("  %-18s %-8s %-18s %-18s %s\n", "space", "threads", "kip area", "utcb area",
            "first thread");
    struct tcb *t, *u;
    tcb_for_each(t) {
        bool first = true;              /* print each space once */
        tcb_for_each(u) {
            if (u == t)
                break;
            first &= u->space != t->space;
        }
        if (first)
            kprintf("  %016lx   %-8u %016lx   %016lx   %016lx\n", (word_t)t->space,
                    t->space->nthreads, t->space->kip_area, t->space->utcb_area, t->global_id);
    }
}

__kdb static word_t read_hex(void)
{
    word_t v = 0;
    for (;;) {
        int c = getc_blocking();
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            break;
        kputc((char)c);
        v = v << 4 | (word_t)d;
    }
    kputc('\n');
    return v;
}

__kdb static void show_tcb(void)
{
    kprintf("thread id (hex, end with Enter): ");
    word_t id = read_hex();
    struct tcb *t = tcb_lookup_global(id);
    char name[9];
    if (!t) {
        kprintf("  no thread %lx\n", id);
        return;
    }
    kprintf("  %016lx %s: %s, prio %u, slice %u/%u ticks, space %p\n", t->global_id,
            thread_name(t, name), state_name(t), t->priority, t->slice_left,
            t->timeslice_ticks, (void *)t->space);
    kprintf("  local id %016lx, pager %016lx, scheduler %016lx\n", t->local_id,
            t->utcb ? utcb_get(t, UTCB_PAGER) : 0, t->scheduler);
    kprintf("  ipc: send to %016lx, receive from %016lx, wakeup tick %lu, senders queued: %s\n",
            t->send_dest ? t->send_dest->global_id : 0, t->rcv_from, t->wakeup,
            list_empty(&t->sendq) ? "no" : "yes");
    if (t != current && t->state != TS_INACTIVE)
        dump_frame(tcb_frame(t));
}

__kdb static void help(void)
{
    kprintf("  t  list threads      s  list spaces      b  show a thread's TCB\n"
            "  i  kernel info       g  continue         h  this help\n");
}

__kdb void kdb_console(const char *why)
{
    mp_claim_all();                     /* it reads every thread */
    kprintf("\nkdb: %s; 'h' for help\n", why);
    for (;;) {
        kprintf("kdb> ");
        int c = getc_blocking();
        kprintf("%c\n", c >= ' ' && c < 127 ? c : '?');
        switch (c) {
        case 't':
            list_threads();
            break;
        case 's':
            list_spaces();
            break;
        case 'b':
            show_tcb();
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
