/* The ELF loader: checks on the header and segments, extent computation,
 * and placement of file data plus zeroed BSS at physical addresses. */
#define CHECK_SUITE "elf"
#include "check.h"
#include "elf.h"

/* A small executable: header, two program headers, 64 bytes of data.
 *   segment 0: text, 32 file bytes at paddr 0x1000000, vaddr 0x1000000
 *   segment 1: data, 16 file bytes + 48 BSS at paddr 0x1002000 */
struct image {
    struct elf64_ehdr eh;
    struct elf64_phdr ph[2];
    uint8_t data[64];
};

static struct image make_image(void)
{
    struct image im;
    memset(&im, 0, sizeof im);
    memcpy(im.eh.e_ident, "\x7f" "ELF\x02\x01\x01", 7);
    im.eh.e_type = ELF_ET_EXEC;
    im.eh.e_machine = ELF_EM_X86_64;
    im.eh.e_entry = 0x1000010;
    im.eh.e_phoff = offsetof(struct image, ph);
    im.eh.e_phentsize = sizeof(struct elf64_phdr);
    im.eh.e_phnum = 2;
    size_t d = offsetof(struct image, data);
    im.ph[0] = (struct elf64_phdr){ PT_LOAD, 5, d, 0x1000000, 0x1000000, 32, 32, 0x1000 };
    im.ph[1] = (struct elf64_phdr){ PT_LOAD, 6, d + 32, 0x1002000, 0x1002000, 16, 64, 0x1000 };
    for (int i = 0; i < 64; i++)
        im.data[i] = (uint8_t)(i + 1);
    return im;
}

struct placed {
    int n;
    paddr_t paddr[4];
    const void *src[4];
    uint64_t filesz[4], memsz[4];
};

static void record(void *ctx, paddr_t paddr, const void *src, uint64_t filesz, uint64_t memsz)
{
    struct placed *p = ctx;
    if (p->n < 4) {
        p->paddr[p->n] = paddr;
        p->src[p->n] = src;
        p->filesz[p->n] = filesz;
        p->memsz[p->n] = memsz;
    }
    p->n++;
}

CHECK_TEST(inspect_computes_extent)
{
    struct image im = make_image();
    struct elf_image out;
    EXPECT_STR(elf_inspect(&im, sizeof im, &out) ?: "ok", "ok");
    EXPECT_EQ(out.entry, 0x1000010);
    EXPECT_EQ(out.low, 0x1000000);
    EXPECT_EQ(out.high, 0x1002040);
    EXPECT_EQ(out.vlow, 0x1000000);
    EXPECT_EQ(out.vhigh, 0x1002040);
}

CHECK_TEST(load_places_each_segment)
{
    struct image im = make_image();
    struct elf_image out;
    struct placed p = { 0 };
    EXPECT(elf_load(&im, sizeof im, record, &p, &out) == NULL);
    EXPECT_EQ(p.n, 2);
    EXPECT_EQ(p.paddr[0], 0x1000000);
    EXPECT(p.src[0] == im.data);
    EXPECT_EQ(p.filesz[0], 32);
    EXPECT_EQ(p.paddr[1], 0x1002000);
    EXPECT(p.src[1] == im.data + 32);
    EXPECT_EQ(p.filesz[1], 16);
    EXPECT_EQ(p.memsz[1], 64);
}

CHECK_TEST(skips_non_load_and_empty_segments)
{
    struct image im = make_image();
    im.ph[0].p_type = 4;                /* PT_NOTE */
    im.ph[1].p_memsz = 0;
    im.ph[1].p_filesz = 0;
    struct elf_image out;
    EXPECT_STR(elf_inspect(&im, sizeof im, &out), "no loadable segment");
}

/* Each corruption must be refused with its own reason. */
CHECK_TEST(rejects_bad_images)
{
    struct elf_image out;
    struct image im = make_image();

#define REJECT(mutation, reason)                                             \
    do {                                                                     \
        im = make_image();                                                   \
        mutation;                                                            \
        EXPECT_STR(elf_inspect(&im, sizeof im, &out), reason);               \
    } while (0)

    EXPECT_STR(elf_inspect(&im, 10, &out), "shorter than an ELF header");
    REJECT(im.eh.e_ident[1] = 'X', "no ELF magic");
    REJECT(im.eh.e_ident[4] = 1, "not a little-endian ELF64 file");
    REJECT(im.eh.e_ident[5] = 2, "not a little-endian ELF64 file");
    REJECT(im.eh.e_type = 3, "not an x86-64 executable");
    REJECT(im.eh.e_machine = 3, "not an x86-64 executable");
    REJECT(im.eh.e_phnum = 0, "program header table outside the file");
    REJECT(im.eh.e_phnum = 1000, "program header table outside the file");
    REJECT(im.eh.e_phoff = ~0UL, "program header table outside the file");
    REJECT(im.ph[1].p_filesz = 65, "segment file size exceeds memory size");
    REJECT(im.ph[1].p_offset = sizeof im, "segment data outside the file");
    REJECT((im.ph[1].p_filesz = 0, im.ph[1].p_offset = ~0UL - 4), "segment data outside the file");
    REJECT(im.ph[1].p_paddr = ~0UL - 8, "segment wraps around the address space");
    REJECT(im.eh.e_entry = 0x2000000, "entry point outside the loaded segments");
#undef REJECT
}

CHECK_TEST(load_with_bad_image_places_nothing)
{
    struct image im = make_image();
    im.ph[1].p_filesz = 100;
    struct elf_image out;
    struct placed p = { 0 };
    EXPECT(elf_load(&im, sizeof im, record, &p, &out) != NULL);
    EXPECT_EQ(p.n, 0);
}
