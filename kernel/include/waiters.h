/* Closed receives listed with their partner: a thread that receives from
 * one specific thread (FromSpecifier names it, a Call's reply included)
 * is on that thread's `waiters` list, so that deleting a thread fails
 * exactly the receives that wait for it (ipc_detach), however many
 * threads there are.
 *
 * A thread is on at most one such list, that of the thread its latest
 * closed receive named; tcb.listed_with holds that thread's global id, 0
 * when it is on none. Invariant: listed_with == K != 0 means the thread
 * with global id K exists and has us on its list. So every thread
 * blocked in a closed receive from X is on X's list.
 *
 * The converse need not hold: like the ready queues (seed 002) the lists
 * are lazy. A thread whose receive ended stays listed until its next
 * closed receive names another thread or either thread is deleted. So a
 * client that calls the same server again is listed already, and the
 * IPC fast path's Call needs no list work: one compare of listed_with
 * with To, which also proves that To exists and so replaces the fast
 * path's version check (no instruction added). Deleting X walks X's
 * list: the threads waiting for X, and those whose receive from X ended
 * since; each of those was put there by one closed receive, and leaves
 * the list here or at its next one.
 */
#pragma once
#include "tcb.h"
#include "threadid.h"

/* List t with `partner` (off any other list). The fast paths call it
 * (fastpath.S fast_waiters_join) when a closed receive names a thread t
 * is not listed with. */
void waiters_join(struct tcb *t, struct tcb *partner);

/* List t with the thread that global id `from` names; false if none
 * does. */
bool waiters_join_id(struct tcb *t, word_t from);

/* Does t's receive from `from` need no list work (an open receive, or
 * from the thread it is listed with)? */
static inline bool waiters_noted(const struct tcb *t, word_t from)
{
    return from == t->listed_with || from == ANYTHREAD || from == ANYLOCALTHREAD;
}

/* t is about to wait, or waits, in a receive from `from` (a receive
 * specifier: a global id, anythread or anylocalthread). False if `from`
 * names a thread that does not exist (any more: it may have been deleted
 * while t's send phase waited). */
static inline bool waiters_note(struct tcb *t, word_t from)
{
    return waiters_noted(t, from) || waiters_join_id(t, from);
}

/* The same for a request's server (ipc.c, REQ_LISTED), which claims
 * nothing: the list t leaves, if any, and partner's are this processor's,
 * and t's processor waits for the request. */
void waiters_join_served(struct tcb *t, struct tcb *partner);

/* The processor of the thread whose list t is on (t is on one). */
static inline unsigned waiters_cpu(const struct tcb *t)
{
    return tcb_of_number(tid_number(t->listed_with))->cpu;
}

/* t leaves the list it is on (it is being deleted). */
void waiters_leave(struct tcb *t);

/* t's global id changed (ThreadControl, new version): the keys of the
 * threads listed with it follow. */
void waiters_renamed(struct tcb *t);

/* The first thread listed with t, taken off the list; NULL if none. */
struct tcb *waiters_take(struct tcb *t);
