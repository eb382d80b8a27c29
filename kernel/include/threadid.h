/* Thread identifiers (spec 2.1).
 *
 *   global:  63            32 31            0
 *           [ thread number  |    version     ]   version bits 0-5 != 0
 *   local:   63                      6 5    0
 *           [ address of the UTCB's MR0 | 000000 ]
 */
#pragma once
#include "types.h"

#define NILTHREAD       0UL
#define ANYTHREAD       (~0UL)
#define ANYLOCALTHREAD  (~0UL << 6)

static inline bool tid_is_local(word_t id)   { return (id & 0x3F) == 0; }
static inline bool tid_is_global(word_t id)  { return (id & 0x3F) != 0; }
static inline word_t tid_number(word_t id)   { return id >> 32; }
static inline word_t tid_version(word_t id)  { return id & 0xFFFFFFFF; }
static inline word_t tid_make(word_t number, word_t version)
{
    return number << 32 | (version & 0xFFFFFFFF);
}
