/* The multiboot parser, fed a boot-information block built in a buffer
 * that stands for low physical memory. */
#define CHECK_SUITE "multiboot"
#include "check.h"
#include "multiboot.h"

static uint8_t phys[0x4000];

static const void *view(paddr_t p)
{
    if (p >= sizeof phys) {
        check_fail("parser read 0x%llx, outside the boot data", (unsigned long long)p);
        return phys;
    }
    return phys + p;
}

/* Layout in `phys`: info at 0x100, mmap at 0x200, modules at 0x400,
 * strings at 0x800.. */
#define INFO 0x100
#define MMAP 0x200
#define MODS 0x400

static struct mb_info *info(void) { return (struct mb_info *)(phys + INFO); }

static void put_str(paddr_t at, const char *s) { strcpy((char *)phys + at, s); }

static void build(int nregions, int nmods)
{
    memset(phys, 0, sizeof phys);
    struct mb_info *mbi = info();
    mbi->flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_MODS;
    mbi->cmdline = 0x800;
    put_str(0x800, "kdb verbose");
    struct mb_mmap_entry *e = (void *)(phys + MMAP);
    for (int i = 0; i < nregions; i++)
        e[i] = (struct mb_mmap_entry){ 20, 0x100000ull * i, 0x80000, i % 2 ? 2 : 1 };
    mbi->mmap_addr = MMAP;
    mbi->mmap_length = nregions * sizeof *e;
    struct mb_module *m = (void *)(phys + MODS);
    for (int i = 0; i < nmods; i++) {
        m[i] = (struct mb_module){ 0x200000 + 0x10000 * i, 0x200000 + 0x10000 * i + 0x123,
                                   0x900 + 0x20 * i, 0 };
        put_str(0x900 + 0x20 * i, i ? "root.elf" : "sigma0.elf");
    }
    mbi->mods_count = nmods;
    mbi->mods_addr = MODS;
}

CHECK_TEST(parses_command_line_and_extents)
{
    build(3, 2);
    struct boot_desc bd;
    EXPECT(multiboot_parse(INFO, view, &bd) == NULL);
    EXPECT_STR(bd.cmdline, "kdb verbose");
    EXPECT_EQ(bd.cmdline_start, 0x800);
    EXPECT_EQ(bd.cmdline_end, 0x800 + 12);
    EXPECT_EQ(bd.info_start, INFO);
    EXPECT_EQ(bd.info_end, INFO + sizeof(struct mb_info));
    EXPECT_EQ(bd.mmap_start, MMAP);
    EXPECT_EQ(bd.mmap_end, MMAP + 3 * 24);
    EXPECT_EQ(bd.mods_start, MODS);
    EXPECT_EQ(bd.mods_end, MODS + 2 * 16);
}

CHECK_TEST(parses_memory_map)
{
    build(3, 0);
    struct boot_desc bd;
    EXPECT(multiboot_parse(INFO, view, &bd) == NULL);
    EXPECT_EQ(bd.nregions, 3);
    EXPECT_EQ(bd.regions[1].base, 0x100000);
    EXPECT_EQ(bd.regions[1].end, 0x180000);
    EXPECT_EQ(bd.regions[1].type, 2);
    EXPECT_EQ(bd.regions[2].type, 1);
}

CHECK_TEST(honours_entry_size_field)
{
    build(0, 0);
    /* two entries of size 28: 8 extra bytes after each must be skipped */
    uint8_t *p = phys + MMAP;
    struct mb_mmap_entry a = { 28, 0x0, 0x9f000, 1 }, b = { 28, 0x100000, 0x700000, 1 };
    memcpy(p, &a, sizeof a);
    memcpy(p + 32, &b, sizeof b);
    info()->mmap_length = 64;
    struct boot_desc bd;
    EXPECT(multiboot_parse(INFO, view, &bd) == NULL);
    EXPECT_EQ(bd.nregions, 2);
    EXPECT_EQ(bd.regions[1].base, 0x100000);
    EXPECT_EQ(bd.regions[1].end, 0x800000);
}

CHECK_TEST(skips_zero_length_regions)
{
    build(2, 0);
    ((struct mb_mmap_entry *)(phys + MMAP))[0].length = 0;
    struct boot_desc bd;
    EXPECT(multiboot_parse(INFO, view, &bd) == NULL);
    EXPECT_EQ(bd.nregions, 1);
}

CHECK_TEST(parses_modules)
{
    build(1, 2);
    struct boot_desc bd;
    EXPECT(multiboot_parse(INFO, view, &bd) == NULL);
    EXPECT_EQ(bd.nmodules, 2);
    EXPECT_EQ(bd.modules[0].start, 0x200000);
    EXPECT_EQ(bd.modules[0].end, 0x200123);
    EXPECT_STR(bd.modules[0].cmdline, "sigma0.elf");
    EXPECT_STR(bd.modules[1].cmdline, "root.elf");
    EXPECT_EQ(bd.modules[1].cmdline_start, 0x920);
    EXPECT_EQ(bd.modules[1].cmdline_end, 0x920 + 9);
}

CHECK_TEST(missing_fields_read_as_empty)
{
    build(1, 2);
    info()->flags = MB_INFO_MMAP;       /* no command line, no modules */
    struct boot_desc bd;
    EXPECT(multiboot_parse(INFO, view, &bd) == NULL);
    EXPECT_STR(bd.cmdline, "");
    EXPECT_EQ(bd.nmodules, 0);
    EXPECT_EQ(bd.cmdline_end, 0);
}

CHECK_TEST(errors_say_what_is_wrong)
{
    struct boot_desc bd;
    build(1, 0);
    info()->flags &= ~MB_INFO_MMAP;
    EXPECT_STR(multiboot_parse(INFO, view, &bd), "boot loader gave no memory map (multiboot flag 6)");
    build(1, 0);
    ((struct mb_mmap_entry *)(phys + MMAP))[0].size = 12;
    EXPECT_STR(multiboot_parse(INFO, view, &bd), "malformed memory map entry (size < 20)");
    build(BOOT_MAX_REGIONS + 1, 0);
    EXPECT_STR(multiboot_parse(INFO, view, &bd), "too many memory map entries");
    build(1, 2);
    info()->mods_count = BOOT_MAX_MODULES + 1;
    EXPECT_STR(multiboot_parse(INFO, view, &bd), "too many boot modules");
    build(1, 1);
    ((struct mb_module *)(phys + MODS))[0].mod_end = 0x1000;
    EXPECT_STR(multiboot_parse(INFO, view, &bd), "boot module ends before it starts");
}
