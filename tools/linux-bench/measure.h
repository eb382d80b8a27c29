/*
 * Timing for the Linux-side benchmark programs (init.c, lxbench.c) under
 * QEMU TCG with -icount shift=0, where the TSC advances by one per executed
 * instruction: a TSC difference is an instruction count, user and kernel
 * (and, on Pecan, servers) together.
 *
 * A benchmark runs `warmup` untimed operations, then `n` operations each
 * between two rdtsc, and reports the median and the minimum minus the
 * timing overhead (the minimum of back-to-back rdtsc pairs) in the line
 * Pecan's own benchmarks print:
 *   BENCH <name> median=<n> min=<n> overhead=<n> iterations=<k>
 */
#ifndef LINUX_BENCH_MEASURE_H
#define LINUX_BENCH_MEASURE_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SAMPLES 1000

static uint64_t samples[MAX_SAMPLES];

/* The same read as Pecan's bench_tsc (user/bench/bench.h), so the timing
 * overhead is the same instructions on every system. */
static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/* Keep sample i of a run that starts with `warmup` untimed operations. */
static inline void record_after(unsigned warmup, unsigned i, uint64_t d)
{
    if (i >= warmup && i - warmup < MAX_SAMPLES)
        samples[i - warmup] = d;
}

/* Console output straight through write(2): no stdio buffer that a fork
 * could duplicate. */
static void out(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    for (int off = 0; off < n;) {
        ssize_t w = write(1, buf + off, n - off);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return;
        }
        off += w;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, unsigned n, uint64_t overhead)
{
    qsort(samples, n, sizeof samples[0], cmp_u64);
    out("BENCH %s median=%lu min=%lu overhead=%lu iterations=%u\n", name,
        (unsigned long)(samples[n / 2] - overhead), (unsigned long)(samples[0] - overhead),
        (unsigned long)overhead, n);
}

/* The row failed: says why, and returns -1 (`return failed(...)`). */
static int failed(const char *name, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out("BENCH %s FAILED: %s\n", name, msg);
    return -1;
}

static uint64_t timing_overhead(void)
{
    for (unsigned i = 0; i < 100 + MAX_SAMPLES; i++) {
        uint64_t t0 = tsc();
        uint64_t t1 = tsc();
        record_after(100, i, t1 - t0);
    }
    qsort(samples, MAX_SAMPLES, sizeof samples[0], cmp_u64);
    return samples[0];
}

/* Read exactly n bytes unless the other end closes or fails first. */
static ssize_t read_full(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return got;
        got += r;
    }
    return got;
}

/* Wait for a child; 0 if it exited with status 0. */
static int reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#endif
