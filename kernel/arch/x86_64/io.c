/* Per-space I/O permission bitmaps behind the TSS (arch/io.h). */
#include "arch/io.h"
#include "section.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "account.h"
#include "frame.h"
#include "kmem.h"
#include "sched.h"
#include "print.h"

static bool all_ports;
static paddr_t none_page;              /* all ones: no port */
static paddr_t default_pdpt;           /* the window for spaces without ports */
static paddr_t kernel_page_of[MAX_CPUS];   /* each processor's, once known */

static uint64_t *tbl(paddr_t p) { return phys_to_virt(p); }

/* Free frames of `a` that are not 0. */
static void free_frames(struct kmem_account *a, paddr_t f0, paddr_t f1, paddr_t f2)
{
    paddr_t f[3] = { f0, f1, f2 };
    for (int i = 0; i < 3; i++)
        if (f[i])
            kmem_frame_free(a, f[i]);
}

static uint64_t *window_pt(paddr_t pdpt)
{
    paddr_t pd = tbl(pdpt)[0] & PTE_ADDR;
    return tbl(tbl(pd)[0] & PTE_ADDR);
}

/* Processor n's slot in a window's page table (arch/io.h). */
static void fill_slot(uint64_t *pt, unsigned n, paddr_t bm0, paddr_t bm1)
{
    uint64_t nx = paging_nx_enabled() ? PTE_NX : 0;
    pt[4 * n] = kernel_page_of[n] | PTE_P | PTE_W | nx;
    pt[4 * n + 1] = bm0 | PTE_P | nx;
    pt[4 * n + 2] = bm1 | PTE_P | nx;
    pt[4 * n + 3] = none_page | PTE_P | nx;
}

/* A window subtree: PDPT -> PD -> PT with a slot for every processor
 * known, each showing the two bitmap pages; its tables charged to `a`. */
static COLD paddr_t new_window(paddr_t bm0, paddr_t bm1, struct kmem_account *a)
{
    paddr_t pdpt = kmem_frame(a), pd = kmem_frame(a), pt = kmem_frame(a);
    if (!pdpt || !pd || !pt) {
        free_frames(a, pdpt, pd, pt);
        return 0;
    }
    tbl(pdpt)[0] = pd | PTE_P | PTE_W;
    tbl(pd)[0] = pt | PTE_P | PTE_W;
    for (unsigned n = 0; n < MAX_CPUS; n++)
        if (kernel_page_of[n])
            fill_slot(tbl(pt), n, bm0, bm1);
    return pdpt;
}

static void free_window(paddr_t pdpt, struct kmem_account *a)
{
    paddr_t pd = tbl(pdpt)[0] & PTE_ADDR, pt = tbl(pd)[0] & PTE_ADDR;
    free_frames(a, tbl(pt)[1] & PTE_ADDR, tbl(pt)[2] & PTE_ADDR, pt);
    free_frames(a, pd, pdpt, 0);
}

__boot void io_init(bool all)
{
    all_ports = all;
    kernel_page_of[0] = virt_to_phys(cpu_pages.kernel);
    none_page = frame_alloc();
    if (!none_page || !(default_pdpt = new_window(none_page, none_page, NULL)))
        panic("boot: out of kernel memory for the I/O window");
    memset_words(phys_to_virt(none_page), ~0UL, PAGE_SIZE / 8);
    paging_set_kernel_slot(IO_WINDOW_BASE, default_pdpt);
}

__boot void io_add_cpu(unsigned n, paddr_t kernel_page)
{
    kernel_page_of[n] = kernel_page;
    fill_slot(window_pt(default_pdpt), n, none_page, none_page);
}

bool io_all_ports(void)
{
    return all_ports;
}

/* The space's own bitmap (two pages), made on first use. */
static uint8_t *bitmap_page(struct space *s, unsigned half, bool create)
{
    if (!s->io_window) {
        if (!create)
            return NULL;
        paddr_t b0 = kmem_frame(&s->kmem), b1 = kmem_frame(&s->kmem);
        if (!b0 || !b1 || !(s->io_window = new_window(b0, b1, &s->kmem))) {
            free_frames(&s->kmem, b0, b1, 0);
            return NULL;
        }
        memset_words(phys_to_virt(b0), ~0UL, PAGE_SIZE / 8);
        memset_words(phys_to_virt(b1), ~0UL, PAGE_SIZE / 8);
        space_claim(s);                 /* its old window stays in their TLBs */
        paging_set_slot(s->pml4, IO_WINDOW_BASE, s->io_window);
        space_sync_roots(s, IO_WINDOW_BASE);
        if (current && current->space == s)
            write_cr3(read_cr3());          /* the running space's bitmap moved */
        mp_flush_later(MP_FLUSH_USER);
    }
    return phys_to_virt(window_pt(s->io_window)[1 + half] & PTE_ADDR);
}

bool io_allow(struct space *s, unsigned port, unsigned n)
{
    for (unsigned p = port; p < port + n && p < IO_PORTS; p++) {
        uint8_t *b = bitmap_page(s, p >> 15, true);
        if (!b)
            return false;
        b[(p & 0x7FFF) >> 3] &= (uint8_t)~(1u << (p & 7));
    }
    return true;
}

COLD void io_deny(struct space *s, unsigned port, unsigned n)
{
    for (unsigned p = port; p < port + n && p < IO_PORTS; p++) {
        uint8_t *b = bitmap_page(s, p >> 15, false);
        if (b)
            b[(p & 0x7FFF) >> 3] |= (uint8_t)(1u << (p & 7));
    }
}

bool io_allowed(const struct space *s, unsigned port)
{
    uint8_t *b = bitmap_page((struct space *)s, port >> 15, false);
    return b && !(b[(port & 0x7FFF) >> 3] & (1u << (port & 7)));
}

COLD unsigned io_next_allowed(const struct space *s, unsigned port, unsigned end)
{
    if (!s->io_window)
        return end;                         /* no bitmap: no port */
    while (port < end) {
        const uint64_t *w = (const uint64_t *)bitmap_page((struct space *)s, port >> 15, false);
        uint64_t denied = w[(port & 0x7FFF) >> 6] | ((1UL << (port & 63)) - 1);
        if (~denied)                        /* a port allowed in this word, from `port` on */
            return MIN(ALIGN_DOWN(port, 64) + (unsigned)__builtin_ctzl(~denied), end);
        port = ALIGN_DOWN(port, 64) + 64;
    }
    return end;
}

COLD void io_release(struct space *s)
{
    if (s->io_window)
        free_window(s->io_window, &s->kmem);
    s->io_window = 0;
}

/*
 * in/out encodings (after an optional 0x66 operand-size and 0xF2/0xF3 rep
 * prefix):  E4/E5 in imm8, E6/E7 out imm8, EC/ED in dx, EE/EF out dx,
 *           6C/6D ins, 6E/6F outs.  Odd opcodes move 2 bytes with 0x66,
 *           else 4; even ones 1 byte.
 */
COLD bool io_decode_fault(const struct trap_frame *f, const uint8_t *c, size_t n, word_t *fpage)
{
    unsigned i = 0;
    bool opsize16 = false;
    while (i < n && (c[i] == 0x66 || c[i] == 0xF2 || c[i] == 0xF3)) {
        opsize16 |= c[i] == 0x66;
        i++;
    }
    if (i >= n)
        return false;
    unsigned op = c[i], port;
    if (op == 0xE4 || op == 0xE5 || op == 0xE6 || op == 0xE7) {
        if (i + 1 >= n)
            return false;
        port = c[i + 1];
    } else if ((op >= 0xEC && op <= 0xEF) || (op >= 0x6C && op <= 0x6F)) {
        port = f->rdx & 0xFFFF;
    } else {
        return false;
    }
    unsigned log2 = !(op & 1) ? 0 : opsize16 ? 1 : 2;
    *fpage = io_fpage(port & ~((1u << log2) - 1), log2);
    return true;
}
