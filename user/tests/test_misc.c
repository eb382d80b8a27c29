/* The remaining calls and the KIP:
 *  - SystemClock (spec 4.11): 64-bit microseconds, monotonic, one clock
 *    for all spaces; scaled like the TSC at the KIP's internal frequency
 *    (checked only loosely: no wall-clock bounds);
 *  - ProcessorControl (spec 4.13): Pistachio's no-op, result 0;
 *  - MemoryControl (spec 4.14): result 0, nothing changed, MR0/MR1 (and
 *    the other MRs) as they were, ErrorCode unchanged or 5;
 *  - KernelInterface (spec 4.3) in other threads and spaces: the base of
 *    the caller's KIP area, page aligned, the same words everywhere;
 *  - KIP fields not covered by the boot group (spec 8.1, 8.3, 8.4);
 *  - rdmsr/wrmsr, emulated for privileged spaces (spec 4.15). */
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

static const L4_KernelInterfacePage_t *kip(void) { return L4_GetKernelInterface(); }

static L4_Word_t kip_word(unsigned offset)
{
    return *(const L4_Word_t *)((const char *)kip() + offset);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* ---- SystemClock ------------------------------------------------------------- */

TEST(misc, system_clock_is_monotonic)
{
    uint64_t prev = L4_SystemClock().raw, first = prev;
    int backwards = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t now = L4_SystemClock().raw;
        backwards += now < prev;
        prev = now;
    }
    tsup_sleep_ms(2);
    uint64_t later = L4_SystemClock().raw;
    EXPECT_EQ(backwards, 0);
    EXPECT(later > prev);
    EXPECT(first > 0);
}

/* Microseconds: a sleep of 50 ms lasts at least about 50000 of them, and
 * the clock runs at the TSC's rate divided by the KIP's internal frequency
 * in MHz (within a factor of two). */
TEST(misc, system_clock_counts_microseconds)
{
    L4_Word_t khz = kip_word(kip()->proc_desc_ptr + 8);
    uint64_t c0 = L4_SystemClock().raw, t0 = rdtsc();
    tsup_sleep_ms(50);
    uint64_t c1 = L4_SystemClock().raw, t1 = rdtsc();
    uint64_t dc = c1 - c0, dt_us = khz ? (t1 - t0) * 1000 / khz : 0;
    EXPECT(khz >= 1000);                            /* at least 1 MHz */
    EXPECT(dc >= 40000);
    EXPECT(dc < 2 * dt_us + 1000);
    EXPECT(dt_us < 2 * dc + 1000);
}

static volatile uint64_t other_clock;
static void read_clock(L4_Word_t unused)
{
    (void)unused;
    other_clock = L4_SystemClock().raw;
}

TEST(misc, system_clock_is_one_clock_for_all_spaces)
{
    other_clock = 0;
    uint64_t c0 = L4_SystemClock().raw;
    L4_ThreadId_t t = tsup_space(read_clock, 0);
    int joined = tsup_join(t, 2000);
    uint64_t c1 = L4_SystemClock().raw;
    tsup_kill(t);
    EXPECT(joined);
    EXPECT(other_clock >= c0);
    EXPECT(other_clock <= c1);
}

/* pingpong reads the time-stamp counter in threads of the spaces it
 * creates (spec 4.15): rdtsc works in user mode in any space (no #GP,
 * which would stop the thread), and the counter moves on. */
static volatile uint64_t tsc_seen[2];
static void read_tsc(L4_Word_t unused)
{
    (void)unused;
    tsc_seen[0] = rdtsc();
    tsup_sleep_ms(1);
    tsc_seen[1] = rdtsc();
}

TEST(misc, rdtsc_in_a_new_space)
{
    tsc_seen[0] = tsc_seen[1] = 0;
    L4_ThreadId_t t = tsup_space(read_tsc, 0);
    int joined = tsup_join(t, 2000);
    tsup_kill(t);
    EXPECT(joined);
    EXPECT_NE(tsc_seen[0], 0);
    EXPECT(tsc_seen[1] > tsc_seen[0]);
}

/* ---- ProcessorControl ------------------------------------------------------------ */

static volatile L4_Word_t un_pc = 99;
static void unprivileged_processor_control(L4_Word_t unused)
{
    (void)unused;
    un_pc = L4_ProcessorControl(0, 1000000, 100000, 1200);
}

TEST(misc, processor_control_returns_0)
{
    EXPECT_EQ(L4_ProcessorControl(0, 0, 0, 0), 0);
    EXPECT_EQ(L4_ProcessorControl(0, 1000000, 100000, 1200), 0);
    EXPECT_EQ(L4_ProcessorControl(1, ~0UL, ~0UL, ~0UL), 0);
    un_pc = 99;
    L4_ThreadId_t t = tsup_space(unprivileged_processor_control, 0);
    int joined = tsup_join(t, 2000);
    tsup_kill(t);
    EXPECT(joined);
    EXPECT_EQ(un_pc, 0);
}

/* ---- MemoryControl ----------------------------------------------------------------- */

#define NMR 12
static void load_pattern(void)
{
    for (int i = 0; i < NMR; i++)
        __L4_Utcb()[i] = 0xC0DE0000UL + i;
}
static int pattern_kept(void)
{
    for (int i = 0; i < NMR; i++)
        if (__L4_Utcb()[i] != 0xC0DE0000UL + i)
            return 0;
    return 1;
}

static uint8_t mc_page[4096] __attribute__((aligned(4096)));

TEST(misc, memory_control_returns_0_and_keeps_the_mrs)
{
    L4_Word_t attr[4] = { 1, 2, 3, 4 }, old;
    L4_Schedule(tsup_new_id(), ~0UL, ~0UL, ~0UL, ~0UL, &old);  /* ErrorCode 2 */
    load_pattern();
    L4_Word_t r = L4_MemoryControl(0, attr);
    int kept = pattern_kept();
    L4_Word_t err = L4_ErrorCode();
    EXPECT_EQ(r, 0);
    EXPECT(kept);                                   /* MR0, MR1 and the rest */
    EXPECT(err == L4_ErrInvalidThread || err == L4_ErrInvalidParam);
}

TEST(misc, memory_control_on_own_pages_changes_nothing)
{
    L4_Word_t attr[4] = { 1, 1, 1, 1 };
    mc_page[0] = 0x5A;
    L4_Fpage_t f = L4_FpageLog2((L4_Word_t)mc_page, 12);
    load_pattern();
    for (int i = 0; i < 4; i++)
        __L4_Utcb()[i] = f.raw | (L4_Word_t)i << 1;     /* four fpages, attribute i */
    L4_Word_t want[NMR];
    for (int i = 0; i < NMR; i++)
        want[i] = __L4_Utcb()[i];
    L4_Word_t r = L4_MemoryControl(3, attr);
    int kept = 1;
    for (int i = 0; i < NMR; i++)
        kept &= __L4_Utcb()[i] == want[i];
    mc_page[1] = 0xA5;                              /* still mapped, writable */
    EXPECT_EQ(r, 0);
    EXPECT(kept);
    EXPECT_EQ(mc_page[0], 0x5A);
    EXPECT_EQ(mc_page[1], 0xA5);
}

static volatile L4_Word_t un_mc = 99;
static volatile int un_mc_kept;
static void unprivileged_memory_control(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t attr[4] = { 0, 0, 0, 0 };
    load_pattern();
    un_mc = L4_MemoryControl(0, attr);
    un_mc_kept = pattern_kept();
}

TEST(misc, memory_control_in_an_unprivileged_space)
{
    un_mc = 99;
    un_mc_kept = 0;
    L4_ThreadId_t t = tsup_space(unprivileged_memory_control, 0);
    int joined = tsup_join(t, 2000);
    tsup_kill(t);
    EXPECT(joined);
    EXPECT_EQ(un_mc, 0);
    EXPECT(un_mc_kept);
}

/* ---- KernelInterface in other threads and spaces ------------------------------------- */

static struct {
    volatile L4_Word_t base, version, flags, id;
} ki[2];
static void kernel_interface(L4_Word_t i)
{
    L4_Word_t v, f, id;
    ki[i].base = (L4_Word_t)L4_KernelInterface(&v, &f, &id);
    ki[i].version = v;
    ki[i].flags = f;
    ki[i].id = id;
}

TEST(misc, kernel_interface_in_other_threads_and_spaces)
{
    memset((void *)ki, 0, sizeof ki);
    L4_ThreadId_t here = tsup_thread(kernel_interface, 0);
    L4_ThreadId_t there = tsup_space(kernel_interface, 1);
    int j0 = tsup_join(here, 2000), j1 = tsup_join(there, 2000);
    tsup_kill(here);
    tsup_kill(there);
    L4_Word_t v, f, id;
    L4_Word_t base = (L4_Word_t)L4_KernelInterface(&v, &f, &id);
    EXPECT(j0);
    EXPECT(j1);
    EXPECT_EQ(base & 0xFFF, 0);                     /* page aligned */
    EXPECT_EQ(ki[0].base, base);                    /* our space's KIP area */
    EXPECT_EQ(ki[1].base, TSUP_KIP_AREA);           /* that space's */
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(ki[i].version, v);
        EXPECT_EQ(ki[i].flags, f);
        EXPECT_EQ(ki[i].id, id);
    }
}

/* ---- rdmsr / wrmsr (spec 4.15) ------------------------------------------------------
 * The root task's space is privileged: the kernel carries out rdmsr and
 * wrmsr for it (MSR in ECX, value in EDX:EAX) and skips the instruction,
 * except writes to MSRs the kernel depends on, which stay #GP exceptions
 * (unprivileged spaces get #GP for both: the isolation group). */
#define MSR_EFER     0xC0000080
#define MSR_APICBASE 0x1B
#define MSR_LSTAR    0xC0000082
#define MSR_TSC_AUX  0xC0000103

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* Exception handler: count, note the vector, skip the 2-byte instruction. */
static volatile L4_Word_t msr_faults, msr_vector;
static void msr_fault_handler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        msr_faults++;
        msr_vector = mr[19];
        mr[1] += 2;
        mr[0] = 1;                              /* u = 1: the new RIP */
        tag = L4_ReplyWait(from, &from);
        (void)tag;
    }
}

TEST(misc, msr_access_is_emulated_for_privileged_spaces)
{
    msr_faults = 0;
    L4_ThreadId_t h = tsup_thread(msr_fault_handler, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t old = L4_ExceptionHandler();
    L4_Set_ExceptionHandler(h);
    uint64_t efer = rdmsr(MSR_EFER);
    uint64_t apic = rdmsr(MSR_APICBASE);
    uint64_t aux = rdmsr(MSR_TSC_AUX);
    wrmsr(MSR_TSC_AUX, 0x5A5A);
    uint64_t aux_now = rdmsr(MSR_TSC_AUX);
    uint32_t ecx;
    __asm__ volatile("rdtscp" : "=c"(ecx) : : "rax", "rdx");    /* the real MSR changed */
    wrmsr(MSR_TSC_AUX, aux);
    L4_Word_t faults_before = msr_faults;
    uint64_t lstar = rdmsr(MSR_LSTAR);
    wrmsr(MSR_LSTAR, 0x1000);                               /* the kernel's own: refused */
    L4_Word_t faults_after = msr_faults, vector = msr_vector;
    uint64_t lstar_now = rdmsr(MSR_LSTAR);
    L4_Set_ExceptionHandler(old);
    tsup_kill(h);
    EXPECT_EQ(efer & 0x501, 0x501);                         /* SCE, LME, LMA */
    EXPECT_EQ(apic & (1 << 11), 1 << 11);                   /* the local APIC is on */
    EXPECT_EQ(aux_now, 0x5A5A);
    EXPECT_EQ(ecx, 0x5A5A);
    EXPECT_EQ(faults_before, 0);
    EXPECT_EQ(faults_after, 1);
    EXPECT_EQ(vector, 13);
    EXPECT_EQ(lstar_now, lstar);
    EXPECT(lstar >= 0xFFFF800000000000UL);                  /* a kernel address */
}

/* ---- KIP fields --------------------------------------------------------------------- */

TEST(misc, kip_reserved_and_unused_words_are_zero)
{
    static const unsigned zero[] = {
        0x060, 0x068, 0x070, 0x078,                 /* sigma1: none */
        0x0A0,                                      /* reserved */
        0x0F0, 0x0F8, 0x100, 0x108, 0x110, 0x118, 0x120, 0x128, 0x130, 0x138,  /* dedicated */
        0x140, 0x148, 0x160, 0x168,                 /* reserved */
        0x1F8, 0x200, 0x208, 0x210, 0x218,          /* reserved */
        0x220, 0x228, 0x230, 0x238,                 /* ArchSyscall0..3: none on amd64 */
    };
    for (unsigned i = 0; i < sizeof zero / sizeof zero[0]; i++)
        EXPECT_EQ(kip_word(zero[i]), 0);
    /* fields of less than 64 bits leave the upper half 0 */
    EXPECT_EQ(kip()->clock_info >> 32, 0);
    EXPECT_EQ(kip()->thread_info >> 32, 0);
    EXPECT_EQ(kip()->utcb_info >> 32, 0);
    EXPECT_EQ(kip()->kip_area_info >> 32, 0);
}

TEST(misc, kip_processor_descriptors_inside_the_page)
{
    const L4_KernelInterfacePage_t *k = kip();
    L4_Word_t ncpu = (k->processor_info & 0xFFFF) + 1;
    L4_Word_t size = 1UL << (k->processor_info >> 60);
    EXPECT_EQ(size, 32);
    EXPECT(k->proc_desc_ptr + ncpu * size <= k->kernel_desc_ptr);
    EXPECT(k->proc_desc_ptr + ncpu * size <= 4096);
    for (L4_Word_t i = 0; i < ncpu; i++)
        EXPECT(kip_word(k->proc_desc_ptr + i * size + 8) >= 1000);   /* internal, kHz */
}

TEST(misc, kip_kernel_descriptor_fields)
{
    const L4_KernelInterfacePage_t *k = kip();
    const uint8_t *base = (const uint8_t *)k;
    L4_Word_t kd = k->kernel_desc_ptr, date = kip_word(kd + 8), supplier = kip_word(kd + 24);
    L4_Word_t id;
    L4_KernelInterface(0, 0, &id);
    EXPECT_EQ(kip_word(kd), id);                    /* KernelInterface's RSI */
    EXPECT_NE(kip_word(kd) >> 16 & 0xFFFF, 0);      /* id, subid */
    EXPECT((date & 0x1F) >= 1 && (date & 0x1F) <= 31);
    EXPECT((date >> 5 & 0xF) >= 1 && (date >> 5 & 0xF) <= 12);
    EXPECT((date >> 9 & 0x7F) >= 20);               /* year - 2000: built recently */
    for (int i = 0; i < 4; i++) {
        uint8_t c = supplier >> (8 * i) & 0xFF;
        EXPECT(c >= 0x20 && c < 0x7F);              /* four ASCII characters */
    }
    /* the version string and the feature list end inside the page */
    unsigned p = kd + 32;
    while (p < 4096 && base[p])
        p++;
    EXPECT(p < 4096);
    EXPECT(p > kd + 32);                            /* not empty */
    for (p++; p < 4096 && base[p];) {
        while (p < 4096 && base[p])
            p++;
        p++;
    }
    EXPECT(p < 4096);
}

TEST(misc, kip_memory_descriptors_inside_the_page)
{
    const L4_KernelInterfacePage_t *k = kip();
    L4_Word_t n = k->memory_info & 0xFFFFFFFF, off = k->memory_info >> 32;
    EXPECT(n > 0);
    EXPECT(off >= k->kernel_desc_ptr + 32);         /* after the kernel descriptor */
    EXPECT(off + 16 * n <= 4096);
    for (L4_Word_t i = 0; i < n; i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc(k, i);
        EXPECT(L4_MemoryDescLow(m) <= L4_MemoryDescHigh(m));
    }
}
