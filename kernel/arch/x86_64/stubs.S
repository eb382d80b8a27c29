/*
 * The system-call stubs: user code, mapped read-only/executable at the same
 * address in every space; the KIP publishes their addresses. Each stub puts
 * its call code (SYSCALL_CODE) in RBP (which callers treat as clobbered, spec 4.4)
 * and enters the kernel with syscall; the kernel returns with sysret to the
 * `ret` after it. The slots are 256 bytes apart in Pistachio's order.
 */
#include "syscall.h"
#include "utcb.h"
#include "pecan/threadid.h"

.macro STUB offset, number
    .org \offset
    mov $SYSCALL_CODE(\number), %ebp
    syscall
    ret
.endm

    .section .user_stubs, "ax"
    .align 4096
stubs_start:
/* Ipc and Lipc: like Pistachio's stub (spec 4.5), turn a local To or
 * FromSpecifier (not nil, not anylocalthread) into the global id stored in
 * the named UTCB (MyGlobalId at MR0 - 0x78: utcb.h), so that the kernel's fast
 * path deals with global ids only. Global ids pass with four instructions. */
    .org STUB_IPC
    test $TID_LOCAL_MASK, %sil
    jz 3f
1:  test $TID_LOCAL_MASK, %dl
    jz 4f
2:  xor %ebp, %ebp                      /* SYSCALL_CODE(SYS_IPC) */
    syscall
    ret
3:  test %rsi, %rsi
    jz 1b
    mov UTCB_WORD(UTCB_MY_GLOBAL_ID)(%rsi), %rsi
    jmp 1b
4:  test %rdx, %rdx
    jz 2b
    cmp $ANYLOCALTHREAD, %rdx
    je 2b
    mov UTCB_WORD(UTCB_MY_GLOBAL_ID)(%rdx), %rdx
    jmp 2b

    STUB STUB_EXREGS,   SYS_EXCHANGE_REGISTERS
    STUB STUB_TCONTROL, SYS_THREAD_CONTROL
    STUB STUB_CLOCK,    SYS_SYSTEM_CLOCK
    STUB STUB_TSWITCH,  SYS_THREAD_SWITCH
    STUB STUB_SCHEDULE, SYS_SCHEDULE
    STUB STUB_UNMAP,    SYS_UNMAP
    STUB STUB_SCONTROL, SYS_SPACE_CONTROL
    STUB STUB_PCONTROL, SYS_PROCESSOR_CONTROL
    STUB STUB_MCONTROL, SYS_MEMORY_CONTROL
