/* System-call numbers: the index of the call's word in the KIP syscall
 * table (KIP + 0x1A0 + 8 n). The user stubs pass it in RBP. */
#pragma once

#define SYS_SPACE_CONTROL      0
#define SYS_THREAD_CONTROL     1
#define SYS_PROCESSOR_CONTROL  2
#define SYS_MEMORY_CONTROL     3
#define SYS_IPC                4
#define SYS_LIPC               5
#define SYS_UNMAP              6
#define SYS_EXCHANGE_REGISTERS 7
#define SYS_SYSTEM_CLOCK       8
#define SYS_THREAD_SWITCH      9
#define SYS_SCHEDULE           10
#define SYS_COUNT              11

/* What a stub puts in RBP: the number XOR SYS_IPC, so that Ipc (and Lipc,
 * which shares its stub) is 0 and the fast path tests for it in one
 * instruction; the general entry undoes the XOR. */
#define SYSCALL_CODE(n) ((n) ^ SYS_IPC)

/* Byte offsets of the stubs in the stub page (Pistachio's order, 4.2). */
#define STUB_IPC       0x000
#define STUB_EXREGS    0x100
#define STUB_TCONTROL  0x200
#define STUB_CLOCK     0x300
#define STUB_TSWITCH   0x400
#define STUB_SCHEDULE  0x500
#define STUB_UNMAP     0x600
#define STUB_SCONTROL  0x700
#define STUB_PCONTROL  0x800
#define STUB_MCONTROL  0x900

#ifndef __ASSEMBLER__
#include "types.h"

/* User address of the stub for system call `n`. */
word_t syscall_stub_address(unsigned n);

/* Microseconds since boot, from the TSC. */
uint64_t system_clock_us(void);
#endif

#ifndef __ASSEMBLER__
/* The system calls, with their X.2 arguments; the architecture's
 * system-call layer unpacks registers into these and packs the results.
 * Calls that fail set the caller's ErrorCode TCR and return 0. */
word_t sys_thread_control(word_t dest, word_t space, word_t scheduler, word_t pager,
                          word_t utcb_location);
word_t sys_space_control(word_t space, word_t control, word_t kip_area, word_t utcb_area,
                         word_t redirector, word_t *old_control);

struct exreg {
    word_t dest, control, sp, ip, flags, user_handle, pager;
};
/* In: the request; out: the old values (result id in dest). */
void sys_exchange_registers(struct exreg *r);
/* May it go without the kernel lock (exreg.c): its thread this
 * processor's, or another's, which is asked? If so, the processor is
 * marked lockless. */
bool exreg_local(word_t dest, word_t control);

/* Schedule's arguments, and what it answers besides its result. */
struct schedule {
    word_t time_control, prio, processor, preemption;
    uint64_t slice, quantum;            /* (time_control read) */
    word_t result, old_time;
};
word_t sys_schedule(word_t dest, struct schedule *s);
/* May it go without the kernel lock (schedsys.c): its thread stays on
 * its processor, this one or another, which is asked? If so, the
 * processor is marked lockless. */
bool schedule_local(word_t dest, word_t processor);
void sys_thread_switch(word_t dest);
#endif

#ifndef __ASSEMBLER__
/* Set the caller's ErrorCode TCR to `code` (spec 2.9.2) and return 0. */
word_t syscall_fail(word_t code);
#endif
