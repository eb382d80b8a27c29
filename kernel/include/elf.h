/* Loading ELF64 executables the way X.2 boot loaders do: every PT_LOAD
 * segment goes to its physical address (p_paddr), BSS is zeroed. */
#pragma once
#include "types.h"

/*
 * ELF64 file header (the fields we use):
 *   e_ident[0..3] = 7F 'E' 'L' 'F', [4] class = 2 (64-bit), [5] data = 1 (LE)
 *   e_type = 2 (EXEC), e_machine = 62 (x86-64)
 *   e_phoff / e_phentsize / e_phnum: the program header table
 */
struct elf64_ehdr {
    uint8_t  e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

#define PT_LOAD 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62

struct elf_image {
    uint64_t entry;
    paddr_t low, high;          /* physical extent of all segments [low, high) */
    vaddr_t vlow, vhigh;        /* virtual extent */
};

/* Called for each segment: copy `filesz` bytes from `src` to physical
 * `paddr` and zero up to `memsz`. */
typedef void (*elf_place_t)(void *ctx, paddr_t paddr, const void *src,
                            uint64_t filesz, uint64_t memsz);

/* Check the image and compute its extent. Returns NULL or what is wrong. */
const char *elf_inspect(const void *image, size_t size, struct elf_image *out);

/* Inspect, then place every PT_LOAD segment (place may be NULL). */
const char *elf_load(const void *image, size_t size, elf_place_t place, void *ctx,
                     struct elf_image *out);
