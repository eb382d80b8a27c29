/* The hostile fuzzer's values: words, times, thread ids, addresses and
 * fpages, leaning on where bugs live, and kept to the rules that keep the
 * fuzz spaces alive (hostile.h): nothing writes into private blocks or
 * UTCBs, and receive windows are in scratch. */
#include <l4/kip.h>
#include "hostile.h"

L4_Word_t hv_word(hrng_t *r)
{
    switch (hpick(r, 12)) {
    case 0: return 0;
    case 1: return ~0UL;
    case 2: return 1UL << hpick(r, 64);
    case 3: return 0xFFFF800000000000UL + (hrnd(r) & 0xFFFFFFFUL);    /* kernel half */
    case 4: return 0x0000800000000000UL + (hrnd(r) & 0xFFFFFFUL);     /* non-canonical */
    case 5: return hrnd(r) & 0xFFFF;
    case 6: return 0x10 | (hrnd(r) & 0xF);                             /* complete space */
    case 7: return (hrnd(r) & ~0x3FFUL) | hpick(r, 64) << 4 | (hrnd(r) & 0xF);
    case 8: return hv_scratch(r);
    case 9: return (L4_Word_t)-(long)hpick(r, 64);
    default: return hrnd(r);
    }
}

L4_Word_t hv_time(hrng_t *r)
{
    switch (hpick(r, 20)) {
    case 0: return 0;                                   /* never */
    case 1: case 2: case 3: case 4: case 5: case 6:
        return 0x0400;                                  /* zero */
    case 7: case 8: case 9: case 10: case 11: case 12: case 13:
        return 1 + hpick(r, 1023);                      /* up to ~1 ms */
    case 14: case 15:
        return 3 << 10 | (hpick(r, 1024));              /* up to ~8 ms */
    case 16:
        return hpick(r, 32) << 10;                      /* m = 0: the next tick */
    default:
        return hrnd(r) & 0xFFFF;                        /* anything, points too */
    }
}

L4_Word_t hv_scratch(hrng_t *r)
{
    L4_Word_t a = H_SCRATCH + hpick(r, H_SCRATCH_SIZE);
    switch (hpick(r, 4)) {
    case 0: return a & ~0xFFFUL;
    case 1: return (a | 0xFFF) - hpick(r, 16);          /* across a page end */
    default: return a;
    }
}

static L4_ThreadId_t own(const struct hstate *st, unsigned s, int local)
{
    return local ? h_local_id(s) : hcfg.id[st->space][s];
}

L4_ThreadId_t hv_partner(hrng_t *r, const struct hstate *st)
{
    unsigned other = (st->space + 1 + (unsigned)hpick(r, H_SPACES - 1)) % H_SPACES;
    L4_Word_t w;
    switch (hpick(r, 24)) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        return own(st, 1 + (unsigned)hpick(r, H_THREADS), 0);
    case 6: case 7: case 8:
        return own(st, 1 + (unsigned)hpick(r, H_THREADS), 1);
    case 9: case 10: case 11: case 12: case 13: case 14:
        return hcfg.id[other][1 + hpick(r, H_THREADS)];
    case 15:
        return hcfg.id[other][0];
    case 16:
        return own(st, 0, (int)hpick(r, 2));            /* our keeper */
    case 17:
        return hcfg.nstale ? hcfg.stale[hpick(r, hcfg.nstale < 16 ? hcfg.nstale : 16)]
                           : L4_nilthread;
    case 18:
        return own(st, st->slot, (int)hpick(r, 2));     /* ourselves */
    case 19:
        switch (hpick(r, 4)) {
        case 0: return hcfg.root_pager;
        case 1: return hcfg.root_handler;
        case 2: return hcfg.root_main;
        default: return L4_anythread;   /* (sigma0 only with hop_sigma0's requests) */
        }
    case 20:
        return (L4_ThreadId_t){ .raw = hpick(r, 64) << 32 | 1 };       /* interrupts, kernel */
    case 21:
        w = hpick(r, 3) == 0 ? TSUP_UTCB_AREA + hpick(r, 0x10000)
            : hpick(r, 2) ? hv_scratch(r) : hv_word(r);
        return (L4_ThreadId_t){ .raw = w & ~0x3FUL };   /* local ids of nobody */
    case 22:
        return hpick(r, 2) ? L4_anythread : L4_anylocalthread;
    default:
        return (L4_ThreadId_t){ .raw = hv_word(r) };
    }
}

/* Address classes. */
enum {
    A_SCRATCH, A_EDGE, A_UNSERVED, A_NULL, A_TOP, A_KERNEL, A_NONCANON, A_STUB, A_KIP,
    A_IMAGE, A_UTCB, A_PRIVATE, A_OTHER_PRIVATE, A_CLASSES
};

static L4_Word_t addr_in(hrng_t *r, const struct hstate *st, unsigned cls)
{
    switch (cls) {
    case A_SCRATCH: return hv_scratch(r);
    case A_EDGE: return H_SCRATCH + H_SCRATCH_SIZE - 64 + hpick(r, 128);
    case A_UNSERVED:
        switch (hpick(r, 3)) {
        case 0: return H_SCRATCH + H_SCRATCH_SIZE + hpick(r, H_SCRATCH_GB - H_SCRATCH_SIZE);
        case 1: return 0x10000000UL + hpick(r, 0x30000000UL);
        default: return 0x0000100080000000UL + (hrnd(r) & 0xFF7FFFFFFFUL);
        }
    case A_NULL: return hpick(r, 0x10000);
    case A_TOP: return H_TOP_PAGE + hpick(r, 4096);
    case A_KERNEL:
        switch (hpick(r, 3)) {
        case 0: return 0xFFFF800080000000UL + (hrnd(r) & 0xFFFFFFFUL);  /* direct map */
        case 1: return 0xFFFFC00080000000UL + (hrnd(r) & 0xFFFFFFFUL);  /* TCBs */
        default: return 0xFFFFFFFF80000000UL + (hrnd(r) & 0xFFFFFFUL); /* image */
        }
    case A_NONCANON:
        return hpick(r, 2) ? 0x0000800000000000UL + (hrnd(r) & 0xFFFFFFFFFFUL)
                           : 0x8000000000000000UL + (hrnd(r) & 0xFFFFFFFFUL);
    case A_STUB: return 0xFFFFFFFFFFE00000UL + hpick(r, 0x2000);
    case A_KIP: return TSUP_KIP_AREA + hpick(r, 0x1000);
    case A_IMAGE: return hcfg.image_start + hpick(r, hcfg.image_end - hcfg.image_start);
    case A_UTCB: return TSUP_UTCB_AREA + hpick(r, 1UL << TSUP_UTCB_LOG2);
    case A_PRIVATE: return H_PRIV(st->space) + hpick(r, H_SLOTS * H_BLOCK);
    default: return H_PRIV(hpick(r, H_SPACES)) + hpick(r, H_SLOTS * H_BLOCK);
    }
}

/* May an access of kind `use` go to class `cls`? Stores never reach a
 * private block nor a UTCB; we jump only where nothing of ours can run: the top page holds
 * a syscall only with K2, and image code (with KDB ReadChar in it) runs
 * only with K7. A jump target may become a thread's RIP by
 * ExchangeRegisters, so non-canonical ones only with K2; and since that
 * thread may be in the 32-bit code segment, which sees only the low 32
 * bits, those of the far addresses are above 2 GB, away from the image. */
static int allowed(unsigned cls, int use)
{
    if (use == HA_READ)
        return 1;
    if (cls == A_NONCANON && use == HA_EXEC)
        return hon(HC_K2_NONCANONICAL);
    if (cls == A_PRIVATE || cls == A_OTHER_PRIVATE || cls == A_UTCB)
        return 0;
    if (cls == A_TOP)
        return use == HA_EXEC ? hon(HC_K2_NONCANONICAL) : !hon(HC_K2_NONCANONICAL) || hon(HC_K7_DEVICES);
    if (cls == A_IMAGE && use == HA_EXEC)
        return hon(HC_K7_DEVICES);
    return 1;
}

L4_Word_t hv_addr(hrng_t *r, const struct hstate *st, int use)
{
    for (;;) {
        unsigned cls = hpick(r, 3) ? A_SCRATCH : (unsigned)hpick(r, A_CLASSES);
        if (allowed(cls, use))
            return addr_in(r, st, cls);
    }
}

/* A receive window, always in scratch (or, with K6, far away from
 * everything of ours): whatever a message maps, however its items are
 * made up, lands there. (The kernel's own page-fault and exception IPC
 * accept anywhere, but only our pagers and handlers answer those.) */
L4_Word_t hv_window(hrng_t *r)
{
    unsigned s;
    switch (hpick(r, 10)) {
    case 0: case 1:
        return 0;
    case 2: case 3:
        return L4_FpageLog2(H_SCRATCH, 30).raw;
    case 4:
        if (hon(HC_K6_MANY_MAPPINGS)) {         /* anywhere away from our own memory */
            L4_Word_t b = 0x0000400000000000UL + (hrnd(r) & 0x3FFFFFFFFFFFUL);
            return L4_FpageLog2(b, 12 + (int)hpick(r, 20)).raw;
        }
        /* fall through */
    default:
        s = 12 + (unsigned)hpick(r, 11);        /* up to 4 MB, inside scratch */
        return (L4_FpageLog2(hv_scratch(r), (int)s).raw & ~((1UL << s) - 1)) | hpick(r, 16);
    }
}

static L4_Word_t fpage_at(L4_Word_t base, unsigned s, unsigned rights)
{
    return (base & ~0x3FFUL & ~((1UL << s) - 1)) | (L4_Word_t)s << 4 | (rights & 7);
}

L4_Word_t hv_io_fpage(hrng_t *r)
{
    unsigned s = (unsigned)hpick(r, 18);
    if (hchance(r, 4))
        return L4_CompleteIoSpace.raw | (hrnd(r) & 0xFFFFFFFF00000000UL);
    return (hchance(r, 2) ? H_PORTS : hpick(r, 0x10000)) << 16 | (L4_Word_t)s << 10 | 2 << 4 |
           (hchance(r, 4) ? hrnd(r) & 0xFFFFFFFF0000000FUL : 0);
}

L4_Word_t hv_send_fpage(hrng_t *r, const struct hstate *st)
{
    unsigned rights = (unsigned)hpick(r, 8), s;
    L4_Word_t img = hcfg.image_start + hpick(r, hcfg.image_end - hcfg.image_start);
    switch (hpick(r, 12)) {
    case 0: return 0;
    case 1: return 0x10 | rights;
    case 2: return fpage_at(0, 31 + (unsigned)hpick(r, 17), rights);
    case 3: return fpage_at(H_SCRATCH, 30, rights);
    case 4:         /* image pages: read-only here anyway; runnable only with K7 */
        s = 12 + (unsigned)hpick(r, 8);
        return fpage_at(img, s, rights & (hon(HC_K7_DEVICES) ? 5 : 4));
    case 5:         /* our private block, to be read only */
        return fpage_at(H_PRIV(st->space) + hpick(r, H_SLOTS * H_BLOCK), 12 + (unsigned)hpick(r, 3),
                        rights & 4);
    case 6: return fpage_at(H_TOP_PAGE, 12, rights & 6);
    case 7: return hv_io_fpage(r);
    case 8: return hv_scratch(r) | hpick(r, 12) << 4 | rights;  /* s < 12: meaningless */
    default:
        s = 12 + (unsigned)hpick(r, 11);
        return fpage_at(hv_scratch(r), s, rights);
    }
}

L4_Word_t hv_unmap_fpage(hrng_t *r, const struct hstate *st)
{
    unsigned rights = (unsigned)hpick(r, 8);
    switch (hpick(r, 10)) {
    case 0: return 0x10 | rights;
    case 1: return fpage_at(0, 31 + (unsigned)hpick(r, 17), rights);
    case 2: return fpage_at(hcfg.image_start + hpick(r, hcfg.image_end - hcfg.image_start),
                            12 + (unsigned)hpick(r, 10), rights);
    case 3: return fpage_at(H_PRIV(st->space), 12 + (unsigned)hpick(r, 5), rights);
    case 4: return fpage_at(TSUP_KIP_AREA, 12 + (unsigned)hpick(r, 21), rights);
    case 5: return hv_io_fpage(r);
    case 6: return hv_word(r);
    default:
        return fpage_at(hv_scratch(r), 12 + (unsigned)hpick(r, 11), rights);
    }
}

int h_whose(L4_ThreadId_t t, unsigned in_space, unsigned *space, unsigned *slot)
{
    if (L4_IsLocalId(t)) {
        L4_Word_t off = t.raw - TSUP_UTCB_AREA - 0x200;
        if (t.raw < TSUP_UTCB_AREA + 0x200 || off % 1024 || off / 1024 >= H_SLOTS)
            return -1;
        *space = in_space;
        *slot = (unsigned)(off / 1024);
        return 0;
    }
    L4_Word_t n = L4_ThreadNo(t) - H_NUMBER;
    if (L4_ThreadNo(t) < H_NUMBER || n / 8 >= H_SPACES || n % 8 >= H_SLOTS)
        return -1;
    *space = (unsigned)(n / 8);
    *slot = (unsigned)(n % 8);
    return 0;
}
