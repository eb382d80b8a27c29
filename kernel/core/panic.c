/* Fatal kernel errors: reason, registers, backtrace, then stop. */
#include "arch/cpu.h"
#include "section.h"
#include "config.h"
#include "fault.h"
#include "format.h"
#include "print.h"

static void sink(void *ctx, char c)
{
    (void)ctx;
    kputc(c);
}

/* Walk the frame-pointer chain (the kernel keeps frame pointers) up the
 * 4 KB stack the first frame lies in: a thread's (the TCB area), an idle
 * thread's (the direct map) or the boot stack (the image). Each frame
 * lies above the last, in that page, so a bad link ends the walk rather
 * than faulting. Not inlined: it is debugger text (section.h),
 * panic_frame is not. */
__kdb __attribute__((noinline)) static void backtrace(uint64_t rbp, uint64_t rip)
{
    kprintf("backtrace (resolve with: addr2line -e build/kernel/pecan.elf ADDR):\n");
    if (rip)
        kprintf("  %016lx\n", rip);
    uint64_t page = rbp & ~4095UL;
    for (int depth = 0; depth < 32 && rbp >= PHYS_MAP_BASE && rbp % 8 == 0 &&
                        (rbp & ~4095UL) == page && rbp % 4096 <= 4096 - 16;
         depth++) {
        uint64_t *fp = (uint64_t *)rbp;
        if (fp[1] < KERNEL_VMA || fp[0] <= rbp)
            break;
        kprintf("  %016lx\n", fp[1]);
        rbp = fp[0];
    }
}

void panic_frame(const struct trap_frame *tf, const char *fmt, ...)
{
    irq_disable();
    kprintf("\nPANIC: ");
    va_list ap;
    va_start(ap, fmt);
    format(sink, NULL, fmt, ap);
    va_end(ap);
    kprintf("\n");
    if (tf) {
        dump_frame(tf);
        backtrace(tf->rbp, tf->rip);
    } else {
        backtrace((uint64_t)__builtin_frame_address(0), 0);
    }
    kprintf("PANIC: system halted\n");
    for (;;)
        cpu_halt();
}
