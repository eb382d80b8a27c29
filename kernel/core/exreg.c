/* ExchangeRegisters (spec 4.6): read and set a thread's user registers,
 * pager and handle; cancel its IPC; halt or resume it. */
#include "arch/context.h"
#include "ipc.h"
#include "sched.h"
#include "space.h"
#include "syscall.h"
#include "threadid.h"
#include "pecan/unix_abi.h"
#include "utcb.h"

/* Control word bits (input meaning). */
#define XR_HALT_VALUE (1 << 0)   /* h */
#define XR_CANCEL_RCV (1 << 1)   /* r */
#define XR_CANCEL_SND (1 << 2)   /* s */
#define XR_SET_SP     (1 << 3)   /* S */
#define XR_SET_IP     (1 << 4)   /* I */
#define XR_SET_FLAGS  (1 << 5)   /* F */
#define XR_SET_HANDLE (1 << 6)   /* u */
#define XR_SET_PAGER  (1 << 7)   /* p */
#define XR_HALT       (1 << 8)   /* H */

/* May the current thread exchange t's registers? A thread of its own
 * space; a thread of a Unix-ABI space also its exception handler, from
 * anywhere (pecan/unix_abi.h: the thread's UTCB names it). */
static bool may_exchange(const struct tcb *t)
{
    return t->space == current->space ||
           (t->space->unix_abi && utcb_get(t, UTCB_EXCEPTION_HANDLER) == current->global_id);
}

void sys_exchange_registers(struct exreg *r)
{
    struct tcb *t = tcb_lookup(r->dest, current);
    bool local = tid_is_local(r->dest);
    if (!t || !tcb_is_active(t) || !may_exchange(t)) {
        *r = (struct exreg){ 0 };
        syscall_fail(ERR_INVALID_THREAD);
        return;
    }
    word_t ctl = r->control;
    struct exreg old = {
        /* (a thread of another space is named by its global id only) */
        .dest = local || t->space != current->space ? t->global_id : t->local_id,
        .user_handle = utcb_get(t, UTCB_USER_HANDLE),
        .pager = utcb_get(t, UTCB_PAGER),
    };
    arch_get_user_regs(t, &old.sp, &old.ip, &old.flags);

    if (ctl & (XR_SET_SP | XR_SET_IP | XR_SET_FLAGS))
        arch_set_user_regs(t, ctl & XR_SET_SP ? &r->sp : NULL, ctl & XR_SET_IP ? &r->ip : NULL,
                           ctl & XR_SET_FLAGS ? &r->flags : NULL);
    if (ctl & XR_SET_HANDLE)
        utcb_set(t, UTCB_USER_HANDLE, r->user_handle);
    if (ctl & XR_SET_PAGER)
        utcb_set(t, UTCB_PAGER, r->pager);

    old.control = ipc_cancel(t, ctl & XR_CANCEL_SND, ctl & XR_CANCEL_RCV);
    if (t->space->unix_abi) {
        if (t->unix_interrupt)
            old.control |= UNIX_XR_INTERRUPT;
        if (ctl & UNIX_XR_INTERRUPT)
            t->unix_interrupt = true;
    }
    if (t->halted) {
        old.control |= XR_HALT_VALUE;
        if ((ctl & XR_HALT) && !(ctl & XR_HALT_VALUE))
            thread_resume(t);
    } else if ((ctl & XR_HALT) && (ctl & XR_HALT_VALUE)) {
        thread_halt(t);
    }
    *r = old;
}
