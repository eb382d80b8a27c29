/* Programs: the boot modules after sigma0 and the root task, ELF images
 * read in place (their pages mapped here from sigma0 at virtual =
 * physical). A module's name is its file name without directory and
 * ".elf". */
#include <string.h>
#include <stdio.h>
#include <elf64.h>
#include <l4/bootinfo.h>
#include <l4/kip.h>
#include <l4/sigma0.h>
#include "root.h"

#define MAX_PROGRAMS 24
static struct program programs[MAX_PROGRAMS];
static unsigned nprograms;

/* The ELF64 section header and symbol, for the symbol table. */
struct elf64_shdr {
    uint32_t sh_name, sh_type;
    uint64_t sh_flags, sh_addr, sh_offset, sh_size;
    uint32_t sh_link, sh_info;
    uint64_t sh_addralign, sh_entsize;
};
struct elf64_sym {
    uint32_t st_name;
    uint8_t st_info, st_other;
    uint16_t st_shndx;
    uint64_t st_value, st_size;
};
#define SHT_SYMTAB 2
#define STT_FUNC 2

static void module_name(const char *cmdline, char *out, size_t size)
{
    const char *start = cmdline, *end = cmdline;
    while (*end && *end != ' ')
        if (*end++ == '/')
            start = end;
    size_t n = (size_t)(end - start);
    if (n > 4 && !strncmp(end - 4, ".elf", 4))
        n -= 4;
    if (n >= size)
        n = size - 1;
    memcpy(out, start, n);
    out[n] = '\0';
}

/* Note the symbol table and its strings, if the image has them whole. */
static void find_symbols(struct program *p, const unsigned char *img, L4_Word_t size)
{
    const struct elf64_ehdr *eh = (const void *)img;
    if (eh->e_shentsize != sizeof(struct elf64_shdr) ||
        eh->e_shoff + (L4_Word_t)eh->e_shnum * sizeof(struct elf64_shdr) > size)
        return;
    const struct elf64_shdr *sh = (const void *)(img + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const struct elf64_shdr *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset + sh[i].sh_size > size || str->sh_offset + str->sh_size > size ||
            !str->sh_size || img[str->sh_offset + str->sh_size - 1] != '\0')
            return;
        p->symtab = img + sh[i].sh_offset;
        p->nsyms = sh[i].sh_size / sizeof(struct elf64_sym);
        p->strtab = img + str->sh_offset;
        p->strsize = str->sh_size;
        return;
    }
}

/* Check an ELF64 x86-64 executable and note its loadable segments. */
static int parse(struct program *p, const unsigned char *img, L4_Word_t size)
{
    const struct elf64_ehdr *eh = (const void *)img;
    if (size < sizeof *eh || memcmp(eh->e_ident, "\x7f" "ELF\x02\x01", 6) ||
        eh->e_type != ELF_ET_EXEC || eh->e_machine != ELF_EM_X86_64 ||
        eh->e_phoff + (L4_Word_t)eh->e_phnum * sizeof(struct elf64_phdr) > size)
        return 0;
    p->entry = eh->e_entry;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = (const void *)(img + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type != PT_LOAD || !ph->p_memsz)
            continue;
        if (p->nseg == 6 || ph->p_offset + ph->p_filesz > size || ph->p_filesz > ph->p_memsz)
            return 0;
        p->seg[p->nseg++] = (struct segment){ ph->p_vaddr, ph->p_memsz, ph->p_filesz, ph->p_flags,
                                              img + ph->p_offset };
        if (ph->p_vaddr + ph->p_memsz > p->end)
            p->end = ph->p_vaddr + ph->p_memsz;
    }
    find_symbols(p, img, size);
    return p->nseg > 0;
}

void programs_init(void)
{
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    const L4_BootInfo_t *bi = (const L4_BootInfo_t *)kip->boot_info;
    const L4_BootRec_t *r = L4_BootInfo_FirstEntry(bi);
    for (L4_Word_t i = 0; i < bi->num_entries; i++, r = L4_BootRec_Next(r)) {
        if (r->type != L4_BootInfo_Module || nprograms == MAX_PROGRAMS)
            continue;
        const L4_Word_t *w = (const L4_Word_t *)r;
        L4_Word_t start = w[3], size = w[4];
        for (L4_Word_t pg = start & ~0xFFFUL; pg < start + size; pg += 4096)
            L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(pg, 12));
        struct program *p = &programs[nprograms];
        module_name(L4_BootRec_Cmdline(r), p->name, sizeof p->name);
        if (parse(p, (const unsigned char *)start, size))
            nprograms++;
        else
            printf("os: module %s is no x86-64 ELF executable; ignored\n", p->name);
    }
    L4_Accept(L4_UntypedWordsAcceptor);
}

const struct program *program_find(const char *name)
{
    for (unsigned i = 0; i < nprograms; i++)
        if (!strcmp(programs[i].name, name))
            return &programs[i];
    return NULL;
}

const struct program *program_at(unsigned i)
{
    return i < nprograms ? &programs[i] : NULL;
}

const char *program_symbol(const struct program *p, L4_Word_t ip, L4_Word_t *offset)
{
    const struct elf64_sym *best = NULL;
    for (L4_Word_t i = 0; i < p->nsyms; i++) {
        const struct elf64_sym *s = (const struct elf64_sym *)p->symtab + i;
        if ((s->st_info & 0xF) == STT_FUNC && s->st_value <= ip && s->st_name < p->strsize &&
            (!best || s->st_value > best->st_value))
            best = s;
    }
    if (!best || (best->st_size && ip >= best->st_value + best->st_size))
        return NULL;                        /* between functions */
    *offset = ip - best->st_value;
    return (const char *)p->strtab + best->st_name;
}
