/* The life of a hostile fuzz thread: its entry and recovery point, the
 * loop that picks one seeded operation after another, and the findings.
 *
 * Recovery: a fault or exception anywhere sends the thread, by its
 * keeper's ExchangeRegisters or its exception handler's reply, to
 * hostile_reentry, which finds the thread's private block through its
 * global id, resets RFLAGS and the data segments and calls hostile_resume
 * on a fresh stack. Each operation's random numbers come from the seed, the
 * thread's place and the operation's number alone, so an operation cut
 * short changes nothing that follows. */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/utcb.h>
#include "hostile.h"

/* hostile_call(struct hregs *r [rdi], const void *target [rsi]). A
 * sibling may move our RSP (ExchangeRegisters) while the target runs, and
 * whatever then comes back here through stack words found elsewhere (a
 * copy of our stack in scratch, say) brings registers that are not the
 * call's: so the call comes back on the stack it left from (kept in
 * ThreadWord0), or starts afresh at hostile_reentry. */
__asm__(".pushsection .text\n"
        ".globl hostile_call\n"
        "hostile_call:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  push %rdi\n  push %rsi\n"
        "  mov %gs:0, %rax\n  lea -8(%rsp), %rcx\n  mov %rcx, -0x20(%rax)\n"
        "  pushq 120(%rdi)\n  popfq\n"
        "  mov 8(%rdi), %rbx\n  mov 16(%rdi), %rcx\n  mov 24(%rdi), %rdx\n"
        "  mov 32(%rdi), %rsi\n  mov 48(%rdi), %rbp\n  mov 56(%rdi), %r8\n"
        "  mov 64(%rdi), %r9\n  mov 72(%rdi), %r10\n  mov 80(%rdi), %r11\n"
        "  mov 88(%rdi), %r12\n  mov 96(%rdi), %r13\n  mov 104(%rdi), %r14\n"
        "  mov 112(%rdi), %r15\n  mov 0(%rdi), %rax\n  mov 40(%rdi), %rdi\n"
        "  call *(%rsp)\n"
        "  push %rax\n"
        "  mov %gs:0, %rax\n  cmp -0x20(%rax), %rsp\n  jne hostile_reentry\n"
        "  push %rdi\n  mov 24(%rsp), %rdi\n"
        "  mov %rbx, 8(%rdi)\n  mov %rcx, 16(%rdi)\n"
        "  mov %rdx, 24(%rdi)\n  mov %rsi, 32(%rdi)\n  mov %rbp, 48(%rdi)\n"
        "  mov %r8, 56(%rdi)\n  mov %r9, 64(%rdi)\n  mov %r10, 72(%rdi)\n"
        "  mov %r11, 80(%rdi)\n  mov %r12, 88(%rdi)\n  mov %r13, 96(%rdi)\n"
        "  mov %r14, 104(%rdi)\n  mov %r15, 112(%rdi)\n"
        "  pushfq\n  popq 120(%rdi)\n  popq 40(%rdi)\n  popq 0(%rdi)\n"
        "  pushq $0x202\n  popfq\n"
        "  add $16, %rsp\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n"
        ".popsection\n");

/* hostile_reentry, where every thread starts and comes back: it finds its
 * private block from its global id (number H_NUMBER + 8 space + slot),
 * which the kernel keeps in the UTCB, so no register needs to be right,
 * not even RSP. In 64-bit mode its first bytes skip a far jump that
 * 32-bit code takes ("inc eax" there is a REX prefix here): a thread left
 * in the 32-bit code segment gets back to 64-bit mode. Before anything
 * can fault, the exception handler and (for a fuzz thread) the pager are
 * set: a new thread has neither, and its siblings may change its SP and
 * IP at any instruction. */
L4_Word_t h_root_handler_id;
__asm__(".pushsection .text\n"
        ".globl hostile_reentry, hostile_reentry64\n"
        "hostile_reentry:\n"
        "  .byte 0x31, 0xC0\n"                          /* xor eax, eax */
        "  .byte 0x40, 0x90\n"                          /* 32: inc eax; 64: rex nop */
        "  .byte 0x85, 0xC0\n"                          /* test eax, eax */
        "  .byte 0x74, 0x07\n"                          /* jz hostile_reentry64 */
        "  .byte 0xEA\n  .long hostile_reentry64\n  .word 0x2B\n"   /* ljmp $0x2b */
        "hostile_reentry64:\n"
        "  mov %gs:0, %rdx\n"
        "  mov h_root_handler_id(%rip), %rcx\n"
        "  mov %rcx, -0x58(%rdx)\n"                     /* ExceptionHandler */
        "  mov -0x78(%rdx), %rax\n"                     /* MyGlobalId */
        "  shr $32, %rax\n"
        "  sub $0x30000, %rax\n"                        /* H_NUMBER */
        "  cmp $0x18, %rax\n"                           /* 8 H_SPACES */
        "  jae 1f\n"
        "  mov %rax, %rcx\n"
        "  and $7, %ecx\n"
        "  jz 2f\n"
        "  mov $0xA0100200, %esi\n"                     /* h_local_id(0) */
        "  mov %rsi, -0x60(%rdx)\n"                     /* Pager: the keeper */
        "2:shl $14, %rcx\n"                             /* slot x H_BLOCK */
        "  shr $3, %rax\n"
        "  shl $32, %rax\n"                             /* space << 32 */
        "  lea 0x4000(%rax, %rcx), %rsp\n"
        "  movabs $0x200000000000, %rcx\n"              /* H_PRIV_REGION */
        "  add %rcx, %rsp\n"
        "  pushq $0x202\n  popfq\n"                     /* no TF, NT, AC, DF */
        "  mov $0x23, %eax\n  mov %eax, %ds\n  mov %eax, %es\n  mov %eax, %ss\n"
        "  lea -0x4000(%rsp), %rdi\n"
        "  xor %ebp, %ebp\n"
        "  call hostile_resume\n"
        "1: ud2\n"
        ".popsection\n");
_Static_assert(H_NUMBER == 0x30000 && H_SPACES * 8 == 0x18 && H_BLOCK == 0x4000 &&
               TSUP_UTCB_AREA + 0x200 == 0xA0100200 &&
               H_PRIV_REGION == 0x200000000000UL && H_PRIV(1) - H_PRIV(0) == 1UL << 32,
               "hostile_reentry's constants");

const char *const hop_names[HOP_COUNT] = {
    [HOP_IPC] = "ipc", [HOP_UNMAP] = "unmap", [HOP_EXREG] = "exreg",
    [HOP_SCHEDULE] = "schedule", [HOP_SWITCH] = "switch", [HOP_PRIV] = "privileged",
    [HOP_KDB] = "kdb", [HOP_SYSCALL] = "syscall", [HOP_INT] = "int", [HOP_FAR] = "far",
    [HOP_COMPAT] = "compat", [HOP_INSN] = "insn", [HOP_WILD] = "wild", [HOP_FLAGS] = "flags",
    [HOP_SIGMA0] = "sigma0", [HOP_TOP_SYSCALL] = "top-syscall",
};

/* Operations: the class that must be on, the weight, the code. */
static const struct {
    uint64_t cls;
    unsigned weight;
    void (*fn)(struct hstate *, hrng_t *);
} ops[HOP_COUNT] = {
    [HOP_IPC] = { HC_IPC, 40, hop_ipc },
    [HOP_UNMAP] = { HC_UNMAP, 5, hop_unmap },
    [HOP_EXREG] = { HC_EXREG, 6, hop_exreg },
    [HOP_SCHEDULE] = { HC_SCHED, 3, hop_schedule },
    [HOP_SWITCH] = { HC_SCHED, 2, hop_switch },
    [HOP_PRIV] = { HC_PRIV, 4, hop_priv },
    [HOP_KDB] = { HC_KDB, 1, hop_kdb },
    [HOP_SYSCALL] = { HC_SYSCALL, 8, hop_syscall },
    [HOP_INT] = { HC_INT, 2, hop_int },
    [HOP_FAR] = { HC_FAR, 2, hop_far },
    [HOP_COMPAT] = { HC_FAR, 2, hop_compat },
    [HOP_INSN] = { HC_INSN, 4, hop_insn },
    [HOP_WILD] = { HC_WILD, 6, hop_wild },
    [HOP_FLAGS] = { HC_FLAGS, 2, hop_flags },
    [HOP_SIGMA0] = { HC_SIGMA0, 1, hop_sigma0 },
    [HOP_TOP_SYSCALL] = { HC_K2_NONCANONICAL, 1, hop_top_syscall },
};

static unsigned pick_op(hrng_t *r)
{
    unsigned total = 0;
    for (unsigned i = 0; i < HOP_COUNT; i++)
        total += hon(ops[i].cls) ? ops[i].weight : 0;
    if (!total)
        return HOP_COUNT;
    unsigned x = (unsigned)hpick(r, total);
    for (unsigned i = 0; i < HOP_COUNT; i++) {
        unsigned w = hon(ops[i].cls) ? ops[i].weight : 0;
        if (x < w)
            return i;
        x -= w;
    }
    return HOP_COUNT;
}

void h_found(struct hstate *st, uint64_t what, uint64_t value)
{
    if (!st->find_what) {
        st->find_what = what;
        st->find_call = st->calls - 1;
        st->find_op = st->op;
        st->find_value = value;
    }
}

/* Is v a kernel address the kernel left in a register? Not if it is one
 * of ours: in a register we passed, or in a message register (a call
 * may return those: MemoryControl gives back MR0, and a sibling may send
 * us into any stub with ExchangeRegisters). */
static int kernel_pointer(uint64_t v, const struct hregs *in)
{
    if (v < 0xFFFF800000000000UL || v >= 0xFFFFFFFFFFE00000UL)
        return 0;                       /* (the stub and GS pages are the user's) */
    const uint64_t *w = (const uint64_t *)in, *mr = __L4_Utcb();
    for (unsigned i = 0; i < sizeof *in / 8; i++)
        if (w[i] == v)
            return 0;
    for (unsigned i = 0; i < 64; i++)
        if (mr[i] == v)
            return 0;
    return 1;
}

void h_check_leaks(struct hstate *st, const struct hregs *in, const struct hregs *out,
                   unsigned results)
{
    const uint64_t *o = (const uint64_t *)out;
    if (!hon(HC_K8_RBP_LEAK))
        results |= 1 << 6;              /* RBP: known */
    for (unsigned i = 0; i < 15; i++)
        if (!(results >> i & 1) && kernel_pointer(o[i], in)) {
            st->leak++;
            if (!st->find_what)
                st->find_reg = i;
            h_found(st, HF_LEAK, o[i]);
        }
}

/* "k.s n op" on the console before each operation (fuzztrace=1): the
 * last lines before a panic name what each thread was doing. */
static void trace(const struct hstate *st, unsigned op)
{
    char line[64], *p = line + sizeof line;
    *--p = 0;
    *--p = '\n';
    for (const char *n = hop_names[op] + __builtin_strlen(hop_names[op]); n > hop_names[op];)
        *--p = *--n;
    *--p = ' ';
    uint64_t c = st->calls - 1;
    do
        *--p = (char)('0' + c % 10);
    while (c /= 10);
    *--p = ' ';
    *--p = (char)('0' + st->slot);
    *--p = '.';
    *--p = (char)('0' + st->space);
    *--p = 'h';
    L4_KDB_PrintString(p);
}

static void __attribute__((noreturn)) fuzz_loop(struct hstate *st)
{
    for (;;) {
        if (hcfg.stop)
            L4_Sleep(L4_Never);
        uint64_t n = st->calls++;       /* begun: an interrupted op is not retried */
        hrng_t r = hrng(hcfg.seed, (uint64_t)st->space << 56 | (uint64_t)st->slot << 48 | n);
        unsigned op = pick_op(&r);
        if (op == HOP_COUNT) {
            L4_Sleep(L4_TimePeriod(1000));
            continue;
        }
        st->op = op;
        st->count[op]++;
        if (hcfg.trace)
            trace(st, op);
        ops[op].fn(st, &r);
        st->op = HOP_COUNT;
        st->in_string = 0;
    }
}

/* Back from anywhere: the thread's control registers as they belong. */
void __attribute__((noreturn, used)) hostile_resume(uint8_t *block)
{
    L4_Word_t *utcb = __L4_Utcb();
    struct hstate *st = h_state_in(block);
    if (st->slot == 0) {
        utcb[__L4_TCR_PAGER] = hcfg.root_pager.raw;
        utcb[__L4_TCR_EXCEPTION_HANDLER] = hcfg.root_handler.raw;
        hostile_keeper(st->space);
    }
    st->recoveries++;
    st->started = st->gen;
    st->op = HOP_COUNT;
    st->in_string = 0;
    utcb[__L4_TCR_PAGER] = h_local_id(0).raw;
    utcb[__L4_TCR_EXCEPTION_HANDLER] = st->slot % 2 ? h_local_id(0).raw : hcfg.root_handler.raw;
    utcb[__L4_TCR_FLAGS] = 0;
    utcb[__L4_TCR_XFER_TIMEOUTS] = 0;
    utcb[__L4_BR(0)] = 0;
    fuzz_loop(st);
}
