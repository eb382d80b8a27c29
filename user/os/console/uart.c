/* The 16550 UART on COM1: a transmit buffer drained whenever the UART has
 * room (and at every interrupt), and received bytes. The buffer lives in
 * the kept pages (kept.h), so a new incarnation sends what its
 * predecessor could not. */
#include <sys/io.h>
#include "console.h"
#include "kept.h"

#define COM1 0x3F8

static unsigned column;

static void drain(void)
{
    struct kept *k = KEPT;
    while (k->tx_len && (inb(COM1 + 5) & 0x20)) {     /* THR empty */
        outb(COM1, (unsigned char)k->tx[k->tx_head]);
        k->tx_head = (k->tx_head + 1) % TX_SIZE;
        k->tx_len--;
    }
}

/* Track where the terminal's cursor is, for the line editor's tab stops. */
static void track(char c)
{
    if (c == '\r' || c == '\n')
        column = 0;
    else if (c == '\b')
        column -= column > 0;
    else if (c == '\t')
        column = (column / 8 + 1) * 8;
    else if (((unsigned char)c & 0xC0) != 0x80 && (unsigned char)c >= ' ')
        column++;                           /* (UTF-8 continuation bytes take none) */
}

static void put_byte(char c)
{
    struct kept *k = KEPT;
    while (k->tx_len == TX_SIZE)            /* full: wait for the UART */
        drain();
    k->tx[(k->tx_head + k->tx_len) % TX_SIZE] = c;
    k->tx_len++;
    track(c);
}

static void put(char c)
{
    if (c == '\n')
        put_byte('\r');
    put_byte(c);
}

void uart_put_raw(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_byte(s[i]);
    drain();
}

void uart_put(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(s[i]);
    drain();
}

void uart_puts(const char *s)
{
    while (*s)
        put(*s++);
    drain();
}

int uart_getc(void)
{
    drain();
    return inb(COM1 + 5) & 1 ? inb(COM1) : -1;      /* LSR: data ready */
}

unsigned uart_column(void)
{
    return column;
}

/* Set up the UART and the buffer: a predecessor's, if it left a sound one
 * (it may have crashed in the middle of changing it). */
void uart_start(void)
{
    struct kept *k = KEPT;
    if (k->magic != KEPT_MAGIC || k->tx_head >= TX_SIZE || k->tx_len > TX_SIZE) {
        k->magic = KEPT_MAGIC;
        k->tx_head = k->tx_len = 0;
        for (unsigned i = 0; i < WRITERS; i++)
            k->writers[i].len = 0;
    }
    outb(COM1 + 1, 0x00);                   /* IER off while setting up */
    outb(COM1 + 2, 0x01);                   /* FIFO on (what was typed stays) */
    outb(COM1 + 4, 0x0B);                   /* DTR, RTS, OUT2 (the IRQ line) */
    outb(COM1 + 1, 0x01);                   /* receive interrupt */
    drain();
}
