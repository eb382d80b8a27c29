/* Thin wrappers around x86-64 instructions the kernel needs. */
#pragma once

#define MSR_EFER           0xC0000080
#define MSR_STAR           0xC0000081
#define MSR_LSTAR          0xC0000082
#define MSR_CSTAR          0xC0000083
#define MSR_SFMASK         0xC0000084
#define MSR_FS_BASE        0xC0000100
#define MSR_GS_BASE        0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_APIC_BASE      0x1B
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176

#define EFER_SCE  (1UL << 0)
#define EFER_NXE  (1UL << 11)

#define RFLAGS_CF   (1UL << 0)
#define RFLAGS_TF   (1UL << 8)
#define RFLAGS_IF   (1UL << 9)
#define RFLAGS_DF   (1UL << 10)
#define RFLAGS_IOPL (3UL << 12)
#define RFLAGS_NT   (1UL << 14)
#define RFLAGS_AC   (1UL << 18)

/* CR0's FPU bits (no UL: the fast paths set TS in assembly) */
#define CR0_MP      (1 << 1)        /* wait/fwait heed TS */
#define CR0_EM      (1 << 2)        /* x87 emulation: off */
#define CR0_TS      (1 << 3)        /* FPU/SSE instructions raise #NM (fpu.c) */
#define CR0_NE      (1 << 5)        /* native x87 error reporting */
#define CR4_PGE     (1UL << 7)      /* global pages: kept in the TLB across CR3 loads */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void write_cr3(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* Every TLB entry goes, the global ones too. */
static inline void flush_global_tlb(void)
{
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PGE) : "memory");
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

static inline uint64_t read_cr0(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline void write_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v));
}

static inline uint64_t read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline void write_cr4(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v));
}

static inline void invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint16_t read_gs_selector(void)
{
    uint16_t v;
    __asm__ volatile("mov %%gs, %0" : "=r"(v));
    return v;
}

/* Load a %gs selector; in 64-bit mode this also sets the GS base (to the
 * descriptor's), so the caller puts the base it wants back afterwards. */
static inline void load_gs_selector(uint16_t sel)
{
    __asm__ volatile("mov %0, %%gs" : : "r"((uint32_t)sel) : "memory");
}

static inline void irq_enable(void)  { __asm__ volatile("sti"); }
static inline void irq_disable(void) { __asm__ volatile("cli"); }
static inline void cpu_halt(void)    { __asm__ volatile("hlt"); }
static inline void cpu_relax(void)   { __asm__ volatile("pause"); }

/* Let pending interrupts in for a moment (sti takes effect after the next
 * instruction): a preemption point in long kernel work. */
static inline void arch_interrupt_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }

/* Enable interrupts and halt atomically (sti takes effect after hlt starts). */
static inline void cpu_idle(void)    { __asm__ volatile("sti; hlt; cli"); }
#endif
