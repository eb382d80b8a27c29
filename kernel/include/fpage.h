/* Flexpages (spec 2.3; pecan/fpage.h draws them): where they are and
 * how large. s = 1 with base 0 encodes the complete address space (size
 * 2^64), whatever the rights bits say (0x10 | rwx). */
#pragma once
#include "types.h"
#include "pecan/fpage.h"

static inline unsigned fpage_log2(word_t f)
{
    return (f & FPAGE_AREA_MASK) == FPAGE_COMPLETE ? 64 : FPAGE_LOG2(f);
}

static inline word_t fpage_base(word_t f)
{
    unsigned s = fpage_log2(f);
    return s >= 64 ? 0 : (f & FPAGE_BASE_MASK) & ~((1UL << s) - 1);
}

static inline word_t fpage_size(word_t f)
{
    unsigned s = fpage_log2(f);
    return s >= 64 ? ~0UL : 1UL << s;
}

static inline word_t fpage_make(word_t base, unsigned log2, unsigned rwx)
{
    return FPAGE(base, log2, rwx);
}
