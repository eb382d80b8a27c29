/* Fixed-size kernel objects: a free list refilled one frame at a time. */
#include "slab.h"
#include "frame.h"
#include "kmem.h"

void *slab_alloc(struct slab *s)
{
    if (!s->free) {
        paddr_t f = frame_alloc();
        if (!f)
            return NULL;
        char *page = phys_to_virt(f);
        for (size_t off = 0; off + s->size <= PAGE_SIZE; off += s->size) {
            *(void **)(page + off) = s->free;
            s->free = page + off;
        }
    }
    void *obj = s->free;
    s->free = *(void **)obj;
    memset_words(obj, 0, s->size / 8);
    return obj;
}

void slab_free(struct slab *s, void *obj)
{
    *(void **)obj = s->free;
    s->free = obj;
}
