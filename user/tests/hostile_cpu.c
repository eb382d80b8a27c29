/* The hostile fuzzer at the instruction level: raw syscall with random
 * registers from random places, int n, far calls, jumps and returns
 * (into the 32-bit code segment too), iretq, segment loads, privileged
 * and faulting instructions, wild loads, stores and jumps, RFLAGS games.
 * Whatever faults comes back through hostile_reentry; an instruction
 * that must fault and does not is a finding. */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/syscalls.h>
#include <l4/utcb.h>
#include "hostile.h"

/* Snippets, each entered by hostile_call (or a jump from one). */
__asm__(".pushsection .text\n"
        ".globl h_sys\n"
        "h_sys: syscall\n ret\n"
        "h_lret: mov %rdi, %rsp\n push %rsi\n push %rdx\n lretq\n"
        "h_iret: mov %rdi, %rsp\n push %r8\n push %r9\n push %r10\n push %rsi\n push %rdx\n iretq\n"
        "h_ljmp: ljmp *(%rdi)\n"
        "h_lcall: lcall *(%rdi)\n ret\n"
        "h_ld_ds: mov %esi, %ds\n ret\n"
        "h_ld_es: mov %esi, %es\n ret\n"
        "h_ld_fs: mov %esi, %fs\n ret\n"
        "h_ld_gs: mov %esi, %gs\n ret\n"
        "h_ld_ss: mov %esi, %ss\n ret\n"
        "h_pop_fs: push %rsi\n pop %fs\n ret\n"
        "h_lfs: lfs (%rdi), %eax\n ret\n"
        "h_land64: jmp hostile_reentry64\n"
        /* wild accesses at RAX */
        "h_load: mov (%rax), %rbx\n ret\n"
        "h_store: mov %rbx, (%rax)\n ret\n"
        "h_store2: movw %bx, (%rax)\n ret\n"
        "h_xchg: xchg %rbx, (%rax)\n ret\n"
        "h_jump: jmp *%rax\n"
        "h_push: mov %rsp, %rbp\n mov %rax, %rsp\n push %rbx\n mov %rbp, %rsp\n ret\n"
        "h_movs: mov %rax, %rdi\n and $0xFFFF, %rcx\n rep movsb\n ret\n"
        "h_stos: mov %rax, %rdi\n and $0x3FF, %rcx\n rep stosq\n ret\n"
        "h_cmpxchg16b: lock cmpxchg16b (%rax)\n ret\n"
        "h_movaps: movaps (%rax), %xmm0\n ret\n"
        "h_clflush: clflush (%rax)\n ret\n"
        "h_fxrstor: fxrstor (%rax)\n ret\n"
        "h_fxsave: fxsave (%rax)\n ret\n"
        ".popsection\n");

/* 32-bit code for the compatibility-mode segment 0x1b. Each ends in an
 * exception (the way back is hostile_reentry) or goes home to 64-bit mode
 * by a far jump, far return or iret with its own stack words: nothing
 * here jumps where we did not aim, since 32-bit code run by chance could
 * hold a syscall (K1). */
__asm__(".pushsection .text\n"
        ".code32\n"
        "h_c32_ud2: ud2\n"
        "h_c32_int: int $0x80\n"
        "h_c32_sysenter: sysenter\n"
        "h_c32_syscall: syscall\n ud2\n"
        "h_c32_hlt: hlt\n"
        "h_c32_into: mov $0x7F, %al\n add $1, %al\n into\n ud2\n"
        "h_c32_aam: aam $0\n"
        "h_c32_back: ljmp $0x2b, $h_land64\n"
        "h_c32_iret: pushf\n push $0x2b\n push $h_land64\n iret\n"
        "h_c32_lret: push $0x2b\n push $h_land64\n lret\n"
        "h_c32_lret_k: push $0x08\n push $h_land64\n lret\n"
        "h_c32_ds: push %cs\n pop %ds\n mov $0x10, %eax\n mov %eax, %ss\n int3\n ud2\n"
        "h_c32_kcall: lcall $0x08, $0\n"
        "h_c32_load: mov (%eax), %ebx\n ud2\n"
        ".code64\n"
        ".popsection\n");
extern const char h_sys[], h_lret[], h_iret[], h_ljmp[], h_lcall[], h_ld_ds[], h_ld_es[],
    h_ld_fs[], h_ld_gs[], h_ld_ss[], h_pop_fs[], h_lfs[], h_land64[], h_load[], h_store[],
    h_store2[], h_xchg[], h_jump[], h_push[], h_movs[], h_stos[], h_cmpxchg16b[], h_movaps[],
    h_clflush[], h_fxrstor[], h_fxsave[], h_c32_ud2[], h_c32_int[], h_c32_sysenter[],
    h_c32_syscall[], h_c32_hlt[], h_c32_into[], h_c32_aam[], h_c32_back[], h_c32_iret[],
    h_c32_lret[], h_c32_lret_k[], h_c32_ds[], h_c32_kcall[], h_c32_load[];

/* Privileged and other faulting instructions; `trap`: one that must not
 * complete in user mode. (Not icebp: its #DB is a trap the handlers let
 * the thread go on from; not the SSE exception, which TCG never raises,
 * nor the reserved MXCSR bits, which TCG does not check.) */
#define INSNS(X)                                                                        \
    X(1, "hlt", "hlt") X(1, "cli", "cli") X(1, "sti", "sti")                            \
    X(1, "lgdt", "lgdt (%rsp)") X(1, "lidt", "lidt (%rsp)") X(1, "lldt", "lldt %ax")    \
    X(1, "ltr", "ltr %ax") X(1, "rd cr0", "mov %cr0, %rax") X(1, "wr cr0", "mov %rax, %cr0") \
    X(1, "rd cr3", "mov %cr3, %rax") X(1, "wr cr3", "mov %rax, %cr3")                    \
    X(1, "wr cr4", "mov %rax, %cr4") X(1, "wr cr8", "mov %rax, %cr8")                    \
    X(1, "rd dr7", "mov %dr7, %rax") X(1, "wr dr7", "mov %rax, %dr7")                    \
    X(1, "wrmsr", "wrmsr") X(1, "rdmsr", "rdmsr") X(1, "rdpmc", "rdpmc")                 \
    X(1, "in pic", "in $0x21, %al") X(1, "out pit", "out %al, $0x43")                   \
    X(1, "in com1", "mov $0x3F8, %dx; in %dx, %al")                                    \
    X(1, "out exit", "mov $0xF4, %dx; out %al, %dx")                                   \
    X(1, "invd", "invd") X(1, "wbinvd", "wbinvd") X(1, "invlpg", "invlpg (%rax)")       \
    X(1, "clts", "clts") X(1, "swapgs", "swapgs") X(1, "sysret", "sysretq")             \
    X(1, "sysexit", "sysexitq") X(1, "lmsw", "lmsw %ax") X(1, "xsetbv", "xsetbv")       \
    X(1, "monitor", "monitor") X(1, "mwait", "mwait") X(1, "vmcall", "vmcall")          \
    X(1, "vmmcall", "vmmcall") X(1, "invpcid", "invpcid (%rax), %rbx")                 \
    X(1, "wrfsbase", "wrfsbase %rax") X(1, "wrgsbase", "wrgsbase %rax")                 \
    X(1, "stac", "stac") X(1, "clac", "clac") X(1, "wrpkru", "xor %ecx, %ecx; wrpkru")  \
    X(0, "ldmxcsr bad", "pushq $-1; ldmxcsr (%rsp); add $8, %rsp")                     \
    X(0, "icebp", ".byte 0xF1") X(1, "ud2", "ud2") X(1, "into", ".byte 0xCE")           \
    X(1, "div0", "xor %ecx, %ecx; div %rcx")                                            \
    X(1, "x87", "sub $8, %rsp; fnstcw (%rsp); andw $~0x3F, (%rsp); fldcw (%rsp); fldz; fld1; fdivp; fwait; add $8, %rsp") \
    X(0, "sse", "sub $8, %rsp; movl $0x1D80, (%rsp); ldmxcsr (%rsp); xorps %xmm0, %xmm0; mov $1, %eax; cvtsi2ss %eax, %xmm1; divss %xmm0, %xmm1; add $8, %rsp") \
    X(1, "sysenter", "sysenter") X(0, "xrstor", "xor %eax, %eax; not %eax; mov %eax, %edx; xrstor (%rsp)") \
    X(0, "cpuid", "cpuid") X(0, "rdtsc", "rdtsc") X(0, "rdtscp", "rdtscp")              \
    X(0, "smsw", "smsw %ax") X(0, "sgdt", "sub $16, %rsp; sgdt (%rsp); add $16, %rsp")   \
    X(0, "str", "str %ax") X(0, "lar", "lar %ax, %bx") X(0, "verr", "verr %ax")         \
    X(0, "movss", "mov %ss, %eax; mov %eax, %ss; syscall")                              \
    X(0, "fninit", "fninit") X(0, "emms", "emms") X(0, "pause", "pause")
#define INSN_CODE(t, n, c) ".quad 1f\n .section .text.h_insn\n 1: " c "\n ret\n .previous\n"
#define INSN_TRAP(t, n, c) t,
#define INSN_NAME(t, n, c) n,
__asm__(".pushsection .rodata\n .align 8\n h_insns:\n" INSNS(INSN_CODE) ".popsection\n");
extern const void *const h_insns[];
static const uint8_t insn_traps[] = { INSNS(INSN_TRAP) };
#define NINSNS (sizeof insn_traps)

/* Random registers, the RFLAGS of a well-behaved thread. Whatever these
 * registers run into may be an IPC (a jump into the stub page, say): R9,
 * its tag, says no typed words, since the message registers hold anything
 * and a map item's send base must be ours; R8 holds no kernel address,
 * since the fast path hands the sender's R8 to the receiver, who would
 * take it for a leak. */
static void random_regs(hrng_t *r, struct hregs *g)
{
    uint64_t *w = (uint64_t *)g;
    for (unsigned i = 0; i < 15; i++)
        w[i] = hv_word(r);
    g->r8 &= ~(1UL << 63);
    g->r9 &= ~0xFC0UL;
    g->rflags = 0x202 | (hrnd(r) & 0x8D5);
}

/* Our code page: generated instructions go there (mapped rwx). */
static uint8_t *code_page(const struct hstate *st)
{
    return (uint8_t *)st - H_STATE_OFF;
}

static int is_ipc(uint64_t rbp) { return rbp == 0 || rbp == 1; }

/* After a raw system call with call code `rbp`: registers the call does
 * not return anything in must not hold a kernel address, and privileged
 * calls must have failed. */
static void check_syscall(struct hstate *st, uint64_t rbp, const struct hregs *in,
                          const struct hregs *out)
{
    static const uint16_t results[11] = {   /* by system-call number (the stubs' order) */
        [0] = HR_RAX | HR_RDX, [1] = HR_RAX, [2] = HR_RAX, [3] = HR_RAX | HR_RCX | HR_RDX,
        [4] = HR_IPC, [5] = HR_IPC, [6] = HR_MRS | HR_RDI,
        [7] = HR_RAX | HR_RSI | HR_RDX | HR_R8 | HR_R9 | HR_R10 | HR_RDI,
        [8] = HR_RAX, [9] = 0, [10] = HR_RAX | HR_RDX,
    };
    unsigned n = (unsigned)(rbp ^ 4);
    h_check_leaks(st, in, out, n < 11 ? results[n] : HR_RAX | HR_RDX);
    if ((n <= 2 && out->rax) || (n == 3 && out->rdx)) {
        st->priv_success++;
        h_found(st, HF_PRIV, n);
    }
}

void hop_syscall(struct hstate *st, hrng_t *r)
{
    struct hregs in, out;
    random_regs(r, &in);
    in.rbp = hpick(r, 4) ? hpick(r, 11) ^ 4 : hv_word(r);
    if (hpick(r, 2)) {
        in.rsi = hv_partner(r, st).raw;
        in.rdx = hpick(r, 2) ? in.rsi : hv_partner(r, st).raw;
        in.rdi = (L4_Word_t)__L4_Utcb();
    }
    if (is_ipc(in.rbp))
        in.r8 = (hv_time(r) << 16 | hv_time(r)) | (hrnd(r) & 0x7FFFFFFF00000000UL);
    const void *at = h_sys;
    if (hchance(r, 3)) {                /* from somewhere in our code page */
        uint8_t *p = code_page(st) + hpick(r, 4096 - 3);
        p[0] = 0x0F;
        p[1] = 0x05;
        p[2] = 0xC3;
        at = p;
    }
    out = in;
    hostile_call(&out, at);
    check_syscall(st, in.rbp, &in, &out);
}

/* syscall in the last two bytes of the user address space: the return
 * address is 0x800000000000, not canonical (K2). */
void hop_top_syscall(struct hstate *st, hrng_t *r)
{
    struct hregs in;
    random_regs(r, &in);
    in.rbp = hpick(r, 11) ^ 4;
    uint8_t *p = (uint8_t *)(H_TOP_PAGE + 4094);
    p[0] = 0x0F;
    p[1] = 0x05;
    hostile_call(&in, p);
    (void)st;
}

/* int n (or int3 and icebp), followed by a KDB marker for vector 3; never
 * KDB Enter or ReadChar. */
void hop_int(struct hstate *st, hrng_t *r)
{
    uint8_t *p = code_page(st) + hpick(r, 4096 - 8);
    unsigned n = (unsigned)hpick(r, 256), k = 0;
    switch (hpick(r, 4)) {
    case 0: p[k++] = 0xCC; n = 3; break;
    case 1: p[k++] = 0xF1; break;
    default: p[k++] = 0xCD; p[k++] = (uint8_t)n; break;
    }
    if (n == 3) {
        static const uint8_t marks[][3] = {
            { 0x3C, 0x00, 0x90 }, { 0x3C, 0x01, 0x90 }, { 0x3C, 0x02, 0x90 }, { 0x3C, 0x03, 0x90 },
            { 0x90, 0x3C, 0x00 }, { 0x3C, 0x7F, 0x90 }, { 0x0F, 0x0B, 0x90 },
        };
        const uint8_t *m = marks[hpick(r, 7)];
        for (unsigned i = 0; i < 3; i++)
            p[k++] = m[i];
    }
    p[k] = 0xC3;
    struct hregs g;
    random_regs(r, &g);
    g.rax = hpick(r, 2) ? 0x41 + hpick(r, 26) : hv_addr(r, st, HA_READ);   /* char, string */
    hostile_call(&g, p);
}

/* A selector for a far transfer to anywhere: never the 32-bit code
 * segment, where 64-bit code (ours) would run as 32-bit code, with stores
 * nobody can foresee; hop_compat goes there, to 32-bit code. */
static uint16_t selector(hrng_t *r)
{
    static const uint16_t sel[] = { 0, 3, 0x08, 0x0B, 0x10, 0x13, 0x20, 0x23,
                                    0x28, 0x2B, 0x30, 0x33, 0x38, 0x3B, 0x43, 0xFFFF };
    uint16_t s = hchance(r, 4) ? (uint16_t)hrnd(r) : sel[hpick(r, sizeof sel / sizeof sel[0])];
    return (s & ~3) == 0x18 ? 0x2B : s;
}

/* Far transfers and segment loads in 64-bit mode. */
void hop_far(struct hstate *st, hrng_t *r)
{
    struct hregs g;
    random_regs(r, &g);
    uint16_t sel = selector(r);
    L4_Word_t target = hpick(r, 2) ? (L4_Word_t)h_land64 : hv_addr(r, st, HA_EXEC);
    uint8_t *ptr = code_page(st) + 8 * hpick(r, 512 - 1);       /* m16:32 */
    static const char *const loads[] = { h_ld_ds, h_ld_es, h_ld_fs, h_ld_gs, h_ld_ss, h_pop_fs, h_lfs };
    switch (hpick(r, 5)) {
    case 0:
        g.rdi = hv_scratch(r) & ~7UL;
        g.rsi = sel;
        g.rdx = target;
        hostile_call(&g, h_lret);
        break;
    case 1:
        g.rdi = hv_scratch(r) & ~7UL;
        g.rsi = sel;
        g.rdx = target;
        g.r8 = selector(r);
        g.r9 = hv_scratch(r);
        g.r10 = hrnd(r) & (hon(HC_N1_NT_FLAG) ? ~0UL : ~0x4000UL);
        hostile_call(&g, h_iret);
        break;
    case 2:
    case 3:
        *(uint32_t *)ptr = (uint32_t)target;
        *(uint16_t *)(ptr + 4) = sel;
        g.rdi = (L4_Word_t)ptr;
        hostile_call(&g, hpick(r, 2) ? h_ljmp : h_lcall);
        break;
    default:
        g.rsi = sel;
        g.rdi = (L4_Word_t)ptr;
        *(uint16_t *)(ptr + 4) = sel;
        hostile_call(&g, loads[hpick(r, sizeof loads / sizeof loads[0])]);
        break;
    }
}

/* Into the 32-bit code segment, by far return, iretq or far jump or
 * call; the 32-bit stack is in scratch (below 4 GB). */
void hop_compat(struct hstate *st, hrng_t *r)
{
    const char *const c32[] = {
        h_c32_ud2, h_c32_int, h_c32_sysenter, h_c32_hlt, h_c32_into, h_c32_aam, h_c32_back,
        h_c32_iret, h_c32_lret, h_c32_lret_k, h_c32_ds, h_c32_kcall, h_c32_load, h_c32_syscall,
    };
    unsigned n = sizeof c32 / sizeof c32[0] - !hon(HC_K1_COMPAT_SYSCALL);
    struct hregs g;
    random_regs(r, &g);
    L4_Word_t target = (L4_Word_t)c32[hpick(r, n)];
    g.rdi = (hv_scratch(r) & ~7UL) + 64;
    g.rsi = 0x1B;
    g.rdx = target;
    switch (hpick(r, 3)) {
    case 0:
        hostile_call(&g, h_lret);
        break;
    case 1:
        g.r8 = 0x23;
        g.r9 = g.rdi - 64;
        g.r10 = 0x202 | (hrnd(r) & 0x8D5);
        hostile_call(&g, h_iret);
        break;
    default: {
        uint8_t *ptr = code_page(st) + 8 * hpick(r, 511);
        *(uint32_t *)ptr = (uint32_t)target;
        *(uint16_t *)(ptr + 4) = 0x1B;
        g.rdi = (L4_Word_t)ptr;
        hostile_call(&g, h_ljmp);
        break;
    }
    }
}

void hop_insn(struct hstate *st, hrng_t *r)
{
    struct hregs g;
    random_regs(r, &g);
    unsigned i = (unsigned)hpick(r, NINSNS);
    hostile_call(&g, h_insns[i]);
    if (insn_traps[i])                  /* it completed: a privileged success */
        h_found(st, HF_INSN, i);
}

void hop_wild(struct hstate *st, hrng_t *r)
{
    static const char *const reads[] = { h_load, h_movaps, h_clflush, h_fxrstor };
    static const char *const writes[] = { h_store, h_store2, h_xchg, h_push, h_stos,
                                          h_cmpxchg16b, h_fxsave, h_movs };
    struct hregs g;
    random_regs(r, &g);
    switch (hpick(r, 3)) {
    case 0:
        g.rax = hv_addr(r, st, HA_READ);
        hostile_call(&g, reads[hpick(r, 4)]);
        break;
    case 1:
        g.rax = hv_addr(r, st, HA_WRITE);
        g.rsi = hv_addr(r, st, HA_READ);
        hostile_call(&g, writes[hpick(r, 8)]);
        break;
    default:
        g.rax = hv_addr(r, st, HA_EXEC);
        hostile_call(&g, h_jump);
        break;
    }
}

/* RFLAGS set right before a system call or an exception: TF (single
 * step), AC, DF, ID; NT only with N1 (test_found.c). */
void hop_flags(struct hstate *st, hrng_t *r)
{
    static const uint32_t bits[] = { 0x100, 0x40000, 0x400, 0x200000, 0x8D5, 0x3000, 0x10000 };
    uint32_t flags = 0x202;
    for (unsigned k = 0, n = 1 + (unsigned)hpick(r, 3); k < n; k++)
        flags |= bits[hpick(r, sizeof bits / sizeof bits[0])];
    if (hon(HC_N1_NT_FLAG) && hchance(r, 4))
        flags |= 0x4000;
    uint8_t *p = code_page(st) + hpick(r, 4096 - 32);       /* (19 bytes follow) */
    unsigned k = 0;
    p[k++] = 0x68;                                      /* push imm32 */
    *(uint32_t *)(p + k) = flags;
    k += 4;
    p[k++] = 0x9D;                                      /* popfq */
    unsigned how = (unsigned)hpick(r, 4);
    switch (how) {
    case 0: p[k++] = 0xCD; p[k++] = 0x80; break;        /* int $0x80 */
    case 1: p[k++] = 0x8B; p[k++] = 0x40; p[k++] = 0x01; break;    /* mov 1(%rax), %eax */
    default: p[k++] = 0x0F; p[k++] = 0x05; break;       /* syscall */
    }
    p[k++] = 0x9C;                                      /* pushfq */
    p[k++] = 0x81; p[k++] = 0x24; p[k++] = 0x24;        /* andl $~0x44500, (%rsp) */
    *(uint32_t *)(p + k) = ~0x44500u;
    k += 4;
    p[k++] = 0x9D;
    p[k] = 0xC3;
    struct hregs in, out;
    random_regs(r, &in);
    in.rbp = hpick(r, 11) ^ 4;
    in.rax = hv_scratch(r);
    if (is_ipc(in.rbp))
        in.r8 = hv_time(r) << 16 | hv_time(r);
    out = in;
    hostile_call(&out, p);
    if (how >= 2)
        check_syscall(st, in.rbp, &in, &out);
}
