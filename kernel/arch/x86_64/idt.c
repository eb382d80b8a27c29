/* Interrupt descriptor table: every vector goes to its stub in entry.S. */
#include "arch/idt.h"
#include "section.h"
#include "arch/gdt.h"

/*
 * Gate descriptor (16 bytes):
 *   offset 0-15 | selector | IST (bits 0-2) | type 0xE = interrupt gate,
 *   DPL (bits 5-6), P (bit 7) | offset 16-31 | offset 32-63 | reserved
 * Interrupt gates clear IF: the kernel runs with interrupts disabled.
 */
struct gate {
    uint16_t off_lo, sel;
    uint8_t ist, attr;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
} __attribute__((packed));

static struct gate idt[NUM_VECTORS] __attribute__((aligned(16)));
extern char vector_stubs[];

_Static_assert(VEC_IRQ_BASE + 16 <= VEC_TIMER && VEC_SPURIOUS < NUM_VECTORS, "vectors");

__boot static void set_gate(int vec, int dpl, int ist)
{
    uint64_t off = (uint64_t)vector_stubs + 16 * vec;
    idt[vec] = (struct gate){
        .off_lo = off & 0xFFFF, .sel = SEL_KCODE, .ist = ist,
        .attr = 0x8E | dpl << 5, .off_mid = (off >> 16) & 0xFFFF, .off_hi = off >> 32,
    };
}

__boot void idt_init(void)
{
    for (int v = 0; v < NUM_VECTORS; v++)
        set_gate(v, 0, 0);
    set_gate(VEC_BP, 3, 0);     /* int3: the user kernel-debugger interface */
    set_gate(VEC_DF, 0, 1);     /* double fault on its own stack */
    idt_load();
}

__boot void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
