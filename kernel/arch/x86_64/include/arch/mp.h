/* Processors working together (issue 15; docs/architecture.md,
 * "Processors").
 *
 * Every thread has a home processor (tcb.cpu) and runs nowhere else;
 * each processor owns its threads, their queues and timeouts. Shared
 * kernel state (the mapping database, page tables, thread and space
 * creation) is guarded by one kernel lock, which a processor takes on
 * every way into the kernel but the IPC fast paths, IPC between its own
 * threads (ipc_local), the other system calls that stay on it
 * (syscall_abi.c: ThreadSwitch, ExchangeRegisters and Schedule of its
 * own threads, SystemClock), the interrupts, ticks, page faults, lazy
 * FPU switches and KernelInterface of its own threads (trap.c) and a
 * pager's answer with one map item while nobody holds the lock
 * (mp_memory_try, below), and holds until it leaves for user mode or
 * halts. Without the lock a
 * processor touches only what it owns: its fast paths the running
 * thread and a partner of the same processor (the state compare of
 * asm.h proves it), its IPC and system calls without the lock its own
 * threads, its user code the page tables of the space it runs. So
 * before the holder touches
 * another processor's thread, or a page table or TCB slot that one may
 * be using, it claims that processor (mp_claim): an IPI, and the other
 * stops ("parks") until the lock is released. Processors whose threads
 * the holder leaves alone run on, fast paths and user code included.
 * A processor that runs only its idle thread is not parked but kept: it
 * leaves idle without the lock only to serve a request (below), and not
 * while kept. The parked ones, and any that wait for
 * the lock, do what the holder asks meanwhile, without the lock:
 *
 *   flush   reload CR3 (mappings of their space went), or the global
 *           entries too (the kernel half changed: TCB slots)
 *   evict   stop running thread t (switch to a fresh idle thread) and
 *           save its FPU registers, so that it can be deleted, moved to
 *           another space or processor, or its registers read
 *
 * and the holder sends "resched" to a processor whose ready queue it
 * changed. Flushes wait until the lock is released: before any thread
 * runs user code again, every processor that ran a space whose
 * mappings went has reloaded CR3.
 *
 * An untyped IPC to another processor's thread, a receive that takes
 * the untyped message a thread of another processor queued, an
 * ExchangeRegisters of another processor's thread and a Schedule that
 * leaves one there need neither the lock nor a claim: each is a request
 * that processor serves (mp_request).
 */
#pragma once
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "types.h"

struct tcb;

#define MP_FLUSH_USER   1
#define MP_FLUSH_GLOBAL 2

/* Processors that run threads (the KIP's count): 1 until smp_boot's
 * application processors join. */
extern unsigned mp_cpus;

static inline unsigned cpu_index(void)
{
    return *(volatile uint8_t *)&this_cpu.index;
}

/* Processor `index` joins (smp.c): its kernel page through the direct
 * map, its local APIC id and its own kernel root (percpu.h). */
void mp_add_cpu(unsigned index, unsigned apic_id, struct cpu_local *local, paddr_t root);
paddr_t mp_kernel_root(unsigned cpu);
unsigned mp_apic_id(unsigned cpu);
struct tcb *mp_current(unsigned cpu);

/* Take and release the kernel lock (both idempotent; nothing to do on
 * one processor). */
void kernel_lock_wait(void);
void kernel_unlock(void);
static inline void kernel_lock(void)
{
    if (mp_cpus > 1)
        kernel_lock_wait();
}

/* How often processor `cpu` took the lock since it started. */
uint64_t mp_lock_takes(unsigned cpu);
uint64_t mp_withdrawals(unsigned cpu);

/* The mapping database, the page tables of user spaces and the kernel's
 * memory pools are the lock's, but code without the lock may map a page
 * while nobody holds the lock (a pager's answer to a page fault: ipc.c,
 * reply_short and serve_map_reply): mp_memory_try says whether it may,
 * and then a processor that takes the lock waits until mp_memory_done.
 * It never waits itself: it fails if the lock is held or another maps,
 * and whoever tries holds it for one mapping, with interrupts off, and
 * waits for nothing meanwhile. (Lock order: the kernel lock, then this.) */
bool mp_memory_try(void);
void mp_memory_done(void);

/* Kernel code runs here without the lock (ipc_local): from the mark
 * until the processor takes the lock or leaves the kernel. */
static inline void mp_mark_lockless(void) { this_cpu.lockless = 1; }
static inline bool mp_lockless(void) { return this_cpu.lockless; }

/* A thread switched to goes on where it stopped, or starts. After a
 * switch made without the lock (ipc_local), what follows may need the
 * lock: unless the thread stopped where nothing but this processor's
 * work follows (tcb.resume_local), it takes it first. (resume_stack,
 * entry.S, calls this when the processor is marked lockless.) */
void mp_resumed_lockless(void);

/* The holder: processor `cpu` stops before the holder touches what it
 * owns (above). Idempotent; mp_claim_wait for another processor only. */
void mp_claim_wait(unsigned cpu);
static inline void mp_claim(unsigned cpu)
{
    if (mp_cpus > 1 && cpu != cpu_index())
        mp_claim_wait(cpu);
}

/* The holder: every processor stops (the kernel half changes, the
 * debugger runs). */
void mp_claim_all(void);

/* A preemption point in long kernel work (map.c, xfer.c): interrupts
 * come in for a moment, and on a multiprocessor the lock goes for that
 * moment too, so that no processor waits, parked with interrupts off,
 * for longer than a step; the processors claimed are claimed again.
 * What the work holds must survive the other processors' kernels as it
 * survives this one's other threads. */
void mp_preemption_point_wait(void);
static inline void mp_preemption_point(void)
{
    if (mp_cpus > 1)
        mp_preemption_point_wait();
    else
        arch_interrupt_window();
}

/* A lock of its own around what processors touch without the kernel
 * lock and must not interleave (the interrupt controller's registers):
 * held for a few instructions, interrupts off. */
static inline void spin_lock(volatile int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        cpu_relax();
}
static inline void spin_unlock(volatile int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Do what the lock's holder asks (interrupts off, without the lock). */
void mp_serve(void);

/* The fresh idle thread of a processor whose thread was evicted: the
 * evict is done; it stays parked while the holder wants it so. */
void mp_evicted_here(void);

/* The holder: t is not running and its FPU registers are saved, on
 * whatever processor it is (which is claimed). */
void mp_stop(struct tcb *t);

/* The holder: processor `cpu` looks at its ready queue when it can. */
void mp_resched(unsigned cpu);

/* The holder: other processors must flush (MP_FLUSH_*) before the lock
 * is released. */
void mp_flush_later(unsigned kind);

/* IPC with a thread of another processor without the lock (ipc_local,
 * ipc_remote, take_queued in ipc.c), ExchangeRegisters (exreg.c) and
 * Schedule (schedsys.c) of one: not a claim but a request that processor
 * serves (ipc_serve_remote, exreg_serve, schedule_serve), with interrupts off and without
 * the lock, in the IPI that announces it (mp_serve_requests says where),
 * or while it waits for its own request. The requester waits with
 * interrupts off, serving requests to it meanwhile; it withdraws its
 * request if a holder claims it or the server does not take it soon.
 * Returns what the server did; REQ_REFUSED, with nothing done, if it
 * refused or the request was withdrawn. */
enum req_kind {
    REQ_SEND,           /* thread's message to thread `id` if that waits for it */
    REQ_SEND_OR_QUEUE,  /* the same, else thread joins id's send queue */
    REQ_TAKE,           /* thread's receive (its specifier in `tag`) takes the
                         * message of id, queued for it */
    REQ_LISTED = 4,     /* or'ed into a send: thread's Call, on no list of
                         * waiters (waiters.h); unless the send fails, it is
                         * listed with id, whose list is the server's */
    /* (IPC's kinds are those below 8) */
    REQ_EXREG = 8,      /* thread's ExchangeRegisters of id (exreg_serve);
                         * `tag` points to its struct exreg, in and out */
    REQ_SCHEDULE,       /* thread's Schedule of id, which stays here
                         * (schedule_serve): `tag` points to its struct
                         * schedule, in and out */
};
enum req_outcome {
    REQ_REFUSED,        /* nothing done: go the general way, under the lock */
    REQ_DONE,           /* the message went */
    REQ_QUEUED,         /* REQ_SEND_OR_QUEUE: thread is on id's send queue */
    REQ_NOT_WAITING,    /* REQ_SEND: id does not wait for the message */
};
enum req_outcome mp_request(unsigned cpu, enum req_kind kind, struct tcb *thread, word_t id,
                            word_t tag);

/* Serving REQ_EXREG (exreg.c): `caller`'s ExchangeRegisters (struct
 * exreg, syscall.h) of thread `dest`, if that is this processor's and
 * not running here; *woken as for ipc_serve_remote (ipc.h). */
struct exreg;
enum req_outcome exreg_serve(const struct tcb *caller, word_t dest, struct exreg *r,
                             struct tcb **woken);
/* Serving REQ_SCHEDULE (schedsys.c): `caller`'s Schedule (struct
 * schedule, syscall.h) of thread `dest`, if that is this processor's,
 * no interrupt thread, and the call is one without errors that leaves
 * it here; *woken as above. */
struct schedule;
enum req_outcome schedule_serve(const struct tcb *caller, word_t dest, struct schedule *s,
                                struct tcb **woken);

/* Serve the requests waiting here, with interrupts off and without the
 * lock, where nothing of this processor's is half done that they could
 * touch: its IPI interrupted its running thread in user mode or at a
 * preemption point (whose work's threads another processor's locked IPC
 * could change there too), or the idle thread, or its own request, to
 * processor `waited_for`, waits (then a send to its thread waits too,
 * unless `waited_for` is MAX_CPUS: mp.c, deferred). The threads the
 * messages made ready are queued, and `resched` set if one is above the
 * running thread; but in the idle thread (after mp_idle_may_leave) the
 * first is returned instead, for sched_leave_idle. */
enum serve_where { SERVE_RUNNING, SERVE_IDLE, SERVE_WAITING };
struct tcb *mp_serve_requests(enum serve_where where, unsigned waited_for);

/* May the idle thread, interrupted, leave idle without the lock (to serve
 * requests, or to run a thread the holder queued here)? Not while a
 * holder keeps this processor idle; if so it is marked lockless (unless
 * it holds the lock itself). */
bool mp_idle_may_leave(void);

/* Does this processor hold the lock? (An IPI's handler may: its thread,
 * evicted there, goes on where a scheduler that held the lock ran it.) */
bool mp_holds_lock(void);

/* The idle thread stays idle after all (sched_leave_idle). */
static inline void mp_unmark_lockless(void) { this_cpu.lockless = 0; }

/* The application processors may take threads (the boot code is gone). */
void mp_start_others(void);
bool mp_may_start(void);
