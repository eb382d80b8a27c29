/* The processors: found in the MADT; the application processors (APs)
 * started one by one with INIT, SIPI, SIPI (Intel SDM vol. 3, 8.4.4)
 * through ap_boot.S, which brings each into long mode on a stack of its
 * own and into ap_main. There it takes the kernel's root, a GDT and TSS
 * of its own, the IDT and its local APIC, counts itself running and
 * waits, interrupts off, for work that does not exist yet (issue 15:
 * threads on every processor). Until then the KIP reports one processor
 * and no thread runs anywhere but on the boot processor. */
#include "arch/smp.h"
#include "arch/acpi.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/timer.h"
#include "frame.h"
#include "kmem.h"
#include "print.h"
#include "section.h"

/* ICR commands: INIT (level assert), start-up with the trampoline's page */
#define ICR_INIT     0x00004500u
#define ICR_STARTUP  (0x00004600u | AP_TRAMPOLINE >> 12)

extern char ap_trampoline[], ap_trampoline_end[], ap_trampoline_params[];

static unsigned cpus_found = 1;
static volatile unsigned cpus_running = 1;

/* The AP's waiting place, in run-time text: the boot code it came
 * through is released after boot. It counts itself in from here, so
 * that it has left the boot code when the boot processor sees it. */
static NORETURN __attribute__((noinline)) void ap_wait(void)
{
    __atomic_fetch_add(&cpus_running, 1, __ATOMIC_RELEASE);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Each AP's one page: its GDT at the start, the double-fault stack up to
 * AP_DF_TOP, its stack up to the TSS, which ends the page (gdt.h). */
static uint8_t *ap_page;
#define AP_DF_TOP    0x800
#define AP_STACK_TOP (TSS_OFFSET & ~15)

__boot static NORETURN void ap_main(void)
{
    paging_switch(paging_kernel_root());
    gdt_init_ap(ap_page, (uint64_t)ap_page + AP_DF_TOP);
    idt_load();
    lapic_enable_here();
    ap_wait();
}

/* Start the AP with local APIC id `id`; true if it came up. */
__boot static bool start_ap(unsigned id, paddr_t root)
{
    paddr_t f = frame_alloc();
    if (!f)
        return false;
    ap_page = phys_to_virt(f);
    struct ap_start *p = phys_to_virt(AP_TRAMPOLINE + (ap_trampoline_params - ap_trampoline));
    *p = (struct ap_start){ .root = root, .efer = rdmsr(MSR_EFER), .entry = (uint64_t)ap_main,
                            .stack = (uint64_t)ap_page + AP_STACK_TOP };
    unsigned before = cpus_running;
    lapic_ipi(id, ICR_INIT);
    tsc_delay_us(10000);
    for (int i = 0; i < 2 && cpus_running == before; i++) {
        lapic_ipi(id, ICR_STARTUP);
        tsc_delay_us(200);
    }
    for (int ms = 0; ms < 100 && cpus_running == before; ms++)
        tsc_delay_us(1000);
    if (cpus_running != before)
        return true;
    frame_free(f);          /* (should it come up later, it finds no page: */
    return false;           /* never, it was sent no more start-ups) */
}

__boot void smp_boot(void)
{
    uint8_t ids[MAX_CPUS];
    unsigned n = acpi_cpus(ids, MAX_CPUS), self = lapic_id();
    if (n <= 1 || !timer_uses_lapic())
        return;
    cpus_found = n;
    size_t size = ap_trampoline_end - ap_trampoline;
    copy_bytes(phys_to_virt(AP_TRAMPOLINE), ap_trampoline, size);
    paddr_t root = paging_ap_start_root();
    for (unsigned i = 0; i < n; i++)
        if (ids[i] != self && !start_ap(ids[i], root))
            kprintf("smp: the processor with APIC id %u did not start\n", ids[i]);
    paging_ap_start_root_free(root);
    kprintf("smp: %u processors, %u running; the others wait (threads run on the first)\n",
            cpus_found, cpus_running);
}

unsigned smp_cpus_found(void)
{
    return cpus_found;
}

unsigned smp_cpus_running(void)
{
    return cpus_running;
}
