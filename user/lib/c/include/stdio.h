/* Formatted console output for user programs, through the kernel
 * debugger's PrintString. Output is collected per line, so a line from
 * one thread is printed in one piece. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int puts(const char *s);
void fflush_stdout(void);

/* Set by a runtime to send complete lines elsewhere than the kernel
 * debugger's console. */
extern void (*__stdout_writer)(const char *s, size_t n);

/* Input, for programs of the operating system (libos provides these: its
 * programs have a stdin stream). fgets reads from stdin only. */
#define EOF (-1)
typedef struct __file FILE;
extern FILE *const stdin;
int getchar(void);
char *fgets(char *s, int size, FILE *stream);
