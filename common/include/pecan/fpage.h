/* Flexpages (spec 2.3), I/O flexpages (spec 2.4) and Unmap's words (spec
 * 4.12): the one definition for the kernel (fpage.h, arch/io.h, map.c)
 * and libl4 (l4/types.h, l4/space.h).
 *
 *   memory:  63                      10 9        4   3   2 1 0
 *           [ base bits 10-63          | s (log2) | ext | r w x ]
 *
 *   I/O:     63     32 31          16 15       10 9          4 3   0
 *           [ ignored | base port p  | s (log2)  | marker = 2 | rwx ]
 *
 * A memory fpage is the 2^s bytes around base (aligned down to 2^s); nil
 * is 0, and 0x10 (s = 1, base 0) the complete address space. An I/O fpage
 * is the 2^s ports around p; the marker, its s as a memory fpage (no
 * memory fpage of 4 bytes is meaningful), tells it apart, and its rwx
 * bits mean nothing.
 */
#pragma once
#include "pecan/bits.h"

#define FPAGE_R             4
#define FPAGE_W             2
#define FPAGE_X             1
#define FPAGE_RWX           7
#define FPAGE_LOG2_SHIFT    4
#define FPAGE_BASE_MASK     (~PECAN_UL(0x3FF))
#define FPAGE_AREA_MASK     (~PECAN_UL(0xF))    /* all but rwx and ext */
#define FPAGE_COMPLETE      PECAN_UL(0x10)

#define FPAGE(base, log2, rwx) \
    (((base) & FPAGE_BASE_MASK) | (PECAN_UL(0) + (log2)) << FPAGE_LOG2_SHIFT | (rwx))
#define FPAGE_LOG2(f)       (((f) >> FPAGE_LOG2_SHIFT) & 0x3F)

#define IO_FPAGE_MARKER     2
#define IO_FPAGE(port, log2) ((PECAN_UL(0) + (port)) << 16 | (PECAN_UL(0) + (log2)) << 10 | \
                              IO_FPAGE_MARKER << FPAGE_LOG2_SHIFT)
#define IS_IO_FPAGE(f)      (FPAGE_LOG2(f) == IO_FPAGE_MARKER)
#define IO_FPAGE_PORT(f)    (((f) >> 16) & 0xFFFF)
#define IO_FPAGE_LOG2(f)    (((f) >> 10) & 0x3F)

/* Unmap's control word. On return MR0..MRk hold the fpages with their
 * rwx bits replaced by the access status (FPAGE_R referenced, FPAGE_W
 * written, FPAGE_X executed).
 *
 *    63     7   6   5    0
 *   [ ignored | f |   k   ]     the fpages in MR0..MRk; f: flush
 */
#define UNMAP_FLUSH         PECAN_UL(0x40)
#define UNMAP_K(control)    ((control) & 0x3F)
