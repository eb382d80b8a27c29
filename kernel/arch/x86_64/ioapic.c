/* The I/O APIC and the choice of interrupt controller (arch/intctl.h).
 *
 * Registers: IOREGSEL at +0x00 selects, IOWIN at +0x10 reads and writes.
 *   0x01 version: bits 16-23 = the highest redirection entry
 *   0x10 + 2n, 0x11 + 2n: redirection entry n, low and high word
 *     low:  0-7 vector, 8-10 delivery (0 fixed), 11 destination mode
 *           (0 physical), 13 polarity (1 active low), 15 trigger (1 level),
 *           16 mask
 *     high: 24-31 destination local APIC id (a processor's: arch/mp.h)
 * A line fires once per edge, or while its level lasts: the interrupt
 * thread masks it at delivery and unmasks it at the handler's
 * acknowledgement, so both work. */
#include "arch/intctl.h"
#include "section.h"
#include "arch/acpi.h"
#include "arch/idt.h"
#include "arch/mp.h"
#include "arch/paging.h"
#include "arch/pic.h"
#include "arch/timer.h"
#include "config.h"
#include "print.h"

static volatile uint32_t *ioapic;
static struct madt_info madt;
/* Masking at interrupt entry comes before the kernel lock, on whichever
 * processor takes the line: a lock of its own keeps a register select
 * and its write together (and the PIC's mask word whole). */
static volatile int controller_lock;

static void write_reg(uint32_t reg, uint32_t v)
{
    ioapic[0] = reg;
    ioapic[4] = v;
}

static uint32_t read_reg(uint32_t reg)
{
    ioapic[0] = reg;
    return ioapic[4];
}

static void route(unsigned irq, bool masked, unsigned cpu)
{
    const struct isa_irq *l = &madt.isa[irq];
    unsigned pin = l->gsi - madt.ioapic_gsi_base;
    write_reg(0x11 + 2 * pin, mp_apic_id(cpu) << 24);
    write_reg(0x10 + 2 * pin, (VEC_IRQ_BASE + irq) | (uint32_t)l->active_low << 13 |
                                  (uint32_t)l->level << 15 | (uint32_t)masked << 16);
}

__boot void intctl_init(void)
{
    if (!timer_uses_lapic() || !acpi_madt(&madt))
        return;                                     /* the PIC serves */
    ioapic = paging_map_device(IOAPIC_VA, madt.ioapic_base);
    unsigned entries = ((read_reg(1) >> 16) & 0xFF) + 1;
    for (unsigned irq = 0; irq < 16; irq++)
        if (madt.isa[irq].gsi - madt.ioapic_gsi_base >= entries) {
            kprintf("ioapic: ISA line %u has no input (GSI %u); using the PIC\n", irq,
                    madt.isa[irq].gsi);
            ioapic = NULL;
            return;
        }
    for (unsigned irq = 0; irq < 16; irq++)
        route(irq, true, 0);
}

void intctl_mask(unsigned irq)
{
    spin_lock(&controller_lock);
    if (ioapic)
        route(irq, true, 0);
    else
        pic_mask(irq);
    spin_unlock(&controller_lock);
}

void intctl_unmask(unsigned irq, unsigned cpu)
{
    spin_lock(&controller_lock);
    if (ioapic)
        route(irq, false, cpu);
    else
        pic_unmask(irq);
    spin_unlock(&controller_lock);
}

bool intctl_reaches(unsigned cpu)
{
    return ioapic || cpu == 0;
}

void intctl_eoi(unsigned irq)
{
    if (ioapic)
        lapic_eoi();
    else
        pic_eoi(irq);
}

bool intctl_spurious(unsigned irq)
{
    return !ioapic && pic_spurious(irq);
}

__boot const char *intctl_name(void)
{
    return ioapic ? "I/O APIC" : "8259 PIC";
}
