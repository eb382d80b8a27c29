/* Interrupts for the in-system tests: the interrupt threads (spec 7: a
 * line's thread id is (line, version 1)), attaching a handler to them and
 * detaching it, and the PIT, driven through its I/O ports as a device of
 * our own (line 0; the kernel's own timer is the local APIC's). */
#pragma once
#include <sys/io.h>
#include <l4/thread.h>
#include <l4/types.h>

/* The tag of an interrupt message: label -1 << 4, untyped 0 (spec 7). */
#define IRQ_TAG 0xFFFFFFFFFFF00000UL

static inline L4_ThreadId_t irq_tid(unsigned irq) { return L4_GlobalId(irq, 1); }

static inline L4_Word_t irq_attach(unsigned irq, L4_ThreadId_t handler)
{
    return L4_ThreadControl(irq_tid(irq), irq_tid(irq), L4_nilthread, handler, (void *)~0UL);
}

static inline L4_Word_t irq_detach(unsigned irq)
{
    return L4_ThreadControl(irq_tid(irq), irq_tid(irq), L4_nilthread, irq_tid(irq), (void *)~0UL);
}

/* PIT channel 0 as a rate generator at about 1 kHz, or quiet. */
static inline void pit_start(void)
{
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xFF);
    outb(0x40, 1193 >> 8);
}

static inline void pit_stop(void)
{
    outb(0x43, 0x30);               /* mode 0, never reloaded */
    outb(0x40, 0xFF);
    outb(0x40, 0xFF);
}
