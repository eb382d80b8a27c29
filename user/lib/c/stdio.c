/* printf for user programs: a line buffer flushed with KDB PrintString. */
#include <stdio.h>
#include <l4/kdebug.h>
#include "format.h"

static char line[256];
static size_t used;

/* Where whole lines go: the kernel debugger's PrintString unless a
 * runtime (libos: the task's stdout stream) sets another writer. */
void (*__stdout_writer)(const char *s, size_t n);

void fflush_stdout(void)
{
    line[used] = '\0';
    if (used && __stdout_writer)
        __stdout_writer(line, used);
    else if (used)
        L4_KDB_PrintString(line);
    used = 0;
}

static void sink(void *ctx, char c)
{
    (void)ctx;
    line[used++] = c;
    if (c == '\n' || used == sizeof line - 1)
        fflush_stdout();
}

int vprintf(const char *fmt, va_list ap)
{
    return format(sink, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    return printf("%s\n", s);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = format_vbuf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
