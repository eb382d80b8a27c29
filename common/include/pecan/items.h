/* Typed message items (spec 2.5, 2.6) and the receiver's acceptor and
 * string buffers (spec 2.7): the one definition for the kernel (ipc.c,
 * map.c, xfer.c) and libl4 (l4/message.h).
 *
 * Word 0 of every item: bit 0, C, says another item follows (among the
 * buffers: links to the next buffer); bits 1-3 are the type: 4 map,
 * 5 grant, 0-3 a string item (bit 3 clear).
 *
 * Map and grant item, two words; word 1 is the send fpage (pecan/fpage.h),
 * its rwx bits the rights given:
 *
 *    63                 10 9    4 3    1   0
 *   [ send base 10-63     | 0000 | type | C ]
 *
 * String item, or receive buffer: this word, then j + 1 substring
 * addresses; c: the string continues in the next item (compound):
 *
 *    63                        10   9   8     4   3   2     1   0
 *   [ length of each substring  | c |    j    | 0 | hints | C ]
 *
 * Acceptor, BR0: s, strings are accepted into the buffers from BR1; the
 * receive window is an fpage without its low four bits, 0 for none
 * (FPAGE_COMPLETE: anywhere); c is not supported, and ignored:
 *
 *    63                            4   3   2   1   0
 *   [ receive window (fpage 4-63)   | 0 | 0 | c | s ]
 */
#pragma once
#include "pecan/bits.h"
#include "pecan/fpage.h"

#define ITEM_MORE               PECAN_UL(0x1)       /* C */
#define ITEM_NOT_STRING         PECAN_UL(0x8)       /* type 4-7 */
#define ITEM_TYPE_MASK          PECAN_UL(0xE)       /* the type, in place */
#define ITEM_TYPE(w0)           (((w0) >> 1) & 7)
#define ITEM_MAP                4
#define ITEM_GRANT              5

#define MAP_ITEM(snd_base, type)    (((snd_base) & FPAGE_BASE_MASK) | (type) << 1)
#define MAP_ITEM_SND_BASE(w0)       ((w0) & FPAGE_BASE_MASK)

#define STRING_COMPOUND         PECAN_UL(0x200)     /* c */
#define STRING_J_MASK           PECAN_UL(0x1F0)
#define STRING_HEADER(length, j) ((PECAN_UL(0) + (length)) << 10 | (PECAN_UL(0) + (j)) << 4)
#define STRING_J(w0)            (((w0) >> 4) & 0x1F)
#define STRING_LENGTH(w0)       ((w0) >> 10)

#define ACCEPT_STRINGS          PECAN_UL(0x1)       /* s */
#define ACCEPT_WINDOW(acceptor) ((acceptor) & FPAGE_AREA_MASK)
