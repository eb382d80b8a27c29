/* Thread ids (spec 2.1): the one definition for the kernel (threadid.h,
 * tcb.h, the stubs) and libl4 (l4/types.h).
 *
 *   global:  63             32 31             0
 *           [ thread number   |     version     ]   version bits 0-5 not all 0
 *
 *   local:   63                            6 5      0
 *           [ address of the thread's MR0   | 000000 ]
 *
 * Bits 0-5 tell the two apart; nilthread (0) passes as local.
 */
#pragma once
#include "pecan/bits.h"

#define NILTHREAD           PECAN_UL(0)
#define ANYTHREAD           (~PECAN_UL(0))
#define ANYLOCALTHREAD      (~PECAN_UL(0) << 6)
#define TID_LOCAL_MASK      0x3F                /* all 0 in a local id */

#define TID_GLOBAL(number, version) \
    ((PECAN_UL(0) + (number)) << 32 | ((version) & PECAN_UL(0xFFFFFFFF)))
#define TID_NUMBER(id)      ((id) >> 32)
#define TID_VERSION(id)     ((id) & PECAN_UL(0xFFFFFFFF))
