/* Thread creation: TCB blocks in the virtual TCB array. */
#include "tcb.h"
#include "arch/paging.h"
#include "frame.h"
#include "space.h"
#include "utcb.h"

struct tcb *tcb_list;

struct tcb *tcb_create(word_t global_id, struct space *space, vaddr_t utcb_loc, uint8_t prio)
{
    struct tcb *t = tcb_of_number(global_id >> 32);
    paddr_t block = frame_alloc();
    if (!block)
        return NULL;
    if (!paging_map_kernel((vaddr_t)t, block, PTE_W))
        goto fail;
    word_t *utcb = space_utcb(space, utcb_loc);
    if (!utcb)
        goto fail;
    *t = (struct tcb){
        .global_id = global_id,
        .local_id = utcb_loc + 0x200,
        .utcb = utcb + 0x200 / 8,
        .space = space,
        .priority = prio,
        .timeslice_ticks = TIMESLICE_US * TIMER_HZ / 1000000,
    };
    t->slice_left = t->timeslice_ticks;
    utcb_set(t, UTCB_MY_GLOBAL_ID, global_id);
    space->nthreads++;
    t->list_next = tcb_list;
    tcb_list = t;
    return t;
fail:
    frame_free(block);
    return NULL;
}
