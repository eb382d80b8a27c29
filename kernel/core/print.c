/* Kernel console output: formatted printing over the serial line. */
#include "print.h"
#include "arch/console.h"
#include "format.h"

void kputc(char c)
{
    if (c == '\n')
        console_putc('\r');
    console_putc(c);
}

static void sink(void *ctx, char c)
{
    (void)ctx;
    kputc(c);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = format(sink, NULL, fmt, ap);
    va_end(ap);
    return n;
}
