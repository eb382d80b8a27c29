/* Decoding the segment-register loads the kernel skips for user threads
 * (spec 4.15). The encodings are as the GNU assembler emits them. */
#define CHECK_SUITE "segload"
#include "check.h"
#include "arch/segload.h"

struct insn {
    const char *text;
    unsigned n;
    uint8_t code[15];
    unsigned length, pop;
};

static void expect_all(const struct insn *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        unsigned pop = 99, len = segload_length(list[i].code, list[i].n, &pop);
        if (len != list[i].length || (len && pop != list[i].pop))
            check_fail("'%s': expected length %u, pop %u; got length %u, pop %u",
                       list[i].text, list[i].length, list[i].pop, len, pop);
    }
}

CHECK_TEST(mov_to_segment_registers)
{
    static const struct insn list[] = {
        { "mov %eax,%ds", 2, { 0x8E, 0xD8 }, 2, 0 },
        { "mov %eax,%gs", 2, { 0x8E, 0xE8 }, 2, 0 },
        { "mov %eax,%ss", 2, { 0x8E, 0xD0 }, 2, 0 },
        { "mov %eax,%es", 2, { 0x8E, 0xC0 }, 2, 0 },
        { "mov %r8d,%fs", 3, { 0x41, 0x8E, 0xE0 }, 3, 0 },
        { "mov %ax,%ds (0x66)", 3, { 0x66, 0x8E, 0xD8 }, 3, 0 },
    };
    expect_all(list, ARRAY_SIZE(list));
}

CHECK_TEST(mov_from_memory_operands)
{
    static const struct insn list[] = {
        { "mov (%rax),%ds", 2, { 0x8E, 0x18 }, 2, 0 },
        { "mov 0x8(%rax),%ds", 3, { 0x8E, 0x58, 0x08 }, 3, 0 },
        { "mov 0x100(%rax),%ds", 6, { 0x8E, 0x98, 0x00, 0x01, 0, 0 }, 6, 0 },
        { "mov 0x1000(%rip),%ds", 6, { 0x8E, 0x1D, 0x00, 0x10, 0, 0 }, 6, 0 },
        { "mov (%rsp),%ds", 3, { 0x8E, 0x1C, 0x24 }, 3, 0 },
        { "mov 0x8(%rsp),%gs", 4, { 0x8E, 0x6C, 0x24, 0x08 }, 4, 0 },
        { "mov 0x1234,%ds", 7, { 0x8E, 0x1C, 0x25, 0x34, 0x12, 0, 0 }, 7, 0 },
        { "mov (%r12),%fs", 4, { 0x41, 0x8E, 0x24, 0x24 }, 4, 0 },
        { "%fs: mov (%rax),%ds", 3, { 0x64, 0x8E, 0x18 }, 3, 0 },
    };
    expect_all(list, ARRAY_SIZE(list));
}

CHECK_TEST(pop_fs_and_gs)
{
    static const struct insn list[] = {
        { "pop %fs", 2, { 0x0F, 0xA1 }, 2, 8 },
        { "pop %gs", 2, { 0x0F, 0xA9 }, 2, 8 },
        { "popw %gs", 3, { 0x66, 0x0F, 0xA9 }, 3, 2 },
    };
    expect_all(list, ARRAY_SIZE(list));
}

/* Everything else is left to the exception message: other instructions,
 * CS (or no segment register) as the target, and bytes cut short. */
CHECK_TEST(other_instructions_are_not_segment_loads)
{
    static const struct insn list[] = {
        { "mov %eax,%cs", 2, { 0x8E, 0xC8 }, 0, 0 },
        { "8E /6", 2, { 0x8E, 0xF0 }, 0, 0 },
        { "8E /7", 2, { 0x8E, 0xF8 }, 0, 0 },
        { "mov %ds,%eax", 2, { 0x8C, 0xD8 }, 0, 0 },
        { "lgdt (%rsp)", 4, { 0x0F, 0x01, 0x14, 0x24 }, 0, 0 },
        { "in (%dx),%al", 1, { 0xEC }, 0, 0 },
        { "hlt", 1, { 0xF4 }, 0, 0 },
        { "push %fs", 2, { 0x0F, 0xA0 }, 0, 0 },
        { "cut: mov 0x100(%rax),%ds", 3, { 0x8E, 0x98, 0x00 }, 0, 0 },
        { "cut: mov (%rsp),%ds", 2, { 0x8E, 0x1C }, 0, 0 },
        { "cut: 8E alone", 1, { 0x8E }, 0, 0 },
        { "cut: prefixes only", 2, { 0x66, 0x41 }, 0, 0 },
        { "nothing", 0, { 0 }, 0, 0 },
        { "15 prefixes, then 8E D8", 15,
          { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
            0x8E, 0xD8 }, 15, 0 },
    };
    expect_all(list, ARRAY_SIZE(list));
}
