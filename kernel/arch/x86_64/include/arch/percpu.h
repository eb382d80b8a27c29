/* Per-CPU data, reached through the kernel GS base while in the kernel.
 * Offsets are used by entry.S. */
#pragma once

#define CPU_KSTACK_TOP  0     /* rsp for entries from user mode */
#define CPU_USER_RSP    8     /* scratch: user rsp during syscall entry */
#define CPU_CURRENT     16    /* running thread */

#ifndef __ASSEMBLER__
#include <stdint.h>
struct tcb;
struct cpu_local {
    uint64_t kstack_top;
    uint64_t user_rsp;
    struct tcb *current;
};

extern struct cpu_local cpu0;
#endif
