/* The message tag, MR0 (spec 2.2): the one definition for the kernel (the
 * IPC paths in C and both fast paths), libl4 (l4/message.h) and the
 * servers.
 *
 *    63                16 15 14 13 12 11     6 5      0
 *   [ label (48 bits)    | e | x | r | p |   t   |   u   ]
 *
 * u untyped words MR1..MRu, then t typed words; p propagated, r redirected,
 * x cross-processor, e error (the ErrorCode TCR tells which: ipcerror.h).
 */
#pragma once
#include "pecan/bits.h"

#define MSGTAG_U_MASK       PECAN_UL(0x3F)
#define MSGTAG_T_SHIFT      6
#define MSGTAG_T_MASK       (PECAN_UL(0x3F) << MSGTAG_T_SHIFT)
#define MSGTAG_P            PECAN_UL(0x1000)
#define MSGTAG_R            PECAN_UL(0x2000)
#define MSGTAG_X            PECAN_UL(0x4000)
#define MSGTAG_E            PECAN_UL(0x8000)
#define MSGTAG_FLAGS        PECAN_UL(0xF000)
#define MSGTAG_LABEL_SHIFT  16

/* A tag from its fields, also as a constant in assembly. (The 0 makes the
 * label a word in C before it is shifted.) */
#define MSGTAG(label, t, u) \
    ((PECAN_UL(0) + (label)) << MSGTAG_LABEL_SHIFT | (t) << MSGTAG_T_SHIFT | (u))

#define MSGTAG_U(tag)       ((tag) & MSGTAG_U_MASK)
#define MSGTAG_T(tag)       (((tag) >> MSGTAG_T_SHIFT) & 0x3F)
#define MSGTAG_LABEL(tag)   ((tag) >> MSGTAG_LABEL_SHIFT)
