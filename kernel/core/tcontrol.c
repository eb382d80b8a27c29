/* ThreadControl (spec 4.7) and SpaceControl (spec 4.8): creating,
 * modifying and deleting threads and spaces; privileged callers only. */
#include "fpage.h"
#include "irq.h"
#include "kip.h"
#include "sched.h"
#include "space.h"
#include "pecan/spacectl.h"
#include "syscall.h"
#include "threadid.h"
#include "utcb.h"
#include "waiters.h"

#define DEFAULT_PRIORITY 100

static bool utcb_location_valid(const struct space *s, word_t loc)
{
    if (!s->kip_area || loc % UTCB_SIZE)
        return false;
    word_t base = fpage_base(s->utcb_area);
    return loc >= base && loc - base <= fpage_size(s->utcb_area) - UTCB_SIZE;
}

static word_t modify(struct tcb *t, word_t dest, word_t space_spec, word_t scheduler,
                     word_t pager, word_t utcb_loc)
{
    /* In the order of spec 4.7 rule 6: a new UTCB location (checked in
     * the thread's current space), the space, then activation. */
    bool active = tcb_is_active(t);
    if (utcb_loc != ~0UL && (active || !utcb_location_valid(t->space, utcb_loc)))
        return syscall_fail(ERR_INVALID_UTCB);
    struct tcb *in = tcb_lookup(space_spec, current);
    if (!in || in->state == TS_FREE)
        return syscall_fail(ERR_INVALID_SPACE);
    word_t loc = utcb_loc != ~0UL ? utcb_loc : t->utcb_location;
    if (pager != NILTHREAD && !active && !utcb_location_valid(in->space, loc))
        return syscall_fail(ERR_INVALID_UTCB);

    if (in->space != t->space) {
        /* An active thread moves with its UTCB location, which must be
         * valid in the (initialised) new space. Not the caller itself, nor
         * one in the middle of a string copy. */
        if (active && (t == current || t->xfer_partner || !utcb_location_valid(in->space, loc)))
            return syscall_fail(ERR_INVALID_UTCB);
        /* (No active thread changes between the X.2 and the Unix ABI.) */
        if (active && in->space->unix_abi != t->space->unix_abi)
            return syscall_fail(ERR_INVALID_SPACE);
        if (!tcb_move(t, in->space))
            return syscall_fail(ERR_NO_MEMORY);
    }
    t->utcb_location = loc;
    if (pager != NILTHREAD) {
        if (!active) {
            if (!tcb_activate(t, loc, pager))
                return syscall_fail(ERR_NO_MEMORY);
        } else {
            utcb_set(t, UTCB_PAGER, pager);
        }
    }
    if (scheduler != NILTHREAD)
        t->scheduler = scheduler;
    if (dest != t->global_id) {                     /* new version */
        t->global_id = dest;
        waiters_renamed(t);
        if (t->utcb)
            utcb_set(t, UTCB_MY_GLOBAL_ID, dest);
    }
    return 1;
}

static word_t create(word_t dest, word_t space_spec, word_t scheduler, word_t pager,
                     word_t utcb_loc)
{
    if (scheduler == NILTHREAD)
        return syscall_fail(ERR_INVALID_THREAD);
    struct space *s = NULL;
    if (dest != space_spec) {
        struct tcb *in = tcb_lookup(space_spec, current);
        if (!in || in->state == TS_FREE)
            return syscall_fail(ERR_INVALID_SPACE);
        s = in->space;
    }
    if (pager != NILTHREAD) {
        if (!s || !s->kip_area)
            return syscall_fail(ERR_INVALID_SPACE);
        if (!utcb_location_valid(s, utcb_loc))
            return syscall_fail(ERR_INVALID_UTCB);
    }
    bool new_space = !s;
    if (new_space && !(s = space_create(space_default_kmem_limit())))
        return syscall_fail(ERR_NO_MEMORY);
    struct tcb *t = tcb_create(dest, s, DEFAULT_PRIORITY);
    if (!t) {
        if (new_space)
            space_destroy(s);
        return syscall_fail(ERR_NO_MEMORY);
    }
    t->scheduler = scheduler;
    t->utcb_location = utcb_loc;
    if (pager != NILTHREAD && !tcb_activate(t, utcb_loc, pager)) {
        tcb_delete(t);
        return syscall_fail(ERR_NO_MEMORY);
    }
    return 1;
}

word_t sys_thread_control(word_t dest, word_t space_spec, word_t scheduler, word_t pager,
                          word_t utcb_loc)
{
    if (!current->space->privileged)
        return syscall_fail(ERR_NO_PRIVILEGE);
    if (!tid_is_global(dest))
        return syscall_fail(ERR_INVALID_SPACE);
    word_t n = tid_number(dest);
    if (n < SYSTEM_BASE)
        return irq_control(dest, pager);            /* interrupt association (spec 7) */
    if (n < USER_BASE || n >> THREAD_BITS)
        return syscall_fail(ERR_INVALID_THREAD);    /* kernel threads */
    struct tcb *t = tcb_slot(n);
    if (t->state != TS_FREE)
        mp_claim(t->cpu);                           /* we look at t */
    if (space_spec == NILTHREAD) {                  /* delete */
        if (t == current)
            return syscall_fail(ERR_INVALID_THREAD);
        if (t->state != TS_FREE)
            tcb_delete(t);
        return 1;
    }
    if (t->state != TS_FREE)
        return modify(t, dest, space_spec, scheduler, pager, utcb_loc);
    return create(dest, space_spec, scheduler, pager, utcb_loc);
}

/* SpaceControl's control word: Pecan's extensions (pecan/spacectl.h). */
static word_t kb_up(size_t bytes)
{
    return (bytes + 1023) / 1024;
}

/* The old control word for L or Q, and the new limit for L. */
static word_t kmem_control(struct kmem_account *a, word_t control)
{
    word_t old = SC_KMEM_OLD(MIN(kb_up(a->used), SC_KMEM_USED_MAX),
                             a->limit == KMEM_UNLIMITED ? SC_KMEM_NONE
                                                        : MIN(a->limit / 1024, SC_KMEM_NONE - 1));
    if (control & SC_KMEM_SET) {
        word_t kb = control & SC_KMEM_NONE;
        a->limit = kb == SC_KMEM_NONE ? KMEM_UNLIMITED : kb * 1024;
    }
    return old;
}

word_t sys_space_control(word_t space_spec, word_t control, word_t kip_area, word_t utcb_area,
                         word_t redirector, word_t *old_control)
{
    *old_control = 0;
    if (!current->space->privileged)
        return syscall_fail(ERR_NO_PRIVILEGE);
    struct tcb *t = tcb_lookup_global(space_spec);
    if (!t)
        return syscall_fail(ERR_INVALID_SPACE);
    /* Redirector (appendix C): nil keeps it, anythread switches it off,
     * anything else must be a thread. */
    struct tcb *r = NULL;
    if (redirector != NILTHREAD && redirector != ANYTHREAD) {
        r = tcb_lookup(redirector, current);
        if (!r || !tcb_is_active(r))
            return syscall_fail(ERR_INVALID_THREAD);
    }
    if (!t->space->kip_area) {
        int err = space_init_areas(t->space, kip_area, utcb_area);
        if (err)
            return syscall_fail(err);
    }
    if (redirector != NILTHREAD)
        space_set_redirector(t->space, r ? r->global_id : 0);
    if ((control & SC_EXT_MASK) == SC_KMEM)
        *old_control = kmem_control(&t->space->kmem, control);
    if ((control & SC_EXT_MASK) == SC_UNIX) {
        struct space *sp = t->space;
        if ((control & SC_UNIX_SET) && sp->active_threads)
            return syscall_fail(ERR_INVALID_SPACE);
        *old_control = SC_UNIX | (sp->unix_abi ? SC_UNIX_ON : 0);
        if (control & SC_UNIX_SET)
            sp->unix_abi = control & SC_UNIX_ON;
    }
    return 1;
}
