/* Numbers from strings, sorting, and memory. */
#pragma once
#include <stddef.h>

/* Base 2..36, or 0: "0x" hexadecimal, "0" octal, else decimal. A value
 * out of range gives LONG_MIN/LONG_MAX (ULONG_MAX). */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* The heap of a program of the operating system (libos: from os_sbrk). */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
