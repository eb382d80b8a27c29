/* Interrupt threads: attaching handlers, delivery, acknowledgement
 * (irq.h, spec 7). */
#include "irq.h"
#include "arch/console.h"
#include "arch/intctl.h"
#include "arch/mp.h"
#include "arch/timer.h"
#include "frame.h"
#include "kdebug.h"
#include "kip.h"
#include "kmem.h"
#include "sched.h"
#include "space.h"
#include "syscall.h"
#include "threadid.h"
#include "utcb.h"

struct space irq_space = {             /* no memory, no page tables */
    .kmem = { .limit = KMEM_UNLIMITED },   /* (kernel threads: the kernel's memory) */
};
static struct tcb *irq_threads[NUM_IRQ_THREADS];
static uint8_t line_cpu[NUM_IRQ_THREADS];  /* where each line goes (irq.h) */

/* Line 2 cascades the second PIC; line 0 is the kernel's own timer when
 * there is no local APIC timer. */
static bool line_available(unsigned irq)
{
    return irq < NUM_IRQ_THREADS && irq != 2 && (irq != 0 || timer_uses_lapic());
}

/* The interrupt thread of a line, made at its first attachment. */
static struct tcb *irq_thread(unsigned irq)
{
    if (irq_threads[irq])
        return irq_threads[irq];
    paddr_t mrs = frame_alloc();            /* its message registers */
    if (!mrs)
        return NULL;
    struct tcb *t = tcb_create(tid_make(irq, 1), &irq_space, 255);
    if (!t) {
        frame_free(mrs);
        return NULL;
    }
    t->utcb = (word_t *)phys_to_virt(mrs) + UTCB_MR0_OFFSET / 8;
    t->halted = true;
    t->state = TS_READY;
    t->name = "interrupt";
    return irq_threads[irq] = t;
}

/* Open t's line, if a handler has it and waits for it. (Only a look at
 * the handler's slot, no claim: its acknowledgement without the lock is
 * the handler itself, on this processor.) */
static void open_line(struct tcb *t)
{
    unsigned irq = (unsigned)tid_number(t->global_id);
    if (t->state == TS_READY && tcb_peek_global(utcb_get(t, UTCB_PAGER)))
        intctl_unmask(irq, line_cpu[irq]);
}

COLD word_t irq_control(word_t dest, word_t pager)
{
    unsigned irq = (unsigned)tid_number(dest);
    if (tid_version(dest) != 1 || !line_available(irq))
        return syscall_fail(ERR_INVALID_THREAD);
    struct tcb *h = NULL;
    if (pager != dest) {
        h = tcb_lookup_global(pager);
        if (!h || !tcb_is_active(h) || irq_is_thread(h))
            return syscall_fail(ERR_INVALID_THREAD);
    }
    struct tcb *t = irq_thread(irq);
    if (!t)
        return syscall_fail(ERR_NO_MEMORY);
    mp_claim(t->cpu);                       /* (its interrupts go there without the lock) */
    intctl_mask(irq);
    if (t->state == TS_SEND_BLOCKED)
        ipc_irq_withdraw(t);                /* an undelivered interrupt is dropped */
    t->state = TS_READY;
    utcb_set(t, UTCB_PAGER, h ? h->global_id : NILTHREAD);
    if (irq == CONSOLE_IRQ) {
        kdb_input_to_user = h != NULL;
        if (!h)
            kdb_console_released();
    }
    if (h)
        line_cpu[irq] = intctl_reaches(h->cpu) ? h->cpu : 0;
    open_line(t);                           /* (detached: it stays closed) */
    return 1;
}

void irq_move(struct tcb *t, unsigned cpu)
{
    line_cpu[tid_number(t->global_id)] = (uint8_t)cpu;
    open_line(t);                           /* (closed: it opens there) */
}

static uint32_t lines_noted;               /* bit n: line n fired, not yet sent */

bool irq_noted(void)
{
    return __atomic_load_n(&lines_noted, __ATOMIC_RELAXED) != 0;
}

void irq_note(unsigned irq)
{
    __atomic_fetch_or(&lines_noted, 1u << irq, __ATOMIC_RELEASE);
}

static void irq_fire(unsigned irq)
{
    if (irq == CONSOLE_IRQ && !kdb_input_to_user) {
        kdb_console_interrupt();            /* no driver: input for KDB ReadChar */
        sched_check_preempt();              /* (a reader of this processor) */
        return;
    }
    struct tcb *t = irq < NUM_IRQ_THREADS ? irq_threads[irq] : NULL;
    if (!t)
        return;                             /* not attached */
    /* Its processor first: there its state changes without the lock
     * (irq_fire_here, the acknowledgement), and an interrupt of the line
     * that waited there while the line was moved (irq_move) may be
     * sending it right now. */
    mp_claim(t->cpu);
    if (t->state != TS_READY)
        return;                             /* busy */
    struct tcb *h = tcb_lookup_global(utcb_get(t, UTCB_PAGER));
    if (!h || !tcb_is_active(h))
        return;                             /* handler gone: dead until re-attached */
    if (t->cpu != cpu_index()) {            /* it sends from here: its old */
        sched_remove(t);                    /* processor's fast paths may be */
        t->cpu = (uint8_t)cpu_index();      /* joining its waiters; it may be */
    }                                       /* queued there (lazily: halted) */
    ipc_irq_send(t, h);
    sched_check_preempt();
}

/* (Everything the message touches is this processor's: the two threads,
 * the handler's queue and timeout, the interrupt thread's list of
 * waiters, left for the handler's: waiters.h. A holder of the lock claims
 * this processor before it changes either thread, the attachment
 * included: irq_control. Not to a handler in a string copy, whose copier
 * on another processor may be between its claims.) */
bool irq_fire_here(unsigned irq, struct tcb **woken)
{
    unsigned cpu = cpu_index();
    struct tcb *t = irq_threads[irq];
    if (!t || t->cpu != cpu || t->state != TS_READY || (irq == CONSOLE_IRQ && !kdb_input_to_user))
        return false;
    word_t hid = utcb_get(t, UTCB_PAGER);
    struct tcb *h = tcb_peek_global(hid);
    if (!h || h->cpu != cpu || !tcb_is_active(h) || h->xfer_partner ||
        (t->listed_with && t->listed_with != hid))
        return false;
    *woken = ipc_irq_send(t, h);
    return true;
}

void irq_send_noted(void)
{
    uint32_t lines = __atomic_exchange_n(&lines_noted, 0, __ATOMIC_ACQUIRE);
    for (; lines; lines &= lines - 1)
        irq_fire((unsigned)__builtin_ctz(lines));
}

void irq_acknowledged(struct tcb *t)
{
    t->state = TS_READY;
    open_line(t);
}
