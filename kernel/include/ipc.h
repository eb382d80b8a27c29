/* Synchronous IPC (spec 5). Message registers live in the UTCB; the
 * system-call layer moves MR0..MR7 between registers and UTCB. */
#pragma once
#include "arch/mp.h"
#include "sched.h"
#include "tcb.h"
#include "utcb.h"
#include "pecan/ipcerror.h"
#include "pecan/items.h"
#include "pecan/msgtag.h"

#define TAG_ERROR_ONLY MSGTAG_E       /* MR0 after failures before any transfer */

/* Ipc/Lipc for the current thread. MR0..MR63 are in its UTCB; returns the
 * id of the sender it received from (nil without receive phase or on
 * error). The outcome is in the UTCB: MR0 (e bit) and ErrorCode. */
word_t ipc(word_t to, word_t from_spec, word_t timeouts);

/* On a multiprocessor: can this Ipc (MR0 `tag`) go without the kernel
 * lock, touching only this processor's threads, and a receiver on another
 * processor through a request (mp_request)? If so the processor is marked
 * so (ipc.c says when). */
enum ipc_lock {
    IPC_LOCKED,         /* no: take the lock */
    IPC_LOCAL_MAP,      /* one map item to a thread of this processor: a
                         * pager's answer (ipc_short, with the lock if not) */
    IPC_LOCAL,          /* yes, the partners are this processor's */
    IPC_REMOTE,         /* yes, To is another processor's (ipc_short: no) */
    IPC_REMOTE_LISTED,  /* the same, a Call whose caller is not listed with
                         * To yet: To's processor lists it (REQ_LISTED) */
};
enum ipc_lock ipc_local(word_t to, word_t from_spec, word_t tag);

/* ipc() for IPC_REMOTE and IPC_REMOTE_LISTED (ipc_local says `how`;
 * `tag` is the MR0 it saw). */
word_t ipc_remote(word_t to, word_t from_spec, word_t timeouts, word_t tag, enum ipc_lock how);

/* ipc() for IPC_LOCAL_MAP (the same). */
word_t ipc_map_answer(word_t to, word_t from_spec, word_t timeouts, word_t tag);

/* Serving a request (mp_serve_requests) of `thread`, on another
 * processor, which waits: REQ_SEND*, its untyped message `tag` to this
 * processor's thread `id` if that waits for it now (else, if it may,
 * `thread` joins id's send queue); REQ_TAKE, the message of this
 * processor's thread `id`, queued to send to `thread`, to `thread`.
 * *woken is the thread of this processor made ready, to be run or
 * queued. */
enum req_outcome ipc_serve_remote(enum req_kind kind, struct tcb *thread, word_t id, word_t tag,
                                  struct tcb **woken);

/* The same for the common cases of a Call or ReplyWait, which it completes
 * without returning (ipc.c says which). Returns if they do not apply.
 * `tag` is MR0 as the caller passed it in its register. */
void ipc_short(word_t to, word_t from_spec, word_t timeouts, word_t tag);

/* A Call on behalf of the current thread (page-fault and exception
 * messages, spec 6.1), with no timeout but `deadline` (tick; 0 = none).
 * Returns 0 or the IPC error word. An IPC it is nested in is undisturbed. */
word_t ipc_kernel_call(struct tcb *dest, uint64_t deadline);

/* A message the kernel sends for the current thread (spec 6): a kernel
 * call with the message in its MR0.., after which MR0..MR(saved-1) and
 * ErrorCode are its own again (spec 6.1: it may be composing a message
 * of its own, or be in an IPC that a fault in a string copy interrupted).
 * `compose` writes the message from ctx; if NULL, ctx holds its `saved`
 * words. On success `answer`, if not NULL, reads the reply first.
 * Inline, so that the callbacks are direct calls and the copies of fixed
 * length. */
#define KERNEL_MSG_SAVED_MAX 20         /* the exception message's MR0..MR19 */
static inline word_t ipc_kernel_message(struct tcb *dest, uint64_t deadline, unsigned saved,
                                        void (*compose)(word_t *mr, void *ctx),
                                        void (*answer)(const word_t *mr, void *ctx), void *ctx)
{
    struct tcb *self = current;
    word_t mr[KERNEL_MSG_SAVED_MAX], error = utcb_get(self, UTCB_ERROR_CODE);
    for (unsigned i = 0; i < saved; i++)
        mr[i] = self->utcb[i];
    if (compose)
        compose(self->utcb, ctx);
    else
        for (unsigned i = 0; i < saved; i++)
            self->utcb[i] = ((const word_t *)ctx)[i];
    word_t err = ipc_kernel_call(dest, deadline);
    if (!err && answer)
        answer(self->utcb, ctx);
    for (unsigned i = 0; i < saved; i++)
        self->utcb[i] = mr[i];
    utcb_set(self, UTCB_ERROR_CODE, error);
    return err;
}

/* A thread's wait timed out (called by the timeout list). */
void ipc_timeout(struct tcb *t);

/* Is t, a thread of this processor, in a wait whose end (a timeout, an
 * abort) changes nothing but this processor's threads? */
bool ipc_wait_here(const struct tcb *t);

/* ipc_timeout without the kernel lock, on t's processor (which is marked
 * lockless), if t's wait is that processor's alone (ipc_wait_here):
 * false, with nothing done, if not. */
bool ipc_timeout_here(struct tcb *t);

/* ExchangeRegisters r/s: cancel a receive and/or send phase. Returns the
 * phase bits of the old control word (pecan/exreg.h) the thread was in. */
unsigned ipc_cancel(struct tcb *t, bool send, bool recv);

/* A thread is going away: fail everyone waiting on it, leave its queues. */
void ipc_detach(struct tcb *t);

/* fastpath.S: a thread blocked by the fast path is running again. */
void ipc_fast_resumed(struct tcb *self);

/* The current thread's IPC is over and it returns to user mode: if it was
 * halted meanwhile (it ran on for a string transfer), it stops here. */
static inline void ipc_user_return(struct tcb *self)
{
    if (self->halted)
        thread_halt(self);
}
