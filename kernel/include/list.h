/* Intrusive doubly linked lists: every kernel list of threads (ready
 * queues, send queues, timeouts, closed receivers, all threads).
 *
 * The listed object embeds one node per list it can be on; the nodes form
 * a ring, and the list itself is one word, its first node:
 *
 *   struct list        node in A         node in B         node in C
 *   +-------+        +-----------+     +-----------+     +-----------+
 *   | first |------->| next  --------->| next  --------->| next  -------> A
 *   +-------+        | prev -> C |<--------- prev  |<--------- prev  |
 *                    +-----------+     +-----------+     +-----------+
 *
 * The first node's prev is the last node, so appending is O(1) without a
 * second word, and any node is unlinked in O(1).
 *
 * One word, so that an empty list is a zero word: a TCB slot without a
 * thread reads as zeros, and fastpath.S tests a send queue with one
 * compare. A node on no list has next == NULL (list_remove clears it),
 * so list_linked() tells whether an object is listed. Removing needs the
 * list; each user knows it (the thread's priority, its send_dest, ...).
 * No locking: one processor, and the kernel runs with interrupts off.
 */
#pragma once
#include "types.h"

struct list_node {
    struct list_node *next, *prev;
};

struct list {
    struct list_node *first;            /* NULL: empty */
};

/* The object that holds node `n` as its member `member` (of `type`). */
#define list_item(n, type, member) ((type *)((char *)(n) - __builtin_offsetof(type, member)))

static inline bool list_empty(const struct list *l) { return !l->first; }
static inline bool list_linked(const struct list_node *n) { return n->next != NULL; }

/* The node after `n` in `l`, NULL after the last. */
static inline struct list_node *list_next(const struct list *l, const struct list_node *n)
{
    return n->next == l->first ? NULL : n->next;
}

/* Link `n` in before `pos`, or at the end if `pos` is NULL. */
static inline void list_insert_before(struct list *l, struct list_node *n, struct list_node *pos)
{
    struct list_node *first = l->first;
    if (!first) {
        n->next = n->prev = n;
        l->first = n;
        return;
    }
    struct list_node *next = pos ? pos : first;
    n->next = next;
    n->prev = next->prev;
    next->prev->next = n;
    next->prev = n;
    if (pos == first)
        l->first = n;
}

static inline void list_append(struct list *l, struct list_node *n)
{
    list_insert_before(l, n, NULL);
}

/* Unlink `n` from `l`. Returns true if `l` is empty now. */
static inline bool list_remove(struct list *l, struct list_node *n)
{
    bool last = n->next == n;
    if (last) {
        l->first = NULL;
    } else {
        n->prev->next = n->next;
        n->next->prev = n->prev;
        if (l->first == n)
            l->first = n->next;
    }
    n->next = NULL;
    return last;
}

/* Each object of `l`, first to last, in `var` (a `type *` holding its
 * node as `member`). The body must not change the list. */
#define list_for_each(var, l, type, member)                                   \
    for (struct list_node *var##_node_ = (l)->first;                          \
         var##_node_ && ((var) = list_item(var##_node_, type, member), true); \
         var##_node_ = list_next((l), var##_node_))
