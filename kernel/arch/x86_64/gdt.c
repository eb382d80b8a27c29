/* Global descriptor table and task-state segment. */
#include "arch/gdt.h"
#include "config.h"
#include "section.h"
#include "types.h"
#include <stdbool.h>

/*
 * Code/data descriptor (8 bytes; base and limit are ignored in long mode):
 *   bits 40-47 access: P(7) DPL(5-6) S(4) type(0-3: code 0xA / data 0x2)
 *   bits 52-55 flags:  G(3) D/B(2) L(1: 64-bit code)
 * sysret loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, hence the
 * order: an empty slot (sysret's base), user data, user code64.
 *
 * There is no 32-bit code segment (spec 4.8: no compatibility mode). A
 * far transfer to selector 0x1B finds the empty slot and raises #GP in
 * user mode, so a thread can never run in compatibility mode, where a
 * `syscall` would enter the kernel through CSTAR.
 */
static uint64_t gdt[] = {
    0,
    0x00AF9A000000FFFF,     /* 0x08 kernel code, 64-bit */
    0x00CF92000000FFFF,     /* 0x10 kernel data */
    0,                      /* 0x18 empty: sysret's base, no 32-bit code */
    0x00CFF2000000FFFF,     /* 0x20 user data */
    0x00AFFA000000FFFF,     /* 0x28 user code, 64-bit */
    0, 0,                   /* 0x30 TSS (16-byte system descriptor) */
};

/* 64-bit TSS: stack pointers for privilege changes and the IST stacks.
 * It ends its page, so that through the I/O window the I/O permission
 * bitmap follows it on the next page (arch/io.h). */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == TSS_SIZE, "TSS layout");

/* This processor's TSS, ending its kernel page (percpu.h). */
#define kernel_tss (*(struct tss *)(cpu_pages.kernel + TSS_OFFSET))

/* A separate stack for double faults, so a kernel stack overflow still
 * produces a readable panic. */
static uint8_t df_stack[4096] __attribute__((aligned(16)));


/* TSS descriptor (16 bytes): base 0-63, limit 0-19, type 9 (available
 * 64-bit TSS; ltr sets it busy, 0xB), present. */
__boot static void tss_descriptor(uint64_t *g, uint64_t base, uint64_t limit)
{
    g[6] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89UL << 40 |
           ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
    g[7] = base >> 32;
}

__boot static void set_tss_descriptor(uint64_t base, uint64_t limit)
{
    tss_descriptor(gdt, base, limit);
}

/* Load the GDT at g (its TSS selector SEL_TSS) and the kernel's segments. */
__boot static void load_gdt(const uint64_t *g, uint16_t size)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = { size - 1, (uint64_t)g };
    __asm__ volatile(
        "lgdt %0\n"
        "mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
        "pushq %2\n leaq 1f(%%rip), %%rax\n pushq %%rax\n lretq\n"
        "1: ltr %w3\n"
        : : "m"(gdtr), "r"(SEL_KDATA), "i"(SEL_KCODE), "r"(SEL_TSS) : "rax", "memory");
}

/* The limit takes in the I/O bitmap (8 KB) and the byte after it. */
#define TSS_LIMIT_WITH_BITMAP (TSS_SIZE - 1 + 8192 + 1)

__boot void gdt_load_tss(uint64_t tss_va, bool with_bitmap)
{
    set_tss_descriptor(tss_va, with_bitmap ? TSS_LIMIT_WITH_BITMAP : TSS_SIZE - 1);
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
}

__boot void gdt_init(void)
{
    /* Until the I/O window exists: the TSS at its image address, no bitmap
     * (the bitmap offset lies beyond the limit, so no port is allowed). */
    set_tss_descriptor((uint64_t)&kernel_tss, TSS_SIZE - 1);
    kernel_tss.ist[0] = (uint64_t)df_stack + sizeof df_stack;
    kernel_tss.iomap_base = TSS_SIZE;
    *(uint64_t *)(cpu_pages.kernel + CPU_TCB_AREA_BASE) = TCB_AREA_BASE;

    load_gdt(gdt, sizeof gdt);
}

_Static_assert(CPU_AP_GDT + sizeof gdt <= CPU_REQUEST, "an AP's GDT ends before the request");

__boot void gdt_init_ap(uint64_t df_stack_top, uint64_t tss_va)
{
    uint64_t *g = (uint64_t *)(cpu_pages.kernel + CPU_AP_GDT);
    for (unsigned i = 0; i < sizeof gdt / sizeof gdt[0]; i++)
        g[i] = gdt[i];
    kernel_tss = (struct tss){ .ist = { df_stack_top }, .iomap_base = TSS_SIZE };
    tss_descriptor(g, tss_va, TSS_LIMIT_WITH_BITMAP);
    *(uint64_t *)(cpu_pages.kernel + CPU_TCB_AREA_BASE) = TCB_AREA_BASE;
    load_gdt(g, sizeof gdt);
}
