/* Thread control blocks. A TCB and its thread's kernel stack share one
 * KTCB_SIZE block in a virtual array indexed by thread number, so finding
 * a thread from its id is a shift and an add (the version validates it):
 *
 *   TCB_AREA_BASE + n * KTCB_SIZE:  [ struct tcb | ... stack ... | trap frame ]
 *                                                                 ^ top of block
 *
 * Slots without a thread read as zeros: the array's page tables are built
 * at boot with every entry showing one zero frame (paging_init), so a
 * lookup never faults and never needs memory, not even when the kernel
 * pool is empty.
 */
#pragma once
#include "arch/mp.h"
#include "config.h"
#include "list.h"
#include "tcb_offsets.h"
#include "types.h"
#include "pecan/threadid.h"

enum thread_state {
    TS_FREE = 0,          /* no thread in this slot */
    TS_INACTIVE,          /* created, not activated (no pager/UTCB yet) */
    TS_READY,             /* running or ready to run */
    TS_SEND_BLOCKED,      /* send phase: waiting for the destination */
    TS_RECV_BLOCKED,      /* receive phase: waiting for a sender */
    TS_DEAD,              /* the kernel's dummy thread: exists, never runs */
    TS_XFER,              /* in a string transfer, waiting for its partner */
    TS_KDB_READ,          /* in KDB ReadChar_Blocked, waiting for input */
};

/* How a thread blocked for a fast resumption resumes (tcb.fast_blocked) */
enum {
    FAST_NONE = 0,              /* not so blocked */
    FAST_X2 = TCB_FAST_X2,      /* in an X.2 receive: fast_resume (fastpath.S) */
    FAST_UNIX = TCB_FAST_UNIX,  /* a Unix-ABI system call's message: unix_fast_resume */
};

struct space;
struct fpu_state;

/* The fields the IPC fast path uses come first, together (two cache
 * lines); their offsets are in tcb_offsets.h for the assembly. */
struct tcb {
    word_t global_id;
    word_t local_id;           /* user address of the UTCB's MR0; 0 if inactive */
    word_t listed_with;        /* waiters.h: global id of the thread whose waiters we are on */
    uint64_t root;             /* space->pml4 (CR3), in this line for the fast paths;
                                * set with space (thread.c) */
    uint64_t ksp;              /* saved kernel stack pointer while switched out */
    uint8_t state;
    int8_t fast_blocked;       /* FAST_*: (signed, so that GCC merges the store of
                                * it and of state as it does a bool's, not as a vector) */
    bool halted;               /* stopped by ExchangeRegisters or a fault */
    uint8_t cpu;               /* the processor it runs on (its home, mp.h) */
    uint8_t priority;
    uint8_t no_fast_send;      /* its space has a redirector: sends take the general path */
    bool has_rcv_phase;        /* blocked in a send phase of a send+receive IPC */
    bool start_wait;           /* waiting for its start message (spec 4.7) */
    word_t rcv_from;           /* receive specifier: global id, ANYTHREAD or ANYLOCALTHREAD */
    struct list sendq;         /* threads blocked sending to us, by send_link, FIFO */
    word_t ipc_from;           /* result: sender id as the receiver sees it */
    word_t *utcb_mr8;          /* utcb + 8: where the fast path copies MR8.. */
    word_t *utcb;              /* kernel pointer to MR0; NULL if inactive */
    struct space *space;
    uint8_t kcall_depth;       /* kernel-made IPCs in progress (page faults, ...) */
    bool resume_local;         /* switched away where what follows touches only
                                * this processor's (ipc_local, mp_resumed) */
    bool kcall_local;          /* in a user fault's kernel-made IPC, entered
                                * without the lock (fault.c): what follows its
                                * answer is this processor's */
    bool lock_wait;            /* in kernel_lock_wait's loop: evicted there and
                                * resumed without the lock, it goes on in that
                                * loop, not in a new wait (mp_resumed_lockless) */
    struct list_node ready_link;  /* on its priority's ready queue (sched.c) */
    uint32_t slice_left;       /* ticks left in the current time slice */
    uint32_t timeslice_ticks;
    uint64_t timeslice_us;
    uint64_t quantum_us;       /* total quantum; 0 = unlimited */
    uint64_t quantum_left;     /* ticks of it left */
    bool quantum_expired;      /* tell the scheduler on the way back to user mode */
    word_t scheduler;
    uint8_t sensitive_prio;    /* delayed preemption (sched.h): by threads up to this */
    uint32_t max_delay_ticks;  /*   priority, for this long; 0 = never delayed */
    uint64_t delay_until;      /* tick the granted delay ends; 0 = none granted */

    /* IPC */
    struct tcb *send_dest;     /* TS_SEND_BLOCKED: the destination */
    struct list_node send_link;  /* on send_dest's sendq */
    struct list waiters;       /* threads listed with us (waiters.h), by waiter_link */
    struct list_node waiter_link;
    uint16_t rcv_timeout;      /* receive timeout for after the send phase */
    word_t ipc_vsender;        /* send phase: the virtual sender (5.6), 0 if none */
    word_t ipc_intended;       /* send phase redirected: the intended receiver (app. C) */
    word_t ipc_error;          /* result: ErrorCode value, 0 = success */
    uint64_t wakeup;           /* tick at which the current wait times out; 0 = never */
    uint64_t kcall_deadline;   /* limit for a kernel-made IPC (xfer timeout); 0 = none */

    /* String transfer in progress (see xfer.h); both partners point at
     * each other, the one copying also at its transfer record. The other
     * one may be asked to resolve a fault in its own space (ipc.c). */
    struct tcb *xfer_partner;
    struct xfer *xfer;
    bool xfer_is_sender;
    uint8_t xfer_serve;        /* partner: where it is with such a request */
    bool xfer_fault_write;
    word_t xfer_fault_addr;
    word_t xfer_result;        /* copier: the outcome of that request (IPC error word) */
    word_t xfer_end_error;     /* partner given up on while it served: */
    word_t xfer_end_mr0;       /*   the transfer's outcome for it */
    struct list_node timeout_link;  /* waiting with a timeout (timeout.c) */

    /* Threads of Unix-ABI spaces (unix.h) */
    bool unix_abi;             /* one of them (from its space, when activated) */
    word_t fs_base, gs_base;   /* their FS and GS bases, set by their handler */
    bool unix_interrupt;       /* an interrupt message is due (ExchangeRegisters K) */

    struct fpu_state *fpu_state;  /* saved FPU/SSE registers (arch), NULL until used */
    word_t utcb_location;      /* requested UTCB start (inactive threads: ~0 if none) */
    const char *name;
    struct list_node all_link;           /* on tcb_list */
};

/* Every thread but idle, interrupt threads included, newest first: for
 * the debugger, for KDB ReadChar_Blocked's readers when input arrives,
 * and for a space's threads when SpaceControl sets its redirector. IPC
 * and thread deletion do not walk it: the lists of the threads each
 * operation concerns are in the TCBs. */
extern struct list tcb_list;

/* Each thread of tcb_list, in `t`. */
#define tcb_for_each(t) list_for_each(t, &tcb_list, all_link)

static inline struct tcb *tcb_of_number(word_t number)
{
    return (struct tcb *)(TCB_AREA_BASE + (number & ((1UL << THREAD_BITS) - 1)) * KTCB_SIZE);
}

static inline uint64_t tcb_stack_top(const struct tcb *t)
{
    return (uint64_t)t + KTCB_SIZE;
}

static inline bool tcb_is_active(const struct tcb *t)
{
    return t->state != TS_FREE && t->state != TS_INACTIVE && t->state != TS_DEAD;
}

/* Write/read a thread's UTCB word (index relative to MR0, see utcb.h). */
static inline void utcb_set(struct tcb *t, int index, word_t v) { t->utcb[index] = v; }
static inline word_t utcb_get(const struct tcb *t, int index) { return t->utcb[index]; }

/* The thread with exactly this global id, or NULL. (A slot without a
 * thread reads as zeros: its global id is 0, which no global id is.)
 * Only a look: its processor may change it meanwhile (ipc_local). */
static inline struct tcb *tcb_peek_global(word_t id)
{
    if (!(id & TID_LOCAL_MASK) || TID_NUMBER(id) >> THREAD_BITS)
        return NULL;
    struct tcb *t = tcb_of_number(TID_NUMBER(id));
    return t->global_id == id ? t : NULL;
}

/* The same, for the kernel lock's holder, which is about to look at the
 * thread: its processor is claimed (arch/mp.h). */
static inline struct tcb *tcb_lookup_global(word_t id)
{
    struct tcb *t = tcb_peek_global(id);
    if (t)
        mp_claim(t->cpu);
    return t;
}

/* A local id of a thread in `from`'s space, without a claim (tcb_peek):
 * `from` is the current thread, whose page tables name it. */
struct tcb *tcb_peek_local(word_t id, const struct tcb *from);

/* The thread `id` names as seen from `from`'s space: a global id, or a
 * local id of a thread in that space. NULL if there is none. No claim:
 * for a look that goes no further unless the thread is this processor's
 * (ipc_short, ThreadSwitch, ExchangeRegisters without the lock), or
 * reads only its id. */
static inline struct tcb *tcb_peek(word_t id, const struct tcb *from)
{
    return id & TID_LOCAL_MASK ? tcb_peek_global(id) : tcb_peek_local(id, from);
}

/* The same, for the kernel lock's holder, which is about to look at the
 * thread: its processor is claimed (arch/mp.h). */
static inline struct tcb *tcb_lookup(word_t id, const struct tcb *from)
{
    struct tcb *t = tcb_peek(id, from);
    if (t)
        mp_claim(t->cpu);
    return t;
}

/* The thread in a slot, whatever its version (may be TS_FREE). */
struct tcb *tcb_slot(word_t number);

/* Create an inactive thread (no UTCB yet). NULL when out of memory. */
struct tcb *tcb_create(word_t global_id, struct space *space, uint8_t prio);

/* Give an inactive thread its UTCB at `utcb_loc` in its space; false when
 * out of memory. The thread then waits for its start message. */
bool tcb_activate(struct tcb *t, vaddr_t utcb_loc, word_t pager);

/* Move a thread to another space; an active one takes its UTCB (contents
 * and location) with it. False when out of memory. */
bool tcb_move(struct tcb *t, struct space *to);

/* Delete a thread: abort its IPC, release its slot and, with the last
 * thread, its space. */
void tcb_delete(struct tcb *t);

/* The id of `t` as `viewer` names it: local within one space, else global. */
static inline word_t tcb_id_for(const struct tcb *t, const struct tcb *viewer)
{
    return t->space == viewer->space ? t->local_id : t->global_id;
}

/* The fast path's view of the layout must match. */
_Static_assert(__builtin_offsetof(struct tcb, global_id) == TCB_GLOBAL_ID, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, local_id) == TCB_LOCAL_ID, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, listed_with) == TCB_LISTED_WITH, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, root) == TCB_ROOT, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, ksp) == TCB_KSP, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, state) == TCB_STATE, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, fast_blocked) == TCB_FAST_BLOCKED, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, halted) == TCB_HALTED, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, xfer_serve) == TCB_XFER_SERVE, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, halted) == TCB_STATE + 2, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, cpu) == TCB_CPU, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, priority) == TCB_PRIORITY, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, no_fast_send) == TCB_PRIORITY + 1, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, rcv_from) == TCB_RCV_FROM, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, sendq) == TCB_SENDQ, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, ipc_from) == TCB_IPC_FROM, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, utcb_mr8) == TCB_UTCB_MR8, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, utcb) == TCB_UTCB, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, kcall_depth) == TCB_KCALL_DEPTH, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, fs_base) == TCB_FS_BASE, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, gs_base) == TCB_GS_BASE, "tcb layout");
_Static_assert(__builtin_offsetof(struct tcb, unix_interrupt) == TCB_UNIX_INTERRUPT, "tcb layout");
_Static_assert(TS_RECV_BLOCKED == TCB_TS_RECV_BLOCKED && TS_READY == TCB_TS_READY, "tcb states");
