/* Interrupts as IPC (spec 7). Interrupt line n is the kernel thread
 * (n << 32 | 1), n < SystemBase. Attached to a handler, it waits for its
 * line; when the line fires the kernel masks it and the interrupt thread
 * sends the handler an empty message with label 0xFFF0 (MR0 =
 * 0xFFFF_FFFF_FFF0_0000); the handler's next message to the interrupt
 * thread acknowledges it and unmasks the line.
 *
 * Interrupt threads are TCBs in a space of their own with no memory. They
 * never run: they are always `halted`, their state tells what they wait
 * for (TS_READY: the line; TS_SEND_BLOCKED: the handler to receive;
 * TS_RECV_BLOCKED: the acknowledgement). The handler's id is in their
 * Pager TCR.
 *
 * On several processors a line goes to the processor of its interrupt
 * thread: its handler's at attachment, another if Schedule moves the
 * interrupt thread. Its message goes from the processor that took it (so
 * its tag's X flag says whether it crossed). */
#pragma once
#include "tcb.h"
#include "pecan/msgtag.h"
#include "pecan/protocol.h"

#define IRQ_TAG MSGTAG(PROTO_LABEL(PROTO_INTERRUPT), 0, 0)

/* ThreadControl on an interrupt thread id: attach `pager` as the handler,
 * or detach with pager = dest. Returns the ThreadControl result. */
word_t irq_control(word_t dest, word_t pager);

/* The line fired (from the interrupt entry, which masked it and ended
 * the interrupt): noted without the kernel lock, sent with it. The
 * interrupt entry sends what is noted once it holds the lock; so does a
 * locked tick, for a line whose entry waited for the lock on a thread
 * that was evicted meanwhile and may never run again. */
void irq_note(unsigned irq);
void irq_send_noted(void);
bool irq_noted(void);                       /* (read without the lock) */

/* The line fired, and the interrupt entry holds no lock (arch/mp.h, "IPC
 * without the lock"): its message goes at once if its interrupt thread
 * and its handler are this processor's. A handler woken is queued and
 * returned in *woken for the caller to run. False, with nothing done, if
 * not so: the caller notes the line and takes the lock. */
bool irq_fire_here(unsigned irq, struct tcb **woken);

/* The interrupt threads' space: no memory, no page tables. */
extern struct space irq_space;

static inline bool irq_is_thread(const struct tcb *t)
{
    return t->space == &irq_space;
}

/* Schedule's ProcessorControl on interrupt thread t: its line goes to
 * processor `cpu` from now on (one the controller reaches: the caller
 * checked, intctl_reaches). */
void irq_move(struct tcb *t, unsigned cpu);

/* The handler acknowledged: open the line again. */
void irq_acknowledged(struct tcb *t);

/* Provided by the IPC core: the interrupt thread sends its message to
 * the handler, or queues for it. Returns the handler if it woke it. */
struct tcb *ipc_irq_send(struct tcb *irq, struct tcb *handler);
/* ... and withdraws a message not yet received. */
void ipc_irq_withdraw(struct tcb *irq);
