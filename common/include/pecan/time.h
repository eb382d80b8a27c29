/* Time values and the timeouts word (spec 2.8): the one definition for
 * the kernel (timeout.c, ipc.c, schedsys.c) and libl4 (l4/types.h).
 *
 *   period:  15  14          10 9              0
 *           [ 0 |   e (5 bits) |       m        ]   m * 2^e microseconds
 *
 *   point:   15  14      11  10  9              0
 *           [ 1 | e (4 bits) | c |       m        ]
 *
 * A point is the next clock value (microseconds) whose bit e + 10 is c
 * and bits e + 9 .. e are m. Never is 0 (m = 0, e = 0), zero 0x0400
 * (m = 0, e = 1).
 *
 * The timeouts word of Ipc (R8) and the XferTimeouts TCR:
 *
 *    63     32 31           16 15             0
 *   [ ignored | send timeout  | receive timeout ]
 */
#pragma once
#include "pecan/bits.h"

#define TIME_NEVER          0x0000
#define TIME_ZERO           0x0400
#define TIME_POINT          0x8000

#define TIME_PERIOD(e, m)   ((e) << 10 | (m))
#define TIME_PERIOD_E(t)    (((t) >> 10) & 0x1F)
#define TIME_POINT_E(t)     (((t) >> 11) & 0xF)
#define TIME_POINT_C(t)     (((t) >> 10) & 1)
#define TIME_M(t)           ((t) & 0x3FF)

#define TIMEOUTS(snd, rcv)  ((PECAN_UL(0) + (snd)) << 16 | (rcv))
#define TIMEOUTS_SND(w)     (((w) >> 16) & 0xFFFF)
#define TIMEOUTS_RCV(w)     ((w) & 0xFFFF)
