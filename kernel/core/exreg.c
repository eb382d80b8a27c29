/* ExchangeRegisters (spec 4.6): read and set a thread's user registers,
 * pager and handle; cancel its IPC; halt or resume it. */
#include "arch/context.h"
#include "arch/mp.h"
#include "ipc.h"
#include "sched.h"
#include "space.h"
#include "syscall.h"
#include "threadid.h"
#include "pecan/exreg.h"
#include "pecan/unix_abi.h"
#include "utcb.h"

/* May `caller` exchange t's registers? A thread of its own space; a
 * thread of a Unix-ABI space also its exception handler, from anywhere
 * (pecan/unix_abi.h: the thread's UTCB names it). */
static bool may_exchange(const struct tcb *caller, const struct tcb *t)
{
    return t->space == caller->space ||
           (t->space->unix_abi && utcb_get(t, UTCB_EXCEPTION_HANDLER) == caller->global_id);
}

/* Can an ExchangeRegisters of t go without the kernel lock (arch/mp.h)?
 * When t is this processor's, not running, and any abort it asks for
 * ends a wait of this processor's alone (ipc_wait_here): then it touches
 * t, its UTCB and frame, its partner in that wait, and this processor's
 * ready queue and timeouts, and nothing of another processor's. (Which
 * no other processor changes meanwhile without claiming this one, which
 * has interrupts off; a thread that is not ours, or none, is left to
 * the lock.) */
static bool exreg_here(const struct tcb *t, word_t control)
{
    if (t->cpu != cpu_index() || !tcb_is_active(t))
        return false;
    bool waits = t->xfer_partner || t->state == TS_SEND_BLOCKED || t->state == TS_RECV_BLOCKED;
    return !((control & (EXREG_SEND | EXREG_RECV)) && waits && !ipc_wait_here(t));
}

/* Without the lock if the thread `dest` names passes exreg_here, or is
 * another processor's (which the caller asks to do it: exreg_serve); if
 * so, the processor is marked lockless. */
bool exreg_local(word_t dest, word_t control)
{
    struct tcb *t = tcb_peek(dest, current);
    if (!t || (t->cpu == cpu_index() && !exreg_here(t, control)))
        return false;
    mp_mark_lockless();
    return true;
}

/* The exchange itself, for `caller`, of t's registers, which are in its
 * frame (t is not running). */
static void exchange(const struct tcb *caller, struct tcb *t, struct exreg *r)
{
    word_t ctl = r->control;
    struct exreg old = {
        /* (a thread of another space is named by its global id only) */
        .dest = tid_is_local(r->dest) || t->space != caller->space ? t->global_id : t->local_id,
        .user_handle = utcb_get(t, UTCB_USER_HANDLE),
        .pager = utcb_get(t, UTCB_PAGER),
    };
    arch_get_user_regs(t, &old.sp, &old.ip, &old.flags);

    if (ctl & (EXREG_SET_SP | EXREG_SET_IP | EXREG_SET_FLAGS))
        arch_set_user_regs(t, ctl & EXREG_SET_SP ? &r->sp : NULL,
                           ctl & EXREG_SET_IP ? &r->ip : NULL,
                           ctl & EXREG_SET_FLAGS ? &r->flags : NULL);
    if (ctl & EXREG_SET_HANDLE)
        utcb_set(t, UTCB_USER_HANDLE, r->user_handle);
    if (ctl & EXREG_SET_PAGER)
        utcb_set(t, UTCB_PAGER, r->pager);

    old.control = ipc_cancel(t, ctl & EXREG_SEND, ctl & EXREG_RECV);
    if (t->space->unix_abi) {
        if (t->unix_interrupt)
            old.control |= UNIX_XR_INTERRUPT;
        if (ctl & UNIX_XR_INTERRUPT)
            t->unix_interrupt = true;
    }
    if (t->halted) {
        old.control |= EXREG_HALT;
        if ((ctl & EXREG_SET_HALT) && !(ctl & EXREG_HALT))
            thread_resume(t);
    } else if ((ctl & EXREG_SET_HALT) && (ctl & EXREG_HALT)) {
        thread_halt(t);
    }
    *r = old;
}

/* Serving another processor's request (mp_request, REQ_EXREG): its
 * thread `caller` waits. Only a thread of ours that passes exreg_here,
 * is not the one running here (its registers are not in its frame yet;
 * the lock's way evicts it) and is not queued to send to it (this
 * processor may be waiting for a request of its own, whose server may
 * be taking a sender off that queue: mp_request); else refused, and the
 * caller takes the lock, where errors are reported too. */
enum req_outcome exreg_serve(const struct tcb *caller, word_t dest, struct exreg *r,
                             struct tcb **woken)
{
    struct tcb *t = tcb_peek(dest, caller);
    if (!t || t == current || !exreg_here(t, r->control) || !may_exchange(caller, t) ||
        (t->state == TS_SEND_BLOCKED && t->send_dest == current))
        return REQ_REFUSED;
    exchange(caller, t, r);
    if (t->state == TS_READY && !t->halted)
        *woken = t;                     /* (resumed or its wait aborted) */
    return REQ_DONE;
}

void sys_exchange_registers(struct exreg *r)
{
    /* Without the lock, the thread is looked up again: a local id's
     * MyGlobalId word, which its space may rewrite meanwhile, may name
     * another thread of that UTCB location now (ThreadControl lets two
     * threads of a space share one), which exreg_local did not look at:
     * it is none we may touch without the lock. Another processor's is
     * that one's to change; if it refuses, the lock's way follows. */
    struct tcb *t = tcb_peek(r->dest, current);
    if (mp_lockless()) {
        if (t && t->cpu != cpu_index() &&
            mp_request(t->cpu, REQ_EXREG, current, r->dest, (word_t)r) == REQ_DONE)
            return;
        if (!t || !exreg_here(t, r->control)) {
            kernel_lock_wait();
            t = tcb_peek(r->dest, current);
        }
    }
    if (t)
        mp_claim(t->cpu);
    if (!t || !tcb_is_active(t) || !may_exchange(current, t)) {
        *r = (struct exreg){ 0 };
        syscall_fail(ERR_INVALID_THREAD);
        return;
    }
    mp_stop(t);                         /* its registers in its frame */
    exchange(current, t, r);
}
