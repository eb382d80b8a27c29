/* The packed words of the Kernel Interface Page (spec 8) that both sides
 * read: the one definition for the kernel (kip.c) and libl4 (l4/kip.h).
 *
 * Memory descriptor (spec 8.2), two words; t is the subtype of types 0xE
 * and 0xF, v marks a virtual range, high is the range's last byte (its
 * bits 0-9 read as all set):
 *
 *   word 0:  63                    10   9   8   7   4 3      0
 *           [ low bits 10-63         | v | 0 |  t    | type   ]
 *   word 1:  63                    10 9                       0
 *           [ high bits 10-63        |        (ignored)       ]
 *
 * MemoryInfo:  63                  32 31                      0
 *             [ descriptors' offset   |   their number         ]
 *
 * ThreadInfo:  31         20 19         8 7         0
 *             [ UserBase    | SystemBase  | t: bits  ]   of a thread number
 *
 * UtcbInfo:    21     16 15     10 9          0
 *             [ s       | a       | m          ]   a UTCB is m * 2^a bytes,
 *                                                    an area at least 2^s
 */
#pragma once
#include "pecan/bits.h"

/* memory descriptor types */
#define MEMDESC_UNDEFINED       0
#define MEMDESC_CONVENTIONAL    1
#define MEMDESC_RESERVED        2
#define MEMDESC_DEDICATED       3
#define MEMDESC_SHARED          4
#define MEMDESC_BOOTLOADER      0xE
#define MEMDESC_ARCH            0xF

#define MEMDESC_VIRTUAL         PECAN_UL(0x200)     /* v */
#define MEMDESC_ADDR_MASK       (~PECAN_UL(0x3FF))
#define MEMDESC_WORD0(low, virt, type, subtype) (((low) & MEMDESC_ADDR_MASK) | \
    (PECAN_UL(0) + (virt)) << 9 | ((subtype) & 0xF) << 4 | ((type) & 0xF))
#define MEMDESC_IS_VIRTUAL(w0)  (((w0) >> 9) & 1)
#define MEMDESC_TYPE(w0)        ((w0) & 0xF)
#define MEMDESC_SUBTYPE(w0)     (((w0) >> 4) & 0xF)

#define MEMORY_INFO(offset, n)  ((PECAN_UL(0) + (offset)) << 32 | (n))
#define MEMORY_INFO_OFFSET(w)   ((w) >> 32)
#define MEMORY_INFO_COUNT(w)    ((w) & PECAN_UL(0xFFFFFFFF))

#define THREAD_INFO(t, system_base, user_base) ((t) | (system_base) << 8 | (user_base) << 20)
#define THREAD_INFO_T(w)            ((w) & 0xFF)
#define THREAD_INFO_SYSTEM_BASE(w)  (((w) >> 8) & 0xFFF)
#define THREAD_INFO_USER_BASE(w)    (((w) >> 20) & 0xFFF)

#define UTCB_INFO(m, a, s)      ((m) | (a) << 10 | (s) << 16)
#define UTCB_INFO_SIZE(w)       (((w) & 0x3FF) << ((w) >> 10 & 0x3F))
