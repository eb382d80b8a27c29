/* Lazy FPU/SSE state per thread (fpu.c). */
#pragma once
#include "arch/cpu.h"
#include "tcb.h"

/* The thread whose registers the FPU holds, NULL if none. */
extern struct tcb *fpu_owner;

static inline void set_ts(void)   { write_cr0(read_cr0() | CR0_TS); }
static inline void clear_ts(void) { __asm__ volatile("clts"); }

/* A thread switch from `from` to `to`: let `to` use the FPU only if it
 * owns it (CR0.TS is touched only when the owner comes or goes; TS is
 * clear only while the owner runs). */
static inline void fpu_switch(struct tcb *from, struct tcb *to)
{
    if (from == fpu_owner)
        set_ts();
    else if (to == fpu_owner)
        clear_ts();
}

/* #NM: the current thread touched the FPU. False when its state could
 * not be allocated. */
bool fpu_trap(void);

/* Its registers leave the FPU for its saved state, if the FPU has them
 * (it moves to another processor, or is read there). */
void fpu_save(struct tcb *t);

/* A thread goes away: forget its state. */
void fpu_release(struct tcb *t);

/* Bytes of kernel memory its saved state takes (charged to its space). */
size_t fpu_kmem(const struct tcb *t);
