/* Per-CPU data, reached through the kernel GS base while in the kernel.
 * Offsets are used by entry.S. */
#pragma once

#define CPU_USER_RSP    0     /* scratch: user rsp during syscall entry */
#define CPU_X2_ENTRY    8
#define CPU_UNIX_ENTRY  16
#define CPU_UNIX_ABI_LOADED 24

#ifndef __ASSEMBLER__
#include <stdint.h>
struct cpu_local {
    uint64_t user_rsp;
    uint64_t x2_entry;        /* LSTAR for X.2 threads (fast path or not) */
    uint64_t unix_entry;      /* LSTAR for Unix-ABI threads (fast path or not) */
    bool unix_abi_loaded;     /* LSTAR and the user bases are a Unix-ABI thread's */
};

extern struct cpu_local cpu0;
#endif
