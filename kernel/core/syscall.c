/* System-call helpers: stub addresses, the clock, error results. */
#include "syscall.h"
#include "section.h"
#include "arch/cpu.h"
#include "arch/timer.h"
#include "config.h"
#include "sched.h"
#include "utcb.h"

static const uint16_t stub_offset[SYS_COUNT] = {
    [SYS_SPACE_CONTROL] = STUB_SCONTROL,   [SYS_THREAD_CONTROL] = STUB_TCONTROL,
    [SYS_PROCESSOR_CONTROL] = STUB_PCONTROL, [SYS_MEMORY_CONTROL] = STUB_MCONTROL,
    [SYS_IPC] = STUB_IPC,                  [SYS_LIPC] = STUB_IPC,
    [SYS_UNMAP] = STUB_UNMAP,              [SYS_EXCHANGE_REGISTERS] = STUB_EXREGS,
    [SYS_SYSTEM_CLOCK] = STUB_CLOCK,       [SYS_THREAD_SWITCH] = STUB_TSWITCH,
    [SYS_SCHEDULE] = STUB_SCHEDULE,
};

__boot word_t syscall_stub_address(unsigned n)
{
    return STUB_PAGE_VA + stub_offset[n];
}

uint64_t system_clock_us(void)
{
    uint64_t t = rdtsc(), khz = tsc_khz();
    return t / khz * 1000 + t % khz * 1000 / khz;
}

word_t syscall_fail(word_t code)
{
    utcb_set(current, UTCB_ERROR_CODE, code);
    return 0;
}
