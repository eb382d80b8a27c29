/* The periodic kernel timer and the time stamp counter. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Calibrate against the PIT and start a TIMER_HZ periodic interrupt:
 * the local APIC timer if there is a local APIC, else PIT channel 0. */
void timer_init(void);

/* Acknowledge the timer interrupt (vector VEC_TIMER or PIC line 0). */
void timer_ack(void);

/* True when the local APIC timer drives the tick (else PIC line 0). */
bool timer_uses_lapic(void);

/* End of interrupt at the local APIC (interrupts the I/O APIC delivered). */
void lapic_eoi(void);

/* TSC frequency measured at boot, in kHz. */
uint64_t tsc_khz(void);

/* Whole ticks since the boot processor's tick started, by the time stamp
 * counter: what the tick count would be had no interrupt come late
 * (sched_clock; timeouts count from it, time_deadline). */
uint64_t timer_ticks_elapsed(void);

/* The local APIC, for starting processors (smp.c; boot only, after
 * timer_init): this processor's APIC id (0 without a local APIC); send
 * an IPI (ICR low word `command`) to apic_id and wait until it is
 * delivered; enable this processor's local APIC, its timer masked. */
unsigned lapic_id(void);
void lapic_ipi(unsigned apic_id, uint32_t command);
void lapic_enable_here(void);

/* This processor's tick, as the boot processor's (run time: mp.c, smp.c). */
void lapic_timer_start_here(void);
void lapic_send_ipi(unsigned apic_id, unsigned vector);

/* Busy-wait us microseconds by the TSC (after timer_init). */
void tsc_delay_us(uint64_t us);
