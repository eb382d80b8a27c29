/* IPC (spec 5): the usual send/receive combinations over L4_Ipc/L4_Lipc
 * and the decoding of IPC error codes. */
#pragma once
#include <l4/message.h>
#include <l4/syscalls.h>
#include <l4/types.h>
#include <l4/utcb.h>

/* ---- IPC error codes (spec 2.9.1), in the ErrorCode TCR when e = 1 ----
 *
 *    63                          4 3    1   0
 *   [ offset: string bytes copied  | code | phase (1 = receive) ]
 */
#define L4_ErrTimeout            1
#define L4_ErrNonExist           2
#define L4_ErrCanceled           3
#define L4_ErrMsgOverflow        4
#define L4_ErrXferTimeoutInvoker 5
#define L4_ErrXferTimeoutPartner 6
#define L4_ErrAborted            7

static inline L4_Word_t L4_IpcErrorCode(L4_Word_t err) { return (err >> 1) & 7; }
static inline L4_Bool_t L4_IpcErrorInReceive(L4_Word_t err) { return err & 1; }
static inline L4_Word_t L4_IpcErrorOffset(L4_Word_t err) { return err >> 4; }

/* ---- Combinations (spec 5.1) ---- */
static inline L4_MsgTag_t L4_Call_Timeouts(L4_ThreadId_t to, L4_Time_t snd, L4_Time_t rcv)
{
    L4_ThreadId_t from;
    return L4_Ipc(to, to, L4_Timeouts(snd, rcv), &from);
}
static inline L4_MsgTag_t L4_Call(L4_ThreadId_t to) { return L4_Call_Timeouts(to, L4_Never, L4_Never); }

static inline L4_MsgTag_t L4_Send_Timeout(L4_ThreadId_t to, L4_Time_t snd)
{
    return L4_Ipc(to, L4_nilthread, L4_Timeouts(snd, L4_Never), 0);
}
static inline L4_MsgTag_t L4_Send(L4_ThreadId_t to) { return L4_Send_Timeout(to, L4_Never); }
static inline L4_MsgTag_t L4_Send_Nonblocking(L4_ThreadId_t to) { return L4_Send_Timeout(to, L4_ZeroTime); }
static inline L4_MsgTag_t L4_Reply(L4_ThreadId_t to) { return L4_Send_Timeout(to, L4_ZeroTime); }

static inline L4_MsgTag_t L4_Receive_Timeout(L4_ThreadId_t from, L4_Time_t rcv)
{
    L4_ThreadId_t dummy;
    return L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, rcv), &dummy);
}
static inline L4_MsgTag_t L4_Receive(L4_ThreadId_t from) { return L4_Receive_Timeout(from, L4_Never); }
static inline L4_MsgTag_t L4_Receive_Nonblocking(L4_ThreadId_t from)
{
    return L4_Receive_Timeout(from, L4_ZeroTime);
}

static inline L4_MsgTag_t L4_Wait_Timeout(L4_Time_t rcv, L4_ThreadId_t *from)
{
    return L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, rcv), from);
}
static inline L4_MsgTag_t L4_Wait(L4_ThreadId_t *from) { return L4_Wait_Timeout(L4_Never, from); }

/* Reply without waiting for the client to be ready, then open wait. */
static inline L4_MsgTag_t L4_ReplyWait_Timeout(L4_ThreadId_t to, L4_Time_t rcv, L4_ThreadId_t *from)
{
    return L4_Ipc(to, L4_anythread, L4_Timeouts(L4_ZeroTime, rcv), from);
}
static inline L4_MsgTag_t L4_ReplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_ReplyWait_Timeout(to, L4_Never, from);
}

/* Nobody can send to us while we wait for ourselves: a plain delay. */
static inline void L4_Sleep(L4_Time_t t) { L4_Receive_Timeout(L4_MyGlobalId(), t); }

/* Local IPC (spec 5.2): partners in the own space, named by local ids. */
static inline L4_MsgTag_t L4_Lcall(L4_ThreadId_t to)
{
    L4_ThreadId_t from;
    return L4_Lipc(to, to, L4_Timeouts(L4_Never, L4_Never), &from);
}
static inline L4_MsgTag_t L4_LreplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_Lipc(to, L4_anylocalthread, L4_Timeouts(L4_ZeroTime, L4_Never), from);
}
#define L4_Lreply_Wait L4_LreplyWait
