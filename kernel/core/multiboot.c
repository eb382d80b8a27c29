/* Multiboot information parser: memory map, modules and command lines. */
#include "multiboot.h"
#include "section.h"

__boot static const char *str_at(phys_view_t view, paddr_t p)
{
    return p ? (const char *)view(p) : "";
}

__boot static paddr_t str_end(phys_view_t view, paddr_t p)
{
    if (!p)
        return 0;
    const char *s = view(p);
    size_t n = 0;
    while (s[n])
        n++;
    return p + n + 1;
}

__boot const char *multiboot_parse(paddr_t info_phys, phys_view_t view, struct boot_desc *out)
{
    const struct mb_info *mbi = view(info_phys);
    *out = (struct boot_desc){ 0 };
    out->info_start = info_phys;
    out->info_end = info_phys + sizeof *mbi;
    if (mbi->flags & MB_INFO_CMDLINE) {
        out->cmdline_start = mbi->cmdline;
        out->cmdline_end = str_end(view, mbi->cmdline);
    }
    out->cmdline = str_at(view, out->cmdline_start);

    if (!(mbi->flags & MB_INFO_MMAP) || mbi->mmap_length == 0)
        return "boot loader gave no memory map (multiboot flag 6)";
    out->mmap_start = mbi->mmap_addr;
    out->mmap_end = (paddr_t)mbi->mmap_addr + mbi->mmap_length;
    for (paddr_t p = out->mmap_start; p + sizeof(struct mb_mmap_entry) <= out->mmap_end;) {
        const struct mb_mmap_entry *e = view(p);
        if (e->size < 20)
            return "malformed memory map entry (size < 20)";
        if (e->length != 0) {
            if (out->nregions == BOOT_MAX_REGIONS)
                return "too many memory map entries";
            out->regions[out->nregions++] = (struct boot_region){
                e->base, e->base + e->length, e->type };
        }
        p += e->size + sizeof e->size;
    }

    if (mbi->flags & MB_INFO_MODS) {
        if (mbi->mods_count > BOOT_MAX_MODULES)
            return "too many boot modules";
        out->nmodules = mbi->mods_count;
        out->mods_start = mbi->mods_addr;
        out->mods_end = mbi->mods_addr + mbi->mods_count * sizeof(struct mb_module);
        const struct mb_module *m = view(mbi->mods_addr);
        for (size_t i = 0; i < out->nmodules; i++) {
            if (m[i].mod_end < m[i].mod_start)
                return "boot module ends before it starts";
            out->modules[i] = (struct boot_module){
                m[i].mod_start, m[i].mod_end, str_at(view, m[i].cmdline),
                m[i].cmdline, str_end(view, m[i].cmdline) };
        }
    }
    return NULL;
}
