/*
 * The application processors' way from real mode to the kernel (smp.c).
 * smp.c copies this code to AP_TRAMPOLINE (a page below 1 MB, which the
 * kernel never hands out) and fills in its parameters; a start-up IPI
 * (SIPI) with vector AP_TRAMPOLINE >> 12 makes a processor begin here,
 * at CS:IP = AP_TRAMPOLINE >> 4 : 0, in 16-bit real mode.
 *
 *   real mode -> protected mode (its own GDT below) -> PAE, CR3 = the
 *   start root (the low 2 MB identity-mapped, the kernel half as the
 *   kernel's), EFER as the boot processor's (LME, NXE) -> paging on:
 *   long mode -> RSP = the stack smp.c gave it -> jump to ap_main in the
 *   kernel half.
 *
 * Its addresses are AP_TRAMPOLINE + (label - ap_trampoline): the code
 * runs where it is copied, not where it is linked.
 */
#include "arch/smp.h"

#define CR0_PE     (1 << 0)
#define CR0_PG     (1 << 31)
#define CR0_WP     (1 << 16)
#define CR4_PAE    (1 << 5)
#define EFER_MSR   0xC0000080
#define AT(sym)    (AP_TRAMPOLINE + (sym) - ap_trampoline)

    .section .boot.text, "ax"
    .globl ap_trampoline, ap_trampoline_end
    .code16
ap_trampoline:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl AT(tramp_gdtr)
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl $0x08, $AT(protected)

    .code32
protected:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov AT(tramp_root), %eax
    mov %eax, %cr3
    mov $EFER_MSR, %ecx
    mov AT(tramp_efer), %eax
    xor %edx, %edx
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP), %eax
    mov %eax, %cr0
    ljmp $0x18, $AT(long_mode)

    .code64
long_mode:
    mov AT(tramp_stack), %rsp
    mov AT(tramp_entry), %rax
    xor %ebp, %ebp
    jmp *%rax

    .align 16
tramp_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF         /* 0x08: 32-bit code */
    .quad 0x00CF92000000FFFF         /* 0x10: data */
    .quad 0x00AF9A000000FFFF         /* 0x18: 64-bit code */
tramp_gdtr:
    .word tramp_gdtr - tramp_gdt - 1
    .long AT(tramp_gdt)

/* The parameters (struct ap_start in arch/smp.h), filled in by smp.c */
    .align 8
    .globl ap_trampoline_params
ap_trampoline_params:
tramp_root:  .quad 0
tramp_efer:  .quad 0
tramp_stack: .quad 0
tramp_entry: .quad 0
ap_trampoline_end:
