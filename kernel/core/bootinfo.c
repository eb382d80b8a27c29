/* Generic boot information (spec 9.3), built in one page:
 *
 *   header:  magic 0x14B0021D, version 1, size, first_entry = 64, num_entries
 *   records: type, version 1, offset_next, fields..., command line
 */
#include "bootinfo.h"
#include "section.h"
#include "config.h"
#include "kmem.h"
#include "print.h"

#define BI_MAGIC       0x14B0021DUL
#define BI_MODULE      0x0001
#define BI_SIMPLE_EXEC 0x0002
#define BI_MULTIBOOT   0x0102

struct writer {
    uint8_t *base;
    size_t used;
    word_t *count;
};

/* Start a record of `nwords` words plus a command line; returns its words. */
__boot static word_t *record(struct writer *w, word_t type, size_t nwords, const char *cmdline)
{
    size_t len = 0;
    while (cmdline && cmdline[len])
        len++;
    size_t size = ALIGN_UP(nwords * 8 + (cmdline ? len + 1 : 0), 8);
    if (w->used + size > PAGE_SIZE)
        panic("boot info does not fit in one page (too many modules or long command lines)");
    word_t *r = (word_t *)(w->base + w->used);
    r[0] = type;
    r[1] = 1;
    r[2] = size;
    if (cmdline) {
        char *s = (char *)(r + nwords);
        for (size_t i = 0; i <= len; i++)
            s[i] = cmdline[i];
    }
    w->used += size;
    (*w->count)++;
    return r;
}

__boot void bootinfo_build(paddr_t phys, const struct boot_desc *bd, paddr_t mbi_phys,
                           const struct elf_image *images, size_t nexec)
{
    word_t *h = phys_to_virt(phys);
    memset_words(h, 0, PAGE_SIZE / 8);
    h[0] = BI_MAGIC;
    h[1] = 1;
    h[3] = 64;
    struct writer w = { (uint8_t *)h, 64, &h[4] };

    for (size_t i = 0; i < bd->nmodules; i++) {
        const struct boot_module *m = &bd->modules[i];
        if (i < nexec) {
            /* type, version, next, text p/v/size, data p/v/size,
             * bss p/v/size, initial_ip, flags, label, cmdline_offset */
            word_t *r = record(&w, BI_SIMPLE_EXEC, 16, m->cmdline);
            const struct elf_image *im = &images[i];
            r[3] = im->low;
            r[4] = im->vlow;
            r[5] = im->high - im->low;
            r[12] = im->entry;
            r[13] = 2;                      /* ELF class: 64-bit */
            r[15] = 16 * 8;
        } else {
            word_t *r = record(&w, BI_MODULE, 6, m->cmdline);
            r[3] = m->start;
            r[4] = m->end - m->start;
            r[5] = 6 * 8;
        }
    }
    word_t *r = record(&w, BI_MULTIBOOT, 4, NULL);
    r[3] = mbi_phys;
    h[2] = w.used;
}
