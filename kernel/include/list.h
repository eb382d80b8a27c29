/* Intrusive doubly linked lists: every kernel list of threads (ready
 * queues, send queues, timeouts, closed receivers, all threads).
 *
 * A listed object embeds a node, a struct member, for each list it can
 * be on; the nodes link the objects themselves into a ring, and the list
 * is one word, its first object:
 *
 *   struct list          object A           object B           object C
 *   +-------+          +-----------+      +-----------+      +-----------+
 *   | first |--------->|   ...     |      |   ...     |      |   ...     |
 *   +-------+          | node:     |      | node:     |      | node:     |
 *                      |  next ---------->|  next ---------->|  next --------> A
 *                      |  prev -> C|<---------- prev  |<---------- prev  |
 *                      +-----------+      +-----------+      +-----------+
 *
 * The first object's prev is the last, so appending is O(1) without a
 * second word, and any object is unlinked in O(1). The links point at
 * the objects, not at their nodes, as the hand-written lists before did:
 * a thread's own address is in a register wherever it is queued, so
 * linking costs no address arithmetic.
 *
 * One word, so that an empty list is a zero word: a TCB slot without a
 * thread reads as zeros, and fastpath.S tests a send queue with one
 * compare. An object on no list has node.next == NULL (list_remove
 * clears it), so list_linked() tells whether it is listed. Removing needs
 * the list; each user knows it (the thread's priority, its send_dest,
 * ...). No locking: one processor, and the kernel runs with interrupts
 * off. The objects of one list are all of one type, which the macros
 * below take from the object pointers they are given.
 */
#pragma once
#include "types.h"

struct list_node {
    void *next, *prev;                  /* the neighbouring objects */
};

struct list {
    void *first;                        /* NULL: empty */
};

/* The node at byte offset `off` in object `obj` */
static inline struct list_node *list_node_at(const void *obj, size_t off)
{
    return (struct list_node *)((char *)obj + off);
}

/* Link `obj` in before `pos`, or at the end if `pos` is NULL. */
static inline void list_insert_at(struct list *l, void *obj, void *pos, size_t off)
{
    struct list_node *n = list_node_at(obj, off);
    void *first = l->first;
    if (!first) {
        n->next = n->prev = obj;
        l->first = obj;
        return;
    }
    void *next = pos ? pos : first;
    struct list_node *nn = list_node_at(next, off);
    n->next = next;
    n->prev = nn->prev;
    list_node_at(nn->prev, off)->next = obj;
    nn->prev = obj;
    if (pos == first)
        l->first = obj;
}

/* Unlink `obj`. Returns true if the list is empty now. */
static inline bool list_remove_at(struct list *l, void *obj, size_t off)
{
    struct list_node *n = list_node_at(obj, off);
    bool last = n->next == obj;
    if (last) {
        l->first = NULL;
    } else {
        list_node_at(n->prev, off)->next = n->next;
        list_node_at(n->next, off)->prev = n->prev;
        if (l->first == obj)
            l->first = n->next;
    }
    n->next = NULL;
    return last;
}

/* The offset of `member`, the node, in the object `obj` points to */
#define LIST_OFFSET(obj, member) __builtin_offsetof(__typeof__(*(obj)), member)

#define list_empty(l)                     (!(l)->first)
#define list_linked(obj, member)          ((obj)->member.next != NULL)
#define list_insert_before(l, obj, pos, member) \
    list_insert_at((l), (obj), (pos), LIST_OFFSET(obj, member))
#define list_append(l, obj, member)       list_insert_at((l), (obj), NULL, LIST_OFFSET(obj, member))
#define list_remove(l, obj, member)       list_remove_at((l), (obj), LIST_OFFSET(obj, member))
/* The object after `obj`, NULL after the last */
#define list_next(l, obj, member) \
    ((obj)->member.next == (l)->first ? NULL : (__typeof__(obj))(obj)->member.next)

/* Each object of list `l` in `var`, first to last (one compare a step).
 * The body must not change the list. */
#define list_for_each(var, l, member)                                           \
    for (void *var##_stop_ = ((var) = (l)->first, NULL); (var) != var##_stop_; \
         var##_stop_ = (l)->first, (var) = (var)->member.next)
