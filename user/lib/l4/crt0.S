/* Start of every Pecan user program: a stack in BSS, libl4 set-up, main.
 * If main returns, enter the kernel debugger (spec 9.2 crt0 behaviour). */
    .text
    .globl _start
_start:
    lea stack_top(%rip), %rsp
    xor %ebp, %ebp
    call L4_Init
    call main
1:  int3
    jmp 2f
    mov $returned, %rax
2:  jmp 1b

    .section .rodata
returned:
    .asciz "main returned"

    .bss
    .align 16
    .skip 16384
stack_top:
