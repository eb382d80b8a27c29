/* The amd64 system-call ABI (spec 4): unpack the registers of each call
 * into the generic system-call functions and pack their results. The
 * call number is in RBP (see stubs.S). Returns true when the exit must use
 * iretq because RCX carries a result (sysret would overwrite it). */
#include "arch/mp.h"
#include "arch/frame.h"
#include "ipc.h"
#include "map.h"
#include "sched.h"
#include "syscall.h"
#include "utcb.h"

/* Ipc/Lipc: MR0 in R9, MR1..MR7 in RAX RBX R10 R12 R13 R14 R15. */
static void store_mrs(const struct trap_frame *f, word_t *mr)
{
    mr[0] = f->r9;
    mr[1] = f->rax;
    mr[2] = f->rbx;
    mr[3] = f->r10;
    mr[4] = f->r12;
    mr[5] = f->r13;
    mr[6] = f->r14;
    mr[7] = f->r15;
}

static void load_mrs(struct trap_frame *f, const word_t *mr)
{
    f->r9 = mr[0];
    f->rax = mr[1];
    f->rbx = mr[2];
    f->r10 = mr[3];
    f->r12 = mr[4];
    f->r13 = mr[5];
    f->r14 = mr[6];
    f->r15 = mr[7];
}

/* Ipc and Lipc: MR0..MR7 travel in registers both ways. To another
 * processor's thread without the lock (IPC_REMOTE), a pager's answer with
 * a map item without the lock (IPC_LOCAL_MAP); else ipc_short first. */
static inline bool sys_ipc(struct trap_frame *f, enum ipc_lock how)
{
    store_mrs(f, current->utcb);
    if (how >= IPC_REMOTE) {
        f->rsi = ipc_remote(f->rsi, f->rdx, f->r8, f->r9, how);
    } else if (how == IPC_LOCAL_MAP) {
        f->rsi = ipc_map_answer(f->rsi, f->rdx, f->r8, f->r9);
    } else {
        ipc_short(f->rsi, f->rdx, f->r8, f->r9);
        f->rsi = ipc(f->rsi, f->rdx, f->r8);
    }
    ipc_user_return(current);
    load_mrs(f, current->utcb);
    f->rdi = current->local_id;
    sched_check_preempt();
    return false;
}

/* The calls other than Ipc and Lipc take the kernel lock on a
 * multiprocessor, but those that touch nothing but this processor's
 * (ThreadSwitch; ExchangeRegisters and Schedule of a thread of ours,
 * exreg_local and schedule_local, which mark the processor lockless; of
 * another processor's thread they are requests to that one) or nothing
 * shared at all
 * (SystemClock reads the time stamp counter; ProcessorControl,
 * MemoryControl and a number that is no system call answer at once).
 * (Out of line: the IPC path keeps its registers.) */
static __attribute__((noinline)) void lock_unless_local(const struct trap_frame *f)
{
    switch (f->rbp) {
    case SYS_THREAD_SWITCH:
        mp_mark_lockless();
        return;
    case SYS_EXCHANGE_REGISTERS:
        if (!exreg_local(f->rax, f->rsi))
            kernel_lock_wait();
        return;
    case SYS_SCHEDULE:
        if (!schedule_local(f->rdi, f->r8))
            kernel_lock_wait();
        return;
    case SYS_UNMAP:
    case SYS_THREAD_CONTROL:
    case SYS_SPACE_CONTROL:
        kernel_lock_wait();
        return;
    }
}

/* An Ipc or Lipc takes the kernel lock on a multiprocessor, but if its
 * partners are this processor's threads, or its To is another's
 * (ipc_local). */
_Static_assert(SYS_LIPC == (SYS_IPC | 1), "Ipc and Lipc differ in bit 0");
bool syscall_dispatch(struct trap_frame *f)
{
    if (mp_cpus > 1) {
        if ((f->rbp & ~1UL) != SYS_IPC) {
            lock_unless_local(f);
        } else {
            enum ipc_lock how = ipc_local(f->rsi, f->rdx, f->r9);
            if (how >= IPC_REMOTE)
                return sys_ipc(f, how);
            if (how <= IPC_LOCAL_MAP) {     /* (one compare for IPC_LOCAL) */
                if (how == IPC_LOCAL_MAP)
                    return sys_ipc(f, IPC_LOCAL_MAP);
                kernel_lock_wait();
            }
        }
    }
    switch (f->rbp) {
    case SYS_IPC:
    case SYS_LIPC:
        return sys_ipc(f, IPC_LOCAL);
    case SYS_UNMAP:
        /* MR0..MR7 travel in the IPC registers both ways. */
        store_mrs(f, current->utcb);
        sys_unmap(current, f->rdx);
        load_mrs(f, current->utcb);
        return false;
    case SYS_EXCHANGE_REGISTERS: {
        struct exreg r = { f->rax, f->rsi, f->rdx, f->r8, f->r9, f->r10, f->rdi };
        /* (Switched away, by a halt of its own or a preemption below, the
         * caller has only its way back to user mode left.) */
        current->resume_local = true;
        sys_exchange_registers(&r);
        f->rax = r.dest;
        f->rsi = r.control;
        f->rdx = r.sp;
        f->r8 = r.ip;
        f->r9 = r.flags;
        f->r10 = r.user_handle;
        f->rdi = r.pager;
        sched_check_preempt();
        current->resume_local = false;
        return false;
    }
    case SYS_THREAD_CONTROL:
        f->rax = sys_thread_control(f->rdi, f->r8, f->rdx, f->rsi, f->r9);
        sched_check_preempt();
        return false;
    case SYS_SPACE_CONTROL:
        f->rax = sys_space_control(f->rdi, f->rsi, f->rdx, f->r8, f->r9, &f->rdx);
        return false;
    case SYS_SCHEDULE: {
        struct schedule s = { .time_control = f->rdx, .prio = f->rsi, .processor = f->r8,
                              .preemption = f->r9 };
        /* (Switched away without the lock, by a priority below another's,
         * the caller has only its way back to user mode left.) */
        current->resume_local = mp_lockless();
        f->rax = sys_schedule(f->rdi, &s);
        f->rdx = s.old_time;
        /* (a priority changed here, or a thread made ready by a request
         * served while ours waited: an attacker's review,
         * mp.a_thread_woken_while_schedule_waits_for_its_request_preempts_at_once) */
        sched_check_preempt();
        current->resume_local = false;
        return false;
    }
    case SYS_THREAD_SWITCH:
        sys_thread_switch(f->rdi);
        return false;
    case SYS_SYSTEM_CLOCK:
        f->rax = system_clock_us();
        return false;
    case SYS_PROCESSOR_CONTROL:
        f->rax = 0;                 /* a no-op, as in Pistachio (spec 4.13) */
        return false;
    case SYS_MEMORY_CONTROL:
        /* Not supported (spec 4.14): result 0, and RAX/RCX keep MR1/MR0 so
         * the library's write-back changes nothing. */
        f->rdx = 0;
        f->rax = current->utcb[1];
        f->rcx = current->utcb[0];
        return true;
    default:
        /* Not a system call: nothing happens (spec 4.2). */
        f->rax = 0;
        f->rdx = 0;
        return false;
    }
}
