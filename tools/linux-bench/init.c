/*
 * /init of the initramfs that `make bench` boots Debian's stock Linux kernel
 * with, under the same QEMU settings as Pecan's benchmarks (TCG,
 * -icount shift=0: the TSC advances by one per executed instruction, so a
 * TSC difference is an instruction count, user and kernel together).
 *
 * It measures what Pecan's user/bench measures, the Linux way:
 *   getpid          a raw getpid system call (inline `syscall`, not glibc's)
 *   pipe_rtt        1 byte ping-pong between two processes over two pipes;
 *                   one sample is one round trip, timed in the parent
 *   pipe_rtt_64, pipe_rtt_504   the same with 64 and 504 bytes each way
 *   pipe_bw_64k     64 KB (in 4 KB writes) to a process that reads it all and
 *                   answers with one byte
 *   futex_rtt       FUTEX_WAKE / FUTEX_WAIT ping-pong between two processes
 *                   on a shared anonymous page; one round trip per sample
 *   yield_switch    two processes looping on sched_yield; the figure is half
 *                   the round trip, one switch (like thread_switch_inter);
 *                   a shared counter proves the partner ran once per yield
 *   pagefault_anon  the first write to a fresh page of anonymous memory
 *                   (huge pages off for the region, so each page faults)
 *   rep_stosb_4k    for reference: `rep stosb` of 4096 bytes in user mode,
 *                   what zeroing a page costs in QEMU's instruction count
 *                   (every iteration of a rep string instruction counts)
 * and then runs /bench/lxbench (lxbench.c), the lmbench-style rows that
 * Pecan's Unix server runs with the identical binary.
 *
 * Every benchmark: 100 untimed warm-up operations, then 1000 (or fewer)
 * single operations each between two rdtsc; the median and the minimum
 * are reported minus the timing overhead (the minimum of back-to-back
 * rdtsc pairs), in the same lines Pecan's benchmark prints:
 *   BENCH <name> median=<n> min=<n> overhead=<n> iterations=<k>
 * then BENCH DONE, and the machine powers off (QEMU runs with -no-reboot).
 * "LINUX <key> <text>" lines describe the kernel that ran.
 *
 * Built with gcc -static -O2; it runs as PID 1, with only lxbench, lxtiny
 * and busybox (for lxbench's /bin/sh) beside it in the initramfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "measure.h"

#define WARMUP 100
#define ITERATIONS MAX_SAMPLES
#define PAGE 4096

static inline void record(unsigned i, uint64_t d)
{
    record_after(WARMUP, i, d);
}

/* A page shared between the benchmark and its partner process. */
static void *shared_page(void)
{
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, PAGE);
    return p;
}

/* ---- getpid --------------------------------------------------------------- */

static inline long raw_getpid(void)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
    return ret;
}

static void bench_getpid(uint64_t overhead)
{
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t t0 = tsc();
        long pid = raw_getpid();
        uint64_t t1 = tsc();
        if (pid != 1) {
            failed("getpid", "getpid returned %ld in init", pid);
            return;
        }
        record(i, t1 - t0);
    }
    report("getpid", ITERATIONS, overhead);
}

/* ---- pipe round trip -------------------------------------------------------- */

static void bench_pipe(const char *name, size_t len, uint64_t overhead)
{
    static unsigned char buf[512];
    int ping[2], pong[2];
    if (pipe(ping) || pipe(pong)) {
        failed(name, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        failed(name, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {                     /* echo every message back */
        close(ping[1]);
        close(pong[0]);
        while (read_full(ping[0], buf, len) == (ssize_t)len)
            if (write(pong[1], buf, len) != (ssize_t)len)
                _exit(1);
        _exit(0);
    }
    close(ping[0]);
    close(pong[1]);
    int ok = 1;
    for (unsigned i = 0; i < WARMUP + ITERATIONS && ok; i++) {
        memset(buf, (int)(i & 0xff), len);
        uint64_t t0 = tsc();
        ssize_t w = write(ping[1], buf, len);
        ssize_t r = read_full(pong[0], buf, len);
        uint64_t t1 = tsc();
        if (w != (ssize_t)len || r != (ssize_t)len || buf[0] != (i & 0xff) ||
            buf[len - 1] != (i & 0xff)) {
            failed(name, "round trip %u: wrote %zd, read %zd bytes", i, w, r);
            ok = 0;
        }
        record(i, t1 - t0);
    }
    close(ping[1]);                     /* the echo process sees EOF and exits */
    close(pong[0]);
    if (reap(pid) && ok) {
        failed(name, "the echo process failed");
        ok = 0;
    }
    if (ok)
        report(name, ITERATIONS, overhead);
}

/* 64 KB through a pipe to a process that reads it all and answers with a
 * byte: the counterpart of pipe_server_bw_64k (Pecan's pipe server). */
static void bench_pipe_bw(uint64_t overhead)
{
    static unsigned char buf[65536];
    int data[2], done[2];
    if (pipe(data) || pipe(done)) {
        failed("pipe_bw_64k", "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        failed("pipe_bw_64k", "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(data[1]);
        close(done[0]);
        while (read_full(data[0], buf, sizeof buf) == (ssize_t)sizeof buf)
            if (write(done[1], buf, 1) != 1)
                _exit(1);
        _exit(0);
    }
    close(data[0]);
    close(done[1]);
    const unsigned n = 100;
    int ok = 1;
    for (unsigned i = 0; i < 10 + n && ok; i++) {
        uint64_t t0 = tsc();
        ssize_t w = 0;
        for (size_t off = 0; off < sizeof buf; off += 4096)
            w += write(data[1], buf + off, 4096);
        unsigned char c;
        ssize_t r = read_full(done[0], &c, 1);
        uint64_t t1 = tsc();
        if (w != (ssize_t)sizeof buf || r != 1) {
            failed("pipe_bw_64k", "transfer %u: wrote %zd, answer %zd", i, w, r);
            ok = 0;
        }
        if (i >= 10)
            samples[i - 10] = t1 - t0;
    }
    close(data[1]);
    close(done[0]);
    if (reap(pid) && ok) {
        failed("pipe_bw_64k", "the reading process failed");
        ok = 0;
    }
    if (ok)
        report("pipe_bw_64k", n, overhead);
}

/* ---- futex round trip ------------------------------------------------------- */

static long futex(uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* The word is 1 while the partner has to answer, 0 when it has answered,
 * 2 to make it exit. Shared (not FUTEX_PRIVATE) futexes: two processes. */
static void bench_futex(uint64_t overhead)
{
    uint32_t *w = shared_page();
    if (!w) {
        failed("futex_rtt", "mmap: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        failed("futex_rtt", "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        for (;;) {
            uint32_t v;
            while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) == 0)
                futex(w, FUTEX_WAIT, 0);
            if (v == 2)
                _exit(0);
            __atomic_store_n(w, 0, __ATOMIC_RELEASE);
            futex(w, FUTEX_WAKE, 1);
        }
    }
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t t0 = tsc();
        __atomic_store_n(w, 1, __ATOMIC_RELEASE);
        futex(w, FUTEX_WAKE, 1);
        while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 1)
            futex(w, FUTEX_WAIT, 1);
        uint64_t t1 = tsc();
        record(i, t1 - t0);
    }
    __atomic_store_n(w, 2, __ATOMIC_RELEASE);
    futex(w, FUTEX_WAKE, 1);
    int bad = reap(pid);
    munmap(w, PAGE);
    if (bad)
        failed("futex_rtt", "the partner process failed");
    else
        report("futex_rtt", ITERATIONS, overhead);
}

/* ---- sched_yield between two processes ---------------------------------------- */

struct yield_shared {
    volatile uint64_t partner_runs;     /* loops the partner has made */
    volatile int stop;
};

static void bench_yield(uint64_t overhead)
{
    struct yield_shared *s = shared_page();
    if (!s) {
        failed("yield_switch", "mmap: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        failed("yield_switch", "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {                     /* same policy and nice value: inherited */
        while (!s->stop) {
            s->partner_runs++;
            sched_yield();
        }
        _exit(0);
    }
    while (s->partner_runs == 0)        /* until the partner is in its loop */
        sched_yield();
    unsigned missed = 0;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t before = s->partner_runs;
        uint64_t t0 = tsc();
        sched_yield();
        uint64_t t1 = tsc();
        if (s->partner_runs - before != 1 && i >= WARMUP)
            missed++;
        record(i, (t1 - t0 - overhead) / 2 + overhead);   /* one of two switches */
    }
    s->stop = 1;
    int bad = reap(pid);
    munmap(s, PAGE);
    if (bad)
        failed("yield_switch", "the partner process failed");
    else if (missed)
        failed("yield_switch", "in %u of %u yields the partner did not run exactly once",
               missed, ITERATIONS);
    else
        report("yield_switch", ITERATIONS, overhead);
}

/* ---- page fault on anonymous memory ----------------------------------------- */

static void bench_pagefault(uint64_t overhead)
{
    size_t len = (size_t)(WARMUP + ITERATIONS) * PAGE;
    volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        failed("pagefault_anon", "mmap: %s", strerror(errno));
        return;
    }
    /* Debian's kernel has transparent huge pages "always": without this the
     * first write would fault in 2 MB and the rest none. */
    if (madvise((void *)p, len, MADV_NOHUGEPAGE)) {
        failed("pagefault_anon", "madvise: %s", strerror(errno));
        return;
    }
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t t0 = tsc();
        p[(size_t)i * PAGE] = 1;
        uint64_t t1 = tsc();
        record(i, t1 - t0);
    }
    munmap((void *)p, len);
    report("pagefault_anon", ITERATIONS, overhead);
}

/* ---- reference: zeroing a page in user mode ---------------------------------- */

static void bench_rep_stosb(uint64_t overhead)
{
    static unsigned char page[PAGE] __attribute__((aligned(PAGE)));
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        void *d = page;
        unsigned long c = PAGE;
        uint64_t t0 = tsc();
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0) : "memory");
        uint64_t t1 = tsc();
        record(i, t1 - t0);
    }
    report("rep_stosb_4k", ITERATIONS, overhead);
}

/* ---- set-up ----------------------------------------------------------------- */

static void console(void)
{
    if (fcntl(1, F_GETFD) >= 0)
        return;                         /* the kernel opened /dev/console for us */
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
}

static void print_file_line(const char *key, const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    out("LINUX %s %s\n", key, buf);
}

/* The CPU QEMU's -cpu max gives the guest: vendor, and the fast-string
 * features that decide how Linux copies and clears memory (rep movsb /
 * rep stosb with ERMS; FSRM also for copies under 64 bytes). */
static void cpu_features(void)
{
    static char buf[16384];
    int fd = open("/proc/cpuinfo", O_RDONLY);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    char vendor[64] = "?";
    char *v = strstr(buf, "vendor_id");
    if (v && (v = strchr(v, ':')))
        sscanf(v + 1, " %63s", vendor);
    char *flags = strstr(buf, "\nflags");
    char *end = flags ? strchr(flags + 1, '\n') : NULL;
    if (end)
        *end = 0;
    out("LINUX cpu %s erms=%s fsrm=%s\n", vendor,
        flags && strstr(flags, " erms") ? "yes" : "no",
        flags && strstr(flags, " fsrm") ? "yes" : "no");
}

/* What ran: kernel release, command line, clock source, and the CPU
 * vulnerability mitigations the stock kernel chose on QEMU's -cpu max. */
static void describe(void)
{
    struct utsname u;
    if (uname(&u) == 0)
        out("LINUX release %s %s\n", u.release, u.version);
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    print_file_line("cmdline", "/proc/cmdline");
    print_file_line("clocksource",
                    "/sys/devices/system/clocksource/clocksource0/current_clocksource");
    print_file_line("thp", "/sys/kernel/mm/transparent_hugepage/enabled");
    cpu_features();
    const char *dir = "/sys/devices/system/cpu/vulnerabilities";
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], key[300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(key, sizeof key, "vulnerability.%s", e->d_name);
        print_file_line(key, path);
    }
    closedir(d);
}

/* lxbench (lxbench.c), the binary Pecan's Unix server runs too, as a
 * child of this init with the console as its output. */
static void run_lxbench(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bench/lxbench", "lxbench", (char *)NULL);
        out("BENCH lxbench FAILED: exec /bench/lxbench: %s\n", strerror(errno));
        _exit(127);
    }
    if (pid < 0 || reap(pid))
        out("BENCH lxbench FAILED: it did not end with status 0\n");
}

int main(void)
{
    console();
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof one, &one))     /* children inherit it */
        out("LINUX note sched_setaffinity: %s\n", strerror(errno));
    describe();

    uint64_t overhead = timing_overhead();
    bench_getpid(overhead);
    bench_pipe("pipe_rtt", 1, overhead);
    bench_pipe("pipe_rtt_64", 64, overhead);
    bench_pipe("pipe_rtt_504", 504, overhead);
    bench_pipe_bw(overhead);
    bench_futex(overhead);
    bench_yield(overhead);
    bench_pagefault(overhead);
    bench_rep_stosb(overhead);
    run_lxbench();
    out("BENCH DONE\n");

    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}
