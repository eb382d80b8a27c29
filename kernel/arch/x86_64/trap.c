/* Trap dispatch: CPU exceptions, interrupts, and the instructions the
 * kernel carries out for user threads (the int3 debugger interface here,
 * the rest in emulate.c). */
#include "arch/cpu.h"
#include "arch/frame.h"
#include "arch/fpu.h"
#include "arch/io.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/intctl.h"
#include "arch/pic.h"
#include "arch/emulate.h"
#include "arch/timer.h"
#include "fault.h"
#include "irq.h"
#include "kdebug.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "syscall.h"
#include "unix.h"

extern char copy_user_start[], copy_user_end[], copy_user_fault[];
size_t copy_from_user_raw(void *dst, const void *src, size_t n);

static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
};

const char *exception_name(unsigned v)
{
    return v < 32 && names[v] ? names[v] : "interrupt";
}

size_t copy_from_user(void *dst, word_t src, size_t n)
{
    if (src >= USER_END)
        return 0;
    if (n > USER_END - src)
        n = USER_END - src;
    return copy_from_user_raw(dst, (const void *)src, n);
}

void dump_frame(const struct trap_frame *f)
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

/* Page-fault error code: bit 0 the page was present, 4 instruction fetch. */
#define PF_PRESENT 1
#define PF_FETCH   16

static void kernel_trap(struct trap_frame *f)
{
    uint64_t rip = f->rip;
    if (f->vector == VEC_PF && rip >= (uint64_t)copy_user_start && rip < (uint64_t)copy_user_end) {
        f->rip = (uint64_t)copy_user_fault;     /* user copy hit a hole */
        return;
    }
    if (f->vector == VEC_GP && msr_fixup(f))
        return;                                 /* an MSR the CPU lacks */
    uint64_t cr2 = read_cr2();
    if (f->vector == VEC_PF && cr2 < USER_END && (f->error & PF_FETCH))
        panic_frame(f, "SMEP: the kernel executed user memory at %016lx", cr2);
    if (f->vector == VEC_PF && cr2 < USER_END && (f->error & PF_PRESENT))
        panic_frame(f, "SMAP: the kernel touched user memory at %016lx at %016lx, "
                    "outside a stac window", cr2, rip);
    panic_frame(f, "kernel %s (vector %lu, error 0x%lx) at %016lx",
                exception_name(f->vector), f->vector, f->error, rip);
}

/* A #GP from user mode that the kernel deals with itself: in/out on a
 * port not granted (an I/O fault to the pager), or an instruction it
 * emulates. The instruction is read once for all the decoders (and out of
 * line, to keep its buffer off the other exceptions' path). */
static __attribute__((noinline)) bool user_gp(struct trap_frame *f)
{
    uint8_t insn[15];
    size_t n = copy_from_user(insn, f->rip, sizeof insn);
    word_t fp;
    if (!io_all_ports() && io_decode_fault(f, insn, n, &fp) &&
        !io_allowed(current->space, io_fpage_port(fp))) {
        fault_io(f, fp);
        return true;
    }
    return emulate_segment_load(f, insn, n) || emulate_msr(f, insn, n);
}

static void user_exception(struct trap_frame *f)
{
    if (f->vector == VEC_PF) {
        /* error code: bit 1 = write, bit 4 = instruction fetch */
        unsigned access = (f->error & 2) ? ACCESS_W : (f->error & 16) ? ACCESS_X : ACCESS_R;
        fault_page(f, read_cr2(), access);
        return;
    }
    if (f->vector == VEC_NM && fpu_trap())
        return;                         /* lazy FPU switch, never an exception IPC */
    /* X.2's own uses of #UD (KernelInterface), #BP (KDB) and #GP (I/O
     * faults, emulations) are not for programs of a Unix-ABI space. */
    if (current->space->unix_abi) {
        fault_exception(f);
        return;
    }
    switch (f->vector) {
    case VEC_UD:
        if (emulate_kernel_interface(f))
            return;
        break;
    case VEC_BP:
        if (kdebug_trap(f))
            return;
        break;
    case VEC_GP:
        if (user_gp(f))
            return;
        break;
    }
    fault_exception(f);
}

static void interrupt(struct trap_frame *f)
{
    unsigned v = f->vector;
    if (v == VEC_TIMER) {
        timer_ack();
        sched_tick();
    } else if (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + 16) {
        unsigned irq = v - VEC_IRQ_BASE;
        if (intctl_spurious(irq))
            return;
        if (irq == 0 && !timer_uses_lapic()) {
            timer_ack();
            sched_tick();
            return;
        }
        irq_fire(irq);                      /* an IPC to its handler */
    } else if (v != VEC_SPURIOUS) {
        kprintf("pecan: unexpected interrupt vector %u ignored\n", v);
    }
}

/* entry.S, trap_exit: the thread would return to a non-canonical RIP. */
void user_rip_fault(struct trap_frame *f)
{
    f->vector = VEC_GP;
    f->error = 0;
    fault_exception(f);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector >= 32) {
        interrupt(f);
        if (frame_from_user(f) && current->quantum_expired)
            sched_quantum_expired();
    }
    else if (!frame_from_user(f))
        kernel_trap(f);
    else
        user_exception(f);
    if (frame_from_user(f) && current->unix_interrupt)
        unix_user_return(f);
}
