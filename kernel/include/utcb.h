/* User thread control block (spec 3.2): 1 KB, 1 KB aligned; the local id
 * is the address of MR0 at UTCB start + 0x200. Fields are addressed in
 * words relative to MR0:
 *
 *   start+0x000  ... reserved ...
 *   MR0 - 0x180  BR32 ... MR0 - 0x80 BR0      (BR i at word -16 - i)
 *   MR0 - 0x78   MyGlobalId                   MR0 - 0x70 ProcessorNo
 *   MR0 - 0x68   UserDefinedHandle            MR0 - 0x60 Pager
 *   MR0 - 0x58   ExceptionHandler             MR0 - 0x50 Preempt/Cop flags
 *   MR0 - 0x48   ErrorCode                    MR0 - 0x40 XferTimeouts
 *   MR0 - 0x38   IntendedReceiver             MR0 - 0x30 Virtual/ActualSender
 *   MR0 - 0x28   ThreadWord1                  MR0 - 0x20 ThreadWord0
 *   MR0 - 0x08   WordSizeMask
 *   MR0 + 8 i    MR i (0..63)
 */
#pragma once
#include "pecan/fpage.h"

#define UTCB_SIZE        1024
#define UTCB_MR0_OFFSET  0x200

#define UTCB_WORD_SIZE_MASK   (-1)
#define UTCB_THREAD_WORD0     (-4)
#define UTCB_THREAD_WORD1     (-5)
#define UTCB_VIRTUAL_SENDER   (-6)
#define UTCB_ACTUAL_SENDER    (-6)      /* the same word, on the receiving side */
#define UTCB_INTENDED_RECEIVER (-7)
#define UTCB_XFER_TIMEOUTS    (-8)
#define UTCB_ERROR_CODE       (-9)
#define UTCB_FLAGS            (-10)
#define UTCB_EXCEPTION_HANDLER (-11)
#define UTCB_PAGER            (-12)
#define UTCB_USER_HANDLE      (-13)
#define UTCB_PROCESSOR_NO     (-14)
#define UTCB_MY_GLOBAL_ID     (-15)
#define UTCB_BR(i)            (-16 - (i))
#define UTCB_MR(i)            (i)
#define UTCB_WORD(index)      ((index) * 8)     /* its byte offset from MR0 */

#define NUM_MRS 64
#define NUM_BRS 33

/* BR0 during a kernel-made IPC (ipc.c, unix_fastpath.S): mappings are
 * accepted anywhere (the complete fpage), strings not (pecan/items.h). */
#define KCALL_BR0 FPAGE_COMPLETE

#ifndef __ASSEMBLER__
#include "types.h"

/* Error codes of the non-IPC system calls (spec 2.9.2). */
enum {
    ERR_OK = 0,
    ERR_NO_PRIVILEGE = 1,
    ERR_INVALID_THREAD = 2,
    ERR_INVALID_SPACE = 3,
    ERR_INVALID_SCHEDULER = 4,
    ERR_INVALID_PARAM = 5,
    ERR_INVALID_UTCB = 6,
    ERR_INVALID_KIP_AREA = 7,
    ERR_NO_MEMORY = 8,
};
#endif
