/* Interrupts for the in-system tests: the interrupt threads (spec 7: a
 * line's thread id is (line, version 1)), attaching a handler to them and
 * detaching it, and two devices driven through their I/O ports: the PIT
 * (line 0; the kernel's own timer is the local APIC's) and a 16550 UART
 * in loopback mode (COM2, line 3: the harness gives QEMU a second serial
 * port), whose every byte written comes back as a receive interrupt. */
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

#define COM2 0x2F8
#define COM2_IRQ 3

/* COM2 at 115200 baud, 8N1, without FIFO (one interrupt per byte), in
 * loopback with OUT2 (its interrupt reaches the line), the receive
 * interrupt still off, nothing received pending. */
static inline void uart_loopback_on(void)
{
    outb(COM2 + 1, 0);                              /* IER off */
    outb(COM2 + 3, 0x80);                           /* DLAB: the divisor, 1 */
    outb(COM2 + 0, 1);
    outb(COM2 + 1, 0);
    outb(COM2 + 3, 0x03);                           /* 8N1 */
    outb(COM2 + 2, 0x00);                           /* no FIFO */
    outb(COM2 + 4, 0x10 | 0x08);                    /* loopback, OUT2 */
    while (inb(COM2 + 5) & 1)
        (void)inb(COM2);
}

static inline void uart_loopback_off(void)
{
    outb(COM2 + 1, 0);
    outb(COM2 + 4, 0);
}
