/* Per-CPU data, reached through the kernel GS base while in the kernel.
 * Offsets are used by entry.S. */
#pragma once

#define CPU_USER_RSP    0     /* scratch: user rsp during syscall entry */

#ifndef __ASSEMBLER__
#include <stdint.h>
struct cpu_local {
    uint64_t user_rsp;
};

extern struct cpu_local cpu0;
#endif
