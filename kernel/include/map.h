/* Map and grant items in IPC (spec 2.5, 5.7). */
#pragma once
#include "tcb.h"

struct xfer;

/* Transfer the typed item at `item` (index *i in the sender's MRs) of
 * x's transfer, advancing *i past it. Returns 0 or an IPC error code.
 * `preemptible`: the partners are bound (ipc.c), the work may be
 * preempted; else at most MAP_UNBOUND_PAGES pages are mapped. `last`:
 * the index of the message's last word, from the tag as the transfer
 * read it once (the sender's threads on other processors may change
 * MR0 meanwhile). */
unsigned map_item_transfer(struct xfer *x, bool preemptible, const word_t *item, unsigned *i,
                           unsigned last);

/* The usual map item in short: the one 4 KB page a pager answers a page
 * fault with, from a sender not sigma0 into the complete window of a
 * kernel-made IPC, mapped (or not) as map_item_transfer would. False,
 * with nothing changed that the general path would not redo, if it is
 * not that case or the database needs more steps. */
bool map_item_short(struct tcb *s, struct tcb *r, const word_t *item);

/* The same only where the receiver's space maps nothing yet: no entry any
 * processor may hold in its TLB changes, so nobody need be claimed (a
 * pager's answer without the lock: ipc.c, serve_map_reply). False, with
 * nothing done, if there is a mapping there, or as map_item_short. */
bool map_item_fresh(struct tcb *s, struct tcb *r, const word_t *item);

/* Pages of one item an unbound transfer maps at most: 2 MB. */
#define MAP_UNBOUND_PAGES 512

/* Unmap (spec 4.12): the fpages in the caller's MR0..MRk (k = control
 * bits 0-5), flush with bit 6; each MR gets the access status back. */
void sys_unmap(struct tcb *self, word_t control);
