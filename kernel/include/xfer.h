/* String items (spec 2.6, 5.8): copying send strings into the receiver's
 * buffers, page by page through both page tables, with page faults on
 * either side resolved by the faulting side's pager. A send string starts
 * at a fresh buffer item and flows on through the following buffer items
 * (xfer.c); a long copy is a preemption point every 64 KB. String items
 * and buffers: pecan/items.h. */
#pragma once
#include "tcb.h"

/* One IPC's string transfer. */
struct xfer {
    struct tcb *s, *r;
    unsigned next_buffer;       /* BR index of the next unused buffer item; 0: none */
    word_t offset;              /* bytes copied so far (error offsets) */
    uint64_t deadline;          /* xfer timeout, from the first fault: tick, 0 = never */
    bool faulted;               /* a fault happened: deadline is set */
    bool expired;               /* an xfer timeout was zero */
    bool receiver_first;        /* the receiver's xfer timeout is the smaller one */
    bool aborted;               /* ExchangeRegisters or deletion ended it (also
                                   while the copier was preempted) */
    bool partner_gone;          /* the other partner was deleted meanwhile */
    struct tcb *partner;        /* the one not copying */
    uint8_t partner_state;      /* its IPC state before the transfer */
    unsigned map_steps;         /* steps of its map items so far (map.c) */
};

/* Start a transfer of typed items from s to r. */
void xfer_begin(struct xfer *x, struct tcb *s, struct tcb *r);

/* Long work on a transfer lets pending interrupts in now and then (the
 * kernel runs with them off); the copier may be preempted there. True
 * when the transfer ended meanwhile (aborted, or the partner deleted). */
bool xfer_preempted_out(struct xfer *x);

/* The kernel lock went while the transfer waited (a preemption point, a
 * page-fault IPC), and with it the claims, which were by processor number:
 * claim both partners where they are now, since Schedule may have moved
 * either meanwhile (a partner deleted meanwhile: its empty slot's,
 * harmless). */
void xfer_claim_partners(const struct xfer *x);

/* Transfer the string item at the sender's MR *i (advancing *i past it
 * and its compound continuations; `end` = 1 + u + t). Returns 0 or an
 * IPC error code; x->offset then says how far it got. Runs in the
 * context of whichever partner is current and may block on faults. */
unsigned xfer_string(struct xfer *x, unsigned *i, unsigned end);

/* Provided by the IPC core: have thread `t` (one of the two partners)
 * resolve a fault at `addr` through its pager within x->deadline.
 * Returns 0 when resolved (retry), else an IPC error code for the
 * transfer (5/6 for xfer timeouts, 7 when aborted). */
unsigned ipc_xfer_fault(struct xfer *x, struct tcb *t, word_t addr, bool write);
