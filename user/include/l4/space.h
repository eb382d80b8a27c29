/* Address spaces (spec 4.8, 4.12, 4.14): revoking mappings with Unmap and
 * Flush, reading their access status; SpaceControl is in syscalls.h. */
#pragma once
#include <l4/syscalls.h>
#include <l4/types.h>
#include <l4/utcb.h>

/* Unmap control word:   63     7  6   5      0
 *                      [ ignored | f | k      ]
 * k + 1 fpages in MR0..MRk; f (flush): the caller's own mappings too. The
 * fpages' rwx bits are the rights to revoke; on return each MR holds the
 * fpage with bits 0-2 = access status since the last query (r referenced,
 * w written, x executed). */
#define L4_UnmapFlush 0x40UL

static inline L4_Fpage_t __L4_UnmapOne(L4_Fpage_t f, L4_Word_t control)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(control);
    L4_StoreMR(0, &f.raw);
    return f;
}
static inline void __L4_UnmapMany(L4_Word_t n, L4_Fpage_t *f, L4_Word_t control)
{
    if (n == 0 || n > __L4_NUM_MRS)
        return;
    L4_LoadMRs(0, (int)n, (L4_Word_t *)f);
    L4_Unmap(control | (n - 1));
    L4_StoreMRs(0, (int)n, (L4_Word_t *)f);
}

/* Revoke the rights in f from everything mapped from it; returns the status. */
static inline L4_Fpage_t L4_UnmapFpage(L4_Fpage_t f) { return __L4_UnmapOne(f, 0); }
static inline void L4_UnmapFpages(L4_Word_t n, L4_Fpage_t *f) { __L4_UnmapMany(n, f, 0); }
/* ... and from the caller's own mappings. */
static inline L4_Fpage_t L4_Flush(L4_Fpage_t f) { return __L4_UnmapOne(f, L4_UnmapFlush); }
static inline void L4_FlushFpages(L4_Word_t n, L4_Fpage_t *f) { __L4_UnmapMany(n, f, L4_UnmapFlush); }
/* Revoke nothing, read (and reset) the access status. */
static inline L4_Fpage_t L4_GetStatus(L4_Fpage_t f)
{
    return __L4_UnmapOne(L4_FpageRemoveRights(f, L4_FullyAccessible), 0);
}
static inline L4_Bool_t L4_WasReferenced(L4_Fpage_t f) { return (f.raw & L4_Readable) != 0; }
static inline L4_Bool_t L4_WasWritten(L4_Fpage_t f) { return (f.raw & L4_Writable) != 0; }
static inline L4_Bool_t L4_WasExecuted(L4_Fpage_t f) { return (f.raw & L4_eXecutable) != 0; }

/* MemoryControl attribute 0: the default memory attributes. */
#define L4_DefaultMemory 0UL
