/* Loading ELF64 executables the way X.2 boot loaders do: every PT_LOAD
 * segment goes to its physical address (p_paddr), BSS is zeroed. */
#pragma once
#include "elf64.h"
#include "types.h"

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
