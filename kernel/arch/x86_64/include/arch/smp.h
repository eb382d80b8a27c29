/* The processors (smp.c): found in the ACPI MADT, the application
 * processors started at boot through ap_boot.S; then they run threads
 * (arch/mp.h). */
#pragma once

#define AP_TRAMPOLINE 0x7000            /* below 1 MB: a SIPI's vector 0x07 */
#define MAX_CPUS      16

#ifndef __ASSEMBLER__
#include <stdint.h>

/* What ap_boot.S takes from smp.c (its last 32 bytes). */
struct ap_start {
    uint64_t root;              /* CR3: the start root (paging.c) */
    uint64_t efer;              /* EFER as the boot processor has it */
    uint64_t stack;             /* the processor's stack top */
    uint64_t entry;             /* ap_main */
};

/* Find the processors and start the others; at boot, after the timer. */
void smp_boot(void);

/* Processors found (enabled in the MADT) and running (the boot one
 * included). */
unsigned smp_cpus_found(void);
unsigned smp_cpus_running(void);
#endif
