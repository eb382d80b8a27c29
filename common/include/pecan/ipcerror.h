/* The IPC error word: the ErrorCode TCR after an IPC whose tag came back
 * with e set (spec 2.9.1). The one definition for the kernel (ipc.c,
 * fault.c, unix.c) and libl4 (l4/ipc.h).
 *
 *    63                               4 3      1   0
 *   [ offset: bytes of strings copied  |  code  | p ]
 *
 * p, the phase: 0 send, 1 receive. The offset counts for codes 4-7 only
 * (0 otherwise).
 */
#pragma once

#define IPC_SEND    0
#define IPC_RECV    1

/* code */
#define IPC_TIMEOUT                 1   /* before the partner was ready */
#define IPC_NO_PARTNER              2   /* it does not exist */
#define IPC_CANCELED                3   /* by ExchangeRegisters, before a transfer */
#define IPC_OVERFLOW                4   /* the receiver cannot take an item */
#define IPC_XFER_TIMEOUT_CURRENT    5   /* the invoker's xfer timeout expired */
#define IPC_XFER_TIMEOUT_PARTNER    6   /* the partner's did */
#define IPC_ABORTED                 7   /* by ExchangeRegisters, during a transfer */

#define IPC_ERROR(offset, code, phase)  ((offset) << 4 | (code) << 1 | (phase))
#define IPC_ERROR_PHASE(e)              ((e) & 1)
#define IPC_ERROR_CODE(e)               (((e) >> 1) & 7)
#define IPC_ERROR_OFFSET(e)             ((e) >> 4)
