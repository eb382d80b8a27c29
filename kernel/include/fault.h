/* What happens when a user thread faults: the generic policy. */
#pragma once
#include "arch/frame.h"
#include "tcb.h"
#include "pecan/fpage.h"

/* Access bits as X.2 reports them in page-fault labels: an fpage's rights. */
#define ACCESS_R FPAGE_R
#define ACCESS_W FPAGE_W
#define ACCESS_X FPAGE_X

/* A user page fault at `addr` by the current thread. */
void fault_page(struct trap_frame *f, word_t addr, unsigned access);

/* The same without the kernel lock, on a multiprocessor (trap.c): its
 * message goes to the pager as IPC without the lock would send it
 * (ipc_local: a pager of this processor, or of another by a request),
 * and after the pager's answer the thread goes on without the lock
 * (tcb.kcall_local: only its own registers and MRs follow). False, with
 * nothing done, if not so: sigma0's faults, a pager that is no active
 * thread, or one ipc_local leaves to the lock. */
bool fault_page_without_lock(struct trap_frame *f, word_t addr, unsigned access);

/* A page-fault IPC (spec 6.2) from `self` (the current thread) to its
 * pager, nested in whatever IPC it is in: MR0-MR2 and ErrorCode are kept.
 * `deadline` (tick, 0 = none) limits it. Returns 0 or the IPC error word;
 * without a pager, code 2. Sigma0's faults the kernel resolves itself. */
word_t fault_nested_ipc(struct tcb *self, word_t addr, unsigned access, word_t ip,
                        uint64_t deadline);

/* An in/out on a port the space may not use (the access as an I/O
 * fpage): the I/O-fault message to the pager (spec 6.3). */
void fault_io(struct trap_frame *f, word_t fpage);

/* Nobody handled the current thread's fault: it stops (is halted), with
 * a report on the console. */
void fault_stop(struct trap_frame *f, const char *why);

/* A CPU exception the kernel does not handle itself. */
void fault_exception(struct trap_frame *f);

/* The exception message: MR0..MR20 from the frame (MR20, the error code,
 * is written but not transferred: u = 19); the reply's MR1..MR18 back. */
#define EXCEPTION_MSG_WORDS 21
void arch_exception_message(const struct trap_frame *f, word_t *mr);
void arch_exception_reply(const word_t *mr, struct trap_frame *f);

/* For the console (arch dump.c): "#PF page fault" and the like; the
 * registers of a frame. */
const char *exception_name(unsigned vector);
void dump_frame(const struct trap_frame *f);
