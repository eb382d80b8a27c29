/* Walking the generic boot information (spec 9.3). */
#include <l4/bootinfo.h>

const char *L4_BootRec_Cmdline(const L4_BootRec_t *r)
{
    const L4_Word_t *w = (const L4_Word_t *)r;
    L4_Word_t off = r->type == L4_BootInfo_Module ? w[5]
                  : r->type == L4_BootInfo_SimpleExec ? w[15] : 0;
    return off ? (const char *)r + off : "";
}

const L4_BootRec_t *L4_BootInfo_FindExec(const L4_BootInfo_t *b, L4_Word_t start)
{
    if (!b || b->magic != L4_BOOTINFO_MAGIC)
        return 0;
    const L4_BootRec_t *r = L4_BootInfo_FirstEntry(b);
    for (L4_Word_t i = 0; i < b->num_entries; i++, r = L4_BootRec_Next(r))
        if (r->type == L4_BootInfo_SimpleExec && ((const L4_Word_t *)r)[3] == start)
            return r;
    return 0;
}
