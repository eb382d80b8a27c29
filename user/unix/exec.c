/* execve's loader (exec.h). */
#include <string.h>
#include <elf64.h>
#include "exec.h"
#include "fs.h"
#include "mm.h"
#include "unix.h"

#define PAGE 4096UL
#define PAGE_DOWN(a) ((a) & ~(PAGE - 1))
#define PAGE_UP(a) (((a) + PAGE - 1) & ~(PAGE - 1))
#define PT_INTERP 3
#define PT_PHDR 6
#define ELF_ET_DYN 3
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define PIE_BASE 0x555555554000UL
#define MAX_PHDRS 32
#define STACK_START (128UL << 10)       /* mapped at first; it grows on faults */

static unsigned prot_of(uint32_t flags)
{
    return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
           (flags & PF_X ? PROT_EXEC : 0);
}

/* One PT_LOAD segment at base + vaddr: the file's bytes copy-on-write,
 * the rest of the last file page and the bss zero. */
static int load_segment(struct mm *mm, struct inode *f, uint64_t base,
                        const struct elf64_phdr *ph)
{
    uint64_t va = base + ph->p_vaddr, file_end = va + ph->p_filesz, mem_end = va + ph->p_memsz;
    unsigned prot = prot_of(ph->p_flags);
    if ((ph->p_vaddr - ph->p_offset) % PAGE || ph->p_filesz > ph->p_memsz ||
        mem_end > MM_MMAP_TOP || mem_end < va)
        return -ENOEXEC;
    if (ph->p_filesz) {
        long r = mm_map(mm, PAGE_DOWN(va), PAGE_UP(file_end) - PAGE_DOWN(va), prot | PROT_WRITE,
                        0, true, f, PAGE_DOWN(ph->p_offset));
        if (r < 0)
            return (int)r;
        if (file_end % PAGE && mem_end > file_end) {   /* zeros after the file's bytes */
            static const char zeros[PAGE];
            uint64_t n = PAGE - file_end % PAGE;
            if (mm_write(mm, file_end, zeros, n))
                return -ENOMEM;
        }
        if (!(prot & PROT_WRITE))
            mm_protect(mm, PAGE_DOWN(va), PAGE_UP(file_end) - PAGE_DOWN(va), prot);
    }
    uint64_t bss = PAGE_UP(file_end) > PAGE_DOWN(va) ? PAGE_UP(file_end) : PAGE_DOWN(va);
    if (PAGE_UP(mem_end) > bss) {
        long r = mm_map(mm, bss, PAGE_UP(mem_end) - bss, prot, 0, true, NULL, 0);
        if (r < 0)
            return (int)r;
    }
    return 0;
}

/* The initial stack (System V x86-64 ABI, figure 3.9), top down: the
 * strings, 16 random bytes, then aligned: auxv, envp, argv, argc. */
static int build_stack(struct mm *mm, const struct exec_args *a, const uint64_t *auxv,
                       unsigned nauxv, uint64_t *sp_out)
{
    uint64_t top = MM_STACK_TOP, sp = top;
    unsigned argc = 0, envc = 0;
    while (a->argv[argc])
        argc++;
    while (a->envp[envc])
        envc++;
    uint64_t strings = 0;
    for (unsigned i = 0; i < argc; i++)
        strings += strlen(a->argv[i]) + 1;
    for (unsigned i = 0; i < envc; i++)
        strings += strlen(a->envp[i]) + 1;
    strings += strlen(a->execfn) + 1;
    uint64_t words = 1 + argc + 1 + envc + 1 + nauxv;
    if (strings + 16 + words * 8 + 64 > STACK_START - PAGE)
        return -E2BIG;

    uint64_t ptrs[argc + envc + 2];
    unsigned k = 0;
    for (unsigned i = 0; i < argc; i++) {
        size_t n = strlen(a->argv[i]) + 1;
        sp -= n;
        if (mm_write(mm, sp, a->argv[i], n))
            return -ENOMEM;
        ptrs[k++] = sp;
    }
    ptrs[k++] = 0;
    for (unsigned i = 0; i < envc; i++) {
        size_t n = strlen(a->envp[i]) + 1;
        sp -= n;
        if (mm_write(mm, sp, a->envp[i], n))
            return -ENOMEM;
        ptrs[k++] = sp;
    }
    ptrs[k++] = 0;
    size_t n = strlen(a->execfn) + 1;
    sp -= n;
    uint64_t execfn = sp;
    if (mm_write(mm, sp, a->execfn, n))
        return -ENOMEM;
    sp = (sp - 16) & ~15UL;
    uint64_t random = sp, rnd[2] = { now_us() * 0x9E3779B97F4A7C15UL, (uint64_t)mm ^ 0x5DEECE66DUL };
    if (mm_write(mm, random, rnd, 16))
        return -ENOMEM;

    uint64_t vec[words];
    unsigned w = 0;
    vec[w++] = argc;
    for (unsigned i = 0; i < argc + 1 + envc + 1; i++)
        vec[w++] = ptrs[i];
    for (unsigned i = 0; i < nauxv; i += 2) {
        vec[w++] = auxv[i];
        vec[w++] = auxv[i] == AT_RANDOM ? random : auxv[i] == AT_EXECFN ? execfn : auxv[i + 1];
    }
    sp = (sp - w * 8) & ~15UL;              /* argc at a 16-byte boundary */
    if (mm_write(mm, sp, vec, w * 8))
        return -ENOMEM;
    *sp_out = sp;
    return 0;
}

int exec_load(struct mm *mm, struct inode *f, const struct exec_args *a, uint64_t *entry,
              uint64_t *sp)
{
    struct elf64_ehdr eh;
    if (!S_ISREG(f->mode))
        return -EACCES;
    if (inode_read(f, &eh, 0, sizeof eh) != sizeof eh || memcmp(eh.e_ident, "\177ELF", 4) ||
        eh.e_ident[4] != 2 || eh.e_ident[5] != 1 || eh.e_machine != ELF_EM_X86_64 ||
        (eh.e_type != ELF_ET_EXEC && eh.e_type != ELF_ET_DYN) ||
        eh.e_phentsize != sizeof(struct elf64_phdr) || !eh.e_phnum || eh.e_phnum > MAX_PHDRS)
        return -ENOEXEC;
    struct elf64_phdr ph[MAX_PHDRS];
    uint64_t phsize = eh.e_phnum * sizeof ph[0];
    if (inode_read(f, ph, eh.e_phoff, phsize) != (long)phsize)
        return -ENOEXEC;
    uint64_t base = eh.e_type == ELF_ET_DYN ? PIE_BASE : 0, end = 0, phdr_va = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP)
            return -ENOEXEC;                /* dynamically linked: no loader here */
        if (ph[i].p_type == PT_PHDR)
            phdr_va = base + ph[i].p_vaddr;
    }
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        int err = load_segment(mm, f, base, &ph[i]);
        if (err)
            return err;
        if (base + ph[i].p_vaddr + ph[i].p_memsz > end)
            end = base + ph[i].p_vaddr + ph[i].p_memsz;
        if (!phdr_va && eh.e_phoff >= ph[i].p_offset &&
            eh.e_phoff + phsize <= ph[i].p_offset + ph[i].p_filesz)
            phdr_va = base + ph[i].p_vaddr + (eh.e_phoff - ph[i].p_offset);
    }
    if (!end)
        return -ENOEXEC;
    mm->brk_start = mm->brk = PAGE_UP(end);
    mm->stack_top = MM_STACK_TOP;
    long r = mm_map(mm, MM_STACK_TOP - STACK_START, STACK_START, PROT_READ | PROT_WRITE,
                    VMA_GROWSDOWN, true, NULL, 0);
    if (r < 0)
        return (int)r;
    const uint64_t auxv[] = {
        AT_PHDR, phdr_va, AT_PHENT, sizeof ph[0], AT_PHNUM, eh.e_phnum, AT_PAGESZ, PAGE,
        AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, base + eh.e_entry, AT_UID, a->uid, AT_EUID, a->euid,
        AT_GID, a->gid, AT_EGID, a->egid, AT_SECURE, 0, AT_RANDOM, 0, AT_HWCAP, 0x178BFBFF,
        AT_CLKTCK, 100, AT_EXECFN, 0, AT_NULL, 0,
    };
    *entry = base + eh.e_entry;
    return build_stack(mm, a, auxv, sizeof auxv / sizeof auxv[0], sp);
}
