/* Basic X.2 types for amd64 (spec 2). Written for Pecan from the spec. */
#pragma once
#include <stdint.h>

typedef uint64_t L4_Word_t;
typedef uint8_t L4_Word8_t;
typedef uint16_t L4_Word16_t;
typedef uint32_t L4_Word32_t;
typedef uint64_t L4_Word64_t;
typedef L4_Word_t L4_Bool_t;

/* Thread ids: global = number << 32 | version; local = address of MR0. */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t version : 32;
        L4_Word_t thread_no : 32;
    } X;
} L4_ThreadId_t;

#define L4_nilthread       ((L4_ThreadId_t){ .raw = 0 })
#define L4_anythread       ((L4_ThreadId_t){ .raw = ~0UL })
#define L4_anylocalthread  ((L4_ThreadId_t){ .raw = ~0UL << 6 })

static inline L4_ThreadId_t L4_GlobalId(L4_Word_t number, L4_Word_t version)
{
    return (L4_ThreadId_t){ .raw = number << 32 | (version & 0xFFFFFFFF) };
}
static inline L4_Word_t L4_ThreadNo(L4_ThreadId_t t) { return t.raw >> 32; }
static inline L4_Word_t L4_Version(L4_ThreadId_t t) { return t.raw & 0xFFFFFFFF; }
static inline int L4_IsLocalId(L4_ThreadId_t t) { return (t.raw & 0x3F) == 0; }
static inline int L4_IsGlobalId(L4_ThreadId_t t) { return (t.raw & 0x3F) != 0; }
static inline int L4_IsNilThread(L4_ThreadId_t t) { return t.raw == 0; }
static inline int L4_IsThreadEqual(L4_ThreadId_t a, L4_ThreadId_t b) { return a.raw == b.raw; }

/* Flexpages: base bits 10-63, log2 size bits 4-9, rwx bits 0-2. */
typedef union {
    L4_Word_t raw;
} L4_Fpage_t;

#define L4_Readable    4
#define L4_Writable    2
#define L4_eXecutable  1
#define L4_FullyAccessible 7

static inline L4_Fpage_t L4_FpageLog2(L4_Word_t base, int log2)
{
    return (L4_Fpage_t){ .raw = (base & ~0x3FFUL & ~((1UL << log2) - 1)) | (L4_Word_t)log2 << 4 };
}
static inline L4_Word_t L4_Address(L4_Fpage_t f) { return f.raw & ~0x3FFUL; }
static inline L4_Word_t L4_SizeLog2(L4_Fpage_t f) { return (f.raw >> 4) & 0x3F; }
