/* Kernel page tables: the direct physical map, the TCB area, the kernel
 * image and the user-visible kernel page (stubs, GS page); plus the
 * helpers that fill user page tables. */
#include "arch/paging.h"
#include "section.h"
#include "arch/cpu.h"
#include "arch/smp.h"
#include "account.h"
#include "bootmem.h"
#include "frame.h"
#include "kmem.h"
#include "print.h"

#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 0x1FF)

extern char _stub_page[];
/* kernel.ld: the image's code, page-aligned: boot code, then the rest */
extern char _kernel_phys_start[], _kernel_phys_end[], _boot_text[], _boot_bss[], _text[], _etext[];

static paddr_t kernel_pml4;
paddr_t phys_map_end;
bool paging_nx;
static uint64_t *user_pt;           /* the page table behind USER_PAGE_BASE */

static uint64_t *table(paddr_t p)
{
    return phys_to_virt(p & PTE_ADDR);
}

__boot static paddr_t new_table(void)
{
    paddr_t p = frame_alloc();
    if (!p)
        panic("out of kernel memory while building page tables");
    return p;
}

/* The kernel image window (KERNEL_VMA + physical): the image alone, in
 * 4 KB pages, its code read-only and executable, everything else
 * writable and not executable. (The boot tables mapped the whole first
 * GB there, writable and executable: every kernel-pool frame, whatever
 * it holds, would have been code.) The rest of memory is reached through
 * the direct map, never executable. Returns the page directory. */
static paddr_t image_pd;            /* the image window's page directory */

__boot static paddr_t image_window(uint64_t knx)
{
    paddr_t pd = image_pd = new_table();
    for (paddr_t pa = (paddr_t)_kernel_phys_start & ~0xFFFUL; pa < (paddr_t)_kernel_phys_end;
         pa += 4096) {
        vaddr_t va = KERNEL_VMA + pa;
        bool code = (va >= (vaddr_t)_boot_text && va < (vaddr_t)_boot_bss) ||
                    (va >= (vaddr_t)_text && va < (vaddr_t)_etext);
        uint64_t *pde = &table(pd)[IDX(va, 1)];
        if (!*pde)
            *pde = new_table() | PTE_P | PTE_W;
        table(*pde)[IDX(va, 0)] = pa | PTE_P | PTE_G | (code ? 0 : PTE_W | knx);
    }
    return pd;
}

/* The other processors' copies of image_pd (paging_cpu_root). */
static paddr_t cpu_image_pds[MAX_CPUS];
static unsigned cpu_image_pd_count;

void paging_drop_boot_code(void)
{
    for (vaddr_t va = (vaddr_t)_boot_text; va < (vaddr_t)_boot_bss; va += 4096) {
        table(table(image_pd)[IDX(va, 1)])[IDX(va, 0)] = 0;
        for (unsigned i = 0; i < cpu_image_pd_count; i++)   /* (their own table of */
            table(table(cpu_image_pds[i])[IDX(va, 1)])[IDX(va, 0)] = 0;   /* cpu_pages) */
        invlpg(va);                     /* (global entries too) */
    }
}

static bool gb_pages;                   /* the CPU has 1 GB pages */

/* The frame every TCB slot without a thread shows (read-only zeros), and
 * the page table that shows it in all of its 512 entries. */
static paddr_t zero_frame, zero_pt;

__boot void paging_init(paddr_t phys_top)
{
    uint32_t r[4];
    cpuid(0x80000001, 0, r);
    gb_pages = r[3] & (1u << 26);
    paging_nx = r[3] & (1u << 20);
    if (paging_nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr4(read_cr4() | CR4_PGE);
    uint64_t knx = paging_nx ? PTE_NX : 0;

    kernel_pml4 = new_table();
    uint64_t *pml4 = table(kernel_pml4);

    /* Direct map: at least 4 GB (so device memory below 4 GB is reachable). */
    paddr_t top = ALIGN_UP(MAX(phys_top, 4UL << 30), 1UL << 30);
    if (top > (512UL << 30))
        top = 512UL << 30;
    phys_map_end = top;
    paddr_t pdpt = new_table();
    pml4[IDX(PHYS_MAP_BASE, 3)] = pdpt | PTE_P | PTE_W;
    for (paddr_t gb = 0; gb < top; gb += 1UL << 30) {
        uint64_t *e = &table(pdpt)[gb >> 30];
        if (gb_pages) {
            *e = gb | PTE_P | PTE_W | PTE_PS | PTE_G | knx;
            continue;
        }
        paddr_t pd = new_table();
        for (int i = 0; i < 512; i++)
            table(pd)[i] = (gb + ((paddr_t)i << 21)) | PTE_P | PTE_W | PTE_PS | PTE_G | knx;
        *e = pd | PTE_P | PTE_W;
    }

    /* TCB area (1 GB: one PD): built whole at boot and shared by every
     * space. Each 2 MB of it starts out as the one page table whose
     * entries all show the zero frame, so that looking up any thread
     * number reads zeros (TS_FREE) and never needs memory, also when the
     * kernel pool is empty. paging_map_kernel gives a 2 MB range a table
     * of its own when a TCB is created there. */
    zero_frame = new_table();
    zero_pt = new_table();
    for (int i = 0; i < 512; i++)
        table(zero_pt)[i] = zero_frame | PTE_P | PTE_G | knx;
    paddr_t tcb_pdpt = new_table(), tcb_pd = new_table();
    for (int i = 0; i < 512; i++)
        table(tcb_pd)[i] = zero_pt | PTE_P;
    table(tcb_pdpt)[IDX(TCB_AREA_BASE, 2)] = tcb_pd | PTE_P | PTE_W;
    pml4[IDX(TCB_AREA_BASE, 3)] = tcb_pdpt | PTE_P | PTE_W;

    /* Top 2 GB: the kernel image window and, in the last 1 GB, the
     * user-visible page table. U is set on the upper levels of this path
     * only; the leaves decide. */
    paddr_t kpdpt = new_table();
    pml4[511] = kpdpt | PTE_P | PTE_W | PTE_U;
    table(kpdpt)[510] = image_window(knx) | PTE_P | PTE_W;
    paddr_t upd = new_table(), upt = new_table();
    table(kpdpt)[511] = upd | PTE_P | PTE_W | PTE_U;
    table(upd)[IDX(USER_PAGE_BASE, 1)] = upt | PTE_P | PTE_W | PTE_U;
    user_pt = table(upt);
    user_pt[IDX(STUB_PAGE_VA, 0)] = virt_to_phys(_stub_page) | PTE_P | PTE_U | PTE_G;
    user_pt[IDX(GS_PAGE_VA, 0)] = virt_to_phys(cpu_pages.user) | PTE_P | PTE_U | PTE_G | knx;

    paging_switch(kernel_pml4);
    write_cr4(read_cr4() & ~CR4_PGE);   /* the boot tables' global entries go */
    write_cr4(read_cr4() | CR4_PGE);
}

__boot void paging_set_kernel_slot(vaddr_t va, paddr_t pdpt)
{
    table(kernel_pml4)[IDX(va, 3)] = pdpt | PTE_P | PTE_W;
}

void paging_set_slot(paddr_t pml4, vaddr_t va, paddr_t pdpt)
{
    table(pml4)[IDX(va, 3)] = pdpt | PTE_P | PTE_W;
}

COLD bool paging_map_kernel(vaddr_t va, paddr_t pa, uint64_t flags)
{
    mp_claim_all();                     /* the others' fast paths read TCB slots */
    uint64_t *t = table(kernel_pml4);
    for (int level = 3; level > 0; level--) {
        uint64_t *e = &t[IDX(va, level)];
        bool shared_zeros = (*e & PTE_ADDR) == zero_pt;
        if (!(*e & PTE_P) || shared_zeros) {
            ASSERT(level < 3);       /* kernel PML4 slots exist from boot */
            paddr_t p = frame_alloc();
            if (!p)
                return false;
            if (shared_zeros)
                for (int i = 0; i < 512; i++)
                    table(p)[i] = table(zero_pt)[i];
            *e = p | PTE_P | PTE_W;
        }
        t = table(*e);
    }
    t[IDX(va, 0)] = pa | flags | PTE_P | PTE_G | (paging_nx ? PTE_NX : 0);
    invlpg(va);
    mp_flush_later(MP_FLUSH_GLOBAL);   /* (TCB slots) */
    return true;
}

static uint64_t *kernel_leaf(vaddr_t va)
{
    uint64_t *t = table(kernel_pml4);
    for (int level = 3; level > 0; level--) {
        uint64_t e = t[IDX(va, level)];
        if (!(e & PTE_P))
            return NULL;
        t = table(e);
    }
    return &t[IDX(va, 0)];
}

COLD paddr_t paging_unmap_kernel(vaddr_t va)
{
    uint64_t *e = kernel_leaf(va);
    ASSERT(!e || ALIGN_DOWN(virt_to_phys(e), PAGE_SIZE) != zero_pt);
    paddr_t pa = e ? *e & PTE_ADDR : 0;
    if (e) {
        mp_claim_all();                 /* none reads the old TCB until flushed */
        *e = zero_frame | PTE_P | PTE_G | (paging_nx ? PTE_NX : 0);   /* back to zeros */
        invlpg(va);
        mp_flush_later(MP_FLUSH_GLOBAL);   /* (TCB slots) */
    }
    return pa;
}

__boot paddr_t paging_ap_start_root(void)
{
    paddr_t root = new_table(), pdpt = new_table(), pd = new_table();
    uint64_t *dst = table(root), *src = table(kernel_pml4);
    for (int i = 256; i < 512; i++)
        dst[i] = src[i];
    dst[0] = pdpt | PTE_P | PTE_W;
    table(pdpt)[0] = pd | PTE_P | PTE_W;
    table(pd)[0] = 0 | PTE_P | PTE_W | PTE_PS;         /* 0..2 MB, identity */
    return root;
}

__boot void paging_ap_start_root_free(paddr_t root)
{
    paddr_t pdpt = table(root)[0] & PTE_ADDR;
    frame_free(table(pdpt)[0] & PTE_ADDR);
    frame_free(pdpt);
    frame_free(root);
}

paddr_t paging_kernel_root(void)
{
    return kernel_pml4;
}

/* Table `to` becomes a copy of table `from` with entry `i` this one. */
static void copy_table_with_entry(paddr_t to, paddr_t from, unsigned i, uint64_t entry)
{
    copy_bytes(table(to), table(from), PAGE_SIZE);
    table(to)[i] = entry;
}

/* ... with entry `i` pointing at `target` (its flags kept). */
__boot static void copy_table_with(paddr_t to, paddr_t from, unsigned i, paddr_t target)
{
    copy_table_with_entry(to, from, i, target | (table(from)[i] & ~PTE_ADDR));
}

__boot paddr_t paging_cpu_root(paddr_t kernel, paddr_t user)
{
    enum { UPT, UPD, PT, PD, KPDPT, ROOT, TABLES };
    paddr_t t[TABLES];
    for (int i = 0; i < TABLES; i++)
        if (cpu_image_pd_count == MAX_CPUS || !(t[i] = frame_alloc())) {
            while (i--)
                frame_free(t[i]);
            return 0;
        }
    vaddr_t k = (vaddr_t)cpu_pages.kernel, u = (vaddr_t)cpu_pages.user;
    paddr_t kpdpt = table(kernel_pml4)[511] & PTE_ADDR;
    paddr_t upd = table(kpdpt)[511] & PTE_ADDR;
    paddr_t upt = table(upd)[IDX(USER_PAGE_BASE, 1)] & PTE_ADDR;
    paddr_t pt = table(image_pd)[IDX(k, 1)] & PTE_ADDR;
    copy_table_with(t[UPT], upt, IDX(GS_PAGE_VA, 0), user);
    copy_table_with(t[UPD], upd, IDX(USER_PAGE_BASE, 1), t[UPT]);
    copy_table_with(t[PT], pt, IDX(k, 0), kernel);
    table(t[PT])[IDX(u, 0)] = user | (table(pt)[IDX(u, 0)] & ~PTE_ADDR);
    copy_table_with(t[PD], image_pd, IDX(k, 1), t[PT]);
    copy_table_with(t[KPDPT], kpdpt, 511, t[UPD]);
    table(t[KPDPT])[IDX(k, 2)] = t[PD] | (table(kpdpt)[IDX(k, 2)] & ~PTE_ADDR);
    copy_table_with(t[ROOT], kernel_pml4, 511, t[KPDPT]);
    cpu_image_pds[cpu_image_pd_count++] = t[PD];
    return t[ROOT];
}

paddr_t paging_new_space(struct kmem_account *a)
{
    paddr_t p = kmem_frame(a);
    if (!p)
        return 0;
    uint64_t *dst = table(p), *src = table(kernel_pml4);
    for (int i = 256; i < 512; i++)
        dst[i] = src[i];
    return p;
}

paddr_t paging_new_cpu_root(paddr_t pml4, paddr_t kernel, struct kmem_account *a)
{
    paddr_t p = kmem_frame(a);
    if (p)
        copy_table_with_entry(p, pml4, 511, table(kernel)[511]);
    return p;
}

void paging_copy_slot(paddr_t to, paddr_t from, vaddr_t va)
{
    table(to)[IDX(va, 3)] = table(from)[IDX(va, 3)];
}

/*
 * User mappings are 4 KB, 2 MB or 1 GB entries (level 0, 1, 2), each the
 * hardware side of one mapping-database node (mdb_hw.c): a large one is
 * split into the 512 of the next level down when part of it changes.
 */
#define ENTRY_FLAGS(e) ((e) & ~PTE_ADDR & ~PTE_PS)

unsigned paging_max_level(void)
{
    return gb_pages ? 2 : 1;
}

/* Is nothing mapped through the table of level `level` at `t`? */
static COLD bool table_unused(paddr_t t, int level)
{
    for (int i = 0; i < 512; i++) {
        uint64_t e = table(t)[i];
        if ((e & PTE_P) && (level == 0 || (e & PTE_PS) || !table_unused(e & PTE_ADDR, level - 1)))
            return false;
    }
    return true;
}

static COLD void free_tables(paddr_t t, int level, struct kmem_account *a)
{
    for (int i = 0; level > 0 && i < 512; i++)
        if (table(t)[i] & PTE_P)
            free_tables(table(t)[i] & PTE_ADDR, level - 1, a);
    kmem_frame_free(a, t);
}

bool paging_map_user(paddr_t pml4, vaddr_t va, paddr_t pa, unsigned size_log2, uint64_t flags,
                     struct kmem_account *a)
{
    ASSERT(va < USER_MAP_END && (size_log2 == 12 || size_log2 == 21 || size_log2 == 30));
    int leaf = (size_log2 - 12) / 9;
    uint64_t *t = table(pml4);
    for (int level = 3; level > leaf; level--) {
        uint64_t *e = &t[IDX(va, level)];
        if (!(*e & PTE_P)) {
            paddr_t p = kmem_frame(a);
            if (!p)
                return false;
            *e = p | PTE_P | PTE_W | PTE_U;
        } else if (*e & PTE_PS) {
            return false;               /* a larger page is in the way */
        }
        t = table(*e);
    }
    uint64_t *e = &t[IDX(va, leaf)];
    if (leaf && (*e & PTE_P) && !(*e & PTE_PS)) {
        /* a table that maps nothing any more makes way; one that does not
         * is in the way */
        if (!table_unused(*e & PTE_ADDR, leaf - 1))
            return false;
        free_tables(*e & PTE_ADDR, leaf - 1, a);
    }
    *e = pa | flags | PTE_P | PTE_U | (leaf ? PTE_PS : 0);
    user_tlb_flush(va);
    return true;
}

uint64_t *paging_entry(paddr_t pml4, vaddr_t va, unsigned level)
{
    uint64_t *e = &table(pml4)[IDX(va, 3)];
#pragma GCC unroll 3
    for (int k = 2; k >= 0; k--) {
        if (k < (int)level)
            break;
        if ((*e & (PTE_P | PTE_PS)) != PTE_P)
            return NULL;
        e = &table(*e)[IDX(va, k)];
    }
    return e;
}

COLD bool paging_split(paddr_t pml4, vaddr_t va, unsigned level, struct kmem_account *a)
{
    uint64_t *e = paging_entry(pml4, va, level);
    ASSERT(level > 0 && e && (*e & PTE_P) && (*e & PTE_PS));
    paddr_t t = kmem_frame(a);
    if (!t)
        return false;
    uint64_t step = 1UL << (12 + 9 * (level - 1));
    paddr_t base = *e & PTE_ADDR;
    uint64_t flags = ENTRY_FLAGS(*e) | (level > 1 ? PTE_PS : 0);
    for (int i = 0; i < 512; i++)
        table(t)[i] = (base + i * step) | flags;
    *e = t | PTE_P | PTE_W | PTE_U;
    user_tlb_flush(va);
    return true;
}

bool paging_lookup(paddr_t pml4, vaddr_t va, paddr_t *pa, uint64_t *pte)
{
    if (va >= USER_END)
        return false;
    uint64_t *t = table(pml4);
    for (int level = 3; level >= 0; level--) {
        uint64_t e = t[IDX(va, level)];
        if (!(e & PTE_P))
            return false;
        if (level == 0 || (e & PTE_PS)) {
            uint64_t off = va & ((1UL << (12 + 9 * level)) - 1);
            if (pa)
                *pa = (e & PTE_ADDR & ~off) + off;
            if (pte)
                *pte = e;
            return true;
        }
        t = table(e);
    }
    return false;
}

/* Free a space's page tables (not the frames they map; UTCB and other
 * kernel-owned pages are freed by the caller through `release`). */
static COLD void free_level(paddr_t table_pa, int level, vaddr_t base,
                       void (*release)(vaddr_t va, paddr_t pa, void *ctx), void *ctx,
                       struct kmem_account *a)
{
    uint64_t *t = table(table_pa);
    int n = level == 3 ? 256 : 512;
    for (int i = 0; i < n; i++) {
        uint64_t e = t[i];
        if (!(e & PTE_P))
            continue;
        vaddr_t va = base + ((vaddr_t)i << (12 + 9 * level));
        if (level == 0 || (e & PTE_PS))
            release(va, e & PTE_ADDR, ctx);
        else
            free_level(e & PTE_ADDR, level - 1, va, release, ctx, a);
    }
    kmem_frame_free(a, table_pa);
}

void paging_free_space(paddr_t pml4, void (*release)(vaddr_t va, paddr_t pa, void *ctx),
                       void *ctx, struct kmem_account *a)
{
    free_level(pml4, 3, 0, release, ctx, a);
}


/* A device of the kernel's own (local APIC, I/O APIC), mapped uncached
 * into the user page table slot reserved for it (kernel-only: no U bit on
 * the leaf). Its page is kernel memory from now on: never mapped to user
 * space, reserved in the KIP. */
__boot void *paging_map_device(vaddr_t va, paddr_t base)
{
    bootmem_reserve_kernel(ALIGN_DOWN(base, PAGE_SIZE), ALIGN_DOWN(base, PAGE_SIZE) + PAGE_SIZE);
    user_pt[IDX(va, 0)] = base | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | (paging_nx ? PTE_NX : 0);
    invlpg(va);
    return (void *)va;
}
