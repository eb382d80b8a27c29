/* User faults. Sigma0's page faults are resolved by the kernel (spec 6.2);
 * other page faults go to the thread's pager, exceptions to its exception
 * handler (spec 6.4); a fault nobody handles stops the thread with a
 * message. */
#include "fault.h"
#include "arch/mp.h"
#include "arch/paging.h"
#include "bootmem.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "ipc.h"
#include "unix.h"
#include "utcb.h"
#include "pecan/protocol.h"

#define PAGEFAULT_LABEL PROTO_LABEL(PROTO_PAGEFAULT)         /* | access rwx */
#define IOFAULT_LABEL   (PROTO_LABEL(PROTO_IO_PAGEFAULT) | 6) /* rw (spec 6.3) */

static const char *access_name(unsigned a)
{
    return a == ACCESS_W ? "write" : a == ACCESS_X ? "execute" : "read";
}

/* Sigma0 sees physical memory idempotently: map the 2 MB page around the
 * fault, or just the 4 KB page where kernel memory is in the way. Nothing
 * the kernel owns, nothing beyond the direct map. */
static bool sigma0_map(struct space *s, word_t addr)
{
    uint64_t flags = PTE_W;
    paddr_t big = ALIGN_DOWN(addr, SUPERPAGE_SIZE);
    if (bootmem_user_frame(big, 21) && space_map(s, big, big, 21, flags))
        return true;
    paddr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
    return bootmem_user_frame(page, 12) && space_map(s, page, page, 12, flags);
}

void fault_stop(struct trap_frame *f, const char *why)
{
    kprintf("pecan: thread %lx stopped: %s\n", current->global_id, why);
    dump_frame(f);
    thread_halt(current);
}

/* After a fault message: retry the access unless nobody handled it. The
 * handler's answer ends the fault whatever it holds (spec 6.2): even one
 * whose transfer failed (code 4-7 in the receive phase) counts, and so do
 * a cancelled or aborted IPC. Only a missing or timed-out handler is none. */
static bool retry_after(word_t err)
{
    unsigned code = IPC_ERROR_CODE(err);
    return !err || code == IPC_CANCELED || code == IPC_ABORTED ||
           (IPC_ERROR_PHASE(err) == IPC_RECV && code >= IPC_OVERFLOW);
}

/* A two-word fault message (page fault, I/O fault) to the pager, nested
 * in whatever IPC the thread is in. */
static word_t pager_ipc(struct tcb *self, word_t label, word_t mr1, word_t ip, uint64_t deadline)
{
    struct tcb *pager = tcb_lookup(utcb_get(self, UTCB_PAGER), self);
    if (!pager || !tcb_is_active(pager))
        return IPC_ERROR(0, IPC_NO_PARTNER, IPC_SEND);
    word_t msg[] = { MSGTAG(label, 0, 2), mr1, ip };
    return ipc_kernel_message(pager, deadline, ARRAY_SIZE(msg), NULL, NULL, msg);
}

word_t fault_nested_ipc(struct tcb *self, word_t addr, unsigned access, word_t ip,
                        uint64_t deadline)
{
    if (self->space->sigma0)
        return sigma0_map(self->space, addr) ? 0 : IPC_ERROR(0, IPC_NO_PARTNER, IPC_SEND);
    return pager_ipc(self, PAGEFAULT_LABEL | access, addr, ip, deadline);
}

void fault_io(struct trap_frame *f, word_t fpage)
{
    word_t err = pager_ipc(current, IOFAULT_LABEL, fpage, f->rip, 0);
    if (retry_after(err) && IPC_ERROR_CODE(err) != IPC_NO_PARTNER)
        return;                         /* the thread retries the access */
    kprintf("pecan: I/O fault on port %04lx (%u bytes) ip %016lx by thread %lx: "
            "no pager handled it\n", IO_FPAGE_PORT(fpage), 1u << IO_FPAGE_LOG2(fpage),
            f->rip, current->global_id);
    fault_stop(f, "unhandled I/O fault");
}

/* Did the pager handle the fault (its IPC's error word)? Not if there
 * is none, or the IPC failed for good. */
static bool pager_handled(word_t err)
{
    return retry_after(err) && IPC_ERROR_CODE(err) != IPC_NO_PARTNER;
}

static COLD void pagefault_unhandled(struct trap_frame *f, word_t addr, unsigned access)
{
    kprintf("pecan: page fault at %016lx (%s) ip %016lx by thread %lx: no pager handled it\n",
            addr, access_name(access), f->rip, current->global_id);
    fault_stop(f, "unhandled page fault");
}

void fault_page(struct trap_frame *f, word_t addr, unsigned access)
{
    if (current->space->sigma0 && sigma0_map(current->space, addr))
        return;
    if (!current->space->sigma0 && pager_handled(fault_nested_ipc(current, addr, access, f->rip, 0)))
        return;                         /* the thread retries the access */
    pagefault_unhandled(f, addr, access);
}

bool fault_page_without_lock(struct trap_frame *f, word_t addr, unsigned access)
{
    struct tcb *self = current;
    word_t id = utcb_get(self, UTCB_PAGER);    /* (read once: its space may rewrite it) */
    word_t msg[] = { MSGTAG(PAGEFAULT_LABEL | access, 0, 2), addr, f->rip };
    struct tcb *pager = tcb_peek_global(id);
    /* (Another processor's pager only looked at: its processor checks
     * again, and refuses if it went, and then we take the lock.) */
    if (self->space->sigma0 || !pager || !tcb_is_active(pager) ||
        ipc_local(id, id, msg[0]) == IPC_LOCKED)
        return false;
    self->kcall_local = true;
    word_t err = ipc_kernel_message(pager, 0, ARRAY_SIZE(msg), NULL, NULL, msg);
    self->kcall_local = false;
    /* The report and the stop under the lock. The pager was read without
     * it: if ExchangeRegisters gave the thread another meanwhile, the
     * thread retries the access and asks that one, as a fault under the
     * lock after the ExchangeRegisters would. */
    if (!pager_handled(err)) {
        kernel_lock();
        if (utcb_get(self, UTCB_PAGER) == id)
            pagefault_unhandled(f, addr, access);
    }
    return true;
}

static void exception_compose(word_t *mr, void *f)
{
    arch_exception_message(f, mr);
}

static void exception_answer(const word_t *mr, void *f)
{
    arch_exception_reply(mr, f);
}

/* Send the exception message (spec 6.4) to the exception handler; apply
 * its reply to the registers. False if there is no handler or the IPC
 * failed. MR20, written but not transferred, is not restored (spec 6.4,
 * as Pistachio). */
static bool exception_ipc(struct trap_frame *f)
{
    struct tcb *self = current;
    if (self->space->unix_abi)
        return unix_exception(f);       /* its own message (unix.h) */
    struct tcb *h = tcb_lookup(utcb_get(self, UTCB_EXCEPTION_HANDLER), self);
    if (!h || !tcb_is_active(h))
        return false;
    _Static_assert(EXCEPTION_MSG_WORDS - 1 <= KERNEL_MSG_SAVED_MAX, "saved words");
    word_t err = ipc_kernel_message(h, 0, EXCEPTION_MSG_WORDS - 1, exception_compose,
                                    exception_answer, f);
    return retry_after(err);
}

void fault_exception(struct trap_frame *f)
{
    if (exception_ipc(f))
        return;
    kprintf("pecan: %s (vector %lu, error 0x%lx) at ip %016lx by thread %lx: "
            "no exception handler\n",
            exception_name(f->vector), f->vector, f->error, f->rip, current->global_id);
    fault_stop(f, "unhandled exception");
}
