/* sigma0's memory pools: a sorted array of ranges covering the whole
 * physical address space (pool.h). */
#include <stdio.h>
#include "pool.h"

#define MAX_RANGES 1024
static struct range ranges[MAX_RANGES] = { { 0, 0, POOL_NONE, 0 } };
static unsigned nranges = 1;

static uint64_t end_of(const struct range *r) { return r->end ? r->end : ~0UL; }
static uint64_t last_of(const struct range *r) { return r->end ? r->end - 1 : ~0UL; }

/* Index of the range containing address a. */
static unsigned find(uint64_t a)
{
    unsigned i = 0;
    while (i + 1 < nranges && ranges[i + 1].base <= a)
        i++;
    return i;
}

/* Make a range boundary at address a (a != 0); 0 if the table is full. */
static int split(uint64_t a)
{
    unsigned i = find(a);
    if (ranges[i].base == a)
        return 1;
    if (nranges == MAX_RANGES)
        return 0;
    for (unsigned j = nranges; j > i + 1; j--)
        ranges[j] = ranges[j - 1];
    ranges[i + 1] = ranges[i];
    ranges[i + 1].base = a;
    ranges[i].end = a;
    nranges++;
    return 1;
}

/* Merge neighbours with the same pool and owner. */
static void merge(void)
{
    unsigned out = 0;
    for (unsigned i = 1; i < nranges; i++) {
        struct range *r = &ranges[out];
        if (ranges[i].pool == r->pool && ranges[i].owner == r->owner)
            r->end = ranges[i].end;
        else
            ranges[++out] = ranges[i];
    }
    nranges = out + 1;
}

void pool_set(uint64_t base, uint64_t end, enum pool pool, uint64_t owner)
{
    if (end != 0 && end <= base)
        return;
    if ((base && !split(base)) || (end && !split(end))) {
        printf("sigma0: too many memory ranges, dropping %lx-%lx\n", base, end);
        return;
    }
    for (unsigned i = find(base); i < nranges && (end == 0 || ranges[i].base < end); i++) {
        ranges[i].pool = pool;
        ranges[i].owner = owner;
    }
    merge();
}

static int may_take(const struct range *r, uint64_t who, int any_pool)
{
    switch (r->pool) {
    case POOL_CONV:
    case POOL_SHARED:
        return 1;
    case POOL_NONCONV:
        return any_pool;
    case POOL_OWNED:
        return r->owner == who && who != 0;
    default:
        return 0;
    }
}

int pool_claim(uint64_t base, uint64_t size, uint64_t who, int any_pool)
{
    uint64_t last = base + size - 1;
    if (last < base)
        return 0;
    for (unsigned i = find(base); i < nranges && ranges[i].base <= last; i++)
        if (!may_take(&ranges[i], who, any_pool))
            return 0;
    /* Shared ranges stay shared; everything else becomes who's. Range by
     * range, in inclusive bounds: the last page's end is 2^64. */
    for (uint64_t a = base;;) {
        const struct range *r = &ranges[find(a)];
        uint64_t upto = last_of(r) < last ? last_of(r) : last;
        if (r->pool != POOL_SHARED)
            pool_set(a, upto + 1, POOL_OWNED, who);     /* (upto + 1 = 0: the top) */
        if (upto == last)
            break;
        a = upto + 1;
    }
    return 1;
}

uint64_t pool_claim_any(uint64_t size, uint64_t who)
{
    for (unsigned i = nranges; i-- > 0;) {
        const struct range *r = &ranges[i];
        if (r->pool != POOL_CONV)
            continue;
        uint64_t top = end_of(r);
        if (top - r->base < size)
            continue;
        uint64_t base = (top - size) & ~(size - 1);
        if (base >= r->base && pool_claim(base, size, who, 0))
            return base;
    }
    return ~0UL;
}

void pool_dump(void)
{
    static const char *const names[] = { "none", "conventional", "non-conventional",
                                         "owned", "shared" };
    for (unsigned i = 0; i < nranges; i++)
        printf("sigma0:   %016lx-%016lx %s %lx\n", ranges[i].base, end_of(&ranges[i]),
               names[ranges[i].pool], ranges[i].owner);
}
