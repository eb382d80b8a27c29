/* Sets of physical address ranges (sorted, merged). */
#include "range.h"
#include "section.h"

__boot static void delete_at(struct range_set *s, size_t i)
{
    for (; i + 1 < s->n; i++)
        s->r[i] = s->r[i + 1];
    s->n--;
}

__boot static bool insert_at(struct range_set *s, size_t i, struct range r)
{
    if (s->n == RANGE_SET_MAX)
        return false;
    for (size_t j = s->n; j > i; j--)
        s->r[j] = s->r[j - 1];
    s->r[i] = r;
    s->n++;
    return true;
}

__boot bool range_add(struct range_set *s, paddr_t base, paddr_t end)
{
    if (base >= end)
        return true;
    size_t i = 0;
    while (i < s->n && s->r[i].end < base)
        i++;
    /* absorb every range that touches or overlaps [base, end) */
    while (i < s->n && s->r[i].base <= end) {
        base = MIN(base, s->r[i].base);
        end = MAX(end, s->r[i].end);
        delete_at(s, i);
    }
    return insert_at(s, i, (struct range){ base, end });
}

__boot bool range_remove(struct range_set *s, paddr_t base, paddr_t end)
{
    if (base >= end)
        return true;
    for (size_t i = 0; i < s->n;) {
        struct range r = s->r[i];
        if (r.end <= base || r.base >= end) {
            i++;
            continue;
        }
        delete_at(s, i);
        if (r.base < base) {
            if (!insert_at(s, i, (struct range){ r.base, base }))
                return false;
            i++;
        }
        if (r.end > end) {
            if (!insert_at(s, i, (struct range){ end, r.end }))
                return false;
            i++;
        }
    }
    return true;
}

bool range_overlaps(const struct range_set *s, paddr_t base, paddr_t end)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].base < end && base < s->r[i].end)
            return true;
    return false;
}

__boot bool range_contains(const struct range_set *s, paddr_t base, paddr_t end)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].base <= base && end <= s->r[i].end)
            return true;
    return false;
}

__boot paddr_t range_find_top(const struct range_set *s, size_t size, size_t align, paddr_t limit)
{
    for (size_t i = s->n; i-- > 0;) {
        paddr_t end = MIN(s->r[i].end, limit);
        if (end < size)
            continue;
        paddr_t base = ALIGN_DOWN(end - size, align);
        if (base >= s->r[i].base && base != 0)
            return base;
    }
    return 0;
}
