/* The hostile fuzzer's IPC: messages with random tags, untyped words,
 * map, grant and string items (simple, with substrings, compound), to and
 * from random partners with random timeouts, receive windows and string
 * buffers; and requests to sigma0. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/syscalls.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "hostile.h"

/* A string item (a chain of `parts` items when compound) at words w[0..],
 * of at most `room` words; its addresses suit `use`. Returns its size. */
static unsigned string_item(hrng_t *r, const struct hstate *st, L4_Word_t *w, unsigned room, int use)
{
    unsigned n = 0, last = 0, parts = hchance(r, 3) ? 1 + (unsigned)hpick(r, 3) : 1;
    for (unsigned p = 0; p < parts; p++) {
        unsigned subs = hchance(r, 3) ? 1 + (unsigned)hpick(r, hchance(r, 4) ? 32 : 4) : 1;
        if (n + 1 + subs > room)
            break;
        L4_Word_t len;
        switch (hpick(r, 6)) {
        case 0: len = hpick(r, 16); break;
        case 1: len = hpick(r, 256); break;
        case 2: len = 4096 + hpick(r, 64) - 32; break;
        case 3: len = hpick(r, 0x20000); break;
        case 4: len = hrnd(r) >> 10; break;
        default: len = hpick(r, 4096); break;
        }
        w[n] = len << 10 | (L4_Word_t)(subs - 1) << 4 | (hrnd(r) & 6) |
               (p + 1 < parts ? 0x201 : 0) | (hchance(r, 8) ? 0x200 : 0);
        for (unsigned i = 1; i <= subs; i++)
            w[n + i] = hv_addr(r, st, use);
        last = n;
        n += 1 + subs;
    }
    if (n && hchance(r, 2))
        w[last] |= 1;                   /* C: another string follows (or not: a lie) */
    return n;
}

/* A map or grant item (or one of an unknown type). */
static void map_item(hrng_t *r, const struct hstate *st, L4_Word_t *w)
{
    unsigned type = hchance(r, 8) ? 6 + (unsigned)hpick(r, 2) : hchance(r, 3) ? 5 : 4;
    w[0] = (H_SCRATCH + hpick(r, H_SCRATCH_SIZE)) & ~0x3FFUL;
    w[0] |= type << 1 | (hrnd(r) & 1);
    w[1] = hv_send_fpage(r, st);
}

/* Receive buffers in BR1.. and the acceptor in BR0. */
static int load_acceptor(hrng_t *r, const struct hstate *st, L4_Word_t *utcb)
{
    L4_Word_t acceptor = hon(HC_MAP) && hpick(r, 3) ? hv_window(r) & ~0xFUL : 0;
    if (hon(HC_STRING) && hpick(r, 2)) {
        L4_Word_t br[32];
        unsigned n = 0;
        while (n < 32 && (n == 0 || hpick(r, 2))) {
            unsigned k = string_item(r, st, br + n, 32 - n, HA_WRITE);
            if (!k)
                break;
            n += k;
        }
        for (unsigned i = 0; i < n; i++)
            utcb[__L4_BR(1 + (int)i)] = br[i];
        acceptor |= 1;
    }
    if (hchance(r, 16))
        acceptor |= 2;                  /* the c bit: ignored */
    utcb[__L4_BR(0)] = acceptor;
    return acceptor & 1;
}

static L4_Word_t label(hrng_t *r)
{
    static const long protocols[] = { -1, -2, -3, -5, -6, -8, -1001 };
    switch (hpick(r, 4)) {
    case 0: return L4_ProtocolLabel(protocols[hpick(r, 7)]) | hpick(r, 16);
    case 1: return hpick(r, 16);
    default: return hrnd(r) & 0xFFFFFFFFFFFFUL;
    }
}

/* Compose MR0..: returns whether strings are in it. */
static int compose(hrng_t *r, const struct hstate *st, L4_Word_t *mr)
{
    unsigned u = hchance(r, 4) ? (unsigned)hpick(r, 64) : (unsigned)hpick(r, 9), t = 0;
    if (hchance(r, 8))
        u = 0;                          /* room for many items */
    int strings = 0;
    for (unsigned i = 1; i <= u && i < 64; i++)
        mr[i] = hv_word(r);
    unsigned more = hchance(r, 8) ? 30 : 3;    /* items: a few, or up to 30 */
    while (1 + u + t < 62 && hpick(r, more) && (hon(HC_MAP) || hon(HC_STRING))) {
        unsigned at = 1 + u + t;
        if (hon(HC_MAP) && (!hon(HC_STRING) || hpick(r, 2))) {
            map_item(r, st, &mr[at]);
            t += 2;
        } else {
            unsigned n = string_item(r, st, &mr[at], 63 - at, HA_READ);
            if (!n)
                break;
            t += n;
            strings = 1;
        }
    }
    if (hchance(r, 16)) {               /* a count that lies: over zeros, */
        for (unsigned i = 1 + u + t; i < 64; i++)   /* not over old words */
            mr[i] = 0;                  /* (a map item's send base must be ours) */
        t = (unsigned)hpick(r, 64);
    }
    mr[0] = label(r) << 16 | (L4_Word_t)(t & 0x3F) << 6 | (u & 0x3F) | (hrnd(r) & 0xF000 & -hchance(r, 4));
    if (mr[0] & 0x1000)
        mr[__L4_TCR_VIRTUAL_SENDER] = hv_partner(r, st).raw;
    return strings;
}

/* One IPC through the stub (or a bare syscall), everything recorded.
 * Returns the sender of what it received, nil if nothing. */
static L4_ThreadId_t ipc(struct hstate *st, hrng_t *r, L4_ThreadId_t to, L4_ThreadId_t from,
                         L4_Word_t timeouts)
{
    L4_Word_t *mr = __L4_Utcb();
    struct hregs in = {
        .rsi = to.raw, .rdx = from.raw, .r8 = timeouts, .r9 = mr[0], .rax = mr[1], .rbx = mr[2],
        .r10 = mr[3], .r12 = mr[4], .r13 = mr[5], .r14 = mr[6], .r15 = mr[7],
        .rdi = (L4_Word_t)mr, .rbp = 1, .rflags = 0x202,
    }, out = in;
    if (hchance(r, 4))
        out.rbp = 0;                    /* a bare syscall: local ids reach the kernel */
    hostile_call(&out, out.rbp == 0 ? h_sys : hpick(r, 2) ? __L4_Ipc : __L4_Lipc);
    h_check_leaks(st, &in, &out, HR_IPC);
    if (out.r9 & 0x8000) {
        st->ipc_err[(mr[__L4_TCR_ERROR_CODE] >> 1) & 7]++;
        return L4_nilthread;
    }
    st->ipc_ok++;
    st->transferred += (out.r9 & 0xFC0) != 0;
    return from.raw ? (L4_ThreadId_t){ .raw = out.rsi } : L4_nilthread;
}

/* A message with items, and the xfer timeouts for its strings. */
static void message(struct hstate *st, hrng_t *r)
{
    L4_Word_t *mr = __L4_Utcb();
    st->in_string = load_acceptor(r, st, mr) | compose(r, st, mr);
    mr[__L4_TCR_XFER_TIMEOUTS] = hv_time(r) << 16 | hv_time(r);
}

/* A timeout for an IPC meant to meet its partner: 1 to 4 ms. */
static L4_Word_t patient(hrng_t *r)
{
    return 2 << 10 | (256 + hpick(r, 768));
}

/* A partner that may well be there: a fuzz thread, mostly. */
static L4_ThreadId_t likely(hrng_t *r, const struct hstate *st)
{
    unsigned k = (unsigned)hpick(r, H_SPACES), s = 1 + (unsigned)hpick(r, H_THREADS);
    if (hchance(r, 6))
        return hv_partner(r, st);
    return k == st->space && hchance(r, 2) ? h_local_id(s) : hcfg.id[k][s];
}

/* Untyped words only, as the fast path takes them. */
static void short_message(hrng_t *r)
{
    L4_Word_t *mr = __L4_Utcb();
    unsigned u = hchance(r, 3) ? (unsigned)hpick(r, 64) : (unsigned)hpick(r, 8);
    for (unsigned i = 1; i <= u; i++)
        mr[i] = hv_word(r);
    mr[0] = (hrnd(r) & 0xFFFFFFFFFFFF0000UL) | u;
}

/* The fast path's pattern: a server that answers and waits without
 * timeouts, a client that calls without them, a few rounds each. */
static void rounds(struct hstate *st, hrng_t *r, L4_ThreadId_t to)
{
    L4_Word_t never = 0;
    unsigned n = 1 + (unsigned)hpick(r, 8);
    st->in_string = 0;
    __L4_Utcb()[__L4_BR(0)] = 0;
    if (hpick(r, 2)) {
        L4_ThreadId_t from = ipc(st, r, L4_nilthread, L4_anythread, never);
        while (from.raw && n--) {
            short_message(r);
            from = ipc(st, r, from, L4_anythread, L4_ZeroTime.raw << 16 | never);
        }
    } else {
        while (n--) {
            short_message(r);
            if (!ipc(st, r, to, to, never).raw)
                break;
        }
    }
}

void hop_ipc(struct hstate *st, hrng_t *r)
{
    L4_ThreadId_t to = likely(r, st), got;
    if (hchance(r, 5)) {
        rounds(st, r, to);
        return;
    }
    message(st, r);
    switch (hpick(r, 20)) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:     /* wait, answer */
        got = ipc(st, r, L4_nilthread, hchance(r, 4) ? L4_anylocalthread : L4_anythread,
                  hchance(r, 6) ? L4_ZeroTime.raw : patient(r));
        if (got.raw && hpick(r, 3)) {
            message(st, r);
            ipc(st, r, got, L4_nilthread, L4_ZeroTime.raw << 16);
        }
        break;
    case 8: case 9: case 10: case 11: case 12: case 13:                 /* call */
        ipc(st, r, to, to, patient(r) << 16 | patient(r));
        break;
    case 14: case 15: case 16:                                          /* send */
        ipc(st, r, to, L4_nilthread, patient(r) << 16);
        break;
    case 17:                                                            /* receive from one */
        ipc(st, r, L4_nilthread, to, patient(r));
        break;
    default:                                                            /* anything */
        ipc(st, r, hchance(r, 4) ? L4_nilthread : hv_partner(r, st),
            hchance(r, 3) ? L4_nilthread : hv_partner(r, st),
            hv_time(r) << 16 | hv_time(r) | (hrnd(r) & 0x7FFFFFFF00000000UL));
        break;
    }
}

/* Ask sigma0 for memory or ports: conventional pages in a fixed set (so
 * that what sigma0 gives away stays bounded), with K3 memory beyond the
 * kernel's direct map, which we then name as a local id (the kernel
 * reads the UTCB word there), with K7 device pages, which we then write
 * (the local APIC's timer LVT: masked), with N2 the last page, with N3 a
 * gigabyte, which the kernel maps page by page with interrupts off. */
void hop_sigma0(struct hstate *st, hrng_t *r)
{
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t f, special = 0;
    switch (hpick(r, 8)) {
    case 0:
        f = L4_IoFpageLog2(hchance(r, 2) ? 0x2F8 : H_PORTS, (int)hpick(r, 4)).raw;
        break;
    case 6:
        if (hon(HC_N3_HUGE_MAP)) {      /* physical 1 GB-2 GB: no RAM, free for the asking */
            f = L4_FpageLog2(0x40000000UL, 30).raw;
            break;
        }
        /* fall through */
    case 7:
        if (hon(HC_N2_SIGMA0_TOP)) {
            f = L4_FpageLog2(0xFFFFFFFFFFFFF000UL, 12).raw;
            break;
        }
        /* fall through */
    case 1:
        if (hon(HC_K3_BEYOND_MAP)) {
            f = L4_FpageLog2(special = 0x100000000UL, 12).raw;
            break;
        }
        /* fall through */
    case 2:
        if (hon(HC_K7_DEVICES)) {
            static const L4_Word_t dev[] = { 0xFEE00000, 0xFEC00000, 0xFED00000, 0xB8000, 0xF0000 };
            f = L4_FpageLog2(special = dev[hpick(r, 5)], 12).raw;
            break;
        }
        /* fall through */
    default:
        f = L4_FpageLog2(0xD000000UL + hpick(r, 16) * 0x1000, 12 + (int)hpick(r, 2)).raw;
        break;
    }
    mr[0] = L4_ProtocolLabel(L4_SIGMA0_PROTOCOL) << 16 | 2;
    mr[1] = f;
    mr[2] = !special && hchance(r, 8) ? hv_word(r) : 0;
    mr[__L4_BR(0)] = special ? L4_FpageLog2(H_SCRATCH, 30).raw : hv_window(r);
    mr[__L4_TCR_XFER_TIMEOUTS] = 0;
    ipc(st, r, hcfg.sigma0, hcfg.sigma0, L4_Timeouts(L4_TimePeriod(2000), L4_TimePeriod(2000)));
    L4_Word_t at = H_SCRATCH + (special & (H_SCRATCH_GB - 1));    /* where it landed */
    if (special == 0x100000000UL) {
        L4_Word_t old;
        __L4_ExReg((L4_ThreadId_t){ .raw = at + 0x200 }, 0, 0, 0, 0, 0, L4_nilthread, &old);
    } else if (special) {
        *(volatile uint32_t *)(at + 0x320) = 0x10000;
    }
}
