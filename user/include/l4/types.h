/* Basic X.2 types for amd64 (spec 2): words, thread ids, fpages, time
 * values and the error codes of the non-IPC system calls. Written for Pecan. */
#pragma once
#include <stdint.h>

typedef uint64_t L4_Word_t;
typedef uint8_t L4_Word8_t;
typedef uint16_t L4_Word16_t;
typedef uint32_t L4_Word32_t;
typedef uint64_t L4_Word64_t;
typedef L4_Word_t L4_Bool_t;

/* Index of the most significant set bit (0 for 0). */
static inline int __L4_Msb(L4_Word_t w)
{
    return w ? 63 - __builtin_clzl(w) : 0;
}

/* ---- Thread ids (spec 2.1) ------------------------------------------------
 *
 *   global:  63            32 31             0
 *           [ thread number  |  version (!= 0 mod 64) ]
 *   local:   63                          6 5    0
 *           [ address of the thread's MR0 | 000000 ]
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t version : 32;
        L4_Word_t thread_no : 32;
    } X;
} L4_GlobalId_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t zero : 6;
        L4_Word_t local_id : 58;
    } X;
} L4_LocalId_t;

typedef union {
    L4_Word_t raw;
    L4_GlobalId_t global;
    L4_LocalId_t local;
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
/* Bits 0-5 clear marks a local id (nilthread passes this test too). */
static inline int L4_IsLocalId(L4_ThreadId_t t) { return (t.raw & 0x3F) == 0; }
static inline int L4_IsGlobalId(L4_ThreadId_t t) { return (t.raw & 0x3F) != 0; }
static inline int L4_IsNilThread(L4_ThreadId_t t) { return t.raw == 0; }
static inline int L4_IsThreadEqual(L4_ThreadId_t a, L4_ThreadId_t b) { return a.raw == b.raw; }
static inline int L4_IsThreadNotEqual(L4_ThreadId_t a, L4_ThreadId_t b) { return a.raw != b.raw; }

/* ---- Flexpages (spec 2.3) -------------------------------------------------
 *
 *    63                      10 9        4   3    2 1 0
 *   [ base bits 10-63          | s (log2) | ext | r w x ]
 *
 * The effective base is aligned down to 2^s; L4_FpageLog2 stores the base
 * as given (sigma0 reads base bits 10-63 all set as "any page", spec 10.2).
 * Nil fpage = 0; the complete address space = 0x10 (s = 1, base 0).
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t rwx : 3;
        L4_Word_t ext : 1;
        L4_Word_t s : 6;
        L4_Word_t b : 54;
    } X;
} L4_Fpage_t;

#define L4_NoAccess        0
#define L4_eXecutable      1
#define L4_Writable        2
#define L4_Readable        4
#define L4_ReadeXecOnly    5
#define L4_ReadWriteOnly   6
#define L4_FullyAccessible 7

#define L4_Nilpage               ((L4_Fpage_t){ .raw = 0 })
#define L4_CompleteAddressSpace  ((L4_Fpage_t){ .raw = 0x10 })

static inline L4_Fpage_t L4_FpageLog2(L4_Word_t base, int log2)
{
    return (L4_Fpage_t){ .raw = (base & ~0x3FFUL) | (L4_Word_t)(log2 & 0x3F) << 4 };
}
/* `size` in bytes, rounded down to a power of two. */
static inline L4_Fpage_t L4_Fpage(L4_Word_t base, L4_Word_t size)
{
    return L4_FpageLog2(base, __L4_Msb(size));
}
static inline L4_Bool_t L4_IsNilFpage(L4_Fpage_t f) { return f.raw == 0; }
static inline L4_Word_t L4_SizeLog2(L4_Fpage_t f) { return (f.raw >> 4) & 0x3F; }
/* Size in bytes; 0 for the nil fpage and for sizes of 2^64. */
static inline L4_Word_t L4_Size(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    return s == 0 || s >= 64 ? 0 : 1UL << s;
}
static inline L4_Word_t L4_Address(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    return s >= 64 ? 0 : f.raw & ~0x3FFUL & ~((1UL << s) - 1);
}
static inline L4_Word_t L4_Rights(L4_Fpage_t f) { return f.raw & 7; }
static inline void L4_Set_Rights(L4_Fpage_t *f, L4_Word_t rwx)
{
    f->raw = (f->raw & ~7UL) | (rwx & 7);
}
static inline L4_Fpage_t L4_FpageAddRights(L4_Fpage_t f, L4_Word_t rwx)
{
    return (L4_Fpage_t){ .raw = f.raw | (rwx & 7) };
}
static inline void L4_FpageAddRightsTo(L4_Fpage_t *f, L4_Word_t rwx) { f->raw |= rwx & 7; }
static inline L4_Fpage_t L4_FpageRemoveRights(L4_Fpage_t f, L4_Word_t rwx)
{
    return (L4_Fpage_t){ .raw = f.raw & ~(rwx & 7) };
}
static inline void L4_FpageRemoveRightsFrom(L4_Fpage_t *f, L4_Word_t rwx) { f->raw &= ~(rwx & 7); }

/* ---- IO fpages: x86 port ranges (spec 2.4) --------------------------------
 *
 *    63     32 31          16 15       10 9         4 3    0
 *   [ ignored | base port p  | s (log2)  | marker = 2 | rwx=0 ]
 */
static inline L4_Fpage_t L4_IoFpageLog2(L4_Word_t port, int log2)
{
    return (L4_Fpage_t){ .raw = (port & 0xFFFF) << 16 | (L4_Word_t)(log2 & 0x3F) << 10 | 2 << 4 };
}
/* `size` in ports, rounded down to a power of two. */
static inline L4_Fpage_t L4_IoFpage(L4_Word_t port, L4_Word_t size)
{
    return L4_IoFpageLog2(port, __L4_Msb(size));
}
#define L4_CompleteIoSpace  L4_IoFpageLog2(0, 16)
static inline L4_Bool_t L4_IsIoFpage(L4_Fpage_t f) { return ((f.raw >> 4) & 0x3F) == 2; }
static inline L4_Word_t L4_IoFpagePort(L4_Fpage_t f) { return (f.raw >> 16) & 0xFFFF; }
static inline L4_Word_t L4_IoFpageSizeLog2(L4_Fpage_t f) { return (f.raw >> 10) & 0x3F; }
static inline L4_Word_t L4_IoFpageSize(L4_Fpage_t f) { return 1UL << L4_IoFpageSizeLog2(f); }

/* ---- Time values and timeouts (spec 2.8) ----------------------------------
 *
 *   period:  15  14      10 9        0        point:  15  14   11 10  9        0
 *           [ 0 | e (5 bit) | m        ]              [ 1 | e     | c | m        ]
 *
 * A period lasts m * 2^e microseconds. Never = 0 (m = 0, e = 0);
 * zero = 0x0400 (m = 0, e = 1).
 */
typedef union {
    L4_Word16_t raw;
    struct {
        L4_Word16_t m : 10;
        L4_Word16_t e : 5;
        L4_Word16_t a : 1;
    } period;
    struct {
        L4_Word16_t m : 10;
        L4_Word16_t c : 1;
        L4_Word16_t e : 4;
        L4_Word16_t a : 1;
    } point;
} L4_Time_t;

#define L4_Never     ((L4_Time_t){ .raw = 0 })
#define L4_ZeroTime  ((L4_Time_t){ .raw = 0x0400 })

/* The smallest exponent whose mantissa fits 10 bits, the mantissa
 * truncated: 1000 us = 0x03E8, 1 s = 976 * 2^10 us = 0x2BD0. 0 gives
 * ZeroTime; periods beyond 1023 * 2^31 us give Never. */
static inline L4_Time_t L4_TimePeriod(L4_Word64_t microseconds)
{
    L4_Word_t e = 0;
    if (microseconds == 0)
        return L4_ZeroTime;
    while (microseconds >> e >= 1024)
        e++;
    if (e > 31)
        return L4_Never;
    return (L4_Time_t){ .raw = (L4_Word16_t)(e << 10 | microseconds >> e) };
}
static inline L4_Bool_t L4_IsTimePeriod(L4_Time_t t) { return !(t.raw & 0x8000); }
static inline L4_Bool_t L4_IsTimePoint(L4_Time_t t) { return (t.raw & 0x8000) != 0; }
static inline L4_Bool_t L4_IsTimeEqual(L4_Time_t a, L4_Time_t b) { return a.raw == b.raw; }

/*   Timeouts word (Ipc R8, XferTimeouts TCR):
 *    63     32 31           16 15            0
 *   [ ignored | send timeout  | receive timeout ]
 */
static inline L4_Word_t L4_Timeouts(L4_Time_t snd, L4_Time_t rcv)
{
    return (L4_Word_t)snd.raw << 16 | rcv.raw;
}

/* SystemClock value: microseconds (spec 4.11). */
typedef union {
    L4_Word64_t raw;
} L4_Clock_t;

/* ---- ErrorCode TCR after a failed non-IPC system call (spec 2.9.2) ---- */
#define L4_ErrOk               0
#define L4_ErrNoPrivilege      1
#define L4_ErrInvalidThread    2
#define L4_ErrInvalidSpace     3
#define L4_ErrInvalidScheduler 4
#define L4_ErrInvalidParam     5
#define L4_ErrUtcbArea         6
#define L4_ErrKipArea          7
#define L4_ErrNoMem            8
