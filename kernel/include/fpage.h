/* Flexpages (spec 2.3).
 *
 *   63                      10 9      4  3  2 1 0
 *  [ base bits 10-63          | s (log2) | - | r w x ]
 *
 * s = 1 with base 0 encodes the complete address space (size 2^64),
 * whatever the rights bits say (0x10 | rwx).
 */
#pragma once
#include "types.h"

#define FPAGE_COMPLETE 0x10UL

static inline unsigned fpage_log2(word_t f)
{
    return (f & ~0xFUL) == FPAGE_COMPLETE ? 64 : (f >> 4) & 0x3F;
}

static inline word_t fpage_base(word_t f)
{
    unsigned s = fpage_log2(f);
    return s >= 64 ? 0 : (f & ~0x3FFUL) & ~((1UL << s) - 1);
}

static inline word_t fpage_size(word_t f)
{
    unsigned s = fpage_log2(f);
    return s >= 64 ? ~0UL : 1UL << s;
}

static inline word_t fpage_make(word_t base, unsigned log2, unsigned rwx)
{
    return (base & ~0x3FFUL) | (word_t)log2 << 4 | rwx;
}
