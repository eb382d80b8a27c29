/* The kernel-debugger interface (spec 11.1): output calls preserve every
 * register; ReadChar returns -1 when nothing was typed. Pecan's
 * LockTakes counts the kernel lock's takes (an unprivileged thread's is
 * an exception: test_exception.c). */
#include <l4/kdebug.h>
#include <l4/thread.h>
#include "testlib.h"
#include "tsupport.h"

/* Load known values, run the marker sequence, store the registers. */
#define PRESERVE_CHECK(marker, rax_value)                                       \
    do {                                                                        \
        uint64_t out[10];                                                       \
        __asm__ volatile(                                                       \
            "push %%rbp\n mov %1, %%rax\n"                                      \
            "mov $0x11, %%rbx\n mov $0x22, %%rcx\n mov $0x33, %%rdx\n"          \
            "mov $0x44, %%rsi\n mov $0x55, %%rdi\n mov $0x66, %%r8\n"           \
            "mov $0x77, %%r11\n mov $0x88, %%r12\n"                             \
            "int3\n" marker "\n"                                                \
            "mov %%rax, 0(%0)\n mov %%rbx, 8(%0)\n mov %%rcx, 16(%0)\n"         \
            "mov %%rdx, 24(%0)\n mov %%rsi, 32(%0)\n mov %%rdi, 40(%0)\n"       \
            "mov %%r8, 48(%0)\n mov %%r11, 56(%0)\n mov %%r12, 64(%0)\n"        \
            "pop %%rbp\n"                                                       \
            : : "r"(out), "r"(rax_value)                                        \
            : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r11", "r12", "memory"); \
        const uint64_t want[9] = { (uint64_t)(rax_value), 0x11, 0x22, 0x33, 0x44, \
                                   0x55, 0x66, 0x77, 0x88 };                    \
        for (int i = 0; i < 9; i++)                                             \
            EXPECT_EQ(out[i], want[i]);                                         \
    } while (0)

TEST(kdebug, print_char_preserves_registers)
{
    PRESERVE_CHECK("cmpb $0, %%al", (uint64_t)'.');
    L4_KDB_PrintChar('\n');
}

TEST(kdebug, print_string_preserves_registers)
{
    static const char s[] = "(kdebug print string)\n";
    PRESERVE_CHECK("cmpb $1, %%al", (uint64_t)s);
}

TEST(kdebug, print_string_stops_at_unmapped_memory)
{
    /* The string runs into an unmapped address: the kernel must print
     * what it can and return, not fault the caller or itself. */
    L4_KDB_PrintString((const char *)0x7FFFFFFFF000);
    L4_KDB_PrintString((const char *)0xFFFFFFFF80000000);   /* kernel: nothing */
}

TEST(kdebug, read_char_without_input)
{
    EXPECT_EQ(L4_KDB_ReadChar(), -1);
}

/* A thread made and deleted takes the lock for each ThreadControl on a
 * multiprocessor; on one processor there is no lock to take. */
TEST(kdebug, lock_takes_counts_the_kernel_lock)
{
    L4_Word_t n = tsup_processors(), me = L4_ProcessorNo();
    EXPECT_EQ(L4_KDB_LockTakes(n), ~0UL);              /* no such processor */
    EXPECT_EQ(L4_KDB_LockTakes(~0UL), ~0UL);
    L4_Word_t before = L4_KDB_LockTakes(me);
    tsup_kill(tsup_thread(tsup_fn_sleeper, 0));
    L4_Word_t after = L4_KDB_LockTakes(me);
    if (n > 1 && after < before + 2)
        test_fail(__FILE__, __LINE__, "processor %lu of %lu took the kernel lock %lu times for "
                  "a thread made and deleted (expected at least 2: two ThreadControls)", me, n,
                  after - before);
    if (n == 1)
        EXPECT_EQ(after, before);
}
