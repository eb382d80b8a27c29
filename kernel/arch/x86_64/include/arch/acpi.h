/* What the kernel takes from ACPI: the MADT's I/O APIC and its ISA
 * interrupt source overrides, and its processors. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct isa_irq {
    uint32_t gsi;              /* global system interrupt (I/O APIC input) */
    bool level, active_low;
};

struct madt_info {
    uint64_t ioapic_base;      /* physical; 0: none found */
    uint32_t ioapic_gsi_base;
    struct isa_irq isa[16];    /* ISA IRQ n: identity unless overridden */
};

/* Find the RSDP in the BIOS area, the RSDT, the MADT. False when there
 * is no ACPI MADT with an I/O APIC. */
bool acpi_madt(struct madt_info *out);

/* The local APIC ids of the enabled processors in the MADT (at most
 * max); their number, 0 without a MADT. */
unsigned acpi_cpus(uint8_t *apic_ids, unsigned max);
