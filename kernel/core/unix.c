/* Threads of Unix-ABI spaces (unix.h): every reason they have to leave
 * user mode other than a page fault becomes one message to their
 * exception handler, which answers with their registers. */
#include "arch/mp.h"
#include "unix.h"
#include "arch/context.h"
#include "fault.h"
#include "ipc.h"
#include "pecan/unix_abi.h"
#include "sched.h"
#include "space.h"
#include "utcb.h"

void unix_thread_activated(struct tcb *t, word_t pager)
{
    utcb_set(t, UTCB_EXCEPTION_HANDLER, pager);
    arch_thread_init_unix(t);
    sched_make_ready(t);
}

/* A message whose wait the handler cancelled or aborted is sent again. */
static bool send_again(word_t err)
{
    unsigned code = IPC_ERROR_CODE(err);
    return code == IPC_CANCELED || code == IPC_ABORTED;
}

/* The message about the current thread, whose registers are in f, and
 * its handler's answer applied to them. Returns 0, or the IPC error
 * (code 2 without a handler). (Interrupt messages due are served by it.) */
static word_t message(struct trap_frame *f, word_t why)
{
    struct tcb *self = current;
    for (;;) {
        struct tcb *h = tcb_lookup(utcb_get(self, UTCB_EXCEPTION_HANDLER), self);
        if (!h || !tcb_is_active(h))
            return IPC_ERROR(0, IPC_NO_PARTNER, IPC_SEND);
        self->unix_interrupt = false;
        arch_unix_message(self, f, why);
        word_t err = ipc_kernel_call(h, 0);
        if (!err) {
            arch_unix_reply(self, f, MIN(MSGTAG_U(self->utcb[0]), UNIX_MSG_WORDS));
            return 0;
        }
        if (!send_again(err))
            return err;
    }
}

void unix_thread_start(struct trap_frame *f)
{
    if (message(f, UNIX_START))
        fault_stop(f, "no handler answered its start message");
    unix_user_return(f);
}

bool unix_syscall(struct trap_frame *f)
{
    kernel_lock();
    if (message(f, UNIX_SYSCALL))
        fault_stop(f, "no handler answered its system call");
    unix_user_return(f);
    return arch_unix_needs_iret(f);
}

/* The system call's message went by the fast path (unix_fastpath.S) and
 * the general path ended the wait for the answer: what unix_syscall does
 * after the kernel call. */
bool unix_syscall_resumed(struct trap_frame *f)
{
    struct tcb *self = current;
    ipc_fast_resumed(self);
    self->kcall_depth = 0;
    word_t err = self->ipc_error;
    if (!err)
        arch_unix_reply(self, f, MIN(MSGTAG_U(self->utcb[0]), UNIX_MSG_WORDS));
    else if (!send_again(err) || message(f, UNIX_SYSCALL))
        fault_stop(f, "no handler answered its system call");
    unix_user_return(f);
    return arch_unix_needs_iret(f);
}

bool unix_exception(struct trap_frame *f)
{
    return message(f, f->vector) == 0;
}

void unix_user_return(struct trap_frame *f)
{
    if (current->unix_interrupt && message(f, UNIX_INTERRUPT))
        current->unix_interrupt = false;        /* nobody to tell */
}
