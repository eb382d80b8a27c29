/* The freestanding string and memory functions (gcc may call these). */
#include <string.h>

/* Whole words with rep stosq/movsq, the rest bytewise. (gcc keeps its own
 * calls out of these: -ffreestanding, and nothing here looks like a loop
 * it would turn back into a call.) */
void *memset(void *d, int c, size_t n)
{
    void *p = d;
    size_t words = n / 8, rest = n % 8;
    unsigned long v = (unsigned char)c * 0x0101010101010101UL;
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(rest) : "a"(v) : "memory");
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *p = d;
    size_t words = n / 8, rest = n % 8;
    __asm__ volatile("rep movsq" : "+D"(p), "+S"(s), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(rest) : : "memory");
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q)
        return memcpy(d, s, n);
    while (n--)
        p[n] = q[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strstr(const char *h, const char *n)
{
    size_t len = strlen(n);
    for (; *h; h++)
        if (!strncmp(h, n, len))
            return (char *)h;
    return len ? NULL : (char *)h;
}

char *strcpy(char *d, const char *s)
{
    char *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}

char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    do
        if (*s == (char)c)
            last = s;
    while (*s++);
    return (char *)last;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    return NULL;
}
