/* Thread control blocks. A TCB and its thread's kernel stack share one
 * KTCB_SIZE block in a virtual array indexed by thread number, so finding
 * a thread from its id is a shift and an add (the version validates it):
 *
 *   TCB_AREA_BASE + n * KTCB_SIZE:  [ struct tcb | ... stack ... | trap frame ]
 *                                                                 ^ top of block
 */
#pragma once
#include "config.h"
#include "types.h"

enum thread_state {
    TS_FREE = 0,          /* no thread in this slot */
    TS_READY,             /* running or on a ready queue */
    TS_HALTED,            /* stopped: by ExchangeRegisters, or after an unhandled fault */
};

struct space;

struct tcb {
    word_t global_id;
    word_t local_id;           /* user address of the UTCB's MR0 */
    word_t *utcb;              /* kernel pointer to MR0 */
    struct space *space;
    uint64_t ksp;              /* saved kernel stack pointer while switched out */
    uint8_t state;
    uint8_t priority;
    bool queued;               /* on a ready queue */
    struct tcb *rq_next, *rq_prev;
    uint32_t timeslice_ticks, slice_left;
    const char *name;          /* for the debugger and messages; may be NULL */
    struct tcb *list_next;     /* all threads, for the debugger */
};

extern struct tcb *tcb_list;

static inline struct tcb *tcb_of_number(word_t number)
{
    return (struct tcb *)(TCB_AREA_BASE + (number & ((1UL << THREAD_BITS) - 1)) * KTCB_SIZE);
}

static inline uint64_t tcb_stack_top(const struct tcb *t)
{
    return (uint64_t)t + KTCB_SIZE;
}

/* Create the TCB for `global_id` in `space` with its UTCB at `utcb_loc`
 * (user address of the UTCB start). NULL when out of memory. */
struct tcb *tcb_create(word_t global_id, struct space *space, vaddr_t utcb_loc, uint8_t prio);

/* Write a thread's UTCB word (index relative to MR0, see utcb.h). */
static inline void utcb_set(struct tcb *t, int index, word_t v) { t->utcb[index] = v; }
static inline word_t utcb_get(const struct tcb *t, int index) { return t->utcb[index]; }
