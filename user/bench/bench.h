/* Benchmark support: cycle counts from the TSC, which under QEMU with
 * -icount shift=0 advances by one per executed instruction. Each
 * benchmark times single operations many times after a warm-up; we report
 * the median and the minimum with the timing overhead (two back-to-back
 * rdtsc) subtracted. */
#pragma once
#include <stdint.h>

static inline uint64_t bench_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

#define BENCH_WARMUP 100
#define BENCH_ITERATIONS 1000

/*
 * Markers for the cache-line counter (tools/cacheplugin/lines.c, run by
 * make bench): a multi-byte NOP whose displacement, 0x504543nn ("PEC" and
 * nn = 1 for begin, 2 for end), no compiler or assembler padding has. The
 * plugin counts what runs between a begin and an end; the guest sees a
 * one-instruction NOP that touches no memory.
 */
#define BENCH_MARK_BEGIN() __asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x01, 0x43, 0x45, 0x50")
#define BENCH_MARK_END()   __asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x02, 0x43, 0x45, 0x50")

/* The iteration the round-trip benchmarks mark (never, but in the boot
 * with "cache" on the command line). */
extern unsigned bench_mark_at;

struct bench_result {
    uint64_t median, min;
    unsigned samples;
};

/* Sort `n` samples in place and summarise them. */
struct bench_result bench_summarise(uint64_t *samples, unsigned n);

/* All benchmarks, then a table of their figures; returns how many failed. */
unsigned bench_run(void);

/* Two back-to-back TSC reads: what every sample includes. */
uint64_t bench_timing_overhead(void);

/* The IPC round trips through the general path (a nofastpath boot). */
void bench_ipc_general(uint64_t overhead);

/* One marked round trip of ipc_rtt_inter_0, _intra_0 and _inter_8, for
 * the cache-line counter (a boot of its own, "cache"). */
void bench_ipc_cache(uint64_t overhead);

/* A round trip between the root thread and a server of u words in
 * another space or its own, named `name` (ipc.c). */
void bench_rtt(const char *name, int other_space, unsigned u, uint64_t overhead);

/* The benchmarks of several processors (smp.c), in a -smp 4 boot of their
 * own ("smp"); returns how many failed. */
unsigned bench_smp(uint64_t overhead);

/* unmap_shootdown_4k and unmap_idle_4k (smp_unmap.c, part of bench_smp). */
void bench_unmap_shootdown(uint64_t overhead);

/* unix_getpid alone (unix.c). */
void bench_unix(uint64_t overhead);

/* Print the machine-readable line tools/bench.py parses. */
void bench_report(const char *name, struct bench_result r, uint64_t overhead);

/* A benchmark that could not measure: "BENCH name FAILED: why" (which
 * fails make bench and the shell session of make test), counted. */
void bench_failed(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How many benchmarks have failed so far. */
unsigned bench_failures(void);
