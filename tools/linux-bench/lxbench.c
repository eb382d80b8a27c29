/*
 * lxbench: lmbench's operating-system latencies and bandwidths, as one
 * static Linux program (musl-gcc -static). `make bench` runs the identical
 * binary on Debian's Linux kernel (started by init.c) and on Pecan's Unix
 * server (typed into the OS shell as `sh /bench/lxbench`), both under QEMU
 * TCG with -icount shift=0, so every figure is instructions per operation
 * (measure.h) and the two columns compare the systems, nothing else.
 *
 *   lx_getpid         getpid through a raw `syscall` (lmbench: null call)
 *   lx_read_zero      read 1 byte from /dev/zero (null I/O, read)
 *   lx_write_null     write 1 byte to /dev/null (null I/O, write)
 *   lx_stat           stat of a file in /tmp
 *   lx_open_close     open and close of that file
 *   lx_fork_exit      fork, the child _exits, the parent waits (null process)
 *   lx_fork_exec      fork, the child execs /bench/lxtiny, a tiny static
 *                     program that exits at once, wait (simple process)
 *   lx_fork_sh        fork, exec of `/bin/sh -c true`, wait (sh process)
 *   lx_mmap_1m        mmap of a 1 MB file, a read every 16 KB, munmap
 *                     (as lmbench's lat_mmap touches it)
 *   lx_pagefault      the first write to a fresh anonymous page
 *   lx_pipe_rtt       1 byte ping-pong between two processes over two pipes
 *   lx_ctx_2, lx_ctx_8   a 1-byte token passed round a ring of 2 and 8
 *                     processes through pipes; the figure is one pass (a
 *                     read, a write and a switch), the ring's time over N
 *   lx_pipe_bw_64k    64 KB read from a pipe that another process fills
 *                     with 64 KB writes (instructions per 64 KB)
 *   lx_file_reread_1m a cached 1 MB file read again in 64 KB reads
 *                     (instructions per 1 MB)
 *   lx_sig_install    sigaction of a handler
 *   lx_sig_deliver    kill(getpid(), SIGUSR1) through the handler and back
 *
 * Every row checks what it measured (the bytes read, the child's status,
 * the handler's count) and prints BENCH <row> FAILED: ... if it is wrong.
 * The end is the line LXBENCH DONE.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "measure.h"

#define PAGE 4096
#define FILE_PATH "/tmp/lxbench.dat"
#define FILE_SIZE (1u << 20)
#define CHUNK 65536
#define TINY_PATH "/bench/lxtiny"

static unsigned char chunk[CHUNK];

/* Runs: warm-up operations and timed ones, by how long one takes. Each
 * bench_ function returns 0, or -1 from failed() when its row failed. */
enum { CHEAP_WARM = 100, CHEAP_N = 1000, PROC_WARM = 5, PROC_N = 60, MID_WARM = 10, MID_N = 200 };

/* The byte at offset `off` of the test file. */
static unsigned char file_byte(size_t off)
{
    return (unsigned char)(off / CHUNK * 7 + off % 251);
}

static int make_file(void)
{
    int fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    for (size_t off = 0; off < FILE_SIZE; off += CHUNK) {
        for (size_t i = 0; i < CHUNK; i++)
            chunk[i] = file_byte(off + i);
        if (write(fd, chunk, CHUNK) != CHUNK) {
            close(fd);
            return -1;
        }
    }
    return close(fd);
}

/* ---- system calls --------------------------------------------------------- */

static inline long raw_getpid(void)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
    return ret;
}

static int bench_getpid(uint64_t ovh)
{
    long pid = getpid();
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        uint64_t t0 = tsc();
        long got = raw_getpid();
        uint64_t t1 = tsc();
        if (got != pid)
            return failed("lx_getpid", "getpid returned %ld, expected %ld", got, pid);
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    report("lx_getpid", CHEAP_N, ovh);
    return 0;
}

/* One byte read from /dev/zero or written to /dev/null per operation. */
static int bench_null_io(const char *name, const char *path, int writing, uint64_t ovh)
{
    int fd = open(path, writing ? O_WRONLY : O_RDONLY);
    if (fd < 0)
        return failed(name, "open %s: %s", path, strerror(errno));
    unsigned char c = 0xa5;
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        uint64_t t0 = tsc();
        ssize_t n = writing ? write(fd, &c, 1) : read(fd, &c, 1);
        uint64_t t1 = tsc();
        if (n != 1 || (!writing && c != 0)) {
            close(fd);
            return failed(name, "operation %u: %zd bytes, byte %#x (expected 1 byte%s)", i, n,
                          c, writing ? "" : ", 0");
        }
        c = 0xa5;
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    close(fd);
    report(name, CHEAP_N, ovh);
    return 0;
}

static int bench_stat(uint64_t ovh)
{
    struct stat st;
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        uint64_t t0 = tsc();
        int r = stat(FILE_PATH, &st);
        uint64_t t1 = tsc();
        if (r || st.st_size != FILE_SIZE || !S_ISREG(st.st_mode))
            return failed("lx_stat", "stat %s: %d (%s), size %ld (expected a %u-byte file)",
                          FILE_PATH, r, strerror(errno), (long)st.st_size, FILE_SIZE);
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    report("lx_stat", CHEAP_N, ovh);
    return 0;
}

static int bench_open_close(uint64_t ovh)
{
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        uint64_t t0 = tsc();
        int fd = open(FILE_PATH, O_RDONLY);
        int r = fd < 0 ? -1 : close(fd);
        uint64_t t1 = tsc();
        if (r)
            return failed("lx_open_close", "open/close %s: fd %d, %s", FILE_PATH, fd,
                          strerror(errno));
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    report("lx_open_close", CHEAP_N, ovh);
    return 0;
}

/* ---- processes ------------------------------------------------------------ */

/* fork, then in the child nothing (path NULL: _exit) or execv(path, argv),
 * and wait for its status 0. */
static int bench_process(const char *name, const char *path, char *const argv[], uint64_t ovh)
{
    for (unsigned i = 0; i < PROC_WARM + PROC_N; i++) {
        uint64_t t0 = tsc();
        pid_t pid = fork();
        if (pid == 0) {
            if (path)
                execv(path, argv);
            _exit(path ? 127 : 0);
        }
        int bad = pid < 0 ? -1 : reap(pid);
        uint64_t t1 = tsc();
        if (bad)
            return failed(name, "run %u: %s", i, pid < 0 ? strerror(errno)
                          : "the child did not exit with status 0");
        record_after(PROC_WARM, i, t1 - t0);
    }
    report(name, PROC_N, ovh);
    return 0;
}

/* ---- memory --------------------------------------------------------------- */

static int bench_mmap(uint64_t ovh)
{
    int fd = open(FILE_PATH, O_RDONLY);
    if (fd < 0)
        return failed("lx_mmap_1m", "open %s: %s", FILE_PATH, strerror(errno));
    unsigned expected = 0;
    for (size_t off = 0; off < FILE_SIZE; off += 16384)
        expected += file_byte(off);
    for (unsigned i = 0; i < MID_WARM + MID_N; i++) {
        unsigned sum = 0;
        uint64_t t0 = tsc();
        volatile unsigned char *p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            for (size_t off = 0; off < FILE_SIZE; off += 16384)
                sum += p[off];
            munmap((void *)p, FILE_SIZE);
        }
        uint64_t t1 = tsc();
        if (p == MAP_FAILED || sum != expected) {
            close(fd);
            return failed("lx_mmap_1m", "run %u: mmap %s, sum %u (expected %u)", i,
                          p == MAP_FAILED ? strerror(errno) : "ok", sum, expected);
        }
        record_after(MID_WARM, i, t1 - t0);
    }
    close(fd);
    report("lx_mmap_1m", MID_N, ovh);
    return 0;
}

static int bench_pagefault(uint64_t ovh)
{
    size_t len = (size_t)(CHEAP_WARM + CHEAP_N) * PAGE;
    volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return failed("lx_pagefault", "mmap: %s", strerror(errno));
    /* Linux with transparent huge pages would fault in 2 MB at the first
     * write and the rest not at all; a system without them may refuse. */
    madvise((void *)p, len, MADV_NOHUGEPAGE);
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        uint64_t t0 = tsc();
        p[(size_t)i * PAGE] = 1;
        uint64_t t1 = tsc();
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++)
        if (p[(size_t)i * PAGE] != 1 || p[(size_t)i * PAGE + 1] != 0) {
            munmap((void *)p, len);
            return failed("lx_pagefault", "page %u does not hold what was written", i);
        }
    munmap((void *)p, len);
    report("lx_pagefault", CHEAP_N, ovh);
    return 0;
}

/* ---- pipes and switches --------------------------------------------------- */

/* A ring of n processes (this one and n - 1 children): pipe k carries the
 * token from member k to member k + 1 (mod n). A child forwards every byte
 * until its pipe closes. One sample: the token once round the ring; the
 * figure is a pass (a read, a write and a switch), the round over n. With
 * n = 2 this is the pipe round trip as well. */
static int bench_ring(const char *name, unsigned n, int per_pass, uint64_t ovh)
{
    int p[8][2];
    pid_t pid[8];
    for (unsigned k = 0; k < n; k++)
        if (pipe(p[k]))
            return failed(name, "pipe: %s", strerror(errno));
    for (unsigned k = 1; k < n; k++) {
        pid[k] = fork();
        if (pid[k] < 0)
            return failed(name, "fork: %s", strerror(errno));
        if (pid[k] == 0) {
            unsigned char c;
            for (unsigned j = 0; j < n; j++) {      /* keep only in k-1 and out k */
                if (j != k - 1)
                    close(p[j][0]);
                if (j != k)
                    close(p[j][1]);
            }
            while (read(p[k - 1][0], &c, 1) == 1)
                if (write(p[k][1], &c, 1) != 1)
                    _exit(1);
            _exit(0);
        }
    }
    for (unsigned j = 0; j < n; j++) {              /* member 0: out 0, in n-1 */
        if (j != n - 1)
            close(p[j][0]);
        if (j != 0)
            close(p[j][1]);
    }
    int ok = 1;
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N && ok; i++) {
        unsigned char c = (unsigned char)i, back = 0;
        uint64_t t0 = tsc();
        ssize_t w = write(p[0][1], &c, 1);
        ssize_t r = read(p[n - 1][0], &back, 1);
        uint64_t t1 = tsc();
        if (w != 1 || r != 1 || back != c) {
            failed(name, "round %u: wrote %zd, read %zd, byte %u (expected %u)", i, w, r, back, c);
            ok = 0;
        }
        record_after(CHEAP_WARM, i, per_pass ? (t1 - t0 - ovh) / n + ovh : t1 - t0);
    }
    close(p[0][1]);                                 /* the ring ends, child by child */
    close(p[n - 1][0]);
    for (unsigned k = 1; k < n; k++)
        if (reap(pid[k]) && ok) {
            failed(name, "ring member %u failed", k);
            ok = 0;
        }
    if (ok)
        report(name, CHEAP_N, ovh);
    return 0;
}

static int bench_pipe_bw(uint64_t ovh)
{
    int d[2];
    if (pipe(d))
        return failed("lx_pipe_bw_64k", "pipe: %s", strerror(errno));
    const unsigned total = MID_WARM + MID_N;
    pid_t pid = fork();
    if (pid < 0)
        return failed("lx_pipe_bw_64k", "fork: %s", strerror(errno));
    if (pid == 0) {
        close(d[0]);
        for (unsigned i = 0; i < total; i++) {
            memset(chunk, (int)(i & 0xff), CHUNK);
            if (write(d[1], chunk, CHUNK) != CHUNK)
                _exit(1);
        }
        _exit(0);
    }
    close(d[1]);
    int ok = 1;
    for (unsigned i = 0; i < total && ok; i++) {
        uint64_t t0 = tsc();
        ssize_t r = read_full(d[0], chunk, CHUNK);
        uint64_t t1 = tsc();
        if (r != CHUNK || chunk[0] != (i & 0xff) || chunk[CHUNK - 1] != (i & 0xff)) {
            failed("lx_pipe_bw_64k", "chunk %u: read %zd bytes, first %u last %u (expected "
                   "%d of %u)", i, r, chunk[0], chunk[CHUNK - 1], CHUNK, i & 0xff);
            ok = 0;
        }
        record_after(MID_WARM, i, t1 - t0);
    }
    close(d[0]);
    if (reap(pid) && ok) {
        failed("lx_pipe_bw_64k", "the writing process failed");
        ok = 0;
    }
    if (ok)
        report("lx_pipe_bw_64k", MID_N, ovh);
    return 0;
}

/* ---- files ---------------------------------------------------------------- */

static int bench_file_reread(uint64_t ovh)
{
    int fd = open(FILE_PATH, O_RDONLY);
    if (fd < 0)
        return failed("lx_file_reread_1m", "open %s: %s", FILE_PATH, strerror(errno));
    for (unsigned i = 0; i < MID_WARM + MID_N; i++) {
        size_t got = 0;
        uint64_t t0 = tsc();
        if (lseek(fd, 0, SEEK_SET) == 0)
            for (ssize_t r = 1; r > 0 && got < FILE_SIZE; got += r > 0 ? r : 0)
                r = read(fd, chunk, CHUNK);
        uint64_t t1 = tsc();
        size_t last = FILE_SIZE - 1;
        if (got != FILE_SIZE || chunk[CHUNK - 1] != file_byte(last)) {
            close(fd);
            return failed("lx_file_reread_1m", "run %u: read %zu bytes, last %u (expected %u, "
                          "%u)", i, got, chunk[CHUNK - 1], FILE_SIZE, file_byte(last));
        }
        record_after(MID_WARM, i, t1 - t0);
    }
    close(fd);
    report("lx_file_reread_1m", MID_N, ovh);
    return 0;
}

/* ---- signals -------------------------------------------------------------- */

static volatile unsigned caught;

static void on_usr1(int sig)
{
    if (sig == SIGUSR1)
        caught++;
}

static int bench_signals(uint64_t ovh)
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        uint64_t t0 = tsc();
        int r = sigaction(SIGUSR1, &sa, NULL);
        uint64_t t1 = tsc();
        if (r)
            return failed("lx_sig_install", "sigaction: %s", strerror(errno));
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    report("lx_sig_install", CHEAP_N, ovh);

    pid_t self = getpid();
    for (unsigned i = 0; i < CHEAP_WARM + CHEAP_N; i++) {
        unsigned before = caught;
        uint64_t t0 = tsc();
        int r = kill(self, SIGUSR1);
        uint64_t t1 = tsc();
        if (r || caught != before + 1)
            return failed("lx_sig_deliver", "kill %d: %d, the handler ran %u times (expected 1)",
                          self, r, caught - before);
        record_after(CHEAP_WARM, i, t1 - t0);
    }
    report("lx_sig_deliver", CHEAP_N, ovh);
    return 0;
}

int main(void)
{
    uint64_t ovh = timing_overhead();
    if (make_file())
        out("BENCH lx_file FAILED: cannot write %s: %s\n", FILE_PATH, strerror(errno));
    bench_getpid(ovh);
    bench_null_io("lx_read_zero", "/dev/zero", 0, ovh);
    bench_null_io("lx_write_null", "/dev/null", 1, ovh);
    bench_stat(ovh);
    bench_open_close(ovh);
    bench_process("lx_fork_exit", NULL, NULL, ovh);
    bench_process("lx_fork_exec", TINY_PATH, (char *const[]){ "lxtiny", NULL }, ovh);
    bench_process("lx_fork_sh", "/bin/sh", (char *const[]){ "sh", "-c", "true", NULL }, ovh);
    bench_mmap(ovh);
    bench_pagefault(ovh);
    bench_ring("lx_pipe_rtt", 2, 0, ovh);
    bench_ring("lx_ctx_2", 2, 1, ovh);
    bench_ring("lx_ctx_8", 8, 1, ovh);
    bench_pipe_bw(ovh);
    bench_file_reread(ovh);
    bench_signals(ovh);
    unlink(FILE_PATH);
    out("LXBENCH DONE\n");
    return 0;
}
