/* The benchmark root task: runs the benchmarks (run.c), then ends QEMU. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <l4/bootinfo.h>
#include <l4/kip.h>
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

/* Is `word` on this module's command line? "general" (tools/bench.py adds
 * it in a nofastpath boot): only the IPC round trips, named *_general;
 * "unix" (tools/ipc_trace.py --unix): only unix_getpid; "cache"
 * (tools/bench.py, under the cache-line counter): only the marked round
 * trips; "smp" (tools/bench.py, on -smp 4): the benchmarks of several
 * processors (smp.c). */
static int on_cmdline(const char *word)
{
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    const L4_BootRec_t *r =
        L4_BootInfo_FindExec((const L4_BootInfo_t *)kip->boot_info, kip->root[2]);
    const char *cmdline = r ? L4_BootRec_Cmdline(r) : "";
    return strstr(cmdline, word) != NULL;
}

int main(void)
{
    unsigned failed = 0;
    if (on_cmdline(" unix"))
        bench_unix(bench_timing_overhead());
    else if (on_cmdline(" cache"))
        bench_ipc_cache(bench_timing_overhead());
    else if (on_cmdline(" smp"))
        failed = bench_smp(bench_timing_overhead());
    else if (on_cmdline(" general"))
        bench_ipc_general(bench_timing_overhead());     /* (FAILED lines stop make bench) */
    else
        failed = bench_run();
    __asm__ volatile("outb %b0, %w1" : : "a"(failed ? 1 : 0), "Nd"(0xF4));
    return 0;
}
