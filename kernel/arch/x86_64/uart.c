/* Polled 16550 UART on COM1: the kernel console and debugger line. */
#include "arch/console.h"
#include "section.h"
#include "arch/cpu.h"

#define COM1 0x3F8
/* 16550 registers (offsets from the base port) */
#define UART_DATA 0    /* receive/transmit buffer; divisor low with DLAB */
#define UART_IER  1    /* interrupt enable; divisor high with DLAB */
#define UART_FCR  2    /* FIFO control */
#define UART_LCR  3    /* line control: bit 7 = DLAB, bits 0-1 = word length */
#define UART_MCR  4    /* modem control: DTR, RTS, OUT2 */
#define UART_LSR  5    /* line status: bit 0 = data ready, bit 5 = THR empty */

__boot void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);   /* DLAB on: program the divisor */
    outb(COM1 + UART_DATA, 1);     /* 115200 baud = 115200 / 1 */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x03);   /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + UART_FCR, 0x07);   /* enable and clear FIFOs */
    outb(COM1 + UART_MCR, 0x03);   /* DTR, RTS; OUT2 off: no interrupts */
}

void console_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & 0x20))
        cpu_relax();
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void console_rx_interrupt_enable(void)
{
    outb(COM1 + UART_IER, 0x01);   /* received data available */
    outb(COM1 + UART_MCR, 0x0B);   /* DTR, RTS, OUT2: the interrupt reaches the controller */
}

bool console_has_input(void)
{
    return inb(COM1 + UART_LSR) & 0x01;
}

int console_getc(void)
{
    if (!console_has_input())
        return -1;
    return inb(COM1 + UART_DATA);
}
