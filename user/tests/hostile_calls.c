/* The hostile fuzzer's other system calls: Unmap and Flush,
 * ExchangeRegisters on siblings, ourselves and others, Schedule and
 * ThreadSwitch, the privileged calls (which must fail with error 1), and
 * the kernel debugger's print calls. Each goes through its stub with all
 * registers recorded, so a kernel address left in one is noticed. */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/syscalls.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "hostile.h"

/* Call `stub` with `in`; check that no kernel address came back in a
 * register outside `results`. */
static void call(struct hstate *st, const void *stub, struct hregs *in, struct hregs *out,
                 unsigned results)
{
    in->rflags = 0x202;
    *out = *in;
    hostile_call(out, stub);
    h_check_leaks(st, in, out, results);
}

void hop_unmap(struct hstate *st, hrng_t *r)
{
    L4_Word_t *mr = __L4_Utcb();
    unsigned k = hchance(r, 4) ? (unsigned)hpick(r, 64) : (unsigned)hpick(r, 4);
    for (unsigned i = 0; i <= k; i++)
        mr[i] = hv_unmap_fpage(r, st);
    struct hregs in = {
        .rdx = k | (hchance(r, 2) ? 0x40 : 0) | (hchance(r, 8) ? hrnd(r) & ~0x7FUL : 0),
        .rdi = (L4_Word_t)mr, .r9 = mr[0], .rax = mr[1], .rbx = mr[2], .r10 = mr[3],
        .r12 = mr[4], .r13 = mr[5], .r14 = mr[6], .r15 = mr[7],
    }, out;
    call(st, __L4_Unmap, &in, &out, HR_MRS | HR_RDI);
}

/* Whose scheduler are we? Slot s schedules slot s - 1 (hostile_root.c). */
static unsigned schedulee(unsigned slot)
{
    return slot > 1 ? slot - 1 : H_THREADS;
}

/* A thread id for ExchangeRegisters or Schedule, and whether it is ours
 * to change (a sibling or ourselves: never the keeper). */
static L4_ThreadId_t target(hrng_t *r, const struct hstate *st, unsigned *slot)
{
    *slot = 0;
    if (hpick(r, 3)) {
        unsigned s = hchance(r, 4) ? st->slot : 1 + (unsigned)hpick(r, H_THREADS);
        *slot = s;
        return hpick(r, 2) ? h_local_id(s) : hcfg.id[st->space][s];
    }
    L4_ThreadId_t t = hv_partner(r, st);
    unsigned k, s;
    if (h_whose(t, st->space, &k, &s) == 0 && k == st->space && s == 0)
        return L4_nilthread;            /* not our keeper */
    return t;
}

/* An IP for a thread: back home, anywhere a jump may go, a kernel
 * address; a non-canonical one only with K2. */
static L4_Word_t any_ip(hrng_t *r, const struct hstate *st)
{
    switch (hpick(r, 4)) {
    case 0: return (L4_Word_t)hostile_reentry;
    case 1: return hon(HC_K2_NONCANONICAL) ? 0x0000800000000000UL - hpick(r, 3) * 2 + 2
                                           : 0xFFFF800000000000UL;
    default: return hv_addr(r, st, HA_EXEC);
    }
}

/* A pager for thread t that exists as long as t does (the kernel stops a
 * thread whose pager is gone, and the harness takes that for trouble):
 * threads of the root task, which never answer a fuzz thread's fault, t
 * itself, or its keeper. */
static L4_Word_t any_pager(hrng_t *r, const struct hstate *st, L4_ThreadId_t t)
{
    switch (hpick(r, 5)) {
    case 0: return hcfg.root_pager.raw;
    case 1: return hcfg.root_handler.raw;
    case 2: return t.raw;
    case 3: return hcfg.id[st->space][0].raw;
    default: return h_local_id(0).raw;
    }
}

void hop_exreg(struct hstate *st, hrng_t *r)
{
    unsigned slot;
    L4_ThreadId_t t = target(r, st, &slot);
    L4_Word_t ctl = hrnd(r) & 0x3FF;
    if (hchance(r, 8))
        ctl |= hrnd(r) & ~0x3FFUL;
    /* K5: no halting a thread that may be in a string transfer. A
     * sibling that has not run yet has no exception handler: a new IP or
     * SP could make the kernel stop it, which the harness takes for
     * trouble. */
    struct hstate *sib = slot ? h_sibling(st, slot) : 0;
    if (sib && !hon(HC_K5_HALT_COPIER) && sib->in_string)
        ctl &= ~0x101UL;
    if (sib && sib->started != sib->gen)
        ctl &= ~0x18UL;
    struct hregs in = {
        .rax = t.raw, .rsi = ctl, .rdx = hpick(r, 2) ? hv_addr(r, st, HA_WRITE) : hv_word(r),
        .r8 = any_ip(r, st), .r9 = hrnd(r), .r10 = hv_word(r), .rdi = any_pager(r, st, t),
    }, out;
    call(st, __L4_ExchangeRegisters, &in, &out, HR_RAX | HR_RSI | HR_RDX | HR_R8 | HR_R9 | HR_R10 | HR_RDI);
    unsigned k, s;
    if (out.rax && (h_whose(t, st->space, &k, &s) != 0 || k != st->space)) {
        st->priv_success++;             /* a thread of another space reached */
        h_found(st, HF_PRIV, t.raw);
    }
}

void hop_schedule(struct hstate *st, hrng_t *r)
{
    unsigned slot;
    L4_ThreadId_t t = hpick(r, 2) ? hcfg.id[st->space][schedulee(st->slot)] : target(r, st, &slot);
    L4_Word_t time = hchance(r, 3) ? ~0UL : hv_time(r) << 16 | hv_time(r);
    L4_Word_t prio = hchance(r, 3) ? ~0UL : hchance(r, 2) ? hpick(r, 101) : hv_word(r);
    L4_Word_t proc = hchance(r, 2) ? ~0UL : hchance(r, 2) ? 0 : hv_word(r);
    L4_Word_t preempt = hchance(r, 2) ? ~0UL : hrnd(r) & 0x64FFFF;
    if (hchance(r, 8))
        __L4_Utcb()[__L4_TCR_FLAGS] = hrnd(r) & 0xE0;      /* s, d, I */
    struct hregs in = { .rdi = t.raw, .rdx = time, .rsi = prio, .r8 = proc, .r9 = preempt }, out;
    call(st, __L4_Schedule, &in, &out, HR_RAX | HR_RDX);
    unsigned k, s;
    if (out.rax && (h_whose(t, st->space, &k, &s) != 0 || k != st->space ||
                    s != schedulee(st->slot))) {
        st->priv_success++;             /* scheduled a thread we do not schedule */
        h_found(st, HF_PRIV, t.raw);
    }
}

void hop_switch(struct hstate *st, hrng_t *r)
{
    unsigned slot;
    struct hregs in = { .rdi = hpick(r, 4) ? target(r, st, &slot).raw : 0 }, out;
    call(st, __L4_ThreadSwitch, &in, &out, 0);
    in = (struct hregs){ 0 };
    call(st, __L4_SystemClock, &in, &out, HR_RAX);
    if (out.rax < st->clock) {
        st->clock_back++;
        h_found(st, HF_CLOCK, out.rax);
    }
    st->clock = out.rax;
}

/* ThreadControl, SpaceControl, ProcessorControl, MemoryControl with
 * random arguments: every one must fail, the first two with error 1. */
void hop_priv(struct hstate *st, hrng_t *r)
{
    static void *const *const stubs[4] = {
        &__L4_ThreadControl, &__L4_SpaceControl, &__L4_ProcessorControl, &__L4_MemoryControl,
    };
    unsigned which = (unsigned)hpick(r, 4);
    struct hregs in = {
        .rdi = hpick(r, 2) ? target(r, st, &(unsigned){ 0 }).raw : hv_word(r),
        .r8 = hpick(r, 2) ? hv_partner(r, st).raw : hv_word(r),
        .rdx = hv_partner(r, st).raw, .rsi = hpick(r, 2) ? hv_partner(r, st).raw : hv_word(r),
        .r9 = hpick(r, 2) ? TSUP_UTCB_AREA + 1024 * hpick(r, 64) : hv_word(r),
        .rax = hv_word(r), .rcx = hv_word(r), .r11 = hv_word(r),
    }, out;
    L4_Word_t *mr = __L4_Utcb();
    mr[__L4_TCR_ERROR_CODE] = 0;
    call(st, *stubs[which], &in, &out, HR_RAX | HR_RDX | (which == 3 ? HR_RCX : 0));
    L4_Word_t result = which == 3 ? out.rdx : out.rax;
    if (result || (which < 2 && mr[__L4_TCR_ERROR_CODE] != 1)) {
        st->priv_success += result != 0;
        st->priv_wrong_error += result == 0;
        if (result)
            h_found(st, HF_PRIV, which);
    }
}

/* PrintChar, PrintString: of a short string of ours in scratch, or of
 * the KIP, kernel and non-canonical addresses, or address 0 (the kernel
 * must read only what we may read). Not of any memory: scratch may hold
 * copies of the image's texts, which the harness would take for its. */
void hop_kdb(struct hstate *st, hrng_t *r)
{
    (void)st;
    if (hpick(r, 2)) {
        L4_KDB_PrintChar((char)(0x21 + hpick(r, 0x5E)));
        return;
    }
    char *s = (char *)hv_scratch(r);
    if (hpick(r, 2)) {
        s = (char *)(((L4_Word_t)s & ~0xFUL) | 0x8);
        for (unsigned i = 0; i < 7; i++)
            s[i] = (char)(i < 6 ? 'a' + hpick(r, 26) : 0);
    } else {                            /* nothing whose bytes say "TEST ... FAIL" */
        static const L4_Word_t where[] = { TSUP_KIP_AREA, 0xFFFF800000100000UL,
                                           0xFFFFFFFF80100000UL, 0x0000800000000000UL, 0 };
        s = (char *)(where[hpick(r, 5)] + hpick(r, 64));
    }
    L4_KDB_PrintString(s);
}
