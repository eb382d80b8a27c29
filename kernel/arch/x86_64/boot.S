/*
 * Multiboot entry: the loader jumps here in 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = physical address of the multiboot
 * information. We build minimal page tables (identity and higher-half map
 * of the first 1 GB with 2 MB pages), enter long mode and jump to the
 * higher half, where C code builds the real tables. All of it is boot
 * memory (kernel.ld), released after boot, except boot_pd: the kernel
 * image window keeps it (paging.c).
 */
#define MB_MAGIC   0x1BADB002
#define MB_FLAGS   0x00000003        /* bit 0: align modules; bit 1: memory map */

#define CR0_PG     (1 << 31)
#define CR0_WP     (1 << 16)
#define CR4_PAE    (1 << 5)
#define EFER_MSR   0xC0000080
#define EFER_LME   (1 << 8)
#define KERNEL_VMA 0xFFFFFFFF80000000
#define PHYS(sym)  ((sym) - KERNEL_VMA)  /* higher-half data, for 32-bit code */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .section .bss.boot, "aw", @nobits
    .align 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_stack:     .skip 16384
boot_stack_top:

    .section .bss.page_aligned, "aw", @nobits
    .align 4096
    .globl boot_pd
boot_pd:        .skip 4096

    .section .boot.entry.data, "aw"
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF         /* 0x08: 64-bit kernel code */
    .quad 0x00CF92000000FFFF         /* 0x10: kernel data */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .boot.entry.text, "ax"
    .code32
    .globl _start
_start:
    cli
    mov %eax, %edi                   /* multiboot magic -> kmain arg 1 */
    mov %ebx, %esi                   /* multiboot info  -> kmain arg 2 */

    /* PD: 512 x 2 MB pages covering 0..1 GB (present, writable, large). */
    mov $PHYS(boot_pd), %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, (%ebx, %ecx, 8)
    movl $0, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    /* identity: PML4[0] -> PDPT_low[0] -> PD; the same at PML4[256] is
     * the start of the direct physical map; the kernel image window:
     * PML4[511] -> PDPT_high[510] -> PD */
    movl $PHYS(boot_pd) + 3, PHYS(boot_pdpt_low)
    movl $PHYS(boot_pd) + 3, PHYS(boot_pdpt_high) + 510 * 8
    movl $PHYS(boot_pdpt_low) + 3, PHYS(boot_pml4)
    movl $PHYS(boot_pdpt_low) + 3, PHYS(boot_pml4) + 256 * 8
    movl $PHYS(boot_pdpt_high) + 3, PHYS(boot_pml4) + 511 * 8

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $PHYS(boot_pml4), %eax
    mov %eax, %cr3
    mov $EFER_MSR, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP), %eax
    mov %eax, %cr0

    lgdt boot_gdtr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $higher_half, %rax
    jmp *%rax

    .section .boot.text, "ax"
higher_half:
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp
    call kmain                       /* kmain(magic, mbi_phys): never returns */
2:  cli
    hlt
    jmp 2b
