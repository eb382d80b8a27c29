/*
 * The Unix-ABI fast path (docs/unix.md): a system call of a thread of a
 * Unix-ABI space, as a message to its exception handler that waits for
 * it, and the handler's answer with u = 1 (RAX, the result), both
 * without the general path's C, as the IPC fast path (fastpath.S) does
 * for X.2 threads and with the same rules.
 *
 * The call: unix_syscall_fast_entry (LSTAR while such a thread runs,
 * unless "nofastpath") builds the whole trap frame as unix_syscall_entry
 * does; if the handler waits for it (blocked by a fast path, in a receive
 * from this thread or anythread, not halted, its priority not below the
 * thread's), the message goes straight to it: MR0 and MR1..MR7 (RAX RBX
 * R10 R12-R15, where the thread's registers already are) in registers,
 * MR8..MR21 into its UTCB. The thread waits for the answer in the state
 * STATE_UNIX_RECV, resumable by unix_fast_resume, as if in the kernel
 * call of unix.c (kcall_depth 1, BR0 accepting mappings). Otherwise the
 * general path (unix.c) takes the frame.
 *
 * The answer: the IPC fast path, finding its destination in that state,
 * comes to unix_fast_answer. A Call or ReplyWait of the handler with
 * u = 1 (t = 0, no flags: checked there) to the thread, of a priority not
 * above the thread's, resumes the thread by sysret: its registers from
 * its frame, RAX from MR1. Only when nothing asks for more: no interrupt
 * message due, RCX and R11 still what sysret loads (RIP and RFLAGS; only
 * ExchangeRegisters could have set them apart). Anything else goes to the
 * general path (ipc.c), which completes the thread's wait and resumes it
 * in unix_fast_resume: the answer applied as unix.c applies it.
 *
 * Returns to user mode: the handler's RIP is that of its own syscall
 * (canonical, as the IPC fast path relies on); the thread's is equal to
 * its RCX, which its syscall set (canonical: the last user page is never
 * mapped). No kernel value stays in a register: the handler gets the
 * thread's registers, the message's, and RDX cleared; the thread gets its
 * own frame.
 *
 * Neither path swaps GS: like the IPC fast path they run on the user's
 * GS base (interrupts off) and set the next thread's with wrmsr. Both
 * switch between a Unix-ABI and an X.2 thread, so both load what
 * context.c's load_abi loads: the FS and GS bases and LSTAR.
 */
#include "arch/asm.h"
#include "arch/cpu.h"
#include "arch/frame.h"
#include "arch/gdt.h"
#include "arch/percpu.h"
#include "config.h"
#include "pecan/unix_abi.h"
#include "tcb_offsets.h"

/* The running thread's TCB fields, with RSP at its frame (after SAVE_GPRS) */
#define OWN(off)     ((off) - FR_BASE)(%rsp)

    .text
    .globl unix_syscall_fast_entry
unix_syscall_fast_entry:
    mov %rsp, cpu_pages+CPU_USER_RSP(%rip)
    mov cpu_pages+TSS_RSP0_OFFSET(%rip), %rsp   /* this thread's stack top */
    pushq $SEL_UDATA
    pushq cpu_pages+CPU_USER_RSP(%rip)
    push %r11
    pushq $SEL_UCODE
    push %rcx
    pushq $0
    pushq $VEC_SYSCALL
    SAVE_GPRS
    /* From here on RCX and R11 are scratch (the frame has them). The
     * handler (in R11): the thread its UTCB names, by global id. */
    mov OWN(TCB_UTCB), %rcx
    mov UTCB_WORD(UTCB_EXCEPTION_HANDLER)(%rcx), %rcx
    mov %rcx, %r11
    shr $20, %r11
    and $(((1 << THREAD_BITS) - 1) << 12), %r11d
    add tcb_area_base(%rip), %r11
    cmp OWN(TCB_LISTED_WITH), %rcx             /* we are listed with it (waiters.h), */
    jne .Lux_join                               /* so it exists */
.Lux_handler:
    mov cpu_pages+CPU_FAST_RECV(%rip), %ecx    /* waits, blocked by a fast path */
    cmp %ecx, TCB_STATE(%r11)                   /* on this processor */
    jne 9f
    mov TCB_RCV_FROM(%r11), %rcx               /* for us, */
    cmp OWN(TCB_GLOBAL_ID), %rcx
    je 1f
    inc %rcx                                    /* or for anythread (~0) */
    jnz 9f
1:  movzbl OWN(TCB_PRIORITY), %ecx             /* at no lower priority */
    cmp TCB_PRIORITY(%r11), %cl
    ja 9f

    /* Commit. We wait for the handler's answer as in a kernel call. */
    mov TCB_GLOBAL_ID(%r11), %rcx
    mov %rcx, OWN(TCB_RCV_FROM)
    movw $STATE_UNIX_RECV, OWN(TCB_STATE)
    movb $1, OWN(TCB_KCALL_DEPTH)
    movb $0, OWN(TCB_UNIX_INTERRUPT)           /* the message serves a due interrupt */
    mov OWN(TCB_UTCB), %rcx
    movq $KCALL_BR0, UTCB_WORD(UTCB_BR(0))(%rcx)
    movw $TCB_TS_READY, TCB_STATE(%r11)         /* it runs: ready, not fast-blocked */

    /* The message: MR8..MR21 into the handler's UTCB (pecan/unix_abi.h);
     * MR1..MR7 stay in their registers. */
    mov TCB_UTCB(%r11), %rcx
    mov %rdx, MR(UNIX_MR_RDX)(%rcx)
    mov %rsi, MR(UNIX_MR_RSI)(%rcx)
    mov %rdi, MR(UNIX_MR_RDI)(%rcx)
    mov %rbp, MR(UNIX_MR_RBP)(%rcx)
    mov %r8, MR(UNIX_MR_R8)(%rcx)
    mov %r9, MR(UNIX_MR_R9)(%rcx)
    mov TF_RIP(%rsp), %rdx
    mov %rdx, MR(UNIX_MR_RIP)(%rcx)
    mov TF_RCX(%rsp), %rdx
    mov %rdx, MR(UNIX_MR_RCX)(%rcx)
    mov TF_RFLAGS(%rsp), %rdx
    mov %rdx, MR(UNIX_MR_RFLAGS)(%rcx)
    mov TF_R11(%rsp), %rdx
    mov %rdx, MR(UNIX_MR_R11)(%rcx)
    mov TF_RSP(%rsp), %rdx
    mov %rdx, MR(UNIX_MR_RSP)(%rcx)
    movq $UNIX_SYSCALL, MR(UNIX_MR_WHY)(%rcx)
    mov OWN(TCB_FS_BASE), %rdx
    mov %rdx, MR(UNIX_MR_FS_BASE)(%rcx)
    mov OWN(TCB_GS_BASE), %rdx
    mov %rdx, MR(UNIX_MR_GS_BASE)(%rcx)
    mov $UNIX_TAG, %r9
    /* The sender as the handler names it: globally (no X.2 thread, so no
     * handler, is in a Unix-ABI space), and its space. */
    mov OWN(TCB_GLOBAL_ID), %rsi
    mov TCB_ROOT(%r11), %rcx                    /* its space's page tables */
    mov %rcx, %cr3
    lea -FR_BASE(%rsp), %rdi                    /* leaving the FPU's owner */
    cmp fpu_owner(%rip), %rdi
    je 8f
2:
    /* The X.2 user state: FS base 0; the GS selector the IPC fast path
     * wants (an iretq to the thread nulled it) and the GS page as base;
     * the X.2 entry. */
    xor %eax, %eax
    xor %edx, %edx
    mov $MSR_FS_BASE, %ecx
    wrmsr
    X2_USER_GS
    mov cpu_pages+CPU_X2_ENTRY(%rip), %rax
    WRMSR_RAX MSR_LSTAR
    movb $0, cpu_pages+CPU_UNIX_ABI_LOADED(%rip)
    /* The handler becomes the running thread. */
    BECOME_CURRENT %r11, %rcx, %rdi
    mov TF_RAX(%rsp), %rax                      /* MR1, which wrmsr took */
    xor %edx, %edx
    mov FR_RSP(%r11), %rsp
    mov FR_RIP(%r11), %rcx
    mov FR_RFLAGS(%r11), %r11
    sysretq

8:  SET_CR0_TS %rcx
    jmp 2b

/* Not for the fast path: the general path takes the frame. */
9:  swapgs
    jmp unix_syscall_entry_frame

/* We are not listed with the handler: if it exists (not nilthread, which
 * an empty slot's id would match), list us (we will wait for its answer)
 * and go on. */
.Lux_join:
    test %rcx, %rcx
    jz 9b
    cmp TCB_GLOBAL_ID(%r11), %rcx
    jne 9b
    movzbl TCB_CPU(%r11), %ecx                 /* its waiters are its processor's */
    cmp cpu_pages+CPU_INDEX(%rip), %cl
    jne 9b
    LISTED_HERE OWN(TCB_LISTED_WITH), %rcx, %cl, 9b
    lea -FR_BASE(%rsp), %rcx
    call fast_waiters_join
    jmp .Lux_handler

/*
 * From the IPC fast path (fastpath.S): its destination, in R11, is not
 * in its receive state. RDI is the sender's TCB, RSP its kernel stack
 * (below its frame, which has its RIP, RFLAGS and RSP), R9 the tag
 * (t = 0, no flags), RSI/RDX/R8 its To/FromSpecifier/timeouts (a Call or
 * a ReplyWait, no receive timeout), MR1 in RAX. Only RCX may change
 * before fast_path_slow.
 */
    .globl unix_fast_answer
unix_fast_answer:
    xor $(STATE_FAST_RECV ^ STATE_UNIX_RECV), %ecx /* a Unix-ABI thread's message */
    cmp %ecx, TCB_STATE(%r11)                   /* on this processor, */
    jne fast_path_slow
    mov TCB_RCV_FROM(%r11), %rcx               /* answered by its handler, */
    cmp TCB_GLOBAL_ID(%rdi), %rcx
    jne fast_path_slow
    movzbl TCB_PRIORITY(%r11), %ecx            /* which does not lose the CPU */
    cmp TCB_PRIORITY(%rdi), %cx                 /* (the 16-bit compare takes in */
    jb fast_path_slow                           /* its no_fast_send) */
    cmp $1, %r9b                                /* u = 1 */
    jne fast_path_slow
    cmpb $0, TCB_UNIX_INTERRUPT(%r11)           /* no interrupt message due */
    jne fast_path_slow
    mov FR_RIP(%r11), %rcx                      /* RCX and R11 are sysret's */
    cmp FR(TF_RCX)(%r11), %rcx
    jne fast_path_slow
    mov FR_RFLAGS(%r11), %rcx
    cmp FR(TF_R11)(%r11), %rcx
    jne fast_path_slow

    /* Commit. We wait for the next message (or anyone), resumable by
     * fast_resume, as in fastpath.S. */
    FAST_RECV_BLOCK %rdi, %rdx
    movw $TCB_TS_READY, TCB_STATE(%r11)         /* it runs: ready, not fast-blocked */
    movb $0, TCB_KCALL_DEPTH(%r11)
    mov %rax, FR(TF_RAX)(%r11)                  /* the answer */
    mov TCB_ROOT(%r11), %rcx                    /* its space's (never ours) */
    mov %rcx, %cr3
    cmp fpu_owner(%rip), %rdi                   /* leaving the FPU's owner */
    je 8f
3:
    /* The thread's user state: its FS and GS bases, the Unix entry. */
    mov TCB_FS_BASE(%r11), %rax
    WRMSR_RAX MSR_FS_BASE
    mov TCB_GS_BASE(%r11), %rax
    WRMSR_RAX MSR_GS_BASE
    mov cpu_pages+CPU_UNIX_ENTRY(%rip), %rax
    WRMSR_RAX MSR_LSTAR
    movb $1, cpu_pages+CPU_UNIX_ABI_LOADED(%rip)
    /* The thread becomes the running thread, with its own registers. */
    BECOME_CURRENT %r11, %rcx, %rcx
    lea FR_BASE(%r11), %rsp
    RESTORE_GPRS                                /* RCX = RIP, R11 = RFLAGS */
    mov (TF_RSP - TF_VECTOR)(%rsp), %rsp        /* user RSP */
    sysretq

8:  SET_CR0_TS %rcx
    jmp 3b

/*
 * A thread blocked above runs again after the general path completed (or
 * cancelled) its wait: entered from switch_stack_to, resume_at or
 * switch_stack with RSP = its trap frame, in the kernel's GS. unix.c
 * applies the outcome.
 */
    .globl unix_fast_resume
unix_fast_resume:
    mov %rsp, %rdi
    call unix_syscall_resumed
    test %al, %al                    /* true: RCX or R11 set apart, use iretq */
    jnz trap_exit
    jmp syscall_exit
