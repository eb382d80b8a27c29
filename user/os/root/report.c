/* Reports on the kernel console about tasks that end by a fault: which
 * program and task, what happened (the exception by name; a page fault's
 * access and address and why it could not be served), where (the
 * instruction, with the function from the program's symbols) and, for
 * exceptions, the registers the kernel sent along. */
#include <stdio.h>
#include "root.h"

static const char *exception_name(L4_Word_t vector)
{
    static const char *const names[] = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
        "#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
        "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
        "#NP segment not present", "#SS stack-segment fault", "#GP general protection",
        "#PF page fault", "vector 15", "#MF x87 floating-point error", "#AC alignment check",
        "#MC machine check", "#XM SIMD floating-point exception", "#VE virtualization exception",
        "#CP control protection",
    };
    return vector < sizeof names / sizeof names[0] ? names[vector] : "an unknown exception";
}

static const char *access_name(unsigned access)
{
    return access & L4_Writable ? "write" : access & L4_eXecutable ? "execute" : "read";
}

/* "os: task 45 (crash, thread 4500000001) ended: " */
static void head(const struct task *t)
{
    printf("os: task %lx (%s, thread %lx) ended: ", L4_ThreadNo(t->id), t->name, t->id.raw);
}

/* " at ip 4001f3 <app_main+0x13>" */
static void where(const struct task *t, L4_Word_t ip)
{
    L4_Word_t offset;
    const char *fn = program_symbol(t->prog, ip, &offset);
    printf(" at ip %lx", ip);
    if (fn)
        printf(" <%s+0x%lx>", fn, offset);
    printf("\n");
}

void report_page_fault(const struct task *t, enum fault_verdict why, L4_Word_t addr,
                       unsigned access, L4_Word_t ip)
{
    static const char *const reasons[] = {
        [FAULT_NOTHING_THERE] = "nothing is mapped there",
        [FAULT_NOT_ALLOWED] = "its memory there does not allow that",
        [FAULT_STACK_OVERFLOW] = "stack overflow (below its 256 KB stack)",
        [FAULT_OVER_LIMIT] = "over its memory limit",
        [FAULT_NO_MEMORY] = "the system is out of memory",
    };
    head(t);
    printf("page fault: %s at %lx, %s;", access_name(access), addr, reasons[why]);
    where(t, ip);
}

void report_io_fault(const struct task *t, L4_Word_t port, L4_Word_t ip)
{
    head(t);
    printf("I/O port %lx, which it may not use;", port);
    where(t, ip);
}

void report_exception(const struct task *t, const L4_Word_t *mr)
{
    /* the exception message (spec 6.4): MR1 RIP, then the registers */
    static const char *const regs[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                                        "rflags" };
    static const unsigned mr_of[] = { 8, 2, 9, 10, 11, 12, 13, 17, 14, 15, 3, 16, 4, 5, 6, 7, 18 };
    head(t);
    printf("%s (vector %lu)", exception_name(mr[19]), mr[19]);
    where(t, mr[1]);
    unsigned n = sizeof regs / sizeof regs[0];
    for (unsigned i = 0; i < n; i++)
        printf("  %-6s %016lx%s", regs[i], mr[mr_of[i]], i % 4 == 3 || i == n - 1 ? "\n" : "");
}
