/* Small things every module of the Unix server uses: its log, the clock,
 * allocation that must not fail at boot, strings, console output. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <format.h>
#include <l4/kip.h>
#include <l4/syscalls.h>
#include <os/os.h>
#include "unix.h"

void ulog(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    format_vbuf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("unix: %s\n", line);
}

uint64_t now_us(void)
{
    return L4_SystemClock().raw;
}

void *calloc_or_die(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        ulog("out of memory at boot (%zu bytes)", n * size);
        os_exit(1);
    }
    return p;
}

char *strdup_or_null(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void strncpy0(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* The terminal's output: straight to the console's UART, unbuffered
 * (OS_STREAM_RAW), in pieces of what one message carries. */
L4_ThreadId_t console_id(void)
{
    static L4_ThreadId_t id;                /* (the same in every incarnation) */
    if (L4_IsNilThread(id))
        id = os_lookup("console");
    return id;
}

void console_write(const char *s, size_t n)
{
    struct os_stream con = { console_id(), OS_STREAM_RAW };
    while (n) {
        size_t k = n < OS_MSG_BYTES ? n : OS_MSG_BYTES;
        if (os_write(con, s, k) < 0)
            return;
        s += k;
        n -= k;
    }
}
