/* Physical frame allocator. Fresh frames come from the pool ranges in
 * address order (a bump pointer per range); freed frames go on a list
 * linked through their first word, and are reused first. */
#include "frame.h"
#include "print.h"

static struct range_set pool;
static size_t next_range;            /* first range with unused frames */
static paddr_t free_list;            /* 0 = empty */
static size_t nfree_list, nfresh, ntotal;
static frame_view_t view;

void frame_init(const struct range_set *p, frame_view_t v)
{
    pool = *p;
    view = v;
    next_range = 0;
    free_list = 0;
    nfree_list = 0;
    nfresh = 0;
    for (size_t i = 0; i < pool.n; i++) {
        ASSERT(pool.r[i].base % PAGE_SIZE == 0 && pool.r[i].end % PAGE_SIZE == 0);
        nfresh += (pool.r[i].end - pool.r[i].base) / PAGE_SIZE;
    }
    ntotal = nfresh;
}

static void zero_frame(paddr_t f)
{
    uint64_t *w = view(f);
    for (size_t i = 0; i < PAGE_SIZE / sizeof *w; i++)
        w[i] = 0;
}

paddr_t frame_alloc(void)
{
    paddr_t f = 0;
    if (free_list) {
        f = free_list;
        free_list = *(paddr_t *)view(f);
        nfree_list--;
    } else {
        while (next_range < pool.n && pool.r[next_range].base == pool.r[next_range].end)
            next_range++;
        if (next_range == pool.n)
            return 0;
        f = pool.r[next_range].base;
        pool.r[next_range].base += PAGE_SIZE;
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
