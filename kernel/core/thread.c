/* Threads: TCB blocks in the virtual TCB array, lookup by id, creation,
 * activation and deletion. */
#include "tcb.h"
#include "arch/context.h"
#include "arch/mp.h"
#include "arch/paging.h"
#include "account.h"
#include "ipc.h"
#include "kmem.h"
#include "sched.h"
#include "space.h"
#include "threadid.h"
#include "unix.h"
#include "utcb.h"
#include "waiters.h"

struct list tcb_list;


struct tcb *tcb_slot(word_t number)
{
    return tcb_of_number(number);
}

struct tcb *tcb_peek_local(word_t id, const struct tcb *from)
{
    if (id == 0 || id == ANYLOCALTHREAD)
        return NULL;
    /* A local id is the address of MR0 in the viewer's space; the UTCB's
     * MyGlobalId word names the thread. */
    paddr_t pa;
    const word_t *my_global_id;
    if (!paging_lookup(from->space->pml4, id - 0x78, &pa, NULL) ||
        !(my_global_id = user_frame_to_virt(pa)))
        return NULL;
    struct tcb *t = tcb_peek_global(*my_global_id);
    return t && t->space == from->space && t->local_id == id ? t : NULL;
}

/* A new thread runs on its creator's processor. */
COLD struct tcb *tcb_create(word_t global_id, struct space *space, uint8_t prio)
{
    struct tcb *t = tcb_slot(tid_number(global_id));
    unsigned cpu = cpu_index();
    paddr_t root = space_root(space, cpu);
    paddr_t block = root || !space->pml4 ? kmem_frame(&space->kmem) : 0;
    if (!block)
        return NULL;
    if (!paging_map_kernel((vaddr_t)t, block, PTE_W)) {
        kmem_frame_free(&space->kmem, block);
        return NULL;
    }
    *t = (struct tcb){
        .global_id = global_id,
        .space = space,
        .root = root,
        .cpu = (uint8_t)cpu,
        .state = TS_INACTIVE,
        .priority = prio,
        .timeslice_us = TIMESLICE_US,
        .timeslice_ticks = TIMESLICE_US * TIMER_HZ / 1000000,
        .utcb_location = ~0UL,
    };
    t->slice_left = t->timeslice_ticks;
    t->no_fast_send = space_no_fast_send(space);
    space->nthreads++;
    list_insert_before(&tcb_list, t, tcb_list.first, all_link);  /* newest first */
    return t;
}

COLD bool tcb_activate(struct tcb *t, vaddr_t utcb_loc, word_t pager)
{
    word_t *utcb = space_utcb(t->space, utcb_loc);
    if (!utcb)
        return false;
    memset_words(utcb, 0, UTCB_SIZE / 8);
    t->utcb = utcb + UTCB_MR0_OFFSET / 8;
    t->utcb_mr8 = t->utcb + 8;
    t->local_id = utcb_loc + UTCB_MR0_OFFSET;
    t->utcb_location = utcb_loc;
    utcb_set(t, UTCB_MY_GLOBAL_ID, t->global_id);
    utcb_set(t, UTCB_PAGER, pager);
    utcb_set(t, UTCB_PROCESSOR_NO, t->cpu);
    t->space->active_threads++;
    t->unix_abi = t->space->unix_abi;
    if (t->unix_abi) {
        unix_thread_activated(t, pager);
        return true;
    }
    /* Waiting for the start message: a closed receive from the pager. */
    arch_thread_init_user(t, 0, 0);
    t->start_wait = true;
    t->rcv_from = pager;
    waiters_note(t, pager);
    t->state = TS_RECV_BLOCKED;
    return true;
}

COLD bool tcb_move(struct tcb *t, struct space *to)
{
    size_t charge = KTCB_SIZE + arch_thread_kmem(t);
    paddr_t root = space_root(to, t->cpu);
    if (!root || !kmem_charge(&to->kmem, charge))
        return false;
    mp_stop(t);                         /* not running on the old root */
    if (t->utcb) {                      /* active: the UTCB comes along */
        word_t *u = space_utcb(to, t->utcb_location);
        if (!u) {
            kmem_uncharge(&to->kmem, charge);
            return false;
        }
        word_t *old_utcb = t->utcb - UTCB_MR0_OFFSET / 8;
        for (unsigned i = 0; i < UTCB_SIZE / 8; i++)
            u[i] = old_utcb[i];
        memset_words(old_utcb, 0, UTCB_SIZE / 8);
        t->utcb = u + UTCB_MR0_OFFSET / 8;
        t->utcb_mr8 = t->utcb + 8;
    }
    struct space *from = t->space;
    kmem_uncharge(&from->kmem, charge);
    if (t->utcb) {
        from->active_threads--;
        to->active_threads++;
    }
    t->space = to;
    t->root = root;
    t->no_fast_send = space_no_fast_send(to);
    to->nthreads++;
    if (--from->nthreads == 0)
        space_destroy(from);
    return true;
}

COLD void tcb_delete(struct tcb *t)
{
    mp_stop(t);                         /* not running anywhere */
    ipc_detach(t);
    arch_thread_release(t);
    sched_remove(t);
    t->state = TS_FREE;
    list_remove(&tcb_list, t, all_link);
    if (t->utcb)
        memset_words(t->utcb - UTCB_MR0_OFFSET / 8, 0, UTCB_SIZE / 8);
    struct space *s = t->space;
    if (t->utcb)
        s->active_threads--;
    paddr_t block = paging_unmap_kernel((vaddr_t)t);
    kmem_frame_free(&s->kmem, block);
    if (--s->nthreads == 0)
        space_destroy(s);
}
