/* The interrupt controller of the ISA lines 0-15 (the interrupt threads of
 * spec 7): the I/O APIC where ACPI describes one, else the 8259 PICs.
 * Lines arrive at vector VEC_IRQ_BASE + line either way. */
#pragma once
#include <stdbool.h>

/* After the PIC (remapped, masked) and the timer are set up. */
void intctl_init(void);
void intctl_mask(unsigned irq);
/* Open the line, to processor `cpu` (the PIC's go to processor 0). */
void intctl_unmask(unsigned irq, unsigned cpu);
/* Can lines go to processor `cpu`? */
bool intctl_reaches(unsigned cpu);
void intctl_eoi(unsigned irq);
bool intctl_spurious(unsigned irq);
const char *intctl_name(void);
