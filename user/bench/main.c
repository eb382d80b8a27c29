/* The benchmark root task: runs the benchmarks (run.c), then ends QEMU. */
#include <stdarg.h>
#include <stdio.h>
#include "bench.h"
#include "format.h"

/* The test support library reports set-up failures through test_fail. */
void test_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    format_vbuf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("BENCH set-up failed at %s:%d: %s\n", file, line, msg);
    __asm__ volatile("outb %b0, %w1" : : "a"(1), "Nd"(0xF4));
    for (;;)
        ;
}

int main(void)
{
    unsigned failed = bench_run();
    __asm__ volatile("outb %b0, %w1" : : "a"(failed ? 1 : 0), "Nd"(0xF4));
    return 0;
}
