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

/* Pecan extensions of SpaceControl's control word (pecan/spacectl.h has
 * their formats and the kernel's names, which host.abi checks these
 * against). "KM": the kernel memory a space may cause (its page
 * tables, mapping-database nodes, TCBs, UTCB pages, I/O bitmaps), set and
 * read by a privileged thread (docs/security.md). A space ThreadControl
 * creates starts with a sixteenth of the kernel pool. */
#define L4_KmemQuery      (0x4B4DUL << 48 | 1UL << 46)  /* "KM", Q */
#define L4_KmemSetLimit   (0x4B4DUL << 48 | 1UL << 47)  /* "KM", L */
#define L4_KmemUnlimited  0xFFFFFFFFUL

/* Set the limit of `space`, an initialised one (the call that
 * initialises a space must pass its areas), to `kb`; returns the old
 * control word, ~0 on error. */
static inline L4_Word_t L4_SetKernelMemoryLimit(L4_ThreadId_t space, L4_Word_t kb)
{
    L4_Word_t old;
    if (!L4_SpaceControl(space, L4_KmemSetLimit | (kb & L4_KmemUnlimited), L4_Nilpage,
                         L4_Nilpage, L4_nilthread, &old))
        return ~0UL;
    return old;
}

/* KB of kernel memory `space` uses now, ~0 on error. */
static inline L4_Word_t L4_KernelMemoryUsed(L4_ThreadId_t space)
{
    L4_Word_t old;
    if (!L4_SpaceControl(space, L4_KmemQuery, L4_Nilpage, L4_Nilpage, L4_nilthread, &old))
        return ~0UL;
    return old >> 32;
}

#define __L4_UNIX_ABI_SET (0x5558UL << 48 | 1UL << 47)  /* "UX", S */
#define __L4_UNIX_ABI_ON  1UL                            /* U */

/* "UX": make `space` (none of its threads active yet) run Linux programs
 * (docs/unix.md, pecan/unix_abi.h), or not. Returns 1 or 0 (error). */
static inline L4_Word_t L4_SetUnixAbi(L4_ThreadId_t space, int on)
{
    L4_Word_t old;
    return L4_SpaceControl(space, __L4_UNIX_ABI_SET | (on ? __L4_UNIX_ABI_ON : 0), L4_Nilpage,
                           L4_Nilpage, L4_nilthread, &old);
}

/* MemoryControl attribute 0: the default memory attributes. */
#define L4_DefaultMemory 0UL
