/* The general IPC path (spec 5): send phase, receive phase, blocking with
 * timeouts, cancellation, and the message transfer. A thread blocked in
 * an IPC sleeps inside ipc() on its own kernel stack; whoever completes
 * its IPC (a partner, the timer, ExchangeRegisters) records the outcome in
 * its TCB and UTCB and makes it ready. */
#include "ipc.h"
#include "irq.h"
#include "kmem.h"
#include "arch/context.h"
#include "fault.h"
#include "fpage.h"
#include "map.h"
#include "pecan/exreg.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "threadid.h"
#include "timeout.h"
#include "utcb.h"
#include "waiters.h"
#include "xfer.h"

/* ---- outcomes --------------------------------------------------------- */

static void set_error(struct tcb *t, unsigned phase, unsigned code, word_t offset, word_t mr0)
{
    if (t->state == TS_FREE)
        return;                         /* deleted during a transfer */
    t->ipc_error = IPC_ERROR(offset, code, phase);
    utcb_set(t, UTCB_ERROR_CODE, t->ipc_error);
    utcb_set(t, UTCB_MR(0), mr0);
    t->ipc_from = NILTHREAD;
}

static void wake(struct tcb *t)
{
    timeout_cancel(t);
    sched_make_ready(t);                /* (a halted thread is not picked) */
}

/* One IPC of the current thread (ipc()): what its send phase leaves to
 * its receive phase. */
struct ipc_call {
    word_t spec;                /* the receive specifier resolved; 0: none */
    struct tcb *handoff;        /* the partner the send phase made ready:
                                 * where a blocking receive hands the
                                 * processor (lazy scheduling: no trip
                                 * through the ready queues) */
};

static void serve_reflected_fault(struct tcb *self);
static bool cancel_blocked(struct tcb *t, unsigned code);

/* The partner not copying a string transfer may be asked to resolve a
 * fault in its own space (spec 5.8): tcb.xfer_serve says how far it is. */
enum {
    SERVE_NONE,
    SERVE_REQUESTED = TCB_SERVE_REQUESTED,  /* made ready to ask its pager
                                             * (fast_resume checks for it) */
    SERVE_BUSY,             /* in that page-fault IPC */
    SERVE_ABANDONED,        /* still in it, but the copier went on without it */
};

/* Faults of a partner's string copy to resolve in our space, asked for
 * while we were blocked. (Switched to without the lock, we look again
 * once we hold it: the copier may have given up on us meanwhile,
 * mp_resumed_lockless.) */
static void __attribute__((noinline)) serve_requests(struct tcb *self)
{
    kernel_lock();
    while (self->xfer_serve == SERVE_REQUESTED)
        serve_reflected_fault(self);
}

/* Block the current thread until someone wakes it, handing the
 * processor to `to` if it can have it (we may stay queued: lazy queues,
 * the scheduler drops us). A partner copying strings to or from us may
 * wake us meanwhile to resolve a fault in our space (spec 5.8); we do so
 * and wait on. */
static void block(struct tcb *self, unsigned state, uint64_t deadline, struct tcb *to)
{
    if (self->kcall_deadline && (!deadline || self->kcall_deadline < deadline))
        deadline = self->kcall_deadline;
    self->state = state;
    timeout_arm(self, deadline);
    sched_handoff(to);
    self->resume_local = false;
    if (self->xfer_serve == SERVE_REQUESTED)
        serve_requests(self);
}

/* A system call's receive phase without timeout: wait in the state the
 * fast path leaves its callers in, so that the fast path can deliver the
 * next message straight into our registers. We resume in fast_resume,
 * never here. */
static NORETURN void block_for_fast_resume(struct tcb *self, struct tcb *to)
{
    self->state = TS_RECV_BLOCKED;
    self->fast_blocked = FAST_X2;
    sched_handoff(to);
    __builtin_unreachable();
}

/* Does only this processor's work follow when self, about to block in
 * an IPC, runs again (tcb.resume_local, mp_resumed_lockless)? After a
 * system call's IPC, its way back to user mode; after the kernel-made
 * IPC of a user fault entered without the lock, its own registers and
 * MRs (fault.c, tcb.kcall_local); not after a kernel-made IPC nested in
 * other kernel work. */
static inline bool in_fault_without_lock(const struct tcb *self)
{
    return self->kcall_local && self->kcall_depth == 1;
}

static inline bool local_after(const struct tcb *self)
{
    return !self->kcall_depth || in_fault_without_lock(self);
}

/* ---- sender queues ---------------------------------------------------- */

/* A queue is its owner's: its processor, which may change it without the
 * kernel lock (ipc_local), is claimed (by the lookup of the destination
 * one appends to), and so is the sender's, whose thread the caller of a
 * removal goes on to change. */
static void sendq_append(struct tcb *dest, struct tcb *s)
{
    list_append(&dest->sendq, s, send_link);
    s->send_dest = dest;
}

static void sendq_unlink(struct tcb *s)
{
    list_remove(&s->send_dest->sendq, s, send_link);
    s->send_dest = NULL;
}

static void sendq_remove(struct tcb *s)
{
    mp_claim(s->send_dest->cpu);
    mp_claim(s->cpu);
    sendq_unlink(s);
}

/* Does a receiver waiting with specifier `spec` accept `sender`? A
 * propagating sender is accepted under its virtual sender's name too,
 * except in a kernel-made IPC (a page fault, an exception), which takes
 * the answer of its partner itself only. */
static bool accepts(const struct tcb *rcv, word_t spec, const struct tcb *sender)
{
    return spec == ANYTHREAD || spec == sender->global_id ||
           (sender->ipc_vsender && spec == sender->ipc_vsender && !rcv->kcall_depth) ||
           (spec == ANYLOCALTHREAD && sender->space == rcv->space);
}

/* The first thread queued to send to `rcv` that its specifier accepts. */
static struct tcb *first_sender(struct tcb *rcv, word_t spec)
{
    struct tcb *s;
    list_for_each(s, &rcv->sendq, send_link)
        if (accepts(rcv, spec, s))
            return s;
    return NULL;
}

/* ---- transfer --------------------------------------------------------- */

/* MR0 of s's message. Without the kernel lock s is the current thread,
 * and ipc_local found its tag, in the register, untyped and without
 * flags; another thread of its space, on another processor, may have
 * written something else into its UTCB since. The path must stay within
 * what the test allowed: it keeps the label and the untyped words' count
 * it finds, never typed items or flags. */
static word_t sent_tag(const struct tcb *s)
{
    word_t tag = utcb_get(s, UTCB_MR(0));
    return mp_lockless() ? tag & ~(MSGTAG_FLAGS | MSGTAG_T_MASK) : tag;
}

/* The receiver's error code for a transfer error the sender got: the
 * two xfer-timeout codes swap sides (spec 5.4). */
static unsigned partner_code(unsigned code)
{
    return code == IPC_XFER_TIMEOUT_CURRENT   ? IPC_XFER_TIMEOUT_PARTNER
           : code == IPC_XFER_TIMEOUT_PARTNER ? IPC_XFER_TIMEOUT_CURRENT
                                              : code;
}

/* Both partners are bound to each other while strings are copied; the one
 * not copying waits in TS_XFER. */
static void xfer_enter(struct xfer *x)
{
    x->partner = x->s == current ? x->r : x->s;
    x->partner_state = x->partner->state;
    x->partner->state = TS_XFER;
    x->s->xfer_partner = x->r;
    x->r->xfer_partner = x->s;
    x->s->xfer_is_sender = true;
    x->r->xfer_is_sender = false;
    current->xfer = x;
}

static void xfer_leave(struct xfer *x)
{
    current->xfer = NULL;
    current->xfer_partner = NULL;
    if (x->partner_gone)
        return;
    x->partner->xfer_partner = NULL;
    if (x->partner->state == TS_XFER)
        x->partner->state = x->partner_state;
}

/* A transfer t takes part in failed. If t is still in a page-fault IPC
 * for it, which restores t's IPC state when it ends, t applies the
 * outcome itself then (serve_reflected_fault). */
static void xfer_failed_for(struct tcb *t, unsigned phase, unsigned code, word_t offset,
                            word_t mr0)
{
    if (t->xfer_serve != SERVE_ABANDONED) {
        set_error(t, phase, code, offset, mr0);
        return;
    }
    t->xfer_end_error = IPC_ERROR(offset, code, phase);
    t->xfer_end_mr0 = mr0;
}

/* The transfer of s's message (tagged `tag`) to r failed: both partners
 * get the error, and whichever of them blocked wakes up. NULL for a
 * partner deleted during the transfer: its slot may hold another thread
 * by now, which the transfer must not touch. */
static void transfer_failed(struct tcb *s, struct tcb *r, word_t tag, unsigned code, word_t offset)
{
    if (s)
        xfer_failed_for(s, IPC_SEND, code, offset, tag | MSGTAG_E);
    if (r)
        xfer_failed_for(r, IPC_RECV, partner_code(code), offset,
                        (tag & ~MSGTAG_FLAGS) | MSGTAG_E);
    if (r && r->state == TS_RECV_BLOCKED)
        wake(r);
    if (s && s->state == TS_SEND_BLOCKED)
        wake(s);
}

/* Copy the message (tagged `tag`) from `s` to `r`: the words, then the
 * typed items. Returns 0 or an error code from the sender's point of
 * view, with the bytes of strings copied before it in *offset; *gone is
 * the partner if it was deleted meanwhile (then the error is 7). */
static unsigned copy_message(struct tcb *s, struct tcb *r, word_t tag, word_t *offset,
                             struct tcb **gone)
{
    unsigned u = MSGTAG_U(tag), t = MSGTAG_T(tag);
    if (1 + u + t > NUM_MRS)
        return IPC_OVERFLOW;
    copy_words(&r->utcb[1], &s->utcb[1], u + t);
    /* P if the send propagated (ipc_vsender), not if the tag says so now:
     * another thread of the sender's space may set it while the send
     * waits (redirect.p_set_by_another_thread_while_the_send_is_queued_...). */
    r->utcb[0] = (tag & ~MSGTAG_FLAGS) | (s->ipc_vsender ? MSGTAG_P : 0) |
                 (s->ipc_intended ? MSGTAG_R : 0) |
                 (s->cpu != r->cpu ? MSGTAG_X : 0);     /* across processors (spec 2.2) */
    if (r->start_wait) {
        r->start_wait = false;
        if (u == 2 && t == 0)
            arch_thread_set_start(r, s->utcb[1], s->utcb[2]);
        else if (t)
            return IPC_OVERFLOW;        /* a start message accepts nothing typed */
        return 0;
    }
    if (!t)
        return 0;
    /* The typed items: the partners are bound to each other meanwhile
     * (the long work may be preempted, the receiver must not take another
     * message). Unless one of them is bound already: the answer to a
     * page fault during a string copy, which takes no strings and is
     * mapped in a bounded number of pages. */
    struct xfer x;
    bool bind = !s->xfer_partner && !r->xfer_partner;
    xfer_begin(&x, s, r);
    if (bind)
        xfer_enter(&x);
    unsigned err = 0;
    for (unsigned i = u + 1; i <= u + t && !err;) {
        if (s->utcb[i] & ITEM_NOT_STRING)
            err = map_item_transfer(&x, bind, &s->utcb[i], &i, u + t);
        else
            err = bind ? xfer_string(&x, &i, u + t + 1) : IPC_OVERFLOW;
    }
    *offset = x.offset;
    if (bind && x.partner_gone) {
        *gone = x.partner;
        err = IPC_ABORTED;
    }
    if (bind)
        xfer_leave(&x);
    return err;
}

/* Transfer the message from `s` to `r`. Returns 0, or an error code from
 * the sender's point of view when both have failed (transfer_failed). */
static unsigned transfer(struct tcb *s, struct tcb *r)
{
    if (irq_is_thread(r))
        return 0;                       /* an acknowledgement: any message */
    word_t tag = sent_tag(s), offset = 0;               /* (read before any fault) */
    struct tcb *gone = NULL;
    unsigned err = copy_message(s, r, tag, &offset, &gone);
    if (err)
        transfer_failed(s == gone ? NULL : s, r == gone ? NULL : r, tag, err, offset);
    return err;
}

/* The message of `s` reached `r`: record the receiver's result and wake it
 * if it was blocked (it may also be the current thread, receiving).
 * Returns r if it woke it, else NULL. */
static struct tcb *delivered(struct tcb *s, struct tcb *r)
{
    if (irq_is_thread(r)) {                 /* the handler's acknowledgement */
        irq_acknowledged(r);
        return NULL;
    }
    r->ipc_from = tcb_id_for(s, r);
    r->ipc_error = 0;
    if (s->ipc_vsender | s->ipc_intended) {
        struct tcb *vs = tcb_lookup_global(s->ipc_vsender);
        if (vs) {
            r->ipc_from = tcb_id_for(vs, r);
            utcb_set(r, UTCB_ACTUAL_SENDER, s->global_id);
        }
        if (s->ipc_intended)
            utcb_set(r, UTCB_INTENDED_RECEIVER, s->ipc_intended);
    }
    if (r->state != TS_RECV_BLOCKED)
        return NULL;
    wake(r);
    return r;
}

/* A blocked sender's message was taken. Without a receive phase its IPC
 * is complete. With one, it waits for the reply right away, before the
 * receiver runs, so that no reply can miss it (spec 5.1). Returns whether
 * s is to be woken (its timeout is cancelled). */
static __attribute__((noinline)) bool send_phase_over(struct tcb *s)
{
    s->ipc_error = 0;
    timeout_cancel(s);
    if (!s->has_rcv_phase || first_sender(s, s->rcv_from))
        return true;                    /* (then it receives itself when it runs) */
    if (time_is_zero(s->rcv_timeout)) {
        set_error(s, IPC_RECV, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        return true;
    }
    s->has_rcv_phase = false;
    if (!waiters_note(s, s->rcv_from)) {       /* deleted while s was sending */
        set_error(s, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return true;
    }
    s->state = TS_RECV_BLOCKED;
    timeout_arm(s, time_deadline(s->rcv_timeout));
    return false;
}

static void send_phase_done(struct tcb *s)
{
    if (send_phase_over(s))
        sched_make_ready(s);
}

/* ---- propagation (spec 5.6) and redirection (appendix C) --------------- */

/* Is r a redirector on the chain above vs's space (its chief, its
 * chief's chief, ...)? */
static bool redirects_for(const struct tcb *r, const struct tcb *vs)
{
    struct space *s = vs->space;
    for (unsigned hops = 0; s && s->redirector && hops < 64; hops++) {
        if (s->redirector == r->global_id)
            return true;
        struct tcb *next = tcb_lookup_global(s->redirector);
        s = next ? next->space : NULL;
    }
    return false;
}

/* The virtual sender of a propagating send from self to dest, or NULL;
 * the P bit is cleared when the kernel does not honour it. Besides the
 * rules of 5.6, a redirector may speak for the threads of its clan. */
static struct tcb *virtual_sender(struct tcb *self, struct tcb *dest)
{
    if (!(self->utcb[0] & MSGTAG_P))
        return NULL;
    struct tcb *vs = tcb_lookup_global(utcb_get(self, UTCB_VIRTUAL_SENDER));
    if (vs && !irq_is_thread(vs) &&
        (vs->space == self->space || self->space == dest->space || redirects_for(self, vs)))
        return vs;
    self->utcb[0] &= ~MSGTAG_P;
    return NULL;
}

/* Has the message already passed through space `s`? The chain of a
 * forwarded message starts at the original (virtual) sender's space and
 * follows the redirectors up to the current sender's. */
static bool chain_visited(struct space *start, struct space *now, struct space *s)
{
    for (unsigned hops = 0; start && hops < 64; hops++) {
        if (start == s)
            return true;
        if (start == now)
            return false;
        struct tcb *r = start->redirector ? tcb_lookup_global(start->redirector) : NULL;
        start = r ? r->space : NULL;
    }
    return false;
}

/* Where a send from self to dest goes, and under which names: the
 * virtual sender is recorded, and a send leaving a supervised space goes
 * to the space's redirector instead (a Call then waits for the
 * redirector's answer). NULL when the redirector no longer exists. */
static struct tcb *supervise(struct tcb *self, struct tcb *dest, word_t *spec)
{
    struct tcb *vs = virtual_sender(self, dest);
    self->ipc_vsender = vs ? vs->global_id : 0;
    if (vs && vs->state == TS_RECV_BLOCKED && vs->rcv_from == self->global_id) {
        vs->rcv_from = dest->global_id;     /* its Call is answered by dest */
        waiters_note(vs, vs->rcv_from);
    }
    struct space *sp = self->space;
    word_t rid = sp->redirector;
    if (!rid || self->kcall_depth || dest->space == sp || dest->global_id == rid ||
        self->global_id == rid)
        return dest;
    struct tcb *r = tcb_lookup_global(rid);
    if (!r)
        return NULL;
    if (chain_visited(vs ? vs->space : sp, sp, r->space) && r->space != sp)
        return dest;                        /* a loop: cut it here */
    self->ipc_intended = dest->global_id;
    if (*spec == dest->global_id)
        *spec = r->global_id;
    return r;
}

/* An untyped message (tagged `tag`, in self's MRs) to dest, which waits
 * for it (blocked for fast_resume or in a receive of ipc(), or running
 * its receive that takes the message: take_message): into its UTCB, and
 * it is ready (not queued). */
static inline void deliver_untyped(struct tcb *self, struct tcb *dest, word_t tag)
{
    copy_words(&dest->utcb[1], &self->utcb[1], MSGTAG_U(tag));
    dest->utcb[0] = tag;
    dest->ipc_from = tcb_id_for(self, dest);
    dest->ipc_error = 0;
    dest->state = TS_READY;
}

/* ---- the two phases --------------------------------------------------- */

/* self, on its receiver's send queue, waits there until its message is
 * taken, for at most its send timeout. Returns send_phase's answer. */
static bool send_blocked(struct tcb *self, const struct ipc_call *call, word_t timeouts)
{
    self->has_rcv_phase = call->spec != 0;
    self->rcv_from = call->spec;
    self->rcv_timeout = TIMEOUTS_RCV(timeouts);
    /* Our message will be taken (or the send fail). The taker either
     * moves us into the receive phase, which will have ended too when we
     * run again, or leaves it to us because a sender is already queued
     * for us. Only then does more than this processor's work follow
     * (mp_resumed_lockless): our receive phase takes the lock. */
    self->resume_local = local_after(self);
    block(self, TS_SEND_BLOCKED, time_deadline(TIMEOUTS_SND(timeouts)), NULL);
    if (self->ipc_error || !self->has_rcv_phase)
        return false;
    kernel_lock();
    return true;
}

/* The send phase. Returns true if the caller must now run its receive
 * phase itself, false if the IPC is over (failed, or completed by others
 * while we were blocked). */
static bool send_phase(struct tcb *self, struct tcb *dest, struct ipc_call *call, word_t timeouts)
{
    /* propagation (a P tag) or redirection (the space has a redirector) */
    if (dest && tcb_is_active(dest) && (self->no_fast_send || (sent_tag(self) & MSGTAG_P)))
        dest = supervise(self, dest, &call->spec);
    if (dest && dest->space->sigma0 && !self->space->privileged)
        dest = NULL;                    /* sigma0 serves privileged spaces only */
    if (!dest || !tcb_is_active(dest)) {
        set_error(self, IPC_SEND, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return false;
    }
    if (dest->state == TS_RECV_BLOCKED && accepts(dest, dest->rcv_from, self)) {
        timeout_cancel(dest);
        if (transfer(self, dest))
            return false;
        call->handoff = delivered(self, dest);
        return true;
    }
    uint16_t snd_timeout = TIMEOUTS_SND(timeouts);
    if (time_is_zero(snd_timeout)) {
        set_error(self, IPC_SEND, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        return false;
    }
    sendq_append(dest, self);
    return send_blocked(self, call, timeouts);
}

/* Without the lock, receiver r, which waits, takes the message of s, a
 * thread of this processor queued to send to it, as receive_phase takes
 * it under the lock: for a receive of this processor (take_queued) or of
 * another (its request, serve_take). Refused, with nothing done, if the
 * general path might do anything else: s is not (or no longer) blocked
 * on r's queue or accepted by r's receive specifier `spec` (a holder of
 * the lock may have moved it to another space meanwhile, claiming only
 * s's processor), is in a kernel-made IPC or a string copy, propagates (its
 * tag, read once here, too) or has typed items, or its receive phase
 * would join another processor's list of waiters. Else s's send phase is
 * over (send_phase_over) and *woken is s if it is to run, for the caller
 * to make ready. */
static __attribute__((noinline)) bool take_message(struct tcb *r, struct tcb *s, word_t spec,
                                                   struct tcb **woken)
{
    if (s->cpu != cpu_index() || s == current || s->state != TS_SEND_BLOCKED ||
        s->send_dest != r || !accepts(r, spec, s) || s->kcall_depth || s->xfer_partner ||
        (s->ipc_vsender | s->ipc_intended) ||
        (s->has_rcv_phase && !waiters_noted(s, s->rcv_from)))
        return false;
    word_t tag = utcb_get(s, UTCB_MR(0));
    if ((tag & MSGTAG_P) || MSGTAG_T(tag))
        return false;
    sendq_unlink(s);
    deliver_untyped(s, r, (tag & ~MSGTAG_FLAGS) | (s->cpu != r->cpu ? MSGTAG_X : 0));
    if (send_phase_over(s)) {
        s->state = TS_READY;
        *woken = s;
    }
    return true;
}

/* Without the lock (ipc_local), our receive takes the message of s,
 * queued for us: here, or by a request to s's processor, which hands it
 * over (ipc_serve_remote; s cannot move here without claiming us, so its
 * processor is ours or another's for good). True if it did; if not, we
 * take the lock (and look again). */
static __attribute__((noinline)) bool take_queued(struct tcb *self, struct tcb *s, word_t spec)
{
    struct tcb *woken = NULL;
    if (s->cpu == self->cpu ? take_message(self, s, spec, &woken)
                            : mp_request(s->cpu, REQ_TAKE, self, s->global_id, spec) == REQ_DONE) {
        if (woken)
            sched_make_ready(woken);
        return true;
    }
    kernel_lock_wait();
    return false;
}

static inline word_t receive_phase(struct tcb *self, const struct ipc_call *call,
                                   uint16_t rcv_timeout)
{
    word_t spec = call->spec;
    struct tcb *s = first_sender(self, spec);
    if (s && mp_lockless()) {
        if (take_queued(self, s, spec))
            return self->ipc_from;
        s = first_sender(self, spec);
    }
    if (s) {
        sendq_remove(s);
        timeout_cancel(s);
        if (transfer(s, self))
            return NILTHREAD;
        delivered(s, self);
        send_phase_done(s);
        return self->ipc_from;
    }
    if (!waiters_note(self, spec)) {            /* deleted while we were sending */
        set_error(self, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    if (time_is_zero(rcv_timeout)) {
        set_error(self, IPC_RECV, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    self->rcv_from = spec;
    self->ipc_error = 0;
    uint64_t deadline = time_deadline(rcv_timeout);
    /* (Not sigma0: the fast path would not check who sends. Not with a
     * non-canonical RIP, which the fast path's sysret must never get.) */
    if (!deadline && !self->kcall_depth && !self->space->sigma0 && arch_user_ip_canonical(self))
        block_for_fast_resume(self, call->handoff);
    /* The outcome is in place when we run again (mp_resumed_lockless
     * needs no lock for it, if nothing but ours follows). */
    self->resume_local = local_after(self);
    block(self, TS_RECV_BLOCKED, deadline, call->handoff);
    return self->ipc_error ? NILTHREAD : self->ipc_from;
}

/* A receive specifier as the kernel keeps it: any, anylocal, or the
 * partner's global id. 0 if it names no thread. */
static word_t resolve_from(struct tcb *self, word_t from)
{
    if (from == ANYTHREAD || from == ANYLOCALTHREAD)
        return from;
    struct tcb *t = tcb_peek(from, self);  /* (its id only: no claim) */
    return t ? t->global_id : 0;
}

/* A pager's answer's map item without the lock, if nobody holds it and
 * the page is new to the receiver's space (mp_memory_try,
 * map_item_fresh); false, with nothing done, if not. */
static bool map_item_without_lock(struct tcb *s, struct tcb *r, const word_t *item)
{
    if (!mp_memory_try())
        return false;
    bool mapped = map_item_fresh(s, r, item);
    mp_memory_done();
    return mapped;
}

/* A pager's answer to a page fault in short: a ReplyWait whose one typed
 * item maps one 4 KB page into the complete window of a kernel-made IPC
 * (map_item_short), to the partner waiting for us in that IPC, neither
 * partner in a string copy, then our wait for anyone, without timeout,
 * with nobody queued for us. It is ipc()'s send and
 * receive phase for just this case: the mapping (it cannot block), the
 * delivery, and a fast-path wait handing the processor to the partner if
 * the scheduler lets it. Everything else, a transfer that may block or be
 * preempted among it, goes through ipc(). (Not to sigma0, which
 * unprivileged spaces may not send to; an interrupt thread is never in a
 * kernel-made IPC.) Returns only if it does not apply, with nothing done
 * that ipc() would not redo. */
static __attribute__((noinline)) void reply_short(struct tcb *self, word_t tag, word_t to,
                                                  word_t from_spec)
{
    unsigned u = MSGTAG_U(tag);
    struct tcb *dest = tcb_lookup(to, self);
    self->ipc_vsender = self->ipc_intended = 0;
    if (!dest || dest->halted || dest->cpu != self->cpu || MSGTAG_T(tag) != 2 || u + 3 > NUM_MRS || from_spec != ANYTHREAD ||
        !list_empty(&self->sendq) || self->space->sigma0 || self->xfer_partner ||
        dest->state != TS_RECV_BLOCKED || !dest->kcall_depth || dest->fast_blocked ||
        dest->space->sigma0 || dest->xfer_partner || !accepts(dest, dest->rcv_from, self) ||
        !(mp_lockless() ? map_item_without_lock(self, dest, &self->utcb[u + 1])
                        : map_item_short(self, dest, &self->utcb[u + 1])))
        return;
    copy_words(&dest->utcb[1], &self->utcb[1], u + 2);
    dest->utcb[0] = tag;                /* (no flags: ipc_short checked) */
    dest->ipc_from = tcb_id_for(self, dest);    /* delivered(), for this case */
    dest->ipc_error = 0;
    wake(dest);
    self->ipc_from = NILTHREAD;
    self->has_rcv_phase = false;
    self->ipc_error = 0;
    self->rcv_from = ANYTHREAD;
    block_for_fast_resume(self, dest);
}

/* The common case in short, as the fast path (fastpath.S) does it in
 * assembly: an untyped Call, or ReplyWait with nobody queued for us, to a
 * partner blocked for fast_resume in a receive that takes us, our own
 * receive without timeout, the partner of at least our priority (so no
 * scheduling decision: sched_handoff's first case), nothing supervised.
 * Neither thread touches a queue or its kernel stack. (No irq or sigma0
 * thread and none waiting for its start message is ever fast-blocked. A
 * Unix-ABI thread blocked by unix_fastpath.S for its handler's answer
 * resumes in unix_fast_resume, which applies the answer as unix.c does.)
 * Returns only if it does not apply. */
void ipc_short(word_t to, word_t from_spec, word_t timeouts, word_t tag)
{
    struct tcb *self = current;
    if ((tag & MSGTAG_FLAGS) || TIMEOUTS_RCV(timeouts) || self->no_fast_send ||
        self->delay_until || !arch_user_ip_canonical(self))
        return;
    if (MSGTAG_T(tag)) {
        reply_short(self, tag, to, from_spec);  /* (out of line: the untyped */
        return;                                 /* case keeps its registers) */
    }
    /* (Another processor's thread is not for us: no claim of it, under the
     * lock its processor number stays as it is.) */
    struct tcb *dest = tcb_peek(to, self);
    if (!dest || dest->cpu != self->cpu || dest->state != TS_RECV_BLOCKED ||
        !dest->fast_blocked || dest->halted || dest->priority < self->priority)
        return;
    if (from_spec == dest->global_id) {     /* a Call: we will wait for dest */
        if (self->listed_with != from_spec)
            waiters_join(self, dest);       /* (harmless if we return below) */
    } else if (from_spec != ANYTHREAD || !list_empty(&self->sendq)) {
        return;
    }
    word_t spec = dest->rcv_from;
    if (spec != self->global_id && spec != ANYTHREAD &&
        !(spec == ANYLOCALTHREAD && dest->space == self->space))
        return;
    deliver_untyped(self, dest, tag);
    self->rcv_from = from_spec;
    self->ipc_error = 0;
    self->state = TS_RECV_BLOCKED;
    self->fast_blocked = FAST_X2;
    sched_resume_direct(dest);
}

/* ---- IPC without the kernel lock (arch/mp.h) ---------------------------- */

/* Can this IPC of the current thread (ipc_short and ipc() after it) run
 * without the kernel lock? Only if everything it may touch is this
 * processor's: a send without typed items (map items reach the mapping
 * database, strings other spaces) but a pager's one map item to a thread
 * in a kernel-made IPC (IPC_LOCAL_MAP here, a request elsewhere: it maps
 * only while nobody holds the lock, reply_short, serve_map_reply), without
 * propagation or redirection (a virtual
 * sender, a redirector), To a thread of this processor named by its
 * global id, an interrupt thread too (the acknowledgement opens its line
 * under the interrupt controller's own lock: irq_acknowledged), or a
 * thread of another (IPC_REMOTE, whose send phase is a request that
 * processor serves, ipc_remote; not an interrupt thread, which moves to
 * the processors its interrupts come from); a receive from anyone, from
 * a thread of this processor or from one of another we are listed with,
 * or a Call to one of another, which its processor lists us with
 * (IPC_REMOTE_LISTED); the list of closed receives we leave this
 * processor's, or in such a Call To's processor's. (Our message is
 * the tag in the register the test saw: ipc_short and ipc_remote take
 * it from there, ipc() through sent_tag. A sender queued for
 * our receive, whose message in its UTCB may change, typed items and
 * all, until a transfer reads it, is taken by take_queued, which reads
 * its tag once.) Decided before anything changes, with
 * interrupts off: a holder of the lock that wants this processor's
 * threads claims it and waits. Then the processor is marked
 * `lockless` until it leaves the kernel or takes the lock: a claim of
 * another processor meanwhile panics (mp_claim_wait), and one that
 * switches to the idle thread still counts as running a thread
 * (mp.c). */
enum ipc_lock ipc_local(word_t to, word_t from_spec, word_t tag)
{
    struct tcb *self = current;
    unsigned cpu = self->cpu, to_cpu = cpu;
    bool listing = false;               /* (a Call to another processor's) */
    enum ipc_lock local = IPC_LOCAL;
    if (to != NILTHREAD) {
        /* (flags 13 to 15 of a sent tag mean nothing, spec 5.3) */
        if ((tag & MSGTAG_P) || self->no_fast_send)
            return IPC_LOCKED;
        struct tcb *dest = tcb_peek_global(to);
        if (!dest)
            return IPC_LOCKED;
        to_cpu = dest->cpu;
        if (to_cpu != cpu && irq_is_thread(dest))
            return IPC_LOCKED;
        /* Typed items only as a pager's answer to a page fault: one map
         * item to a thread in a kernel-made IPC (reply_short,
         * serve_map_reply; another processor's checks again). */
        if (MSGTAG_T(tag)) {
            if (MSGTAG_T(tag) != 2 || !dest->kcall_depth)
                return IPC_LOCKED;
            local = IPC_LOCAL_MAP;
        }
    }
    if (from_spec != NILTHREAD && from_spec != ANYTHREAD && from_spec != ANYLOCALTHREAD) {
        /* A closed receive (a Call's too): its partner by the slot,
         * whatever the version of the thread in it (another processor's
         * ThreadControl may rename it meanwhile, but not move it to or
         * from here, nor delete it, without claiming this processor; an
         * empty slot, though, may get a thread of another processor
         * meanwhile, so a receive from nobody takes the lock); the list
         * we leave for its (waiters.h). From another processor's thread:
         * we are on its list already, or it is a Call, whose request has
         * To's processor list us there (REQ_LISTED); the list we leave
         * is this processor's, or in such a Call To's processor's. */
        bool call = from_spec == to;
        unsigned partner_cpu = to_cpu;  /* (To's in a Call) */
        if (!call) {
            if (tid_is_local(from_spec))
                return IPC_LOCKED;
            struct tcb *p = tcb_of_number(tid_number(from_spec));
            partner_cpu = p->cpu;
            if ((partner_cpu != cpu && irq_is_thread(p)) || !tcb_is_active(p))
                return IPC_LOCKED;
        }
        if (self->listed_with != from_spec) {
            unsigned left = self->listed_with ? waiters_cpu(self) : cpu;
            if ((partner_cpu != cpu && !call) || (left != cpu && !(call && left == partner_cpu)))
                return IPC_LOCKED;
            listing = call;
        }
    }
    mp_mark_lockless();
    return to_cpu == cpu ? local : listing ? IPC_REMOTE_LISTED : IPC_REMOTE;
}

/* A pager's answer to a page fault by request (serve_send): the map item
 * of reply_short, for a receiver of ours in a kernel-made IPC that takes
 * the sender's message, if nobody holds the kernel lock (the mapping
 * database is the lock's: mp_memory_try) and the receiver's space has no
 * mapping where the page goes (map_item_fresh: then no processor's TLB
 * holds an entry there, and nobody need be claimed). The item's words
 * are read once, for the mapping and the message alike. Refused, with
 * nothing done, otherwise: the general way under the lock. */
static __attribute__((noinline)) enum req_outcome serve_map_reply(struct tcb *s, struct tcb *r,
                                                                  word_t tag,
                                                                  struct tcb **woken)
{
    unsigned u = MSGTAG_U(tag);
    if (MSGTAG_T(tag) != 2 || u + 3 > NUM_MRS || !r->kcall_depth || r->halted ||
        r->xfer_partner || s->space->sigma0)
        return REQ_REFUSED;
    word_t item[2] = { s->utcb[u + 1], s->utcb[u + 2] };
    if (!map_item_without_lock(s, r, item))
        return REQ_REFUSED;
    timeout_cancel(r);
    deliver_untyped(s, r, tag | MSGTAG_X);  /* across processors (spec 2.2) */
    r->utcb[u + 1] = item[0];
    r->utcb[u + 2] = item[1];
    *woken = r;
    return REQ_DONE;
}

/* A request's send (mp_request, from ipc_remote: no redirection or
 * propagation, ipc_local; not a start message, nor the answer to a
 * kernel-made IPC: those take the lock). The receiver is ours, and
 * cannot change meanwhile; so is the sender's processor, which waits. A
 * receiver that does not wait for the message gets the sender on its
 * send queue, if the send may wait. Refused if the general send phase
 * might do anything else: the receiver is not one we may change without
 * the lock, or may not get the message at all (sigma0), or is our thread
 * in its IPC without the lock, whose request we serve while we wait: its
 * receive, which follows, might take the message (a reply perhaps, spec
 * 5.1: not "not waiting"), and while it takes a message from another
 * processor's thread, that processor changes its send queue. (The wait
 * leaves most such sends for later, mp.c's deferred, but not all: those
 * from the processor it waits for, those while its own is deferred, and
 * one reposted after deferred() read it. This check stays.) */
static enum req_outcome serve_send(bool may_queue, struct tcb *s, word_t to, word_t tag,
                                   struct tcb **woken)
{
    struct tcb *r = tcb_peek_global(to);
    if (!r || r->cpu != cpu_index() || (r->space->sigma0 && !s->space->privileged))
        return REQ_REFUSED;
    if (r->state == TS_RECV_BLOCKED && accepts(r, r->rcv_from, s)) {
        if (r->kcall_depth || r->xfer_partner || r->start_wait || MSGTAG_T(tag))
            return MSGTAG_T(tag) ? serve_map_reply(s, r, tag, woken) : REQ_REFUSED;
        timeout_cancel(r);
        deliver_untyped(s, r, tag | MSGTAG_X);  /* across processors (spec 2.2) */
        *woken = r;
        return REQ_DONE;
    }
    if (!tcb_is_active(r) || (r == current && mp_lockless()) || MSGTAG_T(tag))
        return REQ_REFUSED;
    if (!may_queue)
        return REQ_NOT_WAITING;
    sendq_append(r, s);                 /* (the sender's processor blocks it) */
    return REQ_QUEUED;
}

/* A first Call's (REQ_LISTED): unless the send fails, the caller is
 * listed with the receiver before its receive phase (spec 5.1), off the
 * list it was on, which is ours (ipc_local; refused if that thread moved
 * away meanwhile). */
static __attribute__((noinline)) enum req_outcome serve_first_call(enum req_kind kind,
                                                                   struct tcb *s, word_t to,
                                                                   word_t tag,
                                                                   struct tcb **woken)
{
    if (s->listed_with && waiters_cpu(s) != cpu_index())
        return REQ_REFUSED;
    /* (through ipc_serve_remote, so that serve_send keeps one caller and
     * stays inline on the hot path) */
    enum req_outcome o = ipc_serve_remote(kind & ~REQ_LISTED, s, to, tag, woken);
    if (o == REQ_DONE || o == REQ_QUEUED)
        waiters_join_served(s, tcb_peek_global(to));
    return o;
}

/* A request's take (take_queued on r's processor, r's receive specifier
 * in the request's tag word). */
static enum req_outcome serve_take(struct tcb *r, word_t sid, word_t spec, struct tcb **woken)
{
    struct tcb *s = tcb_peek_global(sid);
    return s && take_message(r, s, spec, woken) ? REQ_DONE : REQ_REFUSED;
}

enum req_outcome ipc_serve_remote(enum req_kind kind, struct tcb *thread, word_t id, word_t tag,
                                  struct tcb **woken)
{
    if (kind == REQ_TAKE)
        return serve_take(thread, id, tag, woken);
    if (kind & REQ_LISTED)
        return serve_first_call(kind, thread, id, tag, woken);
    return serve_send(kind == REQ_SEND_OR_QUEUE, thread, id, tag, woken);
}

word_t ipc(word_t to, word_t from_spec, word_t timeouts)
{
    struct tcb *self = current;
    struct tcb *dest = to != NILTHREAD ? tcb_lookup(to, self) : NULL;
    struct ipc_call call = {
        .spec = from_spec == NILTHREAD ? 0
                : from_spec == to && dest ? dest->global_id     /* a Call */
                                          : resolve_from(self, from_spec),
    };
    self->ipc_from = NILTHREAD;
    self->ipc_error = 0;
    self->ipc_vsender = 0;
    self->ipc_intended = 0;
    self->has_rcv_phase = false;
    if (to != NILTHREAD) {
        bool receive_now = send_phase(self, dest, &call, timeouts);
        if (self->ipc_error || from_spec == NILTHREAD)
            return NILTHREAD;
        if (call.spec && !receive_now)
            return self->ipc_from;
        self->has_rcv_phase = false;
    } else if (from_spec == NILTHREAD) {
        return NILTHREAD;
    }
    if (!call.spec) {
        set_error(self, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    return receive_phase(self, &call, TIMEOUTS_RCV(timeouts));
}

/* ipc_remote's send that did not go: the receiver did not wait for it,
 * and a send timeout of 0 fails, any other waits on its queue. */
static __attribute__((noinline)) word_t remote_send_waits(struct tcb *self, enum req_outcome o,
                                                          word_t to, word_t from_spec,
                                                          word_t timeouts)
{
    if (o == REQ_NOT_WAITING) {
        set_error(self, IPC_SEND, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    struct ipc_call call = {
        .spec = from_spec == NILTHREAD || from_spec == to ? from_spec
                                                          : resolve_from(self, from_spec),
    };
    /* (the receive that follows takes the lock if it must: send_blocked) */
    if (send_blocked(self, &call, timeouts))
        return ipc(NILTHREAD, from_spec, timeouts);
    if (self->ipc_error || from_spec == NILTHREAD)
        return NILTHREAD;
    if (!call.spec) {               /* (named nobody when the IPC began, as in ipc()) */
        set_error(self, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    return self->ipc_from;
}

/* A Call not listed with To yet (IPC_REMOTE_LISTED): the request asks
 * To's processor to list us (REQ_LISTED), off the list we are on, which
 * is To's processor's or ours (ipc_local); ours we leave here. */
static __attribute__((noinline)) enum req_kind first_call(struct tcb *self)
{
    if (self->listed_with && waiters_cpu(self) == self->cpu)
        waiters_leave(self);
    return REQ_LISTED;
}

/* IPC_LOCAL_MAP: a pager's answer to a page fault of a thread of this
 * processor, without the lock if reply_short can map the page so
 * (reply_short: mp_memory_try, map_item_fresh); if not, nothing is done
 * and the IPC goes as it went under the lock: reply_short again, now
 * mapping as the lock's holder (map_item_short: a page mapped there
 * already, more rights, the lock held elsewhere meanwhile), else the
 * general way. */
word_t ipc_map_answer(word_t to, word_t from_spec, word_t timeouts, word_t tag)
{
    ipc_short(to, from_spec, timeouts, tag);
    kernel_lock_wait();
    ipc_short(to, from_spec, timeouts, tag);
    return ipc(to, from_spec, timeouts);
}

/* ipc() for a To of another processor, without the lock (ipc_local let
 * it through): the send phase is a request that processor serves, which
 * also asks there, where it cannot change meanwhile, whether the
 * receiver may get the message at all (sigma0). It delivers the message,
 * or says the receiver does not wait for it (a send timeout of 0), or
 * puts us on its send queue, where we wait as send_phase would. If it
 * did none of these, nothing is done, and the IPC runs all over again
 * under the lock. What follows is a receive of this processor's. */
word_t ipc_remote(word_t to, word_t from_spec, word_t timeouts, word_t tag, enum ipc_lock how)
{
    enum req_kind kind = how == IPC_REMOTE_LISTED ? first_call(current) : REQ_SEND;
    struct tcb *self = current;
    struct tcb *dest = tcb_peek_global(to);
    self->ipc_vsender = 0;              /* (the server reads them: accepts) */
    self->ipc_intended = 0;
    self->ipc_from = NILTHREAD;
    self->ipc_error = 0;
    if (!time_is_zero(TIMEOUTS_SND(timeouts)))
        kind |= REQ_SEND_OR_QUEUE;      /* (REQ_SEND is 0) */
    enum req_outcome o = dest ? mp_request(dest->cpu, kind, self, to, tag & ~MSGTAG_FLAGS)
                              : REQ_REFUSED;
    if (o == REQ_DONE)
        return from_spec == NILTHREAD ? NILTHREAD : ipc(NILTHREAD, from_spec, timeouts);
    if (o != REQ_REFUSED)
        return remote_send_waits(self, o, to, from_spec, timeouts);
    kernel_lock_wait();
    return ipc(to, from_spec, timeouts);
}

/* ---- kernel-made messages --------------------------------------------- */

/* What a thread's IPC in progress (a string transfer) keeps in its TCB
 * and UTCB and a kernel-made IPC nested in it would overwrite. */
struct ipc_outer {
    word_t br0, from, error, rcv_from;
    bool rcv_phase;
    uint16_t rcv_timeout;
};

static struct ipc_outer ipc_outer_save(const struct tcb *t)
{
    return (struct ipc_outer){
        .br0 = utcb_get(t, UTCB_BR(0)), .from = t->ipc_from, .error = t->ipc_error,
        .rcv_from = t->rcv_from, .rcv_phase = t->has_rcv_phase, .rcv_timeout = t->rcv_timeout,
    };
}

static void ipc_outer_restore(struct tcb *t, const struct ipc_outer *o)
{
    utcb_set(t, UTCB_BR(0), o->br0);
    t->ipc_from = o->from;
    t->ipc_error = o->error;
    t->rcv_from = o->rcv_from;
    t->has_rcv_phase = o->rcv_phase;
    t->rcv_timeout = o->rcv_timeout;
}

/* A kernel-made message (untyped, in self's MRs) to a partner blocked
 * for fast_resume in a receive that takes it, as ipc_short delivers:
 * no queue, no trip through the general send phase. Then self waits for
 * the answer as ipc()'s receive phase would, handing the partner the
 * processor. (Supervision never applies to kernel-made IPC, and sigma0
 * is never fast-blocked.) False, with nothing done, if it does not apply. */
static bool kernel_call_short(struct tcb *self, struct tcb *dest)
{
    word_t tag = self->utcb[0] & ~MSGTAG_FLAGS;     /* (its space may have set some) */
    self->ipc_vsender = self->ipc_intended = 0;
    if (dest->state != TS_RECV_BLOCKED || !dest->fast_blocked || dest->halted ||
        dest->priority < self->priority || self->delay_until || MSGTAG_T(tag) ||
        dest->cpu != self->cpu ||
        !accepts(dest, dest->rcv_from, self))
        return false;
    deliver_untyped(self, dest, tag);
    self->ipc_from = NILTHREAD;
    self->ipc_error = 0;
    self->has_rcv_phase = false;
    self->rcv_from = dest->global_id;
    waiters_note(self, self->rcv_from);
    self->resume_local = in_fault_without_lock(self);  /* (local_after: kcall_depth > 0) */
    block(self, TS_RECV_BLOCKED, 0, dest);
    return true;
}

word_t ipc_kernel_call(struct tcb *dest, uint64_t deadline)
{
    struct tcb *self = current;
    struct ipc_outer outer = ipc_outer_save(self);
    utcb_set(self, UTCB_BR(0), KCALL_BR0);
    self->kcall_deadline = deadline;
    self->kcall_depth++;
    word_t id = dest->global_id;
    /* (Without the lock, a pager of another processor is asked by a
     * request: fault.c, ipc_local) */
    if (!kernel_call_short(self, dest)) {
        if (dest->cpu != self->cpu && mp_lockless())
            ipc_remote(id, id, 0, sent_tag(self),
                       self->listed_with == id ? IPC_REMOTE : IPC_REMOTE_LISTED);
        else
            ipc(id, id, 0);
    }
    word_t result = self->ipc_error;
    self->kcall_depth--;
    self->kcall_deadline = 0;
    ipc_outer_restore(self, &outer);
    return result;
}

/* ---- interrupt threads (irq.h) ------------------------------------------ */

struct tcb *ipc_irq_send(struct tcb *irq, struct tcb *h)
{
    struct tcb *woken = NULL;
    irq->utcb[0] = IRQ_TAG;
    irq->rcv_from = h->global_id;           /* then it waits for the acknowledgement */
    if (h->state == TS_RECV_BLOCKED && accepts(h, h->rcv_from, irq)) {
        timeout_cancel(h);
        transfer(irq, h);
        woken = delivered(irq, h);
        waiters_note(irq, h->global_id);
        irq->state = TS_RECV_BLOCKED;
    } else {
        sendq_append(h, irq);
        irq->has_rcv_phase = true;
        irq->rcv_timeout = TIME_NEVER;
        irq->state = TS_SEND_BLOCKED;
    }
    return woken;
}

void ipc_irq_withdraw(struct tcb *irq)
{
    sendq_remove(irq);
}

/* ---- faults during string copy (spec 5.8) ------------------------------- */

/* A thread the fast path put to sleep runs again (fastpath.S): like the
 * end of block(), it may first have to serve faults of a string copy; a
 * thread halted meanwhile stops before it returns to user mode.
 * (fast_resume calls this only when one of the two is so.) */
COLD void ipc_fast_resumed(struct tcb *self)
{
    kernel_lock();                      /* (switched to without it: ipc_local) */
    self->fast_blocked = FAST_NONE;
    while (self->xfer_serve == SERVE_REQUESTED)
        serve_reflected_fault(self);
    ipc_user_return(self);
}

/* Order key of an xfer timeout: 0 for zero, ~0 for never, else the tick. */
static uint64_t xfer_key(uint16_t t)
{
    if (time_is_zero(t))
        return 0;
    uint64_t d = time_deadline(t);
    return d ? d : ~0UL;
}

/* At the first fault the effective xfer timeout starts: the smaller of
 * the sender's send-xfer and the receiver's receive-xfer timeout. */
static void xfer_start_timeout(struct xfer *x)
{
    uint64_t snd = xfer_key(TIMEOUTS_SND(utcb_get(x->s, UTCB_XFER_TIMEOUTS)));
    uint64_t rcv = xfer_key(TIMEOUTS_RCV(utcb_get(x->r, UTCB_XFER_TIMEOUTS)));
    x->faulted = true;
    x->receiver_first = rcv < snd;
    uint64_t first = MIN(snd, rcv);
    x->expired = first == 0;
    x->deadline = first == ~0UL ? 0 : first;
}

/* The copier c waits in reflect_fault: wake it with `err`, the outcome
 * of the page-fault IPC it waited for (an IPC error word; 0: answered). */
static void xfer_wake_copier(struct tcb *c, word_t err)
{
    if (c->state != TS_XFER || !c->xfer)
        return;
    c->xfer_result = err;
    wake(c);
}

/* The copier goes on without p's answer: p must not start on the request
 * any more, or, in its page-fault IPC already, is released from it and
 * learns the outcome when it returns. */
static void xfer_recall(struct tcb *p)
{
    if (p->xfer_serve == SERVE_REQUESTED) {
        p->xfer_serve = SERVE_NONE;             /* it is ready and finds nothing to do */
    } else if (p->xfer_serve == SERVE_BUSY) {
        cancel_blocked(p, IPC_CANCELED);
        p->xfer_serve = SERVE_ABANDONED;
    }
}

/* The partner p asks its pager about `addr` on our behalf: wake it to do
 * so (its block() loop serves the request) and wait for the outcome, the
 * transfer's timeout, an abort or p's deletion. */
static word_t reflect_fault(struct xfer *x, struct tcb *p, word_t addr, bool write)
{
    struct tcb *self = current;
    mp_claim(p->cpu);
    p->xfer_fault_addr = addr;
    p->xfer_fault_write = write;
    p->xfer_serve = SERVE_REQUESTED;
    sched_make_ready(p);
    self->state = TS_XFER;
    timeout_arm(self, x->deadline);
    sched_remove(self);
    sched_handoff(p);
    mp_claim(p->cpu);                           /* (the lock went while we waited) */
    if (!x->partner_gone)
        xfer_recall(p);                         /* (answered: nothing to recall) */
    return self->xfer_result;
}

static word_t user_ip(struct tcb *t)
{
    word_t sp, ip, flags;
    arch_get_user_regs(t, &sp, &ip, &flags);
    return ip;
}

static COLD void serve_reflected_fault(struct tcb *self)
{
    struct tcb *copier = self->xfer_partner;
    self->xfer_serve = SERVE_BUSY;
    unsigned access = self->xfer_fault_write ? ACCESS_W : ACCESS_R;
    word_t ip = self->xfer_is_sender ? user_ip(self) : ~0UL;
    word_t err = fault_nested_ipc(self, self->xfer_fault_addr, access, ip, copier->xfer->deadline);
    if (self->xfer_serve == SERVE_ABANDONED) {
        /* The copier went on without us (timeout, abort, its deletion):
         * the transfer's outcome, which our page-fault IPC kept from us. */
        self->xfer_serve = SERVE_NONE;
        self->ipc_error = self->xfer_end_error;
        self->ipc_from = NILTHREAD;
        utcb_set(self, UTCB_ERROR_CODE, self->ipc_error);
        utcb_set(self, UTCB_MR(0), self->xfer_is_sender ? utcb_get(self, UTCB_MR(0)) | MSGTAG_E
                                                         : self->xfer_end_mr0);
        return;
    }
    self->xfer_serve = SERVE_NONE;
    self->state = TS_XFER;
    mp_claim(copier->cpu);              /* (our page-fault IPC let the lock go) */
    xfer_wake_copier(copier, err);      /* (unless its timeout woke it first) */
    sched_remove(self);
    sched_handoff(copier);
}

COLD unsigned ipc_xfer_fault(struct xfer *x, struct tcb *t, word_t addr, bool write)
{
    if (!x->faulted)
        xfer_start_timeout(x);
    if (x->expired)
        return x->receiver_first ? IPC_XFER_TIMEOUT_PARTNER : IPC_XFER_TIMEOUT_CURRENT;
    word_t err;
    if (t == current)
        err = fault_nested_ipc(t, addr, write ? ACCESS_W : ACCESS_R,
                               t == x->s ? user_ip(t) : ~0UL, x->deadline);
    else
        err = reflect_fault(x, t, addr, write);
    /* We waited: the processors of either partner may have changed their
     * threads without the lock (ipc_local) until claimed again. */
    xfer_claim_partners(x);
    if (x->aborted || x->partner_gone)
        return IPC_ABORTED;
    if (!err)
        return 0;
    if (IPC_ERROR_CODE(err) == IPC_TIMEOUT)
        return x->receiver_first ? IPC_XFER_TIMEOUT_PARTNER : IPC_XFER_TIMEOUT_CURRENT;
    return IPC_ABORTED;
}

/* ---- timeouts, cancellation, deletion ---------------------------------- */

/* End a plain blocked IPC phase with `code` (1 timeout, 3 canceled).
 * False if t is in none. */
static bool cancel_blocked(struct tcb *t, unsigned code)
{
    mp_claim(t->cpu);                   /* (from a timeout or a partner) */
    if (t->state == TS_SEND_BLOCKED) {
        sendq_remove(t);
        set_error(t, IPC_SEND, code, 0, utcb_get(t, UTCB_MR(0)) | MSGTAG_E);
    } else if (t->state == TS_RECV_BLOCKED) {
        set_error(t, IPC_RECV, code, 0, TAG_ERROR_ONLY);
    } else {
        return false;
    }
    wake(t);
    return true;
}

void ipc_timeout(struct tcb *t)
{
    if (!cancel_blocked(t, IPC_TIMEOUT))
        xfer_wake_copier(t, IPC_ERROR(0, IPC_TIMEOUT, IPC_SEND)); /* partner's fault: too slow */
}

/* (Not in a kernel-made IPC, which goes on under the lock, nor in a
 * string copy, whose copier may be elsewhere; a send only from a queue
 * of this processor.) */
bool ipc_wait_here(const struct tcb *t)
{
    return !t->kcall_depth && !t->xfer_partner &&
           (t->state == TS_SEND_BLOCKED ? t->send_dest->cpu == t->cpu
                                        : t->state == TS_RECV_BLOCKED);
}

bool ipc_timeout_here(struct tcb *t)
{
    if (!ipc_wait_here(t))
        return false;
    timeout_cancel(t);
    return cancel_blocked(t, IPC_TIMEOUT);
}

unsigned ipc_cancel(struct tcb *t, bool send, bool recv)
{
    if (t->xfer_partner) {
        /* In a string transfer, perhaps in a page-fault IPC nested in it:
         * aborting ends the transfer for both (code 7, spec 5.9). Whoever
         * is in a nested IPC is released from it; the copier notices. */
        bool sending = t->xfer_is_sender;
        if (sending ? send : recv) {
            struct tcb *copier = t->xfer ? t : t->xfer_partner;
            copier->xfer->aborted = true;
            cancel_blocked(t, IPC_CANCELED);
            cancel_blocked(t->xfer_partner, IPC_CANCELED);
            xfer_wake_copier(copier, IPC_ERROR(0, IPC_ABORTED, IPC_SEND));
        }
        return sending ? EXREG_SEND : EXREG_RECV;
    }
    if (t->state == TS_SEND_BLOCKED) {
        if (send)
            cancel_blocked(t, IPC_CANCELED);
        return EXREG_SEND;
    }
    if (t->state == TS_RECV_BLOCKED) {
        if (recv) {
            if (t->start_wait) {
                t->start_wait = false;  /* starts at the IP/SP just set */
                wake(t);
            } else {
                cancel_blocked(t, IPC_CANCELED);
            }
        }
        return EXREG_RECV;
    }
    return 0;
}

/* t goes away in the middle of a string transfer with p. */
static void detach_xfer(struct tcb *t, struct tcb *p)
{
    mp_claim(p->cpu);
    p->xfer_partner = NULL;
    t->xfer_partner = NULL;
    if (p->xfer) {                      /* p copies: let it fail the transfer */
        p->xfer->partner_gone = true;
        p->xfer->aborted = true;
        xfer_wake_copier(p, IPC_ERROR(0, IPC_ABORTED, IPC_SEND));
        cancel_blocked(p, IPC_CANCELED);    /* or its own page-fault IPC */
        return;
    }
    /* t was copying: p waits for the end, or serves (or was asked to
     * serve) a fault for t. */
    unsigned phase = p->xfer_is_sender ? IPC_SEND : IPC_RECV;
    word_t mr0 = p->xfer_is_sender ? utcb_get(p, UTCB_MR(0)) | MSGTAG_E : TAG_ERROR_ONLY;
    xfer_recall(p);
    xfer_failed_for(p, phase, IPC_ABORTED, t->xfer->offset, mr0);
    if (p->state == TS_XFER)
        wake(p);
}

void ipc_detach(struct tcb *t)
{
    if (t->xfer_partner)
        detach_xfer(t, t->xfer_partner);
    if (t->state == TS_SEND_BLOCKED)
        sendq_remove(t);
    timeout_cancel(t);
    while (!list_empty(&t->sendq)) {
        struct tcb *s = t->sendq.first;
        sendq_remove(s);
        set_error(s, IPC_SEND, IPC_NO_PARTNER, 0, utcb_get(s, UTCB_MR(0)) | MSGTAG_E);
        wake(s);
    }
    /* Those waiting to receive from t specifically: all are listed
     * with t (waiters.h), t itself not any more. Under any of its
     * versions: one that ThreadControl renamed t from leaves its
     * receivers waiting for a thread that is gone now. */
    waiters_leave(t);
    struct tcb *r;
    while ((r = waiters_take(t)))       /* (its processor claimed: unlink) */
        if (r->state == TS_RECV_BLOCKED && r->rcv_from != ANYTHREAD &&
            r->rcv_from != ANYLOCALTHREAD && tid_number(r->rcv_from) == tid_number(t->global_id)) {
            set_error(r, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
            wake(r);
        }
}
