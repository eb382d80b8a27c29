/* ExchangeRegisters' control word (spec 4.6): the one definition for the
 * kernel (exreg.c, ipc.c) and libl4 (l4/thread.h).
 *
 *    63    17  16  15    10   9   8   7   6   5   4   3   2   1   0
 *   [ (zero)  | K | (zero)  | d | H | p | u | F | I | S | s | r | h ]
 *
 * In: h halt (1) or resume (0), done when H is set; r, s abort the
 * thread's receive or send phase; S, I, F, u, p set its SP, IP, FLAGS,
 * UserDefinedHandle, pager; d delivers the old values (the kernel always
 * does). K: Pecan's, for Unix-ABI threads (pecan/unix_abi.h).
 * Out, the old control word: h halted, r in a receive phase, s in a send
 * phase (K an interrupt pending).
 */
#pragma once
#include "pecan/bits.h"

#define EXREG_HALT          PECAN_UL(0x001)     /* h */
#define EXREG_RECV          PECAN_UL(0x002)     /* r */
#define EXREG_SEND          PECAN_UL(0x004)     /* s */
#define EXREG_SET_SP        PECAN_UL(0x008)     /* S */
#define EXREG_SET_IP        PECAN_UL(0x010)     /* I */
#define EXREG_SET_FLAGS     PECAN_UL(0x020)     /* F */
#define EXREG_SET_HANDLE    PECAN_UL(0x040)     /* u */
#define EXREG_SET_PAGER     PECAN_UL(0x080)     /* p */
#define EXREG_SET_HALT      PECAN_UL(0x100)     /* H */
#define EXREG_DELIVER       PECAN_UL(0x200)     /* d */
