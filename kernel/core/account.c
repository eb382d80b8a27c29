/* Charging kernel memory to the space that causes it (account.h). */
#include "account.h"
#include "config.h"
#include "frame.h"
#include "slab.h"

paddr_t kmem_frame(struct kmem_account *a)
{
    if (!kmem_charge(a, PAGE_SIZE))
        return 0;
    paddr_t f = frame_alloc();
    if (!f)
        kmem_uncharge(a, PAGE_SIZE);
    return f;
}

void kmem_frame_free(struct kmem_account *a, paddr_t f)
{
    kmem_uncharge(a, PAGE_SIZE);
    frame_free(f);
}

void *kmem_object(struct kmem_account *a, struct slab *s)
{
    if (!kmem_charge(a, s->size))
        return NULL;
    void *obj = slab_alloc(s);
    if (!obj)
        kmem_uncharge(a, s->size);
    return obj;
}

void kmem_object_free(struct kmem_account *a, struct slab *s, void *obj)
{
    kmem_uncharge(a, s->size);
    slab_free(s, obj);
}
