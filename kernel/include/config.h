/* Build-time constants of the kernel: memory layout, sizes, limits. */
#pragma once

/*
 * Virtual memory layout (kernel half; the lower half belongs to user spaces):
 *
 *   0xFFFF_8000_0000_0000  PML4[256]  direct map of physical memory (512 GB)
 *   0xFFFF_C000_0000_0000  PML4[384]  TCB array: 2^18 blocks of 4 KB
 *   0xFFFF_FFFF_8000_0000  PML4[511]  kernel image (phys + KERNEL_VMA)
 *   0xFFFF_FFFF_FFE0_0000             user-visible page table (U bit):
 *        +0x0000  system-call stub page (user r-x, same in every space)
 *        +0x1000  GS page: %gs:0 = local id of the running thread (user r--)
 *        +0x2000  local APIC registers (kernel only, uncached)
 */
#define KERNEL_PHYS      0x100000UL
#define KERNEL_VMA       0xFFFFFFFF80000000UL
#define PHYS_MAP_BASE    0xFFFF800000000000UL
#define TCB_AREA_BASE    0xFFFFC00000000000UL
#define USER_PAGE_BASE   0xFFFFFFFFFFE00000UL
#define STUB_PAGE_VA     (USER_PAGE_BASE + 0x0000)
#define GS_PAGE_VA       (USER_PAGE_BASE + 0x1000)
#define LAPIC_VA         (USER_PAGE_BASE + 0x2000)

/* Highest user address + 1: users own the lower canonical half. */
#define USER_END         0x0000800000000000UL

#define PAGE_SIZE        4096UL
#define PAGE_SHIFT       12
#define SUPERPAGE_SIZE   (2UL << 20)

/* Thread control blocks: TCB and kernel stack share one block. */
#define KTCB_SIZE        4096UL
#define THREAD_BITS      18           /* KIP ThreadInfo.t */

/* The X.2 root servers must load at these physical addresses (spec 12.2). */
#define SIGMA0_LINK      0x00F00000UL
#define ROOT_LINK        0x01000000UL

/* Kernel memory pool carved from RAM at boot and reported as reserved. */
#define KMEM_MIN         (8UL << 20)
#define KMEM_MAX         (64UL << 20)

#define TIMER_HZ         1000
#define TIMESLICE_US     10000
