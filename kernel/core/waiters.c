/* Closed receives listed with their partner (waiters.h). */
#include "waiters.h"
#include "arch/mp.h"
#include "print.h"

/* Take t off the list it is on. */
static void take_off(struct tcb *t)
{
    struct tcb *p = tcb_of_number(tid_number(t->listed_with));
    ASSERT(p->global_id == t->listed_with);     /* the invariant (waiters.h) */
    list_remove(&p->waiters, t, waiter_link);
    t->listed_with = 0;
}

static __attribute__((noinline)) void unlink(struct tcb *t)
{
    mp_claim(waiters_cpu(t));           /* (the fast paths' join: both are */
    mp_claim(t->cpu);                   /* this processor's) */
    take_off(t);
}

void waiters_join_served(struct tcb *t, struct tcb *partner)
{
    if (t->listed_with)
        take_off(t);
    list_append(&partner->waiters, t, waiter_link);
    t->listed_with = partner->global_id;
}

void waiters_leave(struct tcb *t)
{
    if (t->listed_with)
        unlink(t);
}

void waiters_join(struct tcb *t, struct tcb *partner)
{
    waiters_leave(t);
    mp_claim(partner->cpu);
    list_append(&partner->waiters, t, waiter_link);
    t->listed_with = partner->global_id;
}

bool waiters_join_id(struct tcb *t, word_t from)
{
    struct tcb *partner = tcb_lookup_global(from);
    if (partner)
        waiters_join(t, partner);
    return partner != NULL;
}

void waiters_renamed(struct tcb *t)
{
    struct tcb *w;
    list_for_each(w, &t->waiters, waiter_link)
        w->listed_with = t->global_id;
}

struct tcb *waiters_take(struct tcb *t)
{
    struct tcb *w = t->waiters.first;
    if (w)
        unlink(w);
    return w;
}
