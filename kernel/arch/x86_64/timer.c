/* Kernel timer: local APIC timer calibrated against the PIT (channel 2),
 * or the PIT alone when there is no local APIC. */
#include "arch/timer.h"
#include "section.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/pic.h"
#include "config.h"
#include "print.h"

#define PIT_HZ      1193182
#define PIT_CH0     0x40
#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PIT_GATE    0x61     /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */

/* Local APIC registers (byte offsets) */
#define LAPIC_ID        0x020    /* bits 24-31 */
#define LAPIC_EOI       0x0B0
#define LAPIC_SVR       0x0F0    /* spurious vector; bit 8 = APIC enable */
#define LAPIC_LVT_TIMER 0x320    /* bit 17 = periodic, bit 16 = masked */
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3E0   /* 0x3 = divide by 16 */
#define LAPIC_ICR_LOW   0x300    /* writing it sends; bit 12: not yet delivered */
#define LAPIC_ICR_HIGH  0x310    /* bits 24-31: destination APIC id */

#define CALIB_MS 10

/* The time stamp counter when the boot processor's tick started, and its
 * counts per tick (timer_ticks_elapsed). */
static uint64_t tsc_at_start, tsc_per_tick;

static volatile uint32_t *lapic;
static uint64_t tsc_rate_khz;
static uint32_t lapic_period;           /* timer counts per tick */

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

/* Busy-wait CALIB_MS milliseconds on PIT channel 2 (mode 0, one shot). */
__boot static void pit_wait_calibration(void)
{
    uint16_t count = PIT_HZ / (1000 / CALIB_MS);
    outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);
    outb(PIT_CMD, 0xB0);             /* channel 2, lo/hi byte, mode 0 */
    outb(PIT_CH2, count & 0xFF);
    outb(PIT_CH2, count >> 8);
    uint8_t g = inb(PIT_GATE) & ~0x01;
    outb(PIT_GATE, g);               /* a rising gate edge starts counting */
    outb(PIT_GATE, g | 0x01);
    while (!(inb(PIT_GATE) & 0x20))
        cpu_relax();
}

__boot static bool have_lapic(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    return r[3] & (1u << 9);
}

__boot void timer_init(void)
{
    if (have_lapic()) {
        paddr_t base = rdmsr(MSR_APIC_BASE) & 0xFFFFF000UL;
        wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 11));
        lapic = paging_map_device(LAPIC_VA, base);
        lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
        lapic_write(LAPIC_TIMER_DIV, 0x3);
        lapic_write(LAPIC_LVT_TIMER, 1u << 16);
        lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
    }
    uint64_t t0 = rdtsc();
    pit_wait_calibration();
    uint64_t t1 = rdtsc();
    tsc_rate_khz = (t1 - t0) / CALIB_MS;
    tsc_per_tick = tsc_rate_khz * US_PER_TICK / 1000;
    tsc_at_start = rdtsc();

    if (lapic) {
        uint32_t per_ms = (0xFFFFFFFF - lapic_read(LAPIC_TIMER_CUR)) / CALIB_MS;
        if (per_ms == 0)
            panic("local APIC timer did not count during calibration");
        lapic_period = per_ms * 1000 / TIMER_HZ;
        lapic_timer_start_here();
        kprintf("timer: local APIC, %u Hz (%u counts per ms), TSC %lu kHz\n",
                TIMER_HZ, per_ms, tsc_rate_khz);
    } else {
        uint16_t div = PIT_HZ / TIMER_HZ;
        outb(PIT_CMD, 0x34);         /* channel 0, lo/hi byte, rate generator */
        outb(PIT_CH0, div & 0xFF);
        outb(PIT_CH0, div >> 8);
        pic_unmask(0);
        kprintf("timer: PIT, %u Hz, TSC %lu kHz\n", TIMER_HZ, tsc_rate_khz);
    }
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

void timer_ack(void)
{
    if (lapic)
        lapic_write(LAPIC_EOI, 0);
    else
        pic_eoi(0);
}

bool timer_uses_lapic(void)
{
    return lapic != NULL;
}

uint64_t tsc_khz(void)
{
    return tsc_rate_khz;
}

uint64_t timer_ticks_elapsed(void)
{
    return (rdtsc() - tsc_at_start) / tsc_per_tick;
}

/* ---- the local APIC for smp.c -------------------------------------------- */

__boot unsigned lapic_id(void)
{
    return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}

__boot void lapic_ipi(unsigned apic_id, uint32_t command)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, command);
    while (lapic_read(LAPIC_ICR_LOW) & (1u << 12))
        cpu_relax();
}

__boot void lapic_enable_here(void)
{
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);        /* masked: no tick here yet */
}

void lapic_timer_start_here(void)
{
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, (1u << 17) | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, lapic_period);
}

/* A fixed interrupt to one processor (asserted, physical destination). */
void lapic_send_ipi(unsigned apic_id, unsigned vector)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, 0x4000u | vector);
    while (lapic_read(LAPIC_ICR_LOW) & (1u << 12))
        cpu_relax();
}

__boot void tsc_delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_rate_khz / 1000;
    while (rdtsc() < end)
        cpu_relax();
}
