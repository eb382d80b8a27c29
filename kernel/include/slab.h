/* Fixed-size kernel objects carved from 4 KB frames. */
#pragma once
#include "types.h"

struct slab {
    size_t size;        /* object size, a multiple of 8, at most 4096 */
    void *free;         /* free objects, linked through their first word */
};

#define SLAB_INIT(type) { (sizeof(type) + 7) & ~7UL, NULL }

/* A zero-filled object, or NULL when kernel memory is exhausted. */
void *slab_alloc(struct slab *s);
void slab_free(struct slab *s, void *obj);
