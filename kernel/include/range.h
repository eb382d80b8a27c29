/* Sets of physical address ranges: the usable RAM, what is reserved, and
 * what is left, computed at boot before any allocator exists. */
#pragma once
#include "types.h"

struct range {
    paddr_t base, end;          /* [base, end) */
};

#define RANGE_SET_MAX 64

/* Sorted, non-overlapping, non-adjacent ranges. */
struct range_set {
    size_t n;
    struct range r[RANGE_SET_MAX];
};

/* Add [base, end), merging with neighbours. False if the set is full. */
bool range_add(struct range_set *s, paddr_t base, paddr_t end);

/* Remove [base, end), splitting ranges. False if the set is full. */
bool range_remove(struct range_set *s, paddr_t base, paddr_t end);

/* True if [base, end) intersects any range of the set. */
bool range_overlaps(const struct range_set *s, paddr_t base, paddr_t end);

/* True if [base, end) lies entirely inside one range of the set. */
bool range_contains(const struct range_set *s, paddr_t base, paddr_t end);

/* The highest `size` bytes aligned to `align` lying in one range and below
 * `limit`; 0 if there is no such place. */
paddr_t range_find_top(const struct range_set *s, size_t size, size_t align, paddr_t limit);
