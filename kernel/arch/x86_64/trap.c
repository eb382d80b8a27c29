/* Trap dispatch: CPU exceptions, interrupts, and the instructions the
 * kernel carries out for user threads (the int3 debugger interface in
 * kdebug_trap.c, the rest in emulate.c). */
#include "arch/cpu.h"
#include "arch/mp.h"
#include "arch/frame.h"
#include "arch/fpu.h"
#include "arch/io.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/intctl.h"
#include "arch/pic.h"
#include "arch/emulate.h"
#include "arch/timer.h"
#include "arch/usercopy.h"
#include "fault.h"
#include "irq.h"
#include "kdebug.h"
#include "print.h"
#include "sched.h"
#include "space.h"
#include "syscall.h"
#include "unix.h"

/* Page-fault error code: bit 0 the page was present, 4 instruction fetch. */
#define PF_PRESENT 1
#define PF_FETCH   16

/* A trap in kernel mode: a fix-up, else a panic. Out of line, so that
 * the traps from user mode do not save the registers this path needs. */
static __attribute__((noinline)) void kernel_trap(struct trap_frame *f)
{
    uint64_t rip = f->rip;
    if (usercopy_fixup(f))
        return;                                 /* user copy hit a hole */
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

/* A page fault's access, from its error code: bit 1 write, bit 4
 * instruction fetch. */
static unsigned pf_access(word_t error)
{
    return (error & 2) ? ACCESS_W : (error & 16) ? ACCESS_X : ACCESS_R;
}

static void user_exception(struct trap_frame *f, uint64_t cr2)
{
    if (f->vector == VEC_PF) {
        fault_page(f, cr2, pf_access(f->error));
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
        /* (a multiprocessor tried KernelInterface without the lock:
         * exception_without_lock) */
        if (mp_cpus < 2 && emulate_kernel_interface(f))
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

/* On a multiprocessor, a page fault, a lazy FPU switch or KernelInterface
 * in user mode whose handling stays on this processor, or asks another by
 * a request, takes no lock: the fault's message to the pager (fault.c);
 * the FPU registers of a thread that has its save area already (the
 * registers' owner is a thread of this processor: an evicted or moved
 * one's were saved where it left); the KIP's address and version into
 * the thread's registers. False, with nothing done, if not so. (Out of
 * line: the locked way through trap_dispatch stays as it was.) */
static __attribute__((noinline)) bool exception_without_lock(struct trap_frame *f,
                                                             uint64_t cr2)
{
    switch (f->vector) {
    case VEC_PF:
        return fault_page_without_lock(f, cr2, pf_access(f->error));
    case VEC_NM:
        return current->fpu_state && fpu_trap();
    case VEC_UD:
        return !current->space->unix_abi && emulate_kernel_interface(f);
    default:
        return false;
    }
}

/* The thread this processor runs, interrupted in user mode, gives way to
 * a thread above it that was made ready here, without the kernel lock:
 * the ready queues are this processor's ("IPC without the lock",
 * arch/mp.h). It goes on later without the lock too: only its way back
 * to user mode follows (tcb.resume_local). */
static __attribute__((noinline)) void preempt_without_lock(void)
{
    struct tcb *self = current;
    mp_mark_lockless();
    self->resume_local = true;
    sched_check_preempt();
    self->resume_local = false;
}

/* A tick with timeouts due here, in user mode or in the idle thread (as
 * interrupt_without_lock below): the waits that are this processor's
 * alone end without the kernel lock (timeout_expire_here), and a thread
 * they made ready above the running one runs at once. */
static __attribute__((noinline)) bool tick_without_lock(const struct trap_frame *f)
{
    bool idle = !frame_from_user(f);
    if (idle && (!sched_is_idle(current) || !mp_idle_may_leave()))
        return false;
    if (!idle)
        mp_mark_lockless();
    if (!sched_tick_quiet(true))
        return false;                   /* (kernel_lock ends the mark) */
    if (idle)
        sched_leave_idle(NULL);
    else
        preempt_without_lock();
    return true;
}

/* The kernel's clock (the local APIC timer, else the PIT on line 0):
 * the scheduler's tick, and a look at the console for the debugger's
 * break-in key, which must work however busy the scheduler is. */
static void timer_interrupt(const struct trap_frame *f)
{
    timer_ack();
    sched_clock();
    /* (A line noted, perhaps by an entry whose thread was evicted while
     * it waited for the lock, is sent under the lock, below.) */
    if (!irq_noted() && (sched_tick_quiet(false) || (mp_cpus > 1 && tick_without_lock(f))))
        return;                         /* counted: no lock, nobody parked */
    unsigned cpu = cpu_index();
    kernel_lock();
    if (cpu_index() != cpu)             /* evicted, and going on elsewhere: */
        return;                         /* not that processor's tick */
    irq_send_noted();                   /* (an interrupted entry's, evicted) */
    if (cpu == 0)
        kdb_poll();
    sched_tick();
}

/* An interrupt in user mode or in the idle thread whose interrupt thread
 * and handler are this processor's goes to the handler without the
 * kernel lock (irq_fire_here: arch/mp.h, "IPC without the lock"); in the
 * idle thread only if no holder of the lock keeps the processor idle
 * (mp_idle_may_leave). A handler it woke runs at once if it is above the
 * interrupted thread. (Out of line: the exceptions' way through
 * trap_dispatch stays as short as it was.) */
static __attribute__((noinline)) bool interrupt_without_lock(unsigned irq,
                                                             const struct trap_frame *f)
{
    struct tcb *woken = NULL;
    bool idle = !frame_from_user(f);
    if (idle && (!sched_is_idle(current) || !mp_idle_may_leave()))
        return false;
    if (!idle)
        mp_mark_lockless();
    if (!irq_fire_here(irq, &woken))
        return false;                   /* (kernel_lock ends the mark) */
    if (idle)
        sched_leave_idle(woken);
    else if (woken)
        preempt_without_lock();
    return true;
}

/* Each interrupt is acknowledged before the kernel lock is taken: while
 * this processor waits for it, the thread it interrupted may be evicted
 * and go on elsewhere (arch/mp.h), where an end of interrupt would be
 * the wrong processor's. */
static void interrupt(struct trap_frame *f)
{
    unsigned v = f->vector;
    if (v == VEC_IPI) {
        lapic_eoi();
        mp_serve();
        /* Requests (arch/mp.h); the idle thread also looks at its ready
         * queue without the lock, unless a holder keeps it idle */
        if (frame_from_user(f) || !sched_is_idle(current)) {
            mp_serve_requests(SERVE_RUNNING, 0);
        } else if ((this_cpu.requests || this_cpu.resched) && mp_idle_may_leave()) {
            this_cpu.resched = 0;
            sched_leave_idle(mp_serve_requests(SERVE_IDLE, 0));
            return;
        }
        if (!this_cpu.resched)
            return;
        this_cpu.resched = 0;
        if (frame_from_user(f) && !mp_holds_lock()) {
            preempt_without_lock();     /* (not at a preemption point of */
            return;                     /* kernel work, nor evicted: mp_serve) */
        }
        kernel_lock();
        sched_check_preempt();
    } else if (v == VEC_TIMER) {
        timer_interrupt(f);
    } else if (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + 16) {
        unsigned irq = v - VEC_IRQ_BASE;
        if (intctl_spurious(irq))
            return;
        if (irq == 0 && !timer_uses_lapic()) {
            timer_interrupt(f);
            return;
        }
        intctl_mask(irq);
        intctl_eoi(irq);
        if (mp_cpus > 1 && interrupt_without_lock(irq, f))
            return;                     /* (one processor: no lock, no mark) */
        irq_note(irq);
        kernel_lock();
        irq_send_noted();                   /* an IPC to its handler */
    } else if (v != VEC_SPURIOUS) {
        kprintf("pecan: unexpected interrupt vector %u ignored\n", v);
    }
}

/* entry.S, trap_exit: the thread would return to a non-canonical RIP. */
void user_rip_fault(struct trap_frame *f)
{
    kernel_lock();                      /* (fast_resume let it go) */
    f->vector = VEC_GP;
    f->error = 0;
    fault_exception(f);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector >= 32) {
        interrupt(f);                   /* (it takes the kernel lock where needed) */
        if (frame_from_user(f) && current->quantum_expired) {
            kernel_lock();
            sched_quantum_expired();
        }
    } else if (!frame_from_user(f)) {
        kernel_trap(f);                 /* (the lock is held, or it panics) */
    } else {
        /* CR2 before the lock: while it waits, the thread may be evicted
         * and the processor fault elsewhere (arch/mp.h) */
        uint64_t cr2 = f->vector == VEC_PF ? read_cr2() : 0;
        if (mp_cpus < 2 || !exception_without_lock(f, cr2)) {
            kernel_lock();
            user_exception(f, cr2);
        }
    }
    if (frame_from_user(f) && current->unix_interrupt) {
        kernel_lock();
        unix_user_return(f);
    }
}
