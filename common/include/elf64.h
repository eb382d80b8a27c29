/* The ELF64 file and program headers (the fields both the kernel's and
 * the root server's loaders use).
 *
 *   e_ident[0..3] = 7F 'E' 'L' 'F', [4] class = 2 (64-bit), [5] data = 1 (LE)
 *   e_type = 2 (EXEC), e_machine = 62 (x86-64)
 *   e_phoff / e_phentsize / e_phnum: the program header table
 *   p_type = 1 (PT_LOAD): p_filesz bytes at p_offset, p_memsz in memory
 */
#pragma once
#include <stdint.h>

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
