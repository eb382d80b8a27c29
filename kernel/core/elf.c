/* ELF64 executable checks and segment placement. */
#include "elf.h"
#include "section.h"

__boot static const struct elf64_phdr *phdr(const void *image, size_t i)
{
    const struct elf64_ehdr *eh = image;
    return (const void *)((const uint8_t *)image + eh->e_phoff + i * eh->e_phentsize);
}

__boot const char *elf_inspect(const void *image, size_t size, struct elf_image *out)
{
    const struct elf64_ehdr *eh = image;
    if (size < sizeof *eh)
        return "shorter than an ELF header";
    const uint8_t *id = eh->e_ident;
    if (id[0] != 0x7F || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return "no ELF magic";
    if (id[4] != 2 || id[5] != 1)
        return "not a little-endian ELF64 file";
    if (eh->e_type != ELF_ET_EXEC || eh->e_machine != ELF_EM_X86_64)
        return "not an x86-64 executable";
    if (eh->e_phentsize < sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
        eh->e_phoff > size || (uint64_t)eh->e_phnum * eh->e_phentsize > size - eh->e_phoff)
        return "program header table outside the file";

    *out = (struct elf_image){ eh->e_entry, ~0UL, 0, ~0UL, 0 };
    for (size_t i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = phdr(image, i);
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        if (ph->p_filesz > ph->p_memsz)
            return "segment file size exceeds memory size";
        if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
            return "segment data outside the file";
        if (ph->p_paddr + ph->p_memsz < ph->p_paddr || ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
            return "segment wraps around the address space";
        out->low = MIN(out->low, ph->p_paddr);
        out->high = MAX(out->high, ph->p_paddr + ph->p_memsz);
        out->vlow = MIN(out->vlow, ph->p_vaddr);
        out->vhigh = MAX(out->vhigh, ph->p_vaddr + ph->p_memsz);
    }
    if (out->high == 0)
        return "no loadable segment";
    if (out->entry < out->vlow || out->entry >= out->vhigh)
        return "entry point outside the loaded segments";
    return NULL;
}

__boot const char *elf_load(const void *image, size_t size, elf_place_t place, void *ctx,
                            struct elf_image *out)
{
    const char *err = elf_inspect(image, size, out);
    if (err || !place)
        return err;
    const struct elf64_ehdr *eh = image;
    for (size_t i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = phdr(image, i);
        if (ph->p_type == PT_LOAD && ph->p_memsz)
            place(ctx, ph->p_paddr, (const uint8_t *)image + ph->p_offset,
                  ph->p_filesz, ph->p_memsz);
    }
    return NULL;
}
