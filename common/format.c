/* printf-style formatting shared by the kernel and user programs. */
#include "format.h"
#include <stdbool.h>
#include <stdint.h>

struct spec {
    bool left;
    char pad;
    int width;
};

static int emit_padded(format_sink_t sink, void *ctx, const char *s, int len,
                       const struct spec *sp)
{
    int n = 0;
    int fill = sp->width > len ? sp->width - len : 0;
    if (!sp->left && sp->pad == '0' && len > 0 && s[0] == '-') {
        sink(ctx, '-');     /* sign goes before zero padding */
        s++, len--, n++;
    }
    if (!sp->left)
        for (; fill > 0; fill--, n++)
            sink(ctx, sp->pad);
    for (int i = 0; i < len; i++, n++)
        sink(ctx, s[i]);
    for (; fill > 0; fill--, n++)
        sink(ctx, ' ');
    return n;
}

static int utoa(char *end, uint64_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return (int)(end - p);
}

int format(format_sink_t sink, void *ctx, const char *fmt, va_list ap)
{
    int n = 0;
    char buf[24];
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            sink(ctx, *fmt);
            n++;
            continue;
        }
        struct spec sp = { false, ' ', 0 };
        for (;; fmt++) {
            if (fmt[1] == '-')
                sp.left = true;
            else if (fmt[1] == '0')
                sp.pad = '0';
            else
                break;
        }
        fmt++;
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            fmt++;
        }
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            sp.width = sp.width * 10 + (*fmt - '0');
        int longs = 0;
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            longs++;
        char *end = buf + sizeof buf;
        int len;
        uint64_t u;
        switch (*fmt) {
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            n += emit_padded(sink, ctx, buf, 1, &sp);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            for (len = 0; s[len]; len++)
                ;
            n += emit_padded(sink, ctx, s, len, &sp);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            len = utoa(end, u, 10, false);
            if (v < 0)
                buf[sizeof buf - ++len] = '-';
            n += emit_padded(sink, ctx, end - len, len, &sp);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
            u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            len = utoa(end, u, *fmt == 'u' ? 10 : 16, *fmt == 'X');
            n += emit_padded(sink, ctx, end - len, len, &sp);
            break;
        case 'p':
            u = (uint64_t)(uintptr_t)va_arg(ap, void *);
            len = utoa(end, u, 16, false);
            buf[sizeof buf - ++len] = 'x';
            buf[sizeof buf - ++len] = '0';
            n += emit_padded(sink, ctx, end - len, len, &sp);
            break;
        case '%':
            sink(ctx, '%');
            n++;
            break;
        case '\0':
            return n;
        default:            /* unknown conversion: show it literally */
            sink(ctx, '%');
            sink(ctx, *fmt);
            n += 2;
            break;
        }
    }
    return n;
}

struct buf_ctx {
    char *p;
    size_t left;
};

static void buf_sink(void *ctx, char c)
{
    struct buf_ctx *b = ctx;
    if (b->left > 1) {
        *b->p++ = c;
        b->left--;
    }
}

int format_vbuf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_ctx b = { buf, size };
    int n = format(buf_sink, &b, fmt, ap);
    if (size)
        *b.p = '\0';
    return n;
}

int format_buf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = format_vbuf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
