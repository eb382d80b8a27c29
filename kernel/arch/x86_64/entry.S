/*
 * Kernel entry and exit: exception and interrupt stubs, the syscall entry,
 * the common exit paths back to user mode, and the kernel stack switch.
 * Every entry from user mode builds a struct trap_frame (arch/frame.h) at
 * the top of the thread's kernel stack.
 */
#include "arch/asm.h"
#include "arch/frame.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/percpu.h"
#include "arch/smap.h"
#include "syscall.h"

/* One stub per vector of the IDT (arch/idt.h): push a zero error code
 * where the CPU pushes none, then the vector number. The stubs are 16
 * bytes apart (.align pads after the jmp, where nothing runs). */
    .text
    .align 16
    .globl vector_stubs
vector_stubs:
vec = 0
.rept NUM_VECTORS
    .align 16
.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    pushq $0
.endif
    pushq $vec
    jmp trap_entry
vec = vec + 1
.endr

trap_entry:
    CLAC                             /* user AC, or a copy_from_user window's */
    testb $3, (TF_CS - TF_VECTOR)(%rsp)     /* CS of the interrupted context */
    jz 1f
    swapgs
1:  SAVE_GPRS
    cld
    mov %rsp, %rdi
    call trap_dispatch

    .globl trap_exit
trap_exit:                           /* rsp -> struct trap_frame */
    testb $3, TF_CS(%rsp)
    jz 1f
    mov TF_RIP(%rsp), %rax           /* back to user mode: never at a */
    sar $47, %rax                    /* non-canonical RIP (bits 47-63 */
    inc %rax                         /* not all equal), where iretq */
    cmp $1, %rax                     /* faults in ring 0 on Intel CPUs */
    ja bad_user_rip
    KERNEL_UNLOCK                    /* (the frame has the registers) */
1:  RESTORE_GPRS
    add $(TF_RIP - TF_VECTOR), %rsp  /* vector, error code */
    testb $3, (TF_CS - TF_RIP)(%rsp)
    jz 2f
    swapgs
2:  iretq

/* ExchangeRegisters, an exception handler's reply or a start message set
 * a non-canonical RIP: the thread gets the #GP an AMD CPU would raise in
 * user mode there, as an exception message (trap.c); then try again. */
bad_user_rip:
    mov %rsp, %rdi
    call user_rip_fault
    jmp trap_exit

/*
 * syscall: RCX = user RIP, R11 = user RFLAGS; IF, DF, TF, AC are cleared
 * by SFMASK. The frame is built as if the CPU had pushed an interrupt frame.
 */
.macro SYSCALL_FRAME
    swapgs
    mov %rsp, %gs:CPU_USER_RSP
    mov cpu_pages+TSS_RSP0_OFFSET(%rip), %rsp   /* TSS.RSP0: this thread's stack top */
    pushq $SEL_UDATA
    pushq %gs:CPU_USER_RSP
    push %r11
    pushq $SEL_UCODE
    push %rcx
    pushq $0
    pushq $VEC_SYSCALL
.endm

    .globl syscall_entry, syscall_entry_frame
syscall_entry:
    xor $SYS_IPC, %ebp                  /* the call code back to a number */
    cmp $SYS_COUNT, %ebp                /* not a system call: nothing */
    jae no_syscall                      /* happens (spec 4.2) */
    SYSCALL_FRAME
syscall_entry_frame:                     /* rsp -> the frame's vector slot */
    SAVE_GPRS
    mov %rsp, %rdi
    call syscall_dispatch
    test %al, %al                    /* true: a result in RCX, use iretq */
    jnz trap_exit

    .globl syscall_exit
syscall_exit:                        /* rsp -> struct trap_frame */
    mov TF_RIP(%rsp), %rcx           /* sysret #GPs in ring 0 on a */
    sar $47, %rcx                    /* non-canonical RIP: trap_exit */
    inc %rcx                         /* deals with it */
    cmp $1, %rcx
    ja trap_exit
    KERNEL_UNLOCK
    RESTORE_GPRS                     /* (RSP: at the vector) */
    mov (TF_RIP - TF_VECTOR)(%rsp), %rcx
    mov (TF_RFLAGS - TF_VECTOR)(%rsp), %r11
    mov (TF_RSP - TF_VECTOR)(%rsp), %rsp
    swapgs
    sysretq

/* `syscall` of a thread of a Unix-ABI space (LSTAR while one runs:
 * context.c): the same frame, then its handler answers (unix.c). */
    .globl unix_syscall_entry, unix_syscall_entry_frame
unix_syscall_entry:
    SYSCALL_FRAME
    SAVE_GPRS
unix_syscall_entry_frame:            /* (unix_fastpath.S: the frame is built) */
    mov %rsp, %rdi
    call unix_syscall
    test %al, %al                    /* true: RCX or R11 set apart, use iretq */
    jnz trap_exit
    jmp syscall_exit

/* Such a thread's first run (context.c): its start message, then user mode. */
    .globl unix_thread_entry
unix_thread_entry:
    mov %rsp, %rdi                   /* its trap frame */
    call unix_thread_start
    jmp trap_exit

/* Not a system call number: return at once, RAX = RDX = 0. Nothing was
 * touched, not even GS. RCX, the return address, is canonical (no user
 * instruction ends at USER_END: config.h). */
no_syscall:
    xor %eax, %eax
    xor %edx, %edx
    sysretq

/*
 * void switch_stack(uint64_t *save_rsp, uint64_t new_rsp)
 * Save the callee-saved registers on the current kernel stack, switch to
 * another thread's kernel stack and resume it where it switched away.
 * What it saves is a struct switch_frame (arch/frame.h), which context.c
 * and the fast paths build for threads that never switched away: the
 * build fails if the two disagree on its size.
 * void resume_stack(uint64_t unused, uint64_t new_rsp): its second half,
 * for a kernel stack left for good (nothing saved; RSI as above).
 * void switch_stack_to(uint64_t *save_rsp, struct trap_frame *f, void *at):
 * the same save, then on at `at` with RSP = f: to a thread blocked for a
 * fast resumption (context.c), where the ret of a switch frame below its
 * trap frame f would take it, without that frame.
 * void resume_at(uint64_t unused, struct trap_frame *f, void *at): its
 * second half, from a kernel stack left for good (nothing saved).
 */
.macro SWITCH_FRAME_SAVE
.Lsf_pushed = 0
.irp reg, rbp, rbx, r12, r13, r14, r15
    push %\reg
    .Lsf_pushed = .Lsf_pushed + 8
.endr
.if .Lsf_pushed != SF_RET
    .error "switch_stack: not the registers of struct switch_frame (arch/frame.h)"
.endif
    mov %rsp, (%rdi)
.endm

    .globl switch_stack, resume_stack, switch_stack_to, resume_at
switch_stack:
    SWITCH_FRAME_SAVE
resume_stack:
    mov %rsi, %rsp
.irp reg, r15, r14, r13, r12, rbx, rbp
    pop %\reg
.endr
    cmpb $0, cpu_pages+CPU_LOCKLESS(%rip)   /* switched to without the lock: */
    jne mp_resumed_lockless                 /* it returns where we would */
    ret

switch_stack_to:
    SWITCH_FRAME_SAVE
resume_at:
    mov %rsi, %rsp
    jmp *%rdx

/*
 * rdmsr and wrmsr for emulate.c that survive a #GP (an MSR the CPU does
 * not have): a #GP at msr_safe_read or msr_safe_write resumes at
 * msr_safe_fault (emulate.c, msr_fixup), which returns false.
 *   bool msr_read_safe(uint32_t msr [rdi], uint64_t *value [rsi])
 *   bool msr_write_safe(uint32_t msr [rdi], uint64_t value [rsi])
 */
    .globl msr_read_safe, msr_write_safe, msr_safe_read, msr_safe_write, msr_safe_fault
msr_read_safe:
    mov %edi, %ecx
msr_safe_read:
    rdmsr
    shl $32, %rdx
    or %rdx, %rax
    mov %rax, (%rsi)
    mov $1, %eax
    ret
msr_write_safe:
    mov %edi, %ecx
    mov %esi, %eax
    mov %rsi, %rdx
    shr $32, %rdx
msr_safe_write:
    wrmsr
    mov $1, %eax
    ret
msr_safe_fault:
    xor %eax, %eax
    ret
