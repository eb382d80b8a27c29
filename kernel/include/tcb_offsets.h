/* Offsets of the TCB fields the IPC fast path (fastpath.S) reads and
 * writes, checked against struct tcb by static asserts in tcb.h.
 *
 *   0x00 global_id  0x08 local_id  0x10 listed_with  0x18 root (CR3)  0x20 ksp
 *   0x28 state | fast_blocked | halted | cpu | priority | no_fast_send | ...
 *   0x30 rcv_from   0x38 sendq     0x40 ipc_from     0x48 utcb_mr8
 *   0x50 utcb       0x58 space        0x60 kcall_depth
 *
 * The first line (0x00-0x3F) is all a round trip of short messages reads
 * of each TCB; the second has what longer messages, the general path's
 * resumption and the Unix-ABI paths need.
 */
#pragma once

#define TCB_GLOBAL_ID  0x00
#define TCB_LOCAL_ID   0x08
#define TCB_LISTED_WITH 0x10
#define TCB_ROOT       0x18     /* the space's page-table root: compared, loaded into CR3 */
#define TCB_KSP        0x20
#define TCB_STATE      0x28     /* 4 bytes: state, fast_blocked, halted, cpu */
#define TCB_FAST_BLOCKED (TCB_STATE + 1)
#define TCB_HALTED     (TCB_STATE + 2)
#define TCB_CPU        (TCB_STATE + 3)
#define TCB_PRIORITY   0x2C
#define TCB_RCV_FROM   0x30
#define TCB_SENDQ      0x38
#define TCB_IPC_FROM   0x40
#define TCB_UTCB_MR8   0x48
#define TCB_UTCB       0x50
/* and the Unix-ABI fast path (unix_fastpath.S) */
#define TCB_KCALL_DEPTH     0x60
#define TCB_FS_BASE         0x168
#define TCB_GS_BASE         0x170
#define TCB_UNIX_INTERRUPT  0x178
/* and fast_resume: a string copy's fault to serve (ipc.c) */
#define TCB_XFER_SERVE      0x129
#define TCB_SERVE_REQUESTED 1

#define TCB_TS_READY        2
#define TCB_TS_RECV_BLOCKED 4

/* tcb.fast_blocked: how a thread blocked for a fast resumption resumes */
#define TCB_FAST_X2    1        /* an X.2 receive: fast_resume (fastpath.S) */
#define TCB_FAST_UNIX  2        /* a Unix-ABI system call's message: unix_fast_resume */

/* The fast paths' states (arch/asm.h: the word at TCB_STATE) */
#define STATE_FAST_RECV (TCB_TS_RECV_BLOCKED | TCB_FAST_X2 << 8)
#define STATE_UNIX_RECV (TCB_TS_RECV_BLOCKED | TCB_FAST_UNIX << 8)
