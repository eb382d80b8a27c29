/* Thread contexts: initial frames, the thread switch, CPU set-up. */
#include "arch/context.h"
#include "section.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "arch/io.h"
#include "arch/mp.h"
#include "arch/gdt.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/smap.h"
#include "print.h"
#include "space.h"

/* User RFLAGS: IF; IOPL 3 only with ioports=all (spec 9.2 gives 0x3202,
 * Pistachio's default; Pecan's strict default is 0x0202, arch/io.h). */
#define USER_RFLAGS (RFLAGS_IF | (io_all_ports() ? RFLAGS_IOPL : 0) | 0x2)

extern char trap_exit[], syscall_entry[], syscall_fast_entry[], unix_syscall_entry[],
    unix_syscall_fast_entry[], unix_thread_entry[];
void switch_stack(uint64_t *save_rsp, uint64_t new_rsp);
NORETURN void resume_stack(uint64_t unused, uint64_t new_rsp);
void switch_stack_to(uint64_t *save_rsp, struct trap_frame *f, void *at);
NORETURN void resume_at(uint64_t unused, struct trap_frame *f, void *at);

static void push_switch_frame(struct tcb *t, uint64_t below, uint64_t ret)
{
    struct switch_frame *sf = (struct switch_frame *)below - 1;
    *sf = (struct switch_frame){ .ret = ret };
    t->ksp = (uint64_t)sf;
}

COLD void arch_thread_init_user(struct tcb *t, word_t ip, word_t sp)
{
    struct trap_frame *f = tcb_frame(t);
    *f = (struct trap_frame){
        .rip = ip, .rsp = sp, .cs = SEL_UCODE, .ss = SEL_UDATA, .rflags = USER_RFLAGS,
    };
    push_switch_frame(t, (uint64_t)f, (uint64_t)trap_exit);
}

/* Never IOPL 3, not even with ioports=all: a Linux program's cli, sti,
 * in and out are exceptions (docs/unix.md), and no answer can set IOPL. */
COLD void arch_thread_init_unix(struct tcb *t)
{
    struct trap_frame *f = tcb_frame(t);
    *f = (struct trap_frame){ .cs = SEL_UCODE, .ss = SEL_UDATA, .rflags = RFLAGS_IF | 0x2 };
    t->fs_base = t->gs_base = 0;
    push_switch_frame(t, (uint64_t)f, (uint64_t)unix_thread_entry);
}

void arch_thread_init_kernel(struct tcb *t, void (*fn)(void))
{
    push_switch_frame(t, tcb_stack_top(t), (uint64_t)fn);
}

/* %gs in user mode: the selector SEL_KDATA, which user code cannot load
 * (its DPL is 0), and the base GS_PAGE_VA, kept in KERNEL_GS_BASE while
 * the kernel runs (swapgs). A thread that loads %gs itself changes the
 * selector and, on Intel CPUs, the base, which would then pass to the
 * next thread to leave the kernel. So before another thread runs, both
 * are put back when the selector shows it, here and in the fast paths
 * (asm.h X2_USER_GS). (Every iretq to user mode nulls the selector too,
 * the base kept.) */
static void gs_reset(void)
{
    load_gs_selector(SEL_KDATA);
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu_pages);
    wrmsr(MSR_KERNEL_GS_BASE, GS_PAGE_VA);
}

/* What user mode of `to` needs beyond X.2's: a thread of a Unix-ABI space
 * enters the kernel at unix_syscall_entry and has FS and GS bases of its
 * own (it may have changed them by loading a selector: they are loaded
 * every time); any other thread the X.2 entry, FS base 0 and the GS page.
 * (The IPC fast path switches between X.2 threads only: no Unix-ABI thread
 * is ever blocked on its terms, nor sends on it. The Unix-ABI fast path,
 * unix_fastpath.S, does what this does for its two cases.) */
static inline __attribute__((always_inline)) void load_abi(struct tcb *to)
{
    if (!(to->unix_abi | this_cpu.unix_abi_loaded))
        return;
    if (to->unix_abi) {
        wrmsr(MSR_FS_BASE, to->fs_base);
        wrmsr(MSR_KERNEL_GS_BASE, to->gs_base);
        if (!this_cpu.unix_abi_loaded)
            wrmsr(MSR_LSTAR, this_cpu.unix_entry);
        this_cpu.unix_abi_loaded = true;
    } else if (this_cpu.unix_abi_loaded) {
        wrmsr(MSR_FS_BASE, 0);
        wrmsr(MSR_KERNEL_GS_BASE, GS_PAGE_VA);
        wrmsr(MSR_LSTAR, this_cpu.x2_entry);
        this_cpu.unix_abi_loaded = false;
    }
}

COLD void arch_load_user_bases(struct tcb *t)
{
    load_abi(t);
}

/* CR3 holds the space of `from` (or, after the idle thread, which has
 * none, of whoever ran before): only another space is loaded. */
/* The idle thread runs on this processor's kernel root: no space's root
 * stays loaded, as it may go (arch/mp.h). */
static __attribute__((noinline)) void load_kernel_root(void)
{
    paging_switch(mp_kernel_root(cpu_index()));
}

static inline __attribute__((always_inline)) void load_context(struct tcb *from, struct tcb *to)
{
    if (read_gs_selector() != SEL_KDATA)
        gs_reset();
    load_abi(to);
    if (!to->space)
        load_kernel_root();
    else if (to->space != from->space)
        paging_switch(to->root);
    tss_set_kernel_stack(tcb_stack_top(to));
    fpu_switch(from, to);
    paging_set_gs_word(to->local_id);
}

extern char fast_resume[], unix_fast_resume[];

static void *fast_resume_point(const struct tcb *t)
{
    return t->fast_blocked == FAST_UNIX ? unix_fast_resume : fast_resume;
}

void arch_switch(struct tcb *from, struct tcb *to)
{
    if (from == to)
        return;
    load_context(from, to);
    /* A thread blocked for fast_resume leaves its kernel stack for good
     * (nothing to save), and one switched to resumes on its trap frame at
     * once (with our registers: both resume points set every user
     * register). */
    if (to->fast_blocked) {
        if (from->fast_blocked)
            resume_at(0, tcb_frame(to), fast_resume_point(to));
        switch_stack_to(&from->ksp, tcb_frame(to), fast_resume_point(to));
    } else if (from->fast_blocked) {
        resume_stack(0, to->ksp);
    } else {
        switch_stack(&from->ksp, to->ksp);
    }
}

void arch_thread_release(struct tcb *t)
{
    fpu_release(t);
}

size_t arch_thread_kmem(const struct tcb *t)
{
    return fpu_kmem(t);
}

/* Written when a fast-blocked thread is switched to, not when it blocks:
 * the fast paths touch no line of it. (The registers switch_stack pops on
 * the way are not used: both resume points set every user register.) */
void arch_prepare_fast_resume(struct tcb *t)
{
    struct switch_frame *sf = (struct switch_frame *)tcb_frame(t) - 1;
    sf->ret = (uint64_t)fast_resume_point(t);
    t->ksp = (uint64_t)sf;
}

void arch_resume_fast_blocked(struct tcb *from, struct tcb *to)
{
    load_context(from, to);
    resume_at(0, tcb_frame(to), fast_resume_point(to));
}

/* Run-time code, on the boot stack: the boot code's pages leave the
 * image window for good (they join the kernel pool, bootmem_release),
 * then the first thread runs. Never inlined into the boot code that
 * calls it, which is gone when it returns - and it does not return. */
__attribute__((noinline)) static NORETURN void leave_boot(struct tcb *to)
{
    paging_drop_boot_code();
    mp_start_others();
    resume_stack(0, to->ksp);
}

NORETURN void arch_enter_idle(struct tcb *idle)
{
    tss_set_kernel_stack(tcb_stack_top(idle));
    resume_stack(0, idle->ksp);
}

__boot void arch_switch_first(struct tcb *to)
{
    static struct tcb boot;             /* no space: the first one is loaded */
    load_context(&boot, to);
    leave_boot(to);
}

/* syscall/sysret and the GS bases. In the kernel GS points at this
 * processor's pages (percpu.h); in user mode at its GS page, whose first
 * word is the running thread's local id. */
static uint64_t cr0_all, cr4_all;       /* the boot processor's, for the others */

__boot static void syscall_msrs(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* STAR: bits 32-47 kernel CS (SS = +8); bits 48-63 user base (CS = +16, SS = +8) */
    wrmsr(MSR_STAR, (uint64_t)SEL_SYSRET << 48 | (uint64_t)SEL_KCODE << 32);
    wrmsr(MSR_LSTAR, this_cpu.x2_entry);
    /* No thread runs in compatibility mode (gdt.c has no 32-bit code
     * segment). Should one ever, its `syscall` enters here as an ordinary
     * 64-bit system call and sysret returns it in 64-bit mode; CSTAR must
     * never stay 0, where the CPU would jump in ring 0. */
    wrmsr(MSR_CSTAR, (uint64_t)syscall_entry);
    /* SYSENTER_CS = 0: `sysenter` raises #GP (Intel; AMD: #UD) in user
     * mode, an exception message like any other. */
    wrmsr(MSR_SYSENTER_CS, 0);
    wrmsr(MSR_SYSENTER_ESP, 0);
    wrmsr(MSR_SYSENTER_EIP, 0);
    /* Cleared on syscall: IF (the kernel runs with interrupts off), DF
     * (the C ABI), TF, AC (SMAP), and NT, with which the kernel's next
     * iretq would raise #GP in ring 0. */
    wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
    gs_reset();
}

__boot void arch_cpu_init(bool ipc_fast_path)
{
    this_cpu.x2_entry = (uint64_t)(ipc_fast_path ? syscall_fast_entry : syscall_entry);
    this_cpu.unix_entry = (uint64_t)(ipc_fast_path ? unix_syscall_fast_entry : unix_syscall_entry);
    syscall_msrs();

    struct cpu_protection p = smap_smep_enable();
    kprintf("cpu: SMEP %s, SMAP %s, UMIP %s\n", p.smep ? "on" : "not available",
            p.smap ? "on" : "not available", p.umip ? "on" : "not available");
    /* SSE for user code: OSFXSR | OSXMMEXCPT; FPU native error reporting
     * (NE, MP, no EM), and TS: nobody owns the FPU yet (fpu.c). */
    write_cr4(read_cr4() | (1UL << 9) | (1UL << 10));
    write_cr0((read_cr0() & ~(uint64_t)CR0_EM) | CR0_MP | CR0_TS | CR0_NE);
    cr0_all = read_cr0();
    cr4_all = read_cr4();
}

__boot void arch_cpu_init_ap(const struct cpu_local *boot)
{
    this_cpu.x2_entry = boot->x2_entry;
    this_cpu.unix_entry = boot->unix_entry;
    syscall_msrs();
    write_cr4(cr4_all);
    write_cr0(cr0_all);
}
