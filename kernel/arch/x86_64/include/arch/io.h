/* I/O ports (spec 2.4, 6.3). Strict by default: a thread may use the
 * ports its space's I/O permission bitmap allows, which its pager grants
 * with I/O fpages, each a node in the mapping database like a page;
 * sigma0 owns them all. The kernel option "ioports=all"
 * gives every user thread all ports instead (IOPL 3), as Pistachio's
 * default build does (spec 11.3).
 *
 * The bitmap is switched with the address space: each processor's TSS
 * sits at the end of its kernel page (percpu.h), which the I/O window
 * (PML4 slot 508) shows in the processor's own four-page slot, followed
 * by the space's two bitmap pages; spaces without ports share an
 * all-ones ("none") page. Processor n's slot:
 *
 *   IO_CPU_SLOT(n) + 0x0000   its kernel page (the TSS in the last 104 bytes)
 *                  + 0x1000   bitmap, ports 0x0000-0x7FFF  (1 bit = denied)
 *                  + 0x2000   bitmap, ports 0x8000-0xFFFF
 *                  + 0x3000   0xFF page (the CPU may read one byte more)
 *
 * I/O fpages: pecan/fpage.h.
 */
#pragma once
#include "space.h"
#include "arch/frame.h"
#include "arch/percpu.h"
#include "pecan/fpage.h"

#define IO_PORTS 65536

/* Processor n's slot in the I/O window, and where its TSS is seen. */
#define IO_CPU_SLOT(n) (IO_WINDOW_BASE + (vaddr_t)(n) * 4 * PAGE_SIZE)
#define IO_CPU_TSS(n)  (IO_CPU_SLOT(n) + PAGE_SIZE - TSS_SIZE)

/* In the mapping database (a space's io_mdb) port n is the page n << 12,
 * so unmap revokes ports down the derivation tree as it does pages. */
#define IO_PORT_VA(p) ((vaddr_t)(p) << 12)
#define IO_PORT_OF(va) ((unsigned)((va) >> 12))

static inline bool fpage_is_io(word_t f) { return IS_IO_FPAGE(f); }
/* How many ports (2^s, at most all 65536) and the first, aligned down:
 * port + count never passes IO_PORTS. */
static inline unsigned io_fpage_count(word_t f)
{
    unsigned s = IO_FPAGE_LOG2(f);
    return 1u << (s > 16 ? 16 : s);
}
static inline unsigned io_fpage_port(word_t f)
{
    return IO_FPAGE_PORT(f) & ~(io_fpage_count(f) - 1);
}
static inline word_t io_fpage(unsigned port, unsigned log2)
{
    return IO_FPAGE(port, log2);
}

/* Set up the I/O window and the TSS; `all_ports` is the kernel option. */
void io_init(bool all_ports);

/* Processor n's kernel page joins the window of spaces without ports
 * (smp.c, before it starts: spaces with ports are made after boot). */
void io_add_cpu(unsigned n, paddr_t kernel_page);

/* Every user thread has all ports (ioports=all). */
bool io_all_ports(void);

/* Allow or deny [port, port + n) in a space. Allowing may allocate the
 * space's bitmap; false when out of memory. */
bool io_allow(struct space *s, unsigned port, unsigned n);
void io_deny(struct space *s, unsigned port, unsigned n);
bool io_allowed(const struct space *s, unsigned port);

/* The first port in [port, end) the space may use; `end` if none. (A
 * word of the bitmap at a time: cheap over ports a space does not have.) */
unsigned io_next_allowed(const struct space *s, unsigned port, unsigned end);

/* A space goes away: free its bitmap. */
void io_release(struct space *s);

/* A #GP from user mode: if the instruction at RIP (its first n bytes in c)
 * is in/out/ins/outs, describe the port access as an I/O fpage. */
bool io_decode_fault(const struct trap_frame *f, const uint8_t *c, size_t n, word_t *fpage);
