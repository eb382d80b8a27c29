/* What the kernel's assembly files share: saving and restoring the
 * general registers of a trap frame (arch/frame.h), and the fast paths'
 * view of a thread's frame and state. */
#pragma once
#ifdef __ASSEMBLER__
#include "arch/cpu.h"
#include "arch/frame.h"
#include "arch/gdt.h"
#include "config.h"
#include "tcb_offsets.h"
#include "utcb.h"

/* Trap-frame fields of a thread, relative to its TCB (frame at the top of
 * the KTCB_SIZE block). */
#define FR(off)      (KTCB_SIZE - TF_SIZE + (off))
#define FR_VECTOR    FR(TF_VECTOR)
#define FR_RIP       FR(TF_RIP)
#define FR_RFLAGS    FR(TF_RFLAGS)
#define FR_RSP       FR(TF_RSP)
#define FR_BASE      FR(0)

/* MR i of a UTCB, relative to MR0, where tcb.utcb points */
#define MR(i)        UTCB_WORD(UTCB_MR(i))

/* The 32 bits at TCB_STATE: state, fast_blocked, halted, cpu. A fast path
 * takes a partner whose word is this with halted 0 and the cpu byte its
 * own processor's: cpu_pages+CPU_FAST_RECV holds that word (mp.c), so one
 * compare also proves the partner is this processor's, which no other
 * processor touches meanwhile (mp.h). Blocking writes the low half only.
 * (STATE_FAST_RECV, STATE_UNIX_RECV: tcb_offsets.h) */

/* The way back to user mode lets the kernel lock go (arch/mp.h), which
 * only a multiprocessor has: the C call clobbers the caller-saved
 * registers. */
.macro KERNEL_UNLOCK
    cmpl $1, mp_cpus(%rip)
    je 9999f
    call kernel_unlock
9999:
.endm

/* A fast path joins To's waiters (fast_waiters_join) only if both lists
 * it changes are this processor's: To's (checked by its caller) and that
 * of the thread \listed names, which it leaves (0: none). Else to \slow.
 * (\scratch8: the low byte of \scratch.) */
.macro LISTED_HERE listed, scratch, scratch8, slow
    mov \listed, \scratch
    test \scratch, \scratch
    jz 9998f
    shr $20, \scratch
    and $(((1 << THREAD_BITS) - 1) << 12), \scratch
    add tcb_area_base(%rip), \scratch
    mov TCB_CPU(\scratch), \scratch8
    cmp cpu_pages+CPU_INDEX(%rip), \scratch8
    jne \slow
9998:
.endm

/* Write RAX into the model-specific register \msr (clobbers RCX, RDX). */
.macro WRMSR_RAX msr
    mov %rax, %rdx
    shr $32, %rdx
    mov $\msr, %ecx
    wrmsr
.endm

/* %gs as X.2 user mode has it (context.c, gs_reset): the selector
 * SEL_KDATA and the GS page as base, for a thread that loaded %gs itself
 * or whose selector an iretq nulled (clobbers RAX, RCX, RDX). */
.macro X2_USER_GS
    mov $SEL_KDATA, %ecx
    mov %ecx, %gs
    mov $(GS_PAGE_VA & 0xFFFFFFFF), %eax
    mov $(GS_PAGE_VA >> 32), %edx
    mov $MSR_GS_BASE, %ecx
    wrmsr
.endm

/* Set CR0.TS, through \scratch: the next FPU/SSE instruction raises #NM
 * (leaving the FPU's owner, fpu.c). */
.macro SET_CR0_TS scratch
    mov %cr0, \scratch
    or $CR0_TS, \scratch
    mov \scratch, %cr0
.endm

/* The thread whose TCB is in \tcb waits in a receive from \from, blocked
 * by a fast path: the next fast IPC to it delivers into its registers,
 * and the general path resumes it in fast_resume (the switch to it
 * writes its resume frame, context.c: not a line of the fast path's). */
.macro FAST_RECV_BLOCK tcb, from
    mov \from, TCB_RCV_FROM(\tcb)
    movw $STATE_FAST_RECV, TCB_STATE(\tcb)
.endm

/* The thread whose TCB is in \tcb becomes the running one: `current`,
 * TSS.RSP0 (its kernel stack, via \scratch) and %gs:0 in user mode, its
 * local id (left in \id). */
.macro BECOME_CURRENT tcb, scratch, id
    mov \tcb, current(%rip)
    lea KTCB_SIZE(\tcb), \scratch
    mov \scratch, cpu_pages+TSS_RSP0_OFFSET(%rip)
    mov TCB_LOCAL_ID(\tcb), \id
    mov \id, cpu_pages+CPU_USER_PAGE(%rip)
.endm

.macro SAVE_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro RESTORE_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm
#endif
