/* The legacy 8259 interrupt controllers: remapped to VEC_IRQ_BASE and
 * masked, so that stray legacy interrupts cannot land on exception vectors. */
#include "arch/pic.h"
#include "section.h"
#include "arch/cpu.h"
#include "arch/idt.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

static uint16_t mask = 0xFFFF;

static void write_mask(void)
{
    outb(PIC1_DATA, mask & 0xFF);
    outb(PIC2_DATA, mask >> 8);
}

__boot void pic_init(void)
{
    /* ICW1: init + ICW4 needed; ICW2: vector base; ICW3: cascade on
     * line 2; ICW4: 8086 mode. */
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, VEC_IRQ_BASE);
    outb(PIC2_DATA, VEC_IRQ_BASE + 8);
    outb(PIC1_DATA, 1 << 2);
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, 0x01);
    outb(PIC2_DATA, 0x01);
    mask = 0xFFFF & ~(1 << 2);       /* the cascade line stays open */
    write_mask();
}

void pic_unmask(unsigned irq)
{
    mask &= ~(1u << irq);
    write_mask();
}

void pic_mask(unsigned irq)
{
    mask |= 1u << irq;
    write_mask();
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);
}

/* IRQ 7 and 15 can fire spuriously: the in-service register says if real. */
bool pic_spurious(unsigned irq)
{
    if (irq != 7 && irq != 15)
        return false;
    uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
    outb(cmd, 0x0B);                 /* OCW3: read ISR */
    if (inb(cmd) & 0x80)
        return false;
    if (irq == 15)
        outb(PIC1_CMD, 0x20);        /* the master saw a real cascade IRQ */
    return true;
}
