/* sigma0's view of physical memory (spec 10.3): the physical address
 * space cut into ranges, each in one pool. Pages handed out are recorded
 * with their owner, so that the same thread may ask again. */
#pragma once
#include <stdint.h>

enum pool {
    POOL_NONE,          /* undefined: never handed out */
    POOL_CONV,          /* free conventional memory: page faults and requests */
    POOL_NONCONV,       /* free dedicated/boot-loader/arch memory: requests only */
    POOL_OWNED,         /* handed to `owner` (0: the kernel, never again) */
    POOL_SHARED,        /* anyone, any number of times */
};

struct range {
    uint64_t base, end;     /* [base, end); end 0 means 2^64 */
    enum pool pool;
    uint64_t owner;         /* global thread id for POOL_OWNED */
};

/* Put [base, end) into `pool` (with `owner`), whatever it was. */
void pool_set(uint64_t base, uint64_t end, enum pool pool, uint64_t owner);

/* Give [base, base + size) to `who` if it may have it: every byte free in
 * an allowed pool (conventional; non-conventional too if `any_pool`),
 * shared, or already owned by `who`. */
int pool_claim(uint64_t base, uint64_t size, uint64_t who, int any_pool);

/* Find and claim a free conventional block of `size` bytes aligned to its
 * size, highest address first; returns its base or ~0 if there is none. */
uint64_t pool_claim_any(uint64_t size, uint64_t who);

/* Print the ranges (the sigma0 "dump" extension). */
void pool_dump(void);
