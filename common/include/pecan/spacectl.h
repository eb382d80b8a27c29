/* Pecan's extensions of SpaceControl's control word (spec 4.8: the word
 * is architecture-specific; bit 63, compatibility mode, is not supported
 * and reads back 0; Pistachio ignores all other bits). Each extension is
 * marked by two ASCII letters in bits 48-62, so no other value sets it.
 * Used by the kernel (tcontrol.c) and by libl4 (l4/space.h).
 *
 * "KM": the space's kernel-memory limit (docs/security.md):
 *
 *    63  62          48  47  46  45     32  31                0
 *   [ 0 |  0x4B4D "KM"  | L | Q | (zero)   |    limit in KB     ]   control
 *   [ 0 |            KB in use             |  old limit in KB   ]   old control
 *
 *   L sets the limit (0xFFFFFFFF KB: none), Q only reports.
 *
 * "UX": the space runs Linux programs (docs/unix.md): their `syscall`
 * instructions, exceptions and start reach the thread's exception handler
 * as Unix-ABI messages (pecan/unix_abi.h):
 *
 *    63  62          48  47  46                        1   0
 *   [ 0 |  0x5558 "UX"  | S |          (zero)          | U ]   control
 *   [ 0 |  0x5558 "UX"  | 0 |             0            | U ]   old control
 *
 *   S sets the bit to U; the old control word tells the bit before. It
 *   can be changed only while none of the space's threads is active
 *   (between the ThreadControl that makes the space and the one that
 *   activates its first thread); later the call fails with error 3.
 *
 * Without a mark the old control word is 0, as Pistachio's.
 */
#pragma once

#define SC_EXT_MASK   (0x7FFFUL << 48)

#define SC_KMEM       (0x4B4DUL << 48)      /* "KM" */
#define SC_KMEM_SET   (1UL << 47)           /* L */
#define SC_KMEM_QUERY (1UL << 46)           /* Q */
#define SC_KMEM_NONE  0xFFFFFFFFUL          /* limit: none */
#define SC_KMEM_OLD(used_kb, limit_kb)  ((used_kb) << 32 | (limit_kb))
#define SC_KMEM_USED(old)               ((old) >> 32)
#define SC_KMEM_USED_MAX                ((1UL << 31) - 1)

#define SC_UNIX       (0x5558UL << 48)      /* "UX" */
#define SC_UNIX_SET   (1UL << 47)           /* S */
#define SC_UNIX_ON    (1UL << 0)            /* U */
