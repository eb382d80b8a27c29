/* Boot: the root task's initial state (spec 9.2), the KIP (spec 8) and
 * KernelInterface (spec 4.3). */
#include <string.h>
#include <l4/bootinfo.h>
#include <l4/kip.h>
#include <l4/utcb.h>
#include "testlib.h"

extern char _start[], _end[];

static const L4_KernelInterfacePage_t *kip(void)
{
    return L4_GetKernelInterface();
}

TEST(boot, kernel_interface_values)
{
    L4_Word_t version, flags, id;
    void *k = L4_KernelInterface(&version, &flags, &id);
    EXPECT_EQ((L4_Word_t)k, 0xBFF00000);             /* root servers' KIP area */
    EXPECT_EQ(version, 0x84050000);
    EXPECT_EQ(flags, 0x4);
    EXPECT_EQ(version, kip()->api_version);
    EXPECT_EQ(flags, kip()->api_flags);
    EXPECT_EQ(id, *(const L4_Word_t *)((const char *)k + kip()->kernel_desc_ptr));
}

/* KernelInterface must preserve every register but RAX, RCX, RDX, RSI. */
TEST(boot, kernel_interface_preserves_registers)
{
    uint64_t out[9];
    __asm__ volatile(
        "push %%rbp\n"
        "mov $0x1111, %%rbx\n mov $0x2222, %%rdi\n mov $0x3333, %%rbp\n"
        "mov $0x4444, %%r8\n  mov $0x5555, %%r9\n  mov $0x6666, %%r10\n"
        "mov $0x7777, %%r11\n mov $0x8888, %%r12\n mov $0x9999, %%r15\n"
        "lock; nop\n"
        "mov %%rbx, 0(%0)\n mov %%rdi, 8(%0)\n mov %%rbp, 16(%0)\n"
        "mov %%r8, 24(%0)\n mov %%r9, 32(%0)\n mov %%r10, 40(%0)\n"
        "mov %%r11, 48(%0)\n mov %%r12, 56(%0)\n mov %%r15, 64(%0)\n"
        "pop %%rbp\n"
        : : "r"(out) : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
          "r12", "r15", "memory");
    static const uint64_t want[9] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555,
                                      0x6666, 0x7777, 0x8888, 0x9999 };
    for (int i = 0; i < 9; i++)
        EXPECT_EQ(out[i], want[i]);
}

/* l4test's KIP check (spec 13): 10 000 KernelInterface calls, each from
 * another stack depth and with other values in the registers, keep RSP
 * and every register but the four outputs. ki_probe(in, out) loads RBX,
 * RBP, R8-R15 and RDI from in[0..10], executes `lock; nop` and stores
 * them to out[0..10], RSP before and after to out[11] and out[12]. */
__asm__(".text\n .type ki_probe, @function\n"
        "ki_probe:\n"
        " push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
        " push %rsi\n"
        " mov %rsp, 88(%rsi)\n"
        " mov 0(%rdi), %rbx\n mov 8(%rdi), %rbp\n mov 16(%rdi), %r8\n mov 24(%rdi), %r9\n"
        " mov 32(%rdi), %r10\n mov 40(%rdi), %r11\n mov 48(%rdi), %r12\n"
        " mov 56(%rdi), %r13\n mov 64(%rdi), %r14\n mov 72(%rdi), %r15\n"
        " mov 80(%rdi), %rdi\n"
        " lock; nop\n"
        " mov %rsp, %rax\n"                        /* RAX and RSI are outputs: free */
        " mov 0(%rsp), %rsi\n"
        " mov %rax, 96(%rsi)\n"
        " mov %rbx, 0(%rsi)\n mov %rbp, 8(%rsi)\n mov %r8, 16(%rsi)\n mov %r9, 24(%rsi)\n"
        " mov %r10, 32(%rsi)\n mov %r11, 40(%rsi)\n mov %r12, 48(%rsi)\n"
        " mov %r13, 56(%rsi)\n mov %r14, 64(%rsi)\n mov %r15, 72(%rsi)\n"
        " mov %rdi, 80(%rsi)\n"
        " pop %rsi\n"
        " pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
        " ret\n");
void ki_probe(const uint64_t *in, uint64_t *out);

#define KI_KEPT 11
static const char *const ki_names[KI_KEPT] = { "rbx", "rbp", "r8", "r9", "r10", "r11",
                                               "r12", "r13", "r14", "r15", "rdi" };

/* Descend `depth` frames of `pad` bytes each (no tail calls), then probe. */
static __attribute__((noinline)) int ki_at_depth(unsigned depth, unsigned pad,
                                                 const uint64_t *in, uint64_t *out)
{
    volatile uint8_t frame[pad];
    frame[0] = (uint8_t)depth;
    if (!depth) {
        ki_probe(in, out);
        return 0;
    }
    return ki_at_depth(depth - 1, pad, in, out) + frame[0] - (uint8_t)depth;
}

TEST(boot, kernel_interface_10000_times_at_varying_stack_depths)
{
    uint64_t in[KI_KEPT], out[13];
    for (unsigned i = 0; i < 10000; i++) {
        unsigned depth = i % 40;
        for (int r = 0; r < KI_KEPT; r++)
            in[r] = (i + 1) * 0x9E3779B97F4A7C15UL + (uint64_t)r * 0x0101010101010101UL;
        ki_at_depth(depth, 8 + i % 13 * 8, in, out);
        for (int r = 0; r < KI_KEPT; r++)
            if (out[r] != in[r])
                test_fail(__FILE__, __LINE__, "call %u (depth %u): %s expected 0x%lx, got 0x%lx",
                          i, depth, ki_names[r], in[r], out[r]);
        if (out[11] != out[12])
            test_fail(__FILE__, __LINE__, "call %u (depth %u): RSP expected 0x%lx, got 0x%lx", i,
                      depth, out[11], out[12]);
    }
}

TEST(boot, kip_fixed_fields)
{
    const L4_KernelInterfacePage_t *k = kip();
    EXPECT_EQ(k->magic, 0x4BE6344C);                 /* "L4\xE6K", bytes 4-7 zero */
    EXPECT_EQ(k->utcb_info, 0xC2801);
    EXPECT_EQ(k->kip_area_info, 0xC);
    EXPECT_EQ(L4_ThreadIdBits(k), 18);
    EXPECT_EQ(L4_ThreadIdUserBase(k), L4_ThreadIdSystemBase(k) + 32);
    EXPECT_EQ(k->page_info & ~0x3FFUL, 0x201000);    /* 4 KB and 2 MB pages */
    EXPECT_EQ(k->processor_info >> 60, 5);           /* 32-byte processor descriptors */
    /* (the number of processors, bits 0-15: mp.kip_reports_the_processors) */
    EXPECT(k->kernel_desc_ptr >= 0x240 + 32 && k->kernel_desc_ptr < 4096);
    EXPECT_EQ(k->proc_desc_ptr, 0x240);
}

TEST(boot, kip_syscall_stubs)
{
    const L4_KernelInterfacePage_t *k = kip();
    const L4_Word_t *sys = &k->space_control;
    for (int i = 0; i < 11; i++) {
        EXPECT_NE(sys[i], 0);
        EXPECT_EQ(sys[i] & ~0xFFFUL, sys[0] & ~0xFFFUL);   /* one stub page */
    }
    EXPECT_EQ(k->ipc, k->lipc);
    EXPECT_EQ(*(const uint8_t *)k->system_clock == 0, 0);  /* stubs are readable code */
}

TEST(boot, kip_root_servers)
{
    const L4_KernelInterfacePage_t *k = kip();
    EXPECT_EQ(k->root[1], (L4_Word_t)_start);
    EXPECT_EQ(k->root[2], 0x01000000);
    EXPECT(k->root[3] >= (L4_Word_t)_end);
    EXPECT_EQ(k->sigma0[2], 0x00F00000);
    EXPECT(k->sigma0[1] >= k->sigma0[2] && k->sigma0[1] < k->sigma0[3]);
}

/* The memory descriptors must describe the root task's image as
 * initial-server memory inside conventional RAM, and the kernel as reserved. */
TEST(boot, kip_memory_descriptors)
{
    const L4_KernelInterfacePage_t *k = kip();
    L4_Word_t n = L4_NumMemoryDescriptors(k), root = (L4_Word_t)_start;
    int conventional = 0, init_server = 0, reserved = 0, user_virtual = 0;
    EXPECT(n > 4);
    for (L4_Word_t i = 0; i < n; i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc(k, i);
        L4_Word_t lo = L4_MemoryDescLow(m), hi = L4_MemoryDescHigh(m), t = L4_MemoryDescType(m);
        if (L4_IsMemoryDescVirtual(m)) {
            user_virtual |= t == L4_ConventionalMemoryType && lo == 0;
            continue;
        }
        conventional |= t == L4_ConventionalMemoryType && lo <= root && root < hi;
        init_server |= t == 0xE + 2 * 16 && lo <= root && root < hi;
        reserved |= t == L4_ReservedMemoryType && lo <= 0x100000 && 0x100000 < hi;
    }
    EXPECT(conventional);
    EXPECT(init_server);
    EXPECT(reserved);
    EXPECT(user_virtual);
}

TEST(boot, kip_kernel_descriptor)
{
    const L4_KernelInterfacePage_t *k = kip();
    const L4_Word_t *kd = (const L4_Word_t *)((const char *)k + k->kernel_desc_ptr);
    const char *version = (const char *)(kd + 4);
    EXPECT(strstr(version, "Pecan") != NULL);
    const char *feature = version + strlen(version) + 1;
    EXPECT_EQ(feature[0], 0);                        /* empty feature list */
}

TEST(boot, utcb_and_gs)
{
    L4_Word_t *utcb = __L4_Utcb();
    const L4_KernelInterfacePage_t *k = kip();
    EXPECT_EQ((L4_Word_t)utcb, 0xBF000200);          /* local id = MR0 address */
    EXPECT_EQ(L4_MyGlobalId().raw, L4_GlobalId(L4_ThreadIdUserBase(k) + 2, 1).raw);
    EXPECT_EQ(L4_Pager().raw, L4_GlobalId(L4_ThreadIdUserBase(k), 1).raw);
    EXPECT_EQ(L4_ExceptionHandler().raw, 0);
    EXPECT_EQ(L4_ProcessorNo(), 0);
}

TEST(boot, initial_flags_and_selectors)
{
    uint64_t flags, cs, ss;
    __asm__ volatile("pushfq; pop %0; mov %%cs, %1; mov %%ss, %2"
                     : "=r"(flags), "=r"(cs), "=r"(ss));
    /* IF; IOPL 3 only with the kernel option ioports=all (Pistachio's
     * 0x3202, spec 9.2); Pecan's strict default has IOPL 0 */
    L4_Word_t iopl = strstr(test_cmdline(), "ioports=all") ? 0x3000 : 0;
    EXPECT_EQ(flags & 0x3200, 0x200 | iopl);
    EXPECT_EQ(cs, 0x2B);
    EXPECT_EQ(ss, 0x23);
}

TEST(boot, boot_info_records)
{
    const L4_KernelInterfacePage_t *k = kip();
    const L4_BootInfo_t *b = (const L4_BootInfo_t *)k->boot_info;
    EXPECT_NE(b, 0);
    EXPECT_EQ(b->magic, L4_BOOTINFO_MAGIC);
    EXPECT_EQ(b->version, 1);
    EXPECT(b->num_entries >= 3);                     /* sigma0, root, multiboot */
    const L4_BootRec_t *root = L4_BootInfo_FindExec(b, 0x01000000);
    EXPECT_NE(root, 0);
    EXPECT_EQ(((const L4_Word_t *)root)[12], (L4_Word_t)_start);
    EXPECT(strstr(L4_BootRec_Cmdline(root), "tests.elf") != NULL);
}
