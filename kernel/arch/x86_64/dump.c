/* A trap frame in words for the console: the exception names and the
 * register dump that panics, the interactive debugger and the reports of
 * stopped threads print (fault.h). */
#include "arch/cpu.h"
#include "section.h"
#include "fault.h"
#include "print.h"

static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
};

__kdb const char *exception_name(unsigned v)
{
    return v < 32 && names[v] ? names[v] : "interrupt";
}

__kdb void dump_frame(const struct trap_frame *f)
{
    kprintf("  rip %016lx  cs %lx  rflags %016lx  rsp %016lx  ss %lx\n",
            f->rip, f->cs, f->rflags, f->rsp, f->ss);
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
    kprintf("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n", f->r13, f->r14, f->r15,
            read_cr2());
    kprintf("  vector %lu  error %lx  cr3 %016lx\n", f->vector, f->error, read_cr3());
}
