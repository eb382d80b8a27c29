/* Kernel memory as a resource (docs/security.md): what a space makes the
 * kernel allocate - its page tables, mapping-database nodes, TCBs, UTCB
 * pages, I/O bitmaps, FPU state - is charged to the space, against a
 * limit its (privileged) creator sets with SpaceControl. A space at its
 * limit gets "out of memory" (X.2 error 8) or a dropped mapping for
 * itself only; everything comes back when the space goes.
 *
 * NULL as account: the kernel's own memory (interrupt threads, the TCB
 * array's page tables, boot). */
#pragma once
#include "types.h"

struct kmem_account {
    size_t used, limit;         /* bytes */
};

#define KMEM_UNLIMITED (~0UL)

/* Charge `bytes`: false (nothing charged) if that passes the limit. */
static inline bool kmem_charge(struct kmem_account *a, size_t bytes)
{
    if (!a)
        return true;
    if (a->used > a->limit || bytes > a->limit - a->used)   /* (overdrawn: below) */
        return false;
    a->used += bytes;
    return true;
}

/* Charge `bytes` even past the limit: for what a space has no choice
 * about (its own record; a granted mapping's node, which its sender had). */
static inline void kmem_charge_anyway(struct kmem_account *a, size_t bytes)
{
    if (a)
        a->used += bytes;
}

static inline void kmem_uncharge(struct kmem_account *a, size_t bytes)
{
    if (a)
        a->used -= bytes;
}

/* A zero-filled frame charged to `a`; 0 if over the limit or the pool is
 * empty. */
paddr_t kmem_frame(struct kmem_account *a);

void kmem_frame_free(struct kmem_account *a, paddr_t f);

/* A slab object charged to `a` (NULL if over the limit or out of memory). */
struct slab;
void *kmem_object(struct kmem_account *a, struct slab *s);
void kmem_object_free(struct kmem_account *a, struct slab *s, void *obj);
