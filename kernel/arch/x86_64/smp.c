/* The processors: found in the MADT; the application processors (APs)
 * started one by one with INIT, SIPI, SIPI (Intel SDM vol. 3, 8.4.4)
 * through ap_boot.S, which brings each into long mode on a stack of its
 * own and into ap_main. There it takes page tables of its own, which show
 * it its own cpu_pages (percpu.h), a GDT and TSS there, the IDT, the boot
 * processor's settings and its local APIC, counts itself running and
 * waits until the boot code is gone; then it runs threads (arch/mp.h).
 * If one did not come up, threads run on the boot processor only. */
#include "arch/smp.h"
#include "arch/acpi.h"
#include "arch/cpu.h"
#include "arch/context.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/io.h"
#include "arch/mp.h"
#include "arch/paging.h"
#include "arch/timer.h"
#include "frame.h"
#include "kmem.h"
#include "print.h"
#include "section.h"
#include "sched.h"

/* ICR commands: INIT (level assert), start-up with the trampoline's page */
#define ICR_INIT     0x00004500u
#define ICR_STARTUP  (0x00004600u | AP_TRAMPOLINE >> 12)

extern char ap_trampoline[], ap_trampoline_end[], ap_trampoline_params[];

static unsigned cpus_found = 1;
static volatile unsigned cpus_running = 1;
static volatile unsigned own_pages_seen;    /* bit n: processor n saw index n in its pages */

/* The AP's waiting place, in run-time text: the boot code it came
 * through is released after boot. It counts itself in from here, so
 * that it has left the boot code when the boot processor sees it, and
 * waits until that code is gone (mp_start_others), whose global TLB
 * entries it then drops, before it takes threads. */
static NORETURN __attribute__((noinline)) void ap_wait(void)
{
    __atomic_fetch_or(&own_pages_seen, 1u << this_cpu.index, __ATOMIC_RELAXED);
    __atomic_fetch_add(&cpus_running, 1, __ATOMIC_RELEASE);
    while (!mp_may_start() || mp_cpus == 1)
        cpu_relax();
    flush_global_tlb();
    lapic_timer_start_here();
    sched_start_here();
}

/* Each AP's kernel page (percpu.h) holds, besides its struct cpu_local,
 * GDT and TSS, its double-fault stack up to AP_DF_TOP and the stack it
 * starts on up to the fast paths' words. It starts on that stack through
 * the direct map, the same under the start root and its own. */
static paddr_t ap_root;                 /* of the AP being started */
static const struct cpu_local *boot_cpu;   /* the boot processor's, by the direct map */
#define AP_DF_TOP    0x800
#define AP_STACK_TOP (CPU_CURRENT & ~15)

__boot static NORETURN void ap_main(void)
{
    paging_switch(ap_root);
    uint64_t cr4 = read_cr4();          /* no global entry of the start root */
    write_cr4(cr4 & ~CR4_PGE);          /* survives: it showed the boot */
    write_cr4(cr4 | CR4_PGE);           /* processor's cpu_pages */
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu_pages);
    gdt_init_ap((uint64_t)cpu_pages.kernel + AP_DF_TOP, IO_CPU_TSS(this_cpu.index));
    idt_load();
    arch_cpu_init_ap(boot_cpu);
    lapic_enable_here();
    ap_wait();
}

/* Start the AP with local APIC id `id` as processor `index`; true if it
 * came up. (One that came up later than we waited would take the next
 * one's root: the check in smp_boot would say so.) */
__boot static bool start_ap(unsigned id, unsigned index, paddr_t root)
{
    paddr_t kernel = frame_alloc(), user = frame_alloc();
    ap_root = kernel && user ? paging_cpu_root(kernel, user) : 0;
    if (!ap_root) {
        if (kernel)
            frame_free(kernel);
        if (user)
            frame_free(user);
        return false;
    }
    struct cpu_local *local = phys_to_virt(kernel);
    *local = (struct cpu_local){ 0 };
    mp_add_cpu(index, id, local, ap_root);
    io_add_cpu(index, kernel);
    struct ap_start *p = phys_to_virt(AP_TRAMPOLINE + (ap_trampoline_params - ap_trampoline));
    *p = (struct ap_start){ .root = root, .efer = rdmsr(MSR_EFER), .entry = (uint64_t)ap_main,
                            .stack = (uint64_t)phys_to_virt(kernel) + AP_STACK_TOP };
    unsigned before = cpus_running;
    lapic_ipi(id, ICR_INIT);
    tsc_delay_us(10000);
    for (int i = 0; i < 2 && cpus_running == before; i++) {
        lapic_ipi(id, ICR_STARTUP);
        tsc_delay_us(200);
    }
    for (int ms = 0; ms < 100 && cpus_running == before; ms++)
        tsc_delay_us(1000);
    return cpus_running != before;
}

__boot void smp_boot(void)
{
    uint8_t ids[MAX_CPUS];
    unsigned n = acpi_cpus(ids, MAX_CPUS), self = lapic_id();
    struct cpu_local *boot = phys_to_virt(virt_to_phys(&cpu_pages.local));
    mp_add_cpu(0, self, boot, paging_kernel_root());
    boot_cpu = boot;
    if (n <= 1 || !timer_uses_lapic())
        return;
    cpus_found = n;
    size_t size = ap_trampoline_end - ap_trampoline;
    copy_bytes(phys_to_virt(AP_TRAMPOLINE), ap_trampoline, size);
    paddr_t root = paging_ap_start_root();
    unsigned started = 0;               /* bit n: processor n came up */
    for (unsigned i = 0, index = 1; i < n; i++) {
        if (ids[i] == self)
            continue;
        if (start_ap(ids[i], index, root))
            started |= 1u << index;
        else
            kprintf("smp: the processor with APIC id %u did not start\n", ids[i]);
        index++;
    }
    paging_ap_start_root_free(root);
    /* Each saw its own index through cpu_pages, and ours is still 0. */
    bool own = own_pages_seen == started && this_cpu.index == 0;
    if (own && cpus_running == n)
        mp_cpus = n;                    /* threads may run on all of them */
    kprintf("smp: %u processors, %u running%s; threads run on %u\n", cpus_found, cpus_running,
            own ? ", each on its own pages" : ", SHARING their pages", mp_cpus);
}

unsigned smp_cpus_found(void)
{
    return cpus_found;
}

unsigned smp_cpus_running(void)
{
    return cpus_running;
}
