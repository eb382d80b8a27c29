/* Build-time constants of the kernel: memory layout, sizes, limits. */
#pragma once

/* Unsigned long constants that assembly can use too. */
#ifdef __ASSEMBLER__
#define UL(x) x
#else
#define UL(x) x##UL
#endif

/*
 * Virtual memory layout (kernel half; the lower half belongs to user spaces):
 *
 *   0xFFFF_8000_0000_0000  PML4[256]  direct map of physical memory (512 GB)
 *   0xFFFF_C000_0000_0000  PML4[384]  TCB array: 2^18 blocks of 4 KB
 *   0xFFFF_FE00_0000_0000  PML4[508]  I/O window, per space: the TSS page, then
 *                                     the space's I/O permission bitmap
 *   0xFFFF_FFFF_8000_0000  PML4[511]  kernel image (phys + KERNEL_VMA)
 *   0xFFFF_FFFF_FFE0_0000             user-visible page table (U bit):
 *        +0x0000  system-call stub page (user r-x, same in every space)
 *        +0x1000  GS page: %gs:0 = local id of the running thread (user r--)
 *        +0x2000  local APIC registers (kernel only, uncached)
 *        +0x3000  I/O APIC registers (kernel only, uncached)
 */
#define KERNEL_PHYS      UL(0x100000)
#define KERNEL_VMA       UL(0xFFFFFFFF80000000)
#define PHYS_MAP_BASE    UL(0xFFFF800000000000)
#define TCB_AREA_BASE    UL(0xFFFFC00000000000)
#define USER_PAGE_BASE   UL(0xFFFFFFFFFFE00000)
#define IO_WINDOW_BASE   UL(0xFFFFFE0000000000)
#define STUB_PAGE_VA     (USER_PAGE_BASE + 0x0000)
#define GS_PAGE_VA       (USER_PAGE_BASE + 0x1000)
#define LAPIC_VA         (USER_PAGE_BASE + 0x2000)
#define IOAPIC_VA        (USER_PAGE_BASE + 0x3000)

/* Highest user address + 1: users own the lower canonical half ... */
#define USER_END         UL(0x0000800000000000)
/* ... but for its last page, which is never mapped: no user instruction
 * can end at USER_END, so the return address a `syscall` leaves in RCX is
 * always canonical, as sysret needs (Intel CPUs raise its #GP in ring 0,
 * with the user's stack already loaded: the CVE-2012-0217 class). */
#define USER_MAP_END     (USER_END - PAGE_SIZE)

#define PAGE_SIZE        UL(4096)
#define PAGE_SHIFT       12
#define SUPERPAGE_SIZE   (UL(2) << 20)

/* Thread control blocks: TCB and kernel stack share one block. */
#define KTCB_SIZE        UL(4096)
#define THREAD_BITS      18           /* KIP ThreadInfo.t */

/* The X.2 root servers must load at these physical addresses (spec 12.2). */
#define SIGMA0_LINK      UL(0x00F00000)
#define ROOT_LINK        UL(0x01000000)

/* Kernel memory pool carved from RAM at boot and reported as reserved. */
#define KMEM_MIN         (UL(8) << 20)
#define KMEM_MAX         (UL(256) << 20)  /* (it lies below 1 GB, with the root servers) */
/* A space ThreadControl creates may cause this share of the pool in
 * kernel memory until its creator sets another limit (account.h). */
#define KMEM_DEFAULT_SHARE 16

#define TIMER_HZ         1000
#define US_PER_TICK      (1000000 / TIMER_HZ)
#define TIMESLICE_US     10000
