/*
 * The IPC fast path (seed 002; issue "IPC as fast as the hardware allows").
 *
 * It takes Ipc/Lipc calls that send a short untyped message (t = 0, no
 * flags; MR0..MR7 in registers, MR8..MR63 copied between the UTCBs) to a
 * thread that waits for it and that this path itself put to sleep, and
 * whose sender then waits for a reply with no timeout: Call (FromSpecifier
 * = To) and ReplyWait (FromSpecifier = anythread, nobody queued for us).
 * The receiver must not have a lower priority, so no scheduling decision
 * is needed: the sender blocks, the receiver runs, the ready queues are not
 * touched (they are lazy). Everything else goes to the general path in C.
 *
 * A thread blocked here saves only what survives an IPC: its user RIP,
 * RFLAGS and RSP (in its trap frame, where ExchangeRegisters finds them).
 * MR0..MR7 come back in registers from the sender, or from the UTCB via
 * fast_resume when the general path completes the IPC instead.
 *
 * The receiver's RIP goes to sysret unchecked: a fast-blocked thread's
 * RIP is the return address of its `syscall`, which is canonical because
 * the last user page is never mapped (USER_MAP_END), and ExchangeRegisters
 * takes a thread off the fast path when it sets a non-canonical RIP.
 *
 * Registers at entry (spec 4.5): RSI To, RDX FromSpecifier, R8 timeouts,
 * R9 MR0, RAX RBX R10 R12-R15 MR1..MR7, RDI own UTCB, RCX user RIP,
 * R11 user RFLAGS, RBP the call code (0 here), RSP user stack.
 * Interrupts are off (SFMASK) and stay off.
 *
 * The sender's TCB is kept in RDI (its input, the own UTCB, is not needed),
 * which the receiver's local id overwrites at the end, and RBP is left 0:
 * no kernel address reaches the receiver's registers.
 *
 * A destination that is not in that receive state may be a Unix-ABI
 * thread waiting for its handler's answer: unix_fastpath.S's case, at no
 * cost here (only the failing branch's target differs).
 */
#include "arch/asm.h"
#include "arch/frame.h"
#include "arch/gdt.h"
#include "arch/percpu.h"
#include "config.h"
#include "pecan/msgtag.h"
#include "pecan/threadid.h"
#include "syscall.h"
#include "tcb_offsets.h"

    .text
    .balign 64                          /* from here to its sysretq: five cache lines */
    .globl syscall_fast_entry
syscall_fast_entry:
    test %ebp, %ebp                     /* Ipc: call code 0 (and RBP stays 0) */
    jnz syscall_entry
    mov current(%rip), %rdi
    mov %rcx, FR_RIP(%rdi)
    mov %r11, FR_RFLAGS(%rdi)
    mov %rsp, FR_RSP(%rdi)
    lea FR_VECTOR(%rdi), %rsp           /* kernel stack, below our frame */
    mov %gs, %ecx                       /* the thread loaded %gs, or an iretq */
    cmp $SEL_KDATA, %ecx                /* nulled it: put it right (the */
    jne gs_reset                        /* receiver runs on this base) */
.Lgs_ok:

    test $(MSGTAG_FLAGS | MSGTAG_T_MASK), %r9w /* tag flags or typed items */
    jnz slow
    test %r8w, %r8w                     /* a receive timeout (pecan/time.h) */
    jnz slow
    /* The destination (kept in R11, RCX is scratch): the TCB of To's
     * thread number (bits 32-49), if To is its global id. A slot without
     * a thread reads as zeros. */
    mov %rsi, %r11
    shr $20, %r11
    and $(((1 << THREAD_BITS) - 1) << 12), %r11d
    add tcb_area_base(%rip), %r11
    cmp %rsi, %rdx                      /* Call: FromSpecifier = To */
    je .Lcall
    cmp $ANYTHREAD, %rdx                /* ReplyWait: anythread ... */
    jne .Lslow                          /* (short jumps: five cache lines) */
    cmpq $0, TCB_SENDQ(%rdi)            /* ... with nobody queued for us */
    jne .Lslow
    cmp TCB_GLOBAL_ID(%r11), %rsi
    je .Ldest
.Lslow:
    jmp slow
.Lcall:
    /* We will wait for To's reply, so we must be listed with To
     * (waiters.h). We are if our listed_with is To, which also proves
     * that To is the global id of R11's thread. (Or both are 0, nil/nil
     * from an unlisted thread: R11 is slot 0 then, empty or interrupt
     * line 0's thread, always halted, which the next check refuses.) */
    cmp %rsi, TCB_LISTED_WITH(%rdi)
    jne .Ljoin
.Ldest:
    mov cpu_pages+CPU_FAST_RECV(%rip), %ecx /* fast-blocked on this processor */
    cmp %ecx, TCB_STATE(%r11)
    jne unix_fast_answer                /* or a Unix-ABI thread's handler answers */
    mov TCB_RCV_FROM(%r11), %rcx        /* does it wait for us, */
    cmp TCB_GLOBAL_ID(%rdi), %rcx
    je 2f
    inc %rcx                            /* or for anythread (~0)? */
    jnz slow
2:
    /* Its priority is not below ours, so no scheduling is needed. Our
     * 16-bit compare takes in our no_fast_send byte above the priority:
     * a thread whose IPC a redirector supervises always falls below. */
    movzbl TCB_PRIORITY(%r11), %ecx
    cmp TCB_PRIORITY(%rdi), %cx
    jb slow

    /* Commit. We wait for the reply (or anyone), resumable by fast_resume. */
    FAST_RECV_BLOCK %rdi, %rdx
    movw $TCB_TS_READY, TCB_STATE(%r11) /* it runs: ready, not fast-blocked */

    test $(MSGTAG_U_MASK & ~7), %r9b     /* u > 7: MR8..MRu through the UTCBs */
    jz 3f
    lea -7(%r9), %ecx                   /* u - 7 words (u >= 8: no borrow) */
    and $MSGTAG_U_MASK, %ecx
    mov TCB_UTCB_MR8(%rdi), %rsi
    mov TCB_UTCB_MR8(%r11), %rdi
    rep movsq
    mov current(%rip), %rdi
3:
    /* The sender as the receiver names it: the local id within a space
     * (one space, one page-table root). */
    mov TCB_ROOT(%r11), %rcx
    mov TCB_GLOBAL_ID(%rdi), %rsi
    cmp TCB_ROOT(%rdi), %rcx
    cmove TCB_LOCAL_ID(%rdi), %rsi
    je 4f
    mov %rcx, %cr3
4:
    cmp fpu_owner(%rip), %rdi           /* leaving the FPU's owner: the */
    je fpu_leave                        /* receiver must not see its registers */
5:
    /* The receiver becomes the running thread. */
    BECOME_CURRENT %r11, %rcx, %rdi     /* RDI: its local id, returned */
    mov FR_RSP(%r11), %rsp
    mov FR_RIP(%r11), %rcx              /* canonical: see below */
    mov FR_RFLAGS(%r11), %r11
    sysretq

fpu_leave:
    SET_CR0_TS %rcx
    jmp 5b

/* Every interrupt or exception that returns to user mode with iretq
 * nulls %gs (SEL_KDATA has DPL 0), so this is common: here rather than
 * the general path, which would take the kernel lock (and on a
 * multiprocessor park the others, whose IPIs null their %gs in turn). */
gs_reset:
    push %rax
    push %rdx
    X2_USER_GS
    pop %rdx
    pop %rax
    jmp .Lgs_ok

/* A Call to a thread we are not listed with: if To exists (not nilthread,
 * which an empty slot's id would match), list us with it and go on. */
.Ljoin:
    test %rsi, %rsi
    jz slow
    cmp TCB_GLOBAL_ID(%r11), %rsi
    jne slow
    movzbl TCB_CPU(%r11), %ecx          /* To's waiters are its processor's */
    cmp cpu_pages+CPU_INDEX(%rip), %cl
    jne slow
    LISTED_HERE TCB_LISTED_WITH(%rdi), %rcx, %cl, slow
    mov %rdi, %rcx
    call fast_waiters_join
    jmp .Ldest

/* waiters_join(RCX, R11) for the fast paths, which call it when a closed
 * receive names a thread the receiver is not listed with, keeping every
 * register but RCX (the message is in them). Interrupts stay off; the
 * kernel's C needs neither the kernel's GS base nor a 16-byte aligned
 * stack (-mgeneral-regs-only). */
    .globl fast_waiters_join
fast_waiters_join:
    push %rax
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    mov %rcx, %rdi
    mov %r11, %rsi
    call waiters_join
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rax
    ret

/* Not for the fast path: build the rest of the frame the general entry
 * builds and continue there. RIP, RFLAGS and RSP are saved already.
 * (unix_fastpath.S comes here too, having changed RCX only.) */
    .globl fast_path_slow
fast_path_slow:
slow:
    mov (TF_RIP - TF_VECTOR)(%rsp), %rcx    /* as the syscall left them: no */
    mov (TF_RFLAGS - TF_VECTOR)(%rsp), %r11 /* kernel value in the frame */
    mov $SYS_IPC, %ebp
    movq $0, (TF_ERROR - TF_VECTOR)(%rsp)
    movq $VEC_SYSCALL, (%rsp)           /* RSP: at the vector */
    swapgs
    jmp syscall_entry_frame

/* A thread blocked by the fast path runs again after the general path
 * completed its IPC: the outcome is in its UTCB (MR0..MR7) and TCB (the
 * sender's id). Entered from switch_stack_to or resume_at (or
 * switch_stack) with RSP = its trap frame. */
    .globl fast_resume
fast_resume:
    mov current(%rip), %rbp
    movb $0, TCB_FAST_BLOCKED(%rbp)
    cmpb $TCB_SERVE_REQUESTED, TCB_XFER_SERVE(%rbp)
    je 7f                               /* string-copy faults to serve, */
    cmpb $0, TCB_HALTED(%rbp)
    jne 7f                              /* or halted meanwhile: ipc_fast_resumed */
8:  KERNEL_UNLOCK                       /* (it keeps RBP) */
    mov TCB_UTCB(%rbp), %rdi
    mov MR(0)(%rdi), %r9
    mov MR(1)(%rdi), %rax
    mov MR(2)(%rdi), %rbx
    mov MR(3)(%rdi), %r10
    mov MR(4)(%rdi), %r12
    mov MR(5)(%rdi), %r13
    mov MR(6)(%rdi), %r14
    mov MR(7)(%rdi), %r15
    mov TCB_IPC_FROM(%rbp), %rsi
    mov TCB_LOCAL_ID(%rbp), %rdi
    mov TF_RIP(%rsp), %rcx
    mov %rcx, %rdx
    sar $47, %rdx
    inc %rdx
    cmp $1, %rdx
    ja 6f
    mov TF_RFLAGS(%rsp), %r11
    xor %edx, %edx
    xor %r8d, %r8d
    xor %ebp, %ebp
    mov TF_RSP(%rsp), %rsp
    swapgs
    sysretq
6:  /* A non-canonical RIP (set by ExchangeRegisters): leave by iretq, which
     * raises the #GP in user mode. The frame takes the registers. */
    xor %edx, %edx
    xor %r8d, %r8d
    xor %ebp, %ebp
    xor %ecx, %ecx
    xor %r11d, %r11d
    mov %r15, TF_R15(%rsp)
    mov %r14, TF_R14(%rsp)
    mov %r13, TF_R13(%rsp)
    mov %r12, TF_R12(%rsp)
    mov %r11, TF_R11(%rsp)
    mov %r10, TF_R10(%rsp)
    mov %r9, TF_R9(%rsp)
    mov %r8, TF_R8(%rsp)
    mov %rbp, TF_RBP(%rsp)
    mov %rdi, TF_RDI(%rsp)
    mov %rsi, TF_RSI(%rsp)
    mov %rdx, TF_RDX(%rsp)
    mov %rcx, TF_RCX(%rsp)
    mov %rbx, TF_RBX(%rsp)
    mov %rax, TF_RAX(%rsp)
    jmp trap_exit
7:  mov %rbp, %rdi
    call ipc_fast_resumed               /* serves them; a halted thread stops */
    mov current(%rip), %rbp             /* (it runs again: resumed) */
    jmp 8b
