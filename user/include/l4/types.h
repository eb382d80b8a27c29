/* Basic X.2 types for amd64 (spec 2): words, thread ids, fpages, time
 * values and the error codes of the non-IPC system calls. Written for Pecan. */
#pragma once
#include <stdint.h>
#include <pecan/fpage.h>
#include <pecan/threadid.h>
#include <pecan/time.h>

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

/* ---- Thread ids (spec 2.1; pecan/threadid.h) ----------------------------- */
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

#define L4_nilthread       ((L4_ThreadId_t){ .raw = NILTHREAD })
#define L4_anythread       ((L4_ThreadId_t){ .raw = ANYTHREAD })
#define L4_anylocalthread  ((L4_ThreadId_t){ .raw = ANYLOCALTHREAD })

static inline L4_ThreadId_t L4_GlobalId(L4_Word_t number, L4_Word_t version)
{
    return (L4_ThreadId_t){ .raw = TID_GLOBAL(number, version) };
}
static inline L4_Word_t L4_ThreadNo(L4_ThreadId_t t) { return TID_NUMBER(t.raw); }
static inline L4_Word_t L4_Version(L4_ThreadId_t t) { return TID_VERSION(t.raw); }
/* Bits 0-5 clear marks a local id (nilthread passes this test too). */
static inline int L4_IsLocalId(L4_ThreadId_t t) { return (t.raw & TID_LOCAL_MASK) == 0; }
static inline int L4_IsGlobalId(L4_ThreadId_t t) { return (t.raw & TID_LOCAL_MASK) != 0; }
static inline int L4_IsNilThread(L4_ThreadId_t t) { return t.raw == 0; }
static inline int L4_IsThreadEqual(L4_ThreadId_t a, L4_ThreadId_t b) { return a.raw == b.raw; }
static inline int L4_IsThreadNotEqual(L4_ThreadId_t a, L4_ThreadId_t b) { return a.raw != b.raw; }

/* ---- Flexpages (spec 2.3; pecan/fpage.h draws them) ----------------------
 *
 * The effective base is aligned down to 2^s; L4_FpageLog2 stores the base
 * as given (sigma0 reads base bits 10-63 all set as "any page", spec 10.2).
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
#define L4_eXecutable      FPAGE_X
#define L4_Writable        FPAGE_W
#define L4_Readable        FPAGE_R
#define L4_ReadeXecOnly    (FPAGE_R | FPAGE_X)
#define L4_ReadWriteOnly   (FPAGE_R | FPAGE_W)
#define L4_FullyAccessible FPAGE_RWX

#define L4_Nilpage               ((L4_Fpage_t){ .raw = 0 })
#define L4_CompleteAddressSpace  ((L4_Fpage_t){ .raw = FPAGE_COMPLETE })

static inline L4_Fpage_t L4_FpageLog2(L4_Word_t base, int log2)
{
    return (L4_Fpage_t){ .raw = FPAGE(base, log2 & 0x3F, 0) };
}
/* `size` in bytes, rounded down to a power of two. */
static inline L4_Fpage_t L4_Fpage(L4_Word_t base, L4_Word_t size)
{
    return L4_FpageLog2(base, __L4_Msb(size));
}
static inline L4_Bool_t L4_IsNilFpage(L4_Fpage_t f) { return f.raw == 0; }
static inline L4_Word_t L4_SizeLog2(L4_Fpage_t f) { return FPAGE_LOG2(f.raw); }
/* Size in bytes; 0 for the nil fpage and for sizes of 2^64. */
static inline L4_Word_t L4_Size(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    return s == 0 || s >= 64 ? 0 : 1UL << s;
}
static inline L4_Word_t L4_Address(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    return s >= 64 ? 0 : f.raw & FPAGE_BASE_MASK & ~((1UL << s) - 1);
}
static inline L4_Word_t L4_Rights(L4_Fpage_t f) { return f.raw & FPAGE_RWX; }
static inline void L4_Set_Rights(L4_Fpage_t *f, L4_Word_t rwx)
{
    f->raw = (f->raw & ~FPAGE_RWX) | (rwx & FPAGE_RWX);
}
static inline L4_Fpage_t L4_FpageAddRights(L4_Fpage_t f, L4_Word_t rwx)
{
    return (L4_Fpage_t){ .raw = f.raw | (rwx & FPAGE_RWX) };
}
static inline void L4_FpageAddRightsTo(L4_Fpage_t *f, L4_Word_t rwx) { f->raw |= rwx & FPAGE_RWX; }
static inline L4_Fpage_t L4_FpageRemoveRights(L4_Fpage_t f, L4_Word_t rwx)
{
    return (L4_Fpage_t){ .raw = f.raw & ~(rwx & FPAGE_RWX) };
}
static inline void L4_FpageRemoveRightsFrom(L4_Fpage_t *f, L4_Word_t rwx)
{
    f->raw &= ~(rwx & FPAGE_RWX);
}

/* ---- IO fpages: x86 port ranges (spec 2.4; pecan/fpage.h) ---------------- */
static inline L4_Fpage_t L4_IoFpageLog2(L4_Word_t port, int log2)
{
    return (L4_Fpage_t){ .raw = IO_FPAGE(port & 0xFFFF, log2 & 0x3F) };
}
/* `size` in ports, rounded down to a power of two. */
static inline L4_Fpage_t L4_IoFpage(L4_Word_t port, L4_Word_t size)
{
    return L4_IoFpageLog2(port, __L4_Msb(size));
}
#define L4_CompleteIoSpace  L4_IoFpageLog2(0, 16)
static inline L4_Bool_t L4_IsIoFpage(L4_Fpage_t f) { return IS_IO_FPAGE(f.raw); }
static inline L4_Word_t L4_IoFpagePort(L4_Fpage_t f) { return IO_FPAGE_PORT(f.raw); }
static inline L4_Word_t L4_IoFpageSizeLog2(L4_Fpage_t f) { return IO_FPAGE_LOG2(f.raw); }
static inline L4_Word_t L4_IoFpageSize(L4_Fpage_t f) { return 1UL << L4_IoFpageSizeLog2(f); }

/* ---- Time values and timeouts (spec 2.8; pecan/time.h) ------------------ */
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

#define L4_Never     ((L4_Time_t){ .raw = TIME_NEVER })
#define L4_ZeroTime  ((L4_Time_t){ .raw = TIME_ZERO })

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
    return (L4_Time_t){ .raw = (L4_Word16_t)TIME_PERIOD(e, microseconds >> e) };
}
static inline L4_Bool_t L4_IsTimePeriod(L4_Time_t t) { return !(t.raw & TIME_POINT); }
static inline L4_Bool_t L4_IsTimePoint(L4_Time_t t) { return (t.raw & TIME_POINT) != 0; }
static inline L4_Bool_t L4_IsTimeEqual(L4_Time_t a, L4_Time_t b) { return a.raw == b.raw; }

/* The timeouts word (Ipc R8, XferTimeouts TCR). */
static inline L4_Word_t L4_Timeouts(L4_Time_t snd, L4_Time_t rcv)
{
    return TIMEOUTS(snd.raw, rcv.raw);
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
