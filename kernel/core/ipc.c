/* The general IPC path (spec 5): send phase, receive phase, blocking with
 * timeouts, cancellation, and the message transfer. A thread blocked in
 * an IPC sleeps inside ipc() on its own kernel stack; whoever completes
 * its IPC (a partner, the timer, ExchangeRegisters) records the outcome in
 * its TCB and UTCB and makes it ready. */
#include "ipc.h"
#include "arch/context.h"
#include "map.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "threadid.h"
#include "timeout.h"
#include "utcb.h"

/* ---- outcomes --------------------------------------------------------- */

static void set_error(struct tcb *t, unsigned phase, unsigned code, word_t offset, word_t mr0)
{
    t->ipc_error = offset << 4 | code << 1 | phase;
    utcb_set(t, UTCB_ERROR_CODE, t->ipc_error);
    utcb_set(t, UTCB_MR(0), mr0);
    t->ipc_from = NILTHREAD;
}

static void wake(struct tcb *t)
{
    timeout_cancel(t);
    t->state = TS_READY;
    if (!t->halted)
        sched_make_ready(t);
}

/* The partner this IPC just made ready: where a blocking caller hands
 * the processor (lazy scheduling: no trip through the ready queues). */
static struct tcb *handoff;

/* Block the current thread until someone wakes it. */
static void block(struct tcb *self, unsigned state, uint64_t deadline)
{
    self->state = state;
    timeout_arm(self, deadline);
    sched_remove(self);
    struct tcb *to = handoff;
    handoff = NULL;
    sched_handoff(to);
}

/* ---- sender queues ---------------------------------------------------- */

static void sendq_append(struct tcb *dest, struct tcb *s)
{
    struct tcb *h = dest->sendq;
    if (!h) {
        s->sq_next = s->sq_prev = s;
        dest->sendq = s;
    } else {
        s->sq_next = h;
        s->sq_prev = h->sq_prev;
        h->sq_prev->sq_next = s;
        h->sq_prev = s;
    }
    s->send_dest = dest;
}

static void sendq_remove(struct tcb *s)
{
    struct tcb *dest = s->send_dest;
    if (s->sq_next == s)
        dest->sendq = NULL;
    else {
        s->sq_prev->sq_next = s->sq_next;
        s->sq_next->sq_prev = s->sq_prev;
        if (dest->sendq == s)
            dest->sendq = s->sq_next;
    }
    s->send_dest = NULL;
}

/* Does a receiver waiting with specifier `spec` accept `sender`? */
static bool accepts(const struct tcb *rcv, word_t spec, const struct tcb *sender)
{
    return spec == ANYTHREAD || spec == sender->global_id ||
           (spec == ANYLOCALTHREAD && sender->space == rcv->space);
}

/* The first thread queued to send to `rcv` that its specifier accepts. */
static struct tcb *first_sender(struct tcb *rcv, word_t spec)
{
    struct tcb *s = rcv->sendq;
    if (s)
        do {
            if (accepts(rcv, spec, s))
                return s;
            s = s->sq_next;
        } while (s != rcv->sendq);
    return NULL;
}

/* ---- transfer --------------------------------------------------------- */

/* Copy the message from `s` to `r`. Returns 0 or an error code (both
 * sides then fail with it). */
static unsigned transfer(struct tcb *s, struct tcb *r)
{
    word_t tag = utcb_get(s, UTCB_MR(0));
    unsigned u = TAG_U(tag), t = TAG_T(tag);
    if (1 + u + t > NUM_MRS)
        return IPC_OVERFLOW;
    for (unsigned i = 1; i <= u + t; i++)
        r->utcb[i] = s->utcb[i];
    r->utcb[0] = tag & ~(TAG_FLAGS & ~TAG_P);
    if (r->start_wait) {
        r->start_wait = false;
        if (u == 2 && t == 0)
            arch_thread_set_start(r, s->utcb[1], s->utcb[2]);
        else if (t)
            return IPC_OVERFLOW;        /* a start message accepts nothing typed */
        return 0;
    }
    for (unsigned i = u + 1; i <= u + t;) {
        unsigned err = map_item_transfer(s, r, &s->utcb[i], &i);
        if (err)
            return err;
    }
    return 0;
}

/* The message of `s` reached `r`: record the receiver's result and wake it
 * if it was blocked (it may also be the current thread, receiving). */
static void delivered(struct tcb *s, struct tcb *r)
{
    r->ipc_from = tcb_id_for(s, r);
    r->ipc_error = 0;
    if (r->state == TS_RECV_BLOCKED) {
        wake(r);
        handoff = r;
    }
}

static void transfer_failed(struct tcb *s, struct tcb *r, unsigned code)
{
    word_t tag = utcb_get(s, UTCB_MR(0));
    set_error(s, IPC_SEND, code, 0, tag | TAG_E);
    set_error(r, IPC_RECV, code, 0, (tag & ~TAG_FLAGS) | TAG_E);
    if (r->state == TS_RECV_BLOCKED)
        wake(r);
    if (s->state == TS_SEND_BLOCKED)
        wake(s);
}

/* A blocked sender's message was taken. Without a receive phase its IPC
 * is complete. With one, it waits for the reply right away, before the
 * receiver runs, so that no reply can miss it (spec 5.1). */
static void send_phase_done(struct tcb *s)
{
    s->ipc_error = 0;
    if (!s->has_rcv_phase) {
        wake(s);
        return;
    }
    if (first_sender(s, s->rcv_from)) {
        wake(s);                        /* it receives itself when it runs */
        return;
    }
    if (time_is_zero(s->rcv_timeout)) {
        set_error(s, IPC_RECV, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        wake(s);
        return;
    }
    s->has_rcv_phase = false;
    s->state = TS_RECV_BLOCKED;
    timeout_cancel(s);
    timeout_arm(s, time_deadline(s->rcv_timeout));
}

/* ---- the two phases --------------------------------------------------- */

/* The send phase. Returns true if the caller must now run its receive
 * phase itself, false if the IPC is over (failed, or completed by others
 * while we were blocked). `spec` is the resolved receive specifier, 0 for
 * none. */
static bool send_phase(struct tcb *self, word_t to, word_t spec, word_t timeouts)
{
    struct tcb *dest = tcb_lookup(to, self);
    if (!dest || !tcb_is_active(dest)) {
        set_error(self, IPC_SEND, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return false;
    }
    if (dest->state == TS_RECV_BLOCKED && accepts(dest, dest->rcv_from, self)) {
        timeout_cancel(dest);
        unsigned err = transfer(self, dest);
        if (err) {
            transfer_failed(self, dest, err);
            return false;
        }
        delivered(self, dest);
        return true;
    }
    uint16_t snd_timeout = timeouts >> 16;
    if (time_is_zero(snd_timeout)) {
        set_error(self, IPC_SEND, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        return false;
    }
    sendq_append(dest, self);
    self->has_rcv_phase = spec != 0;
    self->rcv_from = spec;
    self->rcv_timeout = timeouts & 0xFFFF;
    block(self, TS_SEND_BLOCKED, time_deadline(snd_timeout));
    /* Our message was taken (or the send failed). The taker either moved
     * us into the receive phase, which has ended by now too, or left it
     * to us because a sender was already queued for us. */
    return !self->ipc_error && self->has_rcv_phase;
}

static word_t receive_phase(struct tcb *self, word_t spec, uint16_t rcv_timeout)
{
    struct tcb *s = first_sender(self, spec);
    if (s) {
        sendq_remove(s);
        timeout_cancel(s);
        unsigned err = transfer(s, self);
        if (err) {
            transfer_failed(s, self, err);
            return NILTHREAD;
        }
        delivered(s, self);
        send_phase_done(s);
        return self->ipc_from;
    }
    if (time_is_zero(rcv_timeout)) {
        set_error(self, IPC_RECV, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    self->rcv_from = spec;
    self->ipc_error = 0;
    block(self, TS_RECV_BLOCKED, time_deadline(rcv_timeout));
    return self->ipc_error ? NILTHREAD : self->ipc_from;
}

/* A receive specifier as the kernel keeps it: any, anylocal, or the
 * partner's global id. 0 if it names no thread. */
static word_t resolve_from(struct tcb *self, word_t from)
{
    if (from == ANYTHREAD || from == ANYLOCALTHREAD)
        return from;
    struct tcb *t = tcb_lookup(from, self);
    return t && t->state != TS_FREE ? t->global_id : 0;
}

word_t ipc(word_t to, word_t from_spec, word_t timeouts)
{
    struct tcb *self = current;
    word_t spec = from_spec == NILTHREAD ? 0 : resolve_from(self, from_spec);
    utcb_set(self, UTCB_ERROR_CODE, 0);
    handoff = NULL;
    self->ipc_from = NILTHREAD;
    self->ipc_error = 0;
    self->has_rcv_phase = false;
    if (to != NILTHREAD) {
        bool receive_now = send_phase(self, to, spec, timeouts);
        if (self->ipc_error || from_spec == NILTHREAD)
            return NILTHREAD;
        if (spec && !receive_now)
            return self->ipc_from;
        self->has_rcv_phase = false;
    } else if (from_spec == NILTHREAD) {
        return NILTHREAD;
    }
    if (!spec) {
        set_error(self, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
        return NILTHREAD;
    }
    return receive_phase(self, spec, timeouts & 0xFFFF);
}

/* ---- kernel-made messages, timeouts, cancellation, deletion ------------ */

word_t ipc_kernel_call(struct tcb *dest)
{
    struct tcb *self = current;
    word_t saved_br0 = utcb_get(self, UTCB_BR(0));
    utcb_set(self, UTCB_BR(0), 0x10);           /* accept mappings anywhere */
    word_t id = dest->global_id;
    ipc(id, id, 0);
    utcb_set(self, UTCB_BR(0), saved_br0);
    return self->ipc_error;
}

void ipc_timeout(struct tcb *t)
{
    if (t->state == TS_SEND_BLOCKED) {
        sendq_remove(t);
        set_error(t, IPC_SEND, IPC_TIMEOUT, 0, utcb_get(t, UTCB_MR(0)) | TAG_E);
    } else if (t->state == TS_RECV_BLOCKED) {
        set_error(t, IPC_RECV, IPC_TIMEOUT, 0, TAG_ERROR_ONLY);
    } else {
        return;
    }
    wake(t);
}

unsigned ipc_cancel(struct tcb *t, bool send, bool recv)
{
    if (t->state == TS_SEND_BLOCKED) {
        if (send) {
            sendq_remove(t);
            set_error(t, IPC_SEND, IPC_CANCELED, 0, utcb_get(t, UTCB_MR(0)) | TAG_E);
            wake(t);
        }
        return 1 << 2;
    }
    if (t->state == TS_RECV_BLOCKED) {
        if (recv) {
            if (t->start_wait)
                t->start_wait = false;  /* starts at the IP/SP just set */
            else
                set_error(t, IPC_RECV, IPC_CANCELED, 0, TAG_ERROR_ONLY);
            wake(t);
        }
        return 1 << 1;
    }
    return 0;
}

void ipc_detach(struct tcb *t)
{
    if (t->state == TS_SEND_BLOCKED)
        sendq_remove(t);
    timeout_cancel(t);
    while (t->sendq) {
        struct tcb *s = t->sendq;
        sendq_remove(s);
        set_error(s, IPC_SEND, IPC_NO_PARTNER, 0, utcb_get(s, UTCB_MR(0)) | TAG_E);
        wake(s);
    }
    for (struct tcb *r = tcb_list; r; r = r->list_next)
        if (r != t && r->state == TS_RECV_BLOCKED && r->rcv_from == t->global_id) {
            set_error(r, IPC_RECV, IPC_NO_PARTNER, 0, TAG_ERROR_ONLY);
            wake(r);
        }
}
