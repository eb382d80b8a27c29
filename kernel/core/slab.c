/* Fixed-size kernel objects: a free list refilled one frame at a time. */
#include "slab.h"
#include "frame.h"
#include "kmem.h"

bool slab_grow(struct slab *s)
{
    paddr_t f = frame_alloc();
    if (!f)
        return false;
    char *page = phys_to_virt(f);
    for (size_t off = 0; off + s->size <= PAGE_SIZE; off += s->size) {
        *(void **)(page + off) = s->free;
        s->free = page + off;
    }
    return true;
}

void slab_free(struct slab *s, void *obj)
{
    *(void **)obj = s->free;
    s->free = obj;
}
