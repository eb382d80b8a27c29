/* strtol and strtoul. */
#include <stdlib.h>

static int digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* The magnitude of the number at s (after blanks and a sign), clamped
 * to `limit`; *neg tells the sign, *end where the number stopped (s
 * itself if there was none). */
static unsigned long parse(const char *s, char **end, int base, unsigned long limit, int *neg)
{
    const char *p = s;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    *neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    unsigned long v = 0;
    int any = 0, over = 0;
    for (; base >= 2 && base <= 36 && digit(*p) < base; p++) {
        unsigned long d = (unsigned long)digit(*p);
        if (v > (limit - d) / (unsigned long)base)
            over = 1;
        else
            v = v * (unsigned long)base + d;
        any = 1;
    }
    if (end)
        *end = (char *)(any ? p : s);
    return over ? limit : v;
}

long strtol(const char *s, char **end, int base)
{
    int neg;
    /* room for the magnitude of LONG_MIN, one more than LONG_MAX */
    unsigned long v = parse(s, end, base, (unsigned long)__LONG_MAX__ + 1, &neg);
    if (neg)
        return v > (unsigned long)__LONG_MAX__ ? -__LONG_MAX__ - 1 : -(long)v;
    return v > (unsigned long)__LONG_MAX__ ? __LONG_MAX__ : (long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    int neg;
    unsigned long v = parse(s, end, base, ~0UL, &neg);
    return neg && v != ~0UL ? -v : v;
}
