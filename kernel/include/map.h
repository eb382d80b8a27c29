/* Map and grant items in IPC (spec 2.5, 5.7). */
#pragma once
#include "tcb.h"

/* Transfer the typed item at `item` (index *i in the sender's MRs) from
 * `s` to `r`, advancing *i past it. Returns 0 or an IPC error code. */
unsigned map_item_transfer(struct tcb *s, struct tcb *r, const word_t *item, unsigned *i);

/* Unmap (spec 4.12): the fpages in the caller's MR0..MRk (k = control
 * bits 0-5), flush with bit 6; each MR gets the access status back. */
void sys_unmap(struct tcb *self, word_t control);
