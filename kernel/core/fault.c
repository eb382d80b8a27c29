/* User faults. Sigma0's page faults are resolved by the kernel (spec 6.2);
 * other faults stop the thread with a message until page-fault and
 * exception IPC exist. */
#include "fault.h"
#include "arch/paging.h"
#include "bootmem.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "ipc.h"
#include "utcb.h"

#define PAGEFAULT_LABEL 0xFFFFFFFFFFE0UL

static const char *access_name(unsigned a)
{
    return a == ACCESS_W ? "write" : a == ACCESS_X ? "execute" : "read";
}

/* Sigma0 sees physical memory idempotently: map the 2 MB page around the
 * fault, or just the 4 KB page where kernel memory is in the way. */
static bool sigma0_map(struct space *s, word_t addr)
{
    uint64_t flags = PTE_W;
    paddr_t big = ALIGN_DOWN(addr, SUPERPAGE_SIZE);
    if (!bootmem_is_kernel(big, big + SUPERPAGE_SIZE) &&
        paging_map_user(s->pml4, big, big, 21, flags))
        return true;
    paddr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
    return !bootmem_is_kernel(page, page + PAGE_SIZE) &&
           paging_map_user(s->pml4, page, page, 12, flags);
}

static void stop_thread(struct trap_frame *f, const char *why)
{
    kprintf("pecan: thread %lx stopped: %s\n", current->global_id, why);
    dump_frame(f);
    thread_halt(current);
}

static bool retry_after(word_t err)
{
    unsigned code = (err >> 1) & 7;
    return !err || code == IPC_CANCELED || code == IPC_ABORTED;
}

/* Send the page-fault message (spec 6.2) to the pager and wait for its
 * reply, keeping the thread's MR0-MR2 and ErrorCode as they were (6.1).
 * Returns false if there is no pager to ask or the IPC failed. */
static bool pagefault_ipc(word_t addr, unsigned access, word_t ip)
{
    struct tcb *self = current;
    struct tcb *pager = tcb_lookup(utcb_get(self, UTCB_PAGER), self);
    if (!pager || !tcb_is_active(pager))
        return false;
    word_t saved[3] = { self->utcb[0], self->utcb[1], self->utcb[2] };
    word_t saved_err = utcb_get(self, UTCB_ERROR_CODE);
    self->utcb[0] = (PAGEFAULT_LABEL | access) << 16 | 2;
    self->utcb[1] = addr;
    self->utcb[2] = ip;
    word_t err = ipc_kernel_call(pager);
    self->utcb[0] = saved[0];
    self->utcb[1] = saved[1];
    self->utcb[2] = saved[2];
    utcb_set(self, UTCB_ERROR_CODE, saved_err);
    return retry_after(err);            /* canceled or aborted: retry the access */
}

void fault_page(struct trap_frame *f, word_t addr, unsigned access)
{
    if (current->space->sigma0 && addr < USER_END && sigma0_map(current->space, addr))
        return;
    if (!current->space->sigma0 && pagefault_ipc(addr, access, f->rip))
        return;                         /* the thread retries the access */
    kprintf("pecan: page fault at %016lx (%s) ip %016lx by thread %lx: no pager handled it\n",
            addr, access_name(access), f->rip, current->global_id);
    stop_thread(f, "unhandled page fault");
}

/* Send the exception message (spec 6.4) to the exception handler; apply
 * its reply to the registers. False if there is no handler or the IPC
 * failed. */
static bool exception_ipc(struct trap_frame *f)
{
    struct tcb *self = current;
    struct tcb *h = tcb_lookup(utcb_get(self, UTCB_EXCEPTION_HANDLER), self);
    if (!h || !tcb_is_active(h))
        return false;
    word_t saved[EXCEPTION_MSG_WORDS - 1];
    for (unsigned i = 0; i < EXCEPTION_MSG_WORDS - 1; i++)
        saved[i] = self->utcb[i];
    word_t saved_err = utcb_get(self, UTCB_ERROR_CODE);
    arch_exception_message(f, self->utcb);
    word_t err = ipc_kernel_call(h);
    if (!err)
        arch_exception_reply(self->utcb, f);
    for (unsigned i = 0; i < EXCEPTION_MSG_WORDS - 1; i++)
        self->utcb[i] = saved[i];
    utcb_set(self, UTCB_ERROR_CODE, saved_err);
    return retry_after(err);
}

void fault_exception(struct trap_frame *f)
{
    if (exception_ipc(f))
        return;
    kprintf("pecan: %s (vector %lu, error 0x%lx) at ip %016lx by thread %lx: "
            "no exception handler\n",
            exception_name(f->vector), f->vector, f->error, f->rip, current->global_id);
    stop_thread(f, "unhandled exception");
}
