/* Processors working together: the kernel lock, parking, and the
 * requests of its holder (arch/mp.h explains the protocol). Another
 * processor's requests and words are reached through the direct map of
 * its kernel page (percpu.h), whose fields its holder writes. */
#include "arch/mp.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "arch/idt.h"
#include "arch/timer.h"
#include "ipc.h"
#include "print.h"
#include "sched.h"
#include "section.h"
#include "tcb.h"

unsigned mp_cpus = 1;

static struct cpu_local *cpu_of[MAX_CPUS];   /* each one's kernel page */
static paddr_t kernel_root_of[MAX_CPUS];
static uint8_t apic_of[MAX_CPUS];
static volatile bool others_may_start;

/* The lock is `owner`, the holder's index or -1; the holder passes it
 * on to the next waiting processor in turn, so that none waits for ever
 * however fast the others take it again. */
static int owner = -1;
static uint32_t waiting;                /* a bit per processor that waits for it */
static uint32_t claimed;                /* the holder's: a bit per processor it parked */
static uint32_t kept;                   /* and per one it claimed: idle ones stay so */
static uint8_t flush_due;               /* MP_FLUSH_* for the others, at release */

void mp_add_cpu(unsigned index, unsigned apic_id, struct cpu_local *local, paddr_t root)
{
    cpu_of[index] = local;
    kernel_root_of[index] = root;
    apic_of[index] = (uint8_t)apic_id;
    local->index = (uint8_t)index;
    local->fast_recv = STATE_FAST_RECV | index << 24;
}

paddr_t mp_kernel_root(unsigned cpu)
{
    return kernel_root_of[cpu];
}

static void *word_of(unsigned cpu, unsigned offset)
{
    return (char *)cpu_of[cpu] + offset;
}

unsigned mp_apic_id(unsigned cpu)
{
    return apic_of[cpu];
}

struct tcb *mp_current(unsigned cpu)
{
    return *(struct tcb *volatile *)word_of(cpu, CPU_CURRENT);
}

static struct tcb *fpu_owner_of(unsigned cpu)
{
    return *(struct tcb *volatile *)word_of(cpu, CPU_FPU_OWNER);
}

static void poke(unsigned cpu)
{
    lapic_send_ipi(apic_of[cpu], VEC_IPI);
}

void mp_start_others(void)
{
    others_may_start = true;
}

bool mp_may_start(void)
{
    return others_may_start;
}

/* ---- what another processor asks of this one ---------------------------- */

static void serve_flush(void)
{
    unsigned kind = this_cpu.flush;
    if (!kind)
        return;
    if (kind == MP_FLUSH_GLOBAL)
        flush_global_tlb();
    else
        write_cr3(read_cr3());
    this_cpu.flush = 0;
}

static void serve_evict(void)
{
    struct tcb *t = this_cpu.evict;
    if (!t)
        return;
    fpu_save(t);
    if (t == current)
        sched_evict_current();          /* the fresh idle thread answers */
    else
        this_cpu.evict = NULL;
}

/* Everything is read through cpu_pages afresh: after an evict the thread
 * may go on here on another processor. */
void mp_serve(void)
{
    serve_flush();
    serve_evict();
    if (!this_cpu.park)
        return;
    this_cpu.parked = 1;
    while (this_cpu.park) {
        serve_flush();
        serve_evict();
        /* (again: a thread evicted just now may go on here in a later
         * park, in kernel_lock_wait's loop, mp_resumed_lockless) */
        this_cpu.parked = 1;
        cpu_relax();
    }
    this_cpu.parked = 0;
}

/* ---- the kernel lock ---------------------------------------------------- */

/* (None: not yet in its idle loop. Its idle thread, but its IPC without
 * the lock switched to it just now: until the idle thread says so, that
 * IPC may still be saving the thread it left. `lockless` is read before
 * `current` and after it: the idle thread that leaves idle without the
 * lock says so before it writes `current` (a read of `current` alone
 * first could see the idle thread, and `lockless` then already cleared by
 * the thread it switched to, on its way to user mode); an IPC without the
 * lock that switches to the idle thread says so before, and the idle
 * thread clears it after `current` is written.) */
static bool runs_a_thread(unsigned cpu)
{
    volatile uint8_t *lockless = &cpu_of[cpu]->lockless;
    bool before = *lockless;
    struct tcb *t = mp_current(cpu);
    return t && (before || !sched_is_idle(t) || *lockless);
}

static bool held_here(void)
{
    return __atomic_load_n(&owner, __ATOMIC_ACQUIRE) == (int)cpu_index();
}

bool mp_holds_lock(void)
{
    return held_here();
}

/* Processor c (another) stops until the lock is released: it is parked
 * (its thread in its IPI handler, or in its own wait for the lock), so
 * its fast paths and its user code are not running. One that runs only
 * its idle thread is only kept: it does not leave idle without the lock
 * while kept (mp_idle_may_leave).
 * A processor without the lock claims nothing. (It may read the
 * holder's `claimed`, but the holder is never marked lockless.) */
static COLD NORETURN void lockless_claim(unsigned c)
{
    panic("mp: IPC without the kernel lock reached processor %u's threads", c);
}

static __attribute__((noinline)) void park(unsigned c)
{
    struct cpu_local *l = cpu_of[c];
    while (l->parked)                   /* still leaving the last park */
        cpu_relax();
    claimed |= 1u << c;
    l->park = 1;
    poke(c);
    while (!l->parked)
        cpu_relax();
}

/* An idle processor leaves idle without the lock (to serve a request, or
 * for a `resched`: mp_idle_may_leave), but not while it is kept: it says
 * `lockless` and then looks at `kept`, the holder sets its bit in `kept`
 * and then looks whether it runs a thread. (claimed is a part of kept.) */
void mp_claim_wait(unsigned c)
{
    if (this_cpu.lockless)              /* ipc_local let something through */
        lockless_claim(c);
    if ((kept >> c & 1) || !held_here())
        return;
    __atomic_store_n(&kept, kept | 1u << c, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (runs_a_thread(c))
        park(c);
}

void mp_claim_all(void)
{
    for (unsigned c = 0; c < mp_cpus; c++)
        mp_claim(c);
}

static bool take(void)
{
    int free = -1;
    return __atomic_compare_exchange_n(&owner, &free, (int)cpu_index(), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* The mapping database's own exclusion (arch/mp.h): set by code without
 * the lock that maps while nobody holds the lock. */
static volatile int memory_busy;

bool mp_memory_try(void)
{
    if (__atomic_exchange_n(&memory_busy, 1, __ATOMIC_SEQ_CST))
        return false;
    if (__atomic_load_n(&owner, __ATOMIC_SEQ_CST) < 0)
        return true;                    /* (a holder from now on waits for us) */
    __atomic_store_n(&memory_busy, 0, __ATOMIC_RELEASE);
    return false;
}

void mp_memory_done(void)
{
    __atomic_store_n(&memory_busy, 0, __ATOMIC_RELEASE);
}

/* A new holder (its compare-and-swap, or the lock passed on to it, is
 * ordered before) waits for a mapping begun while the lock was free. */
static void memory_wait(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    while (__atomic_load_n(&memory_busy, __ATOMIC_ACQUIRE))
        cpu_relax();
}

/* Waiting, this processor may be asked to evict its thread, which then
 * goes on here later, or on another processor, or never: run by a
 * scheduler that held the lock, it holds it; run by one without (an
 * idle processor's), it goes on in this loop, unmarked and back in the
 * queue (tcb.lock_wait, mp_resumed_lockless), even in a system call
 * that went without the lock and found it needs it after all (a request
 * refused, exreg.c: an attacker's review saw such a thread claim while
 * still marked lockless,
 * mp.exchange_registers_of_a_thread_whose_own_exchange_registers_waits_for_the_lock). */
void kernel_lock_wait(void)
{
    this_cpu.lockless = 0;
    if (held_here())
        return;
    if (!take()) {
        /* in the queue: it may be passed on to us */
        struct tcb *self = current;
        ASSERT(!self->lock_wait);       /* (never a wait nested in a wait) */
        self->lock_wait = true;
        __atomic_or_fetch(&waiting, 1u << cpu_index(), __ATOMIC_RELAXED);
        while (!take() && !held_here()) {
            mp_serve();
            cpu_relax();
        }
        /* (this processor's bit: an evicted thread goes on elsewhere, where
         * its old processor's bit is that one's own business again) */
        __atomic_and_fetch(&waiting, ~(1u << cpu_index()), __ATOMIC_RELAXED);
        self->lock_wait = false;
    }
    this_cpu.lock_takes++;
    memory_wait();
}

__kdb uint64_t mp_lock_takes(unsigned cpu)
{
    return __atomic_load_n(&cpu_of[cpu]->lock_takes, __ATOMIC_RELAXED);
}

__kdb uint64_t mp_withdrawals(unsigned cpu)
{
    return __atomic_load_n(&cpu_of[cpu]->withdrawals, __ATOMIC_RELAXED);
}

/* A user flush goes to the processors claimed (the others run no
 * thread of a space whose mappings went, or are idle and flush when
 * they switch), a global one to all. */
static void flush_others(unsigned me)
{
    unsigned kind = flush_due;
    flush_due = 0;
    uint32_t to = kind == MP_FLUSH_GLOBAL ? (1u << mp_cpus) - 1 : claimed;
    to &= ~(1u << me);
    for (uint32_t m = to; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctz(m);
        cpu_of[c]->flush = (uint8_t)kind;
        if (!(claimed >> c & 1))
            poke(c);
    }
    for (uint32_t m = to; m; m &= m - 1)
        while (cpu_of[__builtin_ctz(m)]->flush)
            cpu_relax();
}

/* The processors kept idle may serve requests again; those they refused
 * meanwhile, they are asked to look at again. */
static void unkeep(void)
{
    uint32_t was = kept;
    __atomic_store_n(&kept, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (uint32_t m = was & ~claimed; m; m &= m - 1)
        if (__atomic_load_n(&cpu_of[__builtin_ctz(m)]->requests, __ATOMIC_RELAXED))
            poke((unsigned)__builtin_ctz(m));
}

/* Flushes asked for, processors parked or waiting: the release's rarer
 * work (out of line, so that an uncontended release is a store). */
static void __attribute__((noinline)) unlock_busy(void)
{
    unsigned me = cpu_index();
    if (flush_due)
        flush_others(me);
    if (kept)
        unkeep();
    for (uint32_t m = claimed; m; m &= m - 1)
        cpu_of[__builtin_ctz(m)]->park = 0;
    claimed = 0;
    /* the next waiter after this processor, round the ring */
    uint32_t w = __atomic_load_n(&waiting, __ATOMIC_RELAXED) & ~(1u << me);
    uint32_t after = w & ~((2u << me) - 1);
    int next = w ? __builtin_ctz(after ? after : w) : -1;
    __atomic_store_n(&owner, next, __ATOMIC_RELEASE);
    if (next >= 0)                      /* (it may have stopped waiting: its thread */
        poke((unsigned)next);           /* evicted, its idle loop lets the lock go) */
}

void kernel_unlock(void)
{
    if (!held_here()) {
        this_cpu.lockless = 0;          /* (its IPC without the lock is over) */
        return;
    }
    if (flush_due | kept | __atomic_load_n(&waiting, __ATOMIC_RELAXED))
        unlock_busy();
    else                                /* (one that starts waiting now takes it) */
        __atomic_store_n(&owner, -1, __ATOMIC_RELEASE);
}

/* A thread evicted in kernel_lock_wait's loop goes on in that loop (back
 * in the queue: its old processor's bit went with the evict), not in a
 * wait nested in it: a thread evicted again and again while it waits
 * would nest deeper each time, until its kernel stack ran into its TCB
 * (an attacker's review: a kernel #PF in cancel_blocked, on a saved
 * register where xfer_partner was). */
void mp_resumed_lockless(void)
{
    struct tcb *self = current;
    if (self->lock_wait) {              /* (as kernel_lock_wait would begin) */
        this_cpu.lockless = 0;
        __atomic_or_fetch(&waiting, 1u << cpu_index(), __ATOMIC_RELAXED);
    } else if (!self->resume_local)
        kernel_lock_wait();
}

/* The work that called this may hold pointers to threads of processors
 * it claimed: they are claimed again. */
COLD void mp_preemption_point_wait(void)
{
    uint32_t had = kept;
    kernel_unlock();
    arch_interrupt_window();
    kernel_lock_wait();
    for (unsigned c = 0; had; c++, had >>= 1)
        if (had & 1)
            mp_claim(c);
}

void mp_evicted_here(void)
{
    this_cpu.evict = NULL;
    mp_serve();
    this_cpu.parked = 0;                /* (the evicted thread's wait said so) */
    /* Its wait for the lock ended: if the lock came here, the idle loop
     * passes it on. */
    __atomic_and_fetch(&waiting, ~(1u << cpu_index()), __ATOMIC_RELAXED);
    /* The IPI whose handler evicted the thread may have been the one
     * that announced these (deferred while it waited, or come while
     * interrupts were off): the idle loop serves them on another. */
    if (__atomic_load_n(&this_cpu.requests, __ATOMIC_RELAXED))
        poke(cpu_index());
}

/* ---- the holder's requests ---------------------------------------------- */

void mp_flush_later(unsigned kind)
{
    if (mp_cpus > 1 && kind > flush_due)
        flush_due = (uint8_t)kind;
}

COLD void mp_stop(struct tcb *t)
{
    unsigned c = t->cpu;
    if (c == cpu_index())
        return;
    mp_claim_wait(c);                   /* (its fast paths may wake t) */
    if (mp_current(c) != t && fpu_owner_of(c) != t)
        return;
    struct cpu_local *l = cpu_of[c];
    l->evict = t;
    if (!l->park)
        poke(c);
    while (l->evict)
        cpu_relax();
    sched_evicted(t);
}

/* Always an IPI, even if the word is set already: an IPI handler whose
 * thread was evicted never looked at it (trap.c), and the processor's
 * fresh idle thread does not. */
void mp_resched(unsigned cpu)
{
    /* (whoever changed its ready queue or running thread claimed it: an
     * idle processor not kept takes a look at its queues without the lock) */
    ASSERT(held_here() && (kept >> cpu & 1));
    cpu_of[cpu]->resched = 1;
    poke(cpu);
}

/* ---- requests: IPC to a thread of another processor --------------------- */

/* The life of a request (struct cpu_request): the requester posts it and
 * waits; the server takes it (REQ_SERVING) and answers with an enum
 * req_outcome, or the requester withdraws it first (back to REQ_NONE),
 * and whoever wins the compare-and-swap decides. */
enum { REQ_NONE = 8, REQ_POSTED, REQ_SERVING };

/* How long a requester waits for a server that does not take its request
 * (it holds the lock, or its thread is in the kernel with interrupts
 * off, or its emulated processor gets no turn) before it withdraws it and
 * takes the lock itself: 10 ms by the time stamp counter. (Counted in
 * spins it was 20000, some milliseconds under multi-threaded TCG; but
 * QEMU's single-threaded round robin under -icount was seen to give a
 * processor woken by the IPI no turn for minutes while the requester's
 * every PAUSE ended its own turn after one spin, and the other
 * processors ran on: the counter advances with their instructions.) */
#define REQ_PATIENCE_US 10000

/* (Looked at every 256 spins: most requests are taken within a few.) */
static __attribute__((noinline)) bool patience_over(uint64_t *give_up)
{
    uint64_t now = rdtsc();
    if (!*give_up)
        *give_up = now + REQ_PATIENCE_US * tsc_khz() / 1000;
    return now > *give_up;
}

static struct cpu_request *request_of(unsigned cpu)
{
    return (struct cpu_request *)word_of(cpu, CPU_REQUEST);
}

static struct tcb *serve_one(unsigned from)
{
    struct cpu_request *q = request_of(from);
    uint32_t posted = REQ_POSTED;
    if (!__atomic_compare_exchange_n(&q->status, &posted, REQ_SERVING, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return NULL;                    /* withdrawn */
    struct tcb *woken = NULL;
    enum req_outcome o =
        q->kind < REQ_EXREG    ? ipc_serve_remote(q->kind, q->thread, q->id, q->tag, &woken)
        : q->kind == REQ_EXREG ? exreg_serve(q->thread, q->id, (struct exreg *)q->tag, &woken)
                               : schedule_serve(q->thread, q->id, (struct schedule *)q->tag,
                                                &woken);
    __atomic_store_n(&q->status, o, __ATOMIC_RELEASE);
    return woken;
}

/*
 * Waiting for its own request, a processor does not serve a send to the
 * thread it runs, which is between the phases of its IPC without the
 * lock: serve_send would refuse it, and the refused requester takes the
 * lock, whose claims make the other processors' requests withdraw and
 * take it too (a pipeline of three programs and the pipe server on four
 * processors took the lock 3881 times, about 2000 for such refusals). The
 * request stays posted, its bit in `requests`, and is served once the
 * wait is over, in the IPI that announced it, which waits for interrupts
 * to be on again (in user mode, in the idle thread, at a preemption
 * point; mp_evicted_here if its handler evicted the thread): by then the
 * thread usually waits in its receive phase, as a Call's sender expects,
 * or runs, and the sender is queued; serve_send looks again anyway. Not
 * a send from the processor this one waits for, which may wait for this
 * one in turn: that is refused at once. Nor while its own request is deferred: three
 * processors that each wait for the next, each deferring the send of the
 * one before, waited until one withdrew its request, 10 ms with
 * interrupts off (REQ_PATIENCE_US), and any task could make such a ring
 * of its own threads again and again, and draw other tasks' sends to
 * its threads into it (an attacker's review,
 * mp.a_ring_of_sends_between_three_processors_breaks_without_waiting_out_a_request).
 * So a processor that defers a request marks it (`deferred`), and one
 * whose own request is marked defers none: in a ring each finds its own
 * marked, serves the one it deferred, and refuses it as before. The
 * request's words are read before the request is taken; the requester
 * may withdraw it and post another meanwhile, and the worst that comes
 * of it is a send deferred that need not have been, one refused, or a
 * new request marked.
 */
static bool deferred(unsigned from, unsigned waited_for)
{
    const struct cpu_request *q = request_of(from);
    uint32_t kind = __atomic_load_n(&q->kind, __ATOMIC_RELAXED);
    return from != waited_for && kind < REQ_EXREG && kind != REQ_TAKE &&
           __atomic_load_n(&q->id, __ATOMIC_RELAXED) == current->global_id;
}

/* The requesters of `from` whose requests wait for this one's to end,
 * each marked so. */
static __attribute__((noinline)) uint32_t deferred_of(uint32_t from, unsigned waited_for)
{
    uint32_t later = 0;
    for (; from; from &= from - 1) {
        unsigned c = (unsigned)__builtin_ctz(from);
        if (deferred(c, waited_for)) {
            request_of(c)->deferred = 1;
            later |= from & -from;
        }
    }
    return later;
}

struct tcb *mp_serve_requests(enum serve_where where, unsigned waited_for)
{
    bool idle = where == SERVE_IDLE;
    uint32_t from = __atomic_load_n(&this_cpu.requests, __ATOMIC_RELAXED);
    if (where == SERVE_WAITING && waited_for < MAX_CPUS && from)
        from &= ~deferred_of(from, waited_for);
    if (!from)
        return NULL;
    /* (those taken; the rest stay, for later, or for their requesters to
     * withdraw: a bit put back after that would take their next request) */
    __atomic_and_fetch(&this_cpu.requests, ~from, __ATOMIC_ACQUIRE);
    struct tcb *run = NULL;             /* idle: the first made ready, unqueued */
    for (; from; from &= from - 1) {
        struct tcb *r = serve_one((unsigned)__builtin_ctz(from));
        if (!r)
            continue;
        if (idle && !run) {
            run = r;
            continue;
        }
        sched_make_ready(r);
        if (where == SERVE_RUNNING && r->priority > current->priority)
            this_cpu.resched = 1;
    }
    return run;
}

bool mp_idle_may_leave(void)
{
    if (held_here())
        return true;
    this_cpu.lockless = 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&kept, __ATOMIC_RELAXED) >> cpu_index() & 1) {
        this_cpu.lockless = 0;          /* (the holder's release pokes us) */
        return false;
    }
    return true;
}

enum req_outcome mp_request(unsigned cpu, enum req_kind kind, struct tcb *thread, word_t id,
                            word_t tag)
{
    struct cpu_request *q = &cpu_pages.request;
    q->kind = kind;
    q->thread = thread;
    q->id = id;
    q->tag = tag;
    q->deferred = 0;
    __atomic_store_n(&q->status, REQ_POSTED, __ATOMIC_RELEASE);
    __atomic_or_fetch(&cpu_of[cpu]->requests, 1u << cpu_index(), __ATOMIC_SEQ_CST);
    poke(cpu);
    uint64_t give_up = 0;
    for (unsigned waited = 1;; waited++) {
        uint32_t status = __atomic_load_n(&q->status, __ATOMIC_ACQUIRE);
        if (status < REQ_NONE)
            return (enum req_outcome)status;
        if (__atomic_load_n(&this_cpu.requests, __ATOMIC_RELAXED))    /* the server's own, */
            mp_serve_requests(SERVE_WAITING, q->deferred ? MAX_CPUS : cpu);     /* to us */
        uint32_t posted = REQ_POSTED;
        if ((this_cpu.park || (waited % 256 == 0 && patience_over(&give_up))) &&
            __atomic_compare_exchange_n(&q->status, &posted, REQ_NONE, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            /* (a bit left there would have it take our next request) */
            __atomic_and_fetch(&cpu_of[cpu]->requests, ~(1u << cpu_index()), __ATOMIC_RELAXED);
            /* (counted for the tests: withdrawn from a ring, the server
             * deferring ours while its own was deferred) */
            this_cpu.withdrawals += !this_cpu.park && q->deferred && request_of(cpu)->deferred;
            return REQ_REFUSED;
        }
        cpu_relax();
    }
}
