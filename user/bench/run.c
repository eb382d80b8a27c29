/* Running the benchmarks: used by the benchmark root task (main.c) and by
 * the operating system's `bench` command (user/os/root). Each prints a
 * "BENCH <name> median=<n> min=<n> overhead=<n>" line (tools/bench.py
 * reads them; figures in bytes, "KMEM <name> bytes=<n> mappings=<n>");
 * bench_run ends with a table of all. */
#include <stdarg.h>
#include <stdio.h>
#include "bench.h"
#include "format.h"
#include "../tests/tsupport.h"

void bench_ipc(uint64_t overhead);
void bench_thread_switch(uint64_t overhead);
void bench_pagefault(uint64_t overhead);
void bench_map(uint64_t overhead);
void bench_kmem(uint64_t overhead);
void bench_string(uint64_t overhead);
void bench_irq(uint64_t overhead);
void bench_exception(uint64_t overhead);

static uint64_t samples[BENCH_ITERATIONS];

struct bench_result bench_summarise(uint64_t *s, unsigned n)
{
    for (unsigned i = 1; i < n; i++)          /* insertion sort: n is small */
        for (unsigned j = i; j > 0 && s[j - 1] > s[j]; j--) {
            uint64_t t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    return (struct bench_result){ s[n / 2], s[0], n };
}

static struct {
    const char *name;
    uint64_t median, min;
} table[32];
static unsigned rows, failures;

void bench_report(const char *name, struct bench_result r, uint64_t overhead)
{
    printf("BENCH %s median=%lu min=%lu overhead=%lu iterations=%u\n", name,
           r.median - overhead, r.min - overhead, overhead, r.samples);
    if (rows < 32)
        table[rows++] = (typeof(table[0])){ name, r.median - overhead, r.min - overhead };
}

void bench_failed(const char *name, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    format_vbuf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("BENCH %s FAILED: %s\n", name, why);
    failures++;
}

unsigned bench_failures(void)
{
    return failures;
}

uint64_t bench_timing_overhead(void)
{
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        uint64_t t0 = bench_tsc();
        uint64_t t1 = bench_tsc();
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    return bench_summarise(samples, BENCH_ITERATIONS).min;
}

/* A system call that does no work: a syscall instruction with a number
 * no system call has, through the kernel's full entry and exit path. */
static void bench_null_syscall(uint64_t overhead)
{
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        uint64_t t0 = bench_tsc();
        __asm__ volatile("push %%rbp\n mov $0xFF, %%ebp\n syscall\n pop %%rbp"
                         : : : "rax", "rcx", "rdx", "r11", "memory");
        uint64_t t1 = bench_tsc();
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    bench_report("null_syscall", bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

unsigned bench_run(void)
{
    rows = failures = 0;
    uint64_t overhead = bench_timing_overhead();
    void (*const benchmarks[])(uint64_t) = {
        bench_null_syscall, bench_ipc, bench_thread_switch, bench_pagefault,
        bench_map, bench_kmem, bench_string, bench_irq, bench_exception, bench_unix,
    };
    for (unsigned i = 0; i < sizeof benchmarks / sizeof benchmarks[0]; i++) {
        benchmarks[i](overhead);
        tsup_cleanup();                     /* its threads go, even if it failed */
    }
    printf("%-24s %10s %10s   (timestamp-counter ticks: instructions only under QEMU's "
           "-icount shift=0, as make bench runs it)\n", "benchmark", "median", "min");
    for (unsigned i = 0; i < rows; i++)
        printf("%-24s %10lu %10lu\n", table[i].name, table[i].median, table[i].min);
    if (failures)
        printf("%u benchmarks FAILED (above)\n", failures);
    printf("BENCH DONE\n");
    return failures;
}
