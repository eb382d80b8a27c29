/* Physical frame allocator. Fresh frames come from the pool's ranges in
 * order, a bump pointer per range: those of frame_init in address order,
 * then any frame_add appends. Freed frames go on a list linked through
 * their first word, and are reused first. */
#include "frame.h"
#include "kmem.h"
#include "section.h"
#include "print.h"

static struct range ranges[RANGE_SET_MAX];
static size_t nranges, next_range;   /* next_range: first with unused frames */
static paddr_t free_list;            /* 0 = empty */
static size_t nfree_list, nfresh, ntotal;
static frame_view_t view;

__boot void frame_init(const struct range_set *p, frame_view_t v)
{
    view = v;
    nranges = next_range = 0;
    free_list = 0;
    nfree_list = nfresh = ntotal = 0;
    for (size_t i = 0; i < p->n; i++)
        frame_add(p->r[i].base, p->r[i].end);
}

__boot void frame_add(paddr_t base, paddr_t end)
{
    ASSERT(base % PAGE_SIZE == 0 && end % PAGE_SIZE == 0 && base < end);
    ASSERT(nranges < RANGE_SET_MAX);
    ranges[nranges++] = (struct range){ base, end };
    nfresh += (end - base) / PAGE_SIZE;
    ntotal += (end - base) / PAGE_SIZE;
}

static void zero_frame(paddr_t f)
{
    memset_words(view(f), 0, PAGE_SIZE / 8);
}

paddr_t frame_alloc(void)
{
    paddr_t f = 0;
    if (free_list) {
        f = free_list;
        free_list = *(paddr_t *)view(f);
        nfree_list--;
    } else {
        while (next_range < nranges && ranges[next_range].base == ranges[next_range].end)
            next_range++;
        if (next_range == nranges)
            return 0;
        f = ranges[next_range].base;
        ranges[next_range].base += PAGE_SIZE;
        nfresh--;
    }
    zero_frame(f);
    return f;
}

void frame_free(paddr_t f)
{
    ASSERT(f && f % PAGE_SIZE == 0);
    *(paddr_t *)view(f) = free_list;
    free_list = f;
    nfree_list++;
}

size_t frame_available(void)
{
    return nfresh + nfree_list;
}

size_t frame_total(void)
{
    return ntotal;
}
