/* Kernel console output and fatal errors. */
#pragma once
#include "types.h"

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kputc(char c);

struct trap_frame;

/* Print a reason, the registers (when a frame is given) and a backtrace,
 * then stop the machine. */
NORETURN void panic_frame(const struct trap_frame *tf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define panic(...) panic_frame(NULL, __VA_ARGS__)

#ifdef NDEBUG
#define ASSERT(c) ((void)0)
#else
#define ASSERT(c) \
    ((c) ? (void)0 : panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__))
#endif
