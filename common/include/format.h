/* printf-style formatting shared by the kernel and user programs.
 * Output goes to a caller-supplied sink one character at a time. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink_t)(void *ctx, char c);

/* Supports %c %s %d %i %u %x %X %p %% with flags '-', '0', width, '*',
 * and length modifiers l, ll, z. Returns the number of characters emitted. */
int format(format_sink_t sink, void *ctx, const char *fmt, va_list ap);

/* vsnprintf/snprintf-like into a buffer; always NUL-terminate when size > 0. */
int format_vbuf(char *buf, size_t size, const char *fmt, va_list ap);
int format_buf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
