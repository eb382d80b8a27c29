/* x86-64 4-level page tables. */
#pragma once
#include "types.h"
#include "arch/percpu.h"
#include "arch/mp.h"
#include "arch/cpu.h"

/*
 * Page-table entry (all four levels):
 *   bit 0 P present   1 W writable   2 U user   3 PWT   4 PCD cache disable
 *   5 A accessed      6 D dirty      7 PS large page (PDPT: 1 GB, PD: 2 MB)
 *   8 G global        12-51 physical address   63 NX no-execute
 */
#define PTE_P    (1UL << 0)
#define PTE_W    (1UL << 1)
#define PTE_U    (1UL << 2)
#define PTE_PWT  (1UL << 3)
#define PTE_PCD  (1UL << 4)
#define PTE_A    (1UL << 5)
#define PTE_D    (1UL << 6)
#define PTE_PS   (1UL << 7)
#define PTE_G    (1UL << 8)
#define PTE_NX   (1UL << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000UL

/* Build the kernel's page tables and switch to them. `phys_top` is the
 * end of the highest RAM range; everything below is direct-mapped. */
void paging_init(paddr_t phys_top);
/* At the first switch: the boot code's pages leave the kernel image
 * window, which maps the image's code executable (paging.c). */
void paging_drop_boot_code(void);

/* The user half's page tables (and nothing else here) are charged to the
 * space's kernel-memory account `a` (account.h). */
struct kmem_account;

/* A new top-level table sharing the kernel half; 0 when out of memory. */
paddr_t paging_new_space(struct kmem_account *a);

/* The same space's root for another processor: a copy of `pml4` with
 * PML4 511 of that processor's kernel root `kernel` (percpu.h). */
paddr_t paging_new_cpu_root(paddr_t pml4, paddr_t kernel, struct kmem_account *a);

/* Root `to` takes root `from`'s top-level entry for `va`. */
void paging_copy_slot(paddr_t to, paddr_t from, vaddr_t va);

/* Map one page of 2^size_log2 bytes (12, 21 or 30) in the lower half of
 * `pml4`; a table in its place that maps nothing is freed. Returns false
 * when a table could not be allocated or a larger page, or a table that
 * maps something, is in the way. */
bool paging_map_user(paddr_t pml4, vaddr_t va, paddr_t pa, unsigned size_log2, uint64_t flags,
                     struct kmem_account *a);

/* The largest user page: level 1 (2 MB), or 2 (1 GB) where the CPU has
 * 1 GB pages. */
unsigned paging_max_level(void);

/* The entry of `level` (0: 4 KB, 1: 2 MB, 2: 1 GB) for `va`, present or
 * not; NULL if no table reaches it (or a larger page covers it). */
uint64_t *paging_entry(paddr_t pml4, vaddr_t va, unsigned level);

/* Replace the large entry of `level` at `va` by a table of the 512 entries
 * of the next level down with the same translations; the table is charged
 * to `a` (false: over its limit, or the pool is empty). */
bool paging_split(paddr_t pml4, vaddr_t va, unsigned level, struct kmem_account *a);

/* Translate a user address: the physical address and the leaf entry. */
bool paging_lookup(paddr_t pml4, vaddr_t va, paddr_t *pa, uint64_t *pte);

/* Point a top-level slot of the kernel half at `pdpt`: in the kernel's
 * table (inherited by spaces made later), or in one space's. */
void paging_set_kernel_slot(vaddr_t va, paddr_t pdpt);
void paging_set_slot(paddr_t pml4, vaddr_t va, paddr_t pdpt);

/* Map a 4 KB page in the kernel half, shared by all spaces. */
bool paging_map_kernel(vaddr_t va, paddr_t pa, uint64_t flags);

/* Put a TCB slot back to zeros; returns the frame that was there. */
paddr_t paging_unmap_kernel(vaddr_t va);

/* Free a space's page tables, calling `release` for every leaf mapping. */
void paging_free_space(paddr_t pml4, void (*release)(vaddr_t va, paddr_t pa, void *ctx),
                       void *ctx, struct kmem_account *a);

/* A user mapping changed or went: this processor's TLB entry goes now,
 * the other processors' before the kernel lock is released (arch/mp.h). */
static inline void user_tlb_flush(vaddr_t va)
{
    invlpg(va);
    if (mp_cpus > 1)                    /* (no call on one processor) */
        mp_flush_later(MP_FLUSH_USER);
}

static inline void paging_switch(paddr_t pml4)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
}
/* The application processors' way into long mode (smp.c, boot only): a
 * root with the kernel's half and the low 2 MB identity-mapped (where
 * ap_boot.S runs when paging comes on); and its freeing. */
paddr_t paging_ap_start_root(void);
void paging_ap_start_root_free(paddr_t root);

/* The kernel's own root (the kernel half every space shares). */
paddr_t paging_kernel_root(void);

/* An application processor's own root (percpu.h): the kernel's, but
 * cpu_pages' two pages are the frames `kernel` and `user`, and so is
 * the GS page. Five tables copied on the way (PML4[511]'s directory
 * pointer table, the image's directory and the table holding cpu_pages,
 * the user-visible directory and table) and the root: 0 if the pool
 * has not that much. Boot only. */
paddr_t paging_cpu_root(paddr_t kernel, paddr_t user);

/* Does the CPU have NX (EFER.NXE set at boot)? Read on every user mapping. */
extern bool paging_nx;
static inline bool paging_nx_enabled(void)
{
    return paging_nx;
}
/* Map a page of device registers (uncached, kernel only) at one of the
 * kernel's device slots (LAPIC_VA, IOAPIC_VA). */
void *paging_map_device(vaddr_t va, paddr_t base);
/* This processor's GS page (percpu.h): %gs:0 in user mode is the running
 * thread's local id. The user mapping is read-only; the kernel writes it
 * through its own. */
static inline void paging_set_gs_word(uint64_t local_id)
{
    cpu_pages.user[0] = local_id;
}
