/*
 * The system-call stubs: user code, mapped read-only/executable at the same
 * address in every space; the KIP publishes their addresses. Each stub puts
 * its system-call number in RBP (which callers treat as clobbered, spec 4.4)
 * and enters the kernel with syscall; the kernel returns with sysret to the
 * `ret` after it. The slots are 256 bytes apart in Pistachio's order.
 */
#include "syscall.h"

.macro STUB offset, number
    .org \offset
    mov $\number, %ebp
    syscall
    ret
.endm

    .section .user_stubs, "ax"
    .align 4096
stubs_start:
    STUB STUB_IPC,      SYS_IPC
    STUB STUB_EXREGS,   SYS_EXCHANGE_REGISTERS
    STUB STUB_TCONTROL, SYS_THREAD_CONTROL
    STUB STUB_CLOCK,    SYS_SYSTEM_CLOCK
    STUB STUB_TSWITCH,  SYS_THREAD_SWITCH
    STUB STUB_SCHEDULE, SYS_SCHEDULE
    STUB STUB_UNMAP,    SYS_UNMAP
    STUB STUB_SCONTROL, SYS_SPACE_CONTROL
    STUB STUB_PCONTROL, SYS_PROCESSOR_CONTROL
    STUB STUB_MCONTROL, SYS_MEMORY_CONTROL
