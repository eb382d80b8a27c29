/* Fixed-size kernel objects carved from 4 KB frames. */
#pragma once
#include "kmem.h"

struct slab {
    size_t size;        /* object size, a multiple of 8, at most 4096 */
    void *free;         /* free objects, linked through their first word */
};

#define SLAB_INIT(type) { (sizeof(type) + 7) & ~7UL, NULL }

/* Refill an empty free list with a frame's objects; false when kernel
 * memory is exhausted. */
bool slab_grow(struct slab *s);

/* A zero-filled object, or NULL when kernel memory is exhausted. (Inline:
 * a page fault's mapping takes one.) */
static inline void *slab_alloc(struct slab *s)
{
    if (!s->free && !slab_grow(s))
        return NULL;
    void *obj = s->free;
    s->free = *(void **)obj;
    return memset_words(obj, 0, s->size / 8);
}
void slab_free(struct slab *s, void *obj);
