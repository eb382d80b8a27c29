/* The page pool (pool.h): a free list through the pages' counts. */
#include <string.h>
#include <l4/space.h>
#include "pool.h"
#include "unix.h"

static uint64_t pool_base, npages, nfree;
/* Per page; 0: free. 32 bits, because every reference is held by an
 * entry of the server's own memory: a process's page-table entry (8
 * bytes, mm.c) or a slot of a file's page cache (4 bytes, fs.c), one
 * reference each. The server's memory limit is 64 MB (the root server's
 * services table), so fewer than 2^24 references can exist at once, and
 * a 32-bit count cannot wrap. The 16 bits this was wrapped after 65536:
 * 512 private mappings of one file page times 128 forks, and munmap then
 * freed a page still mapped (another process's memory became readable). */
static uint32_t *refs;
static page_t *free_next;               /* free list links */
static page_t free_head, never_used;    /* pages above never_used were never handed out */

void pool_init(uint64_t base, uint64_t pages)
{
    pool_base = base;
    npages = pages;
    refs = calloc_or_die(pages + 1, sizeof *refs);
    free_next = calloc_or_die(pages + 1, sizeof *free_next);
    never_used = 1;
    nfree = pages;
}

void *page_addr(page_t p)
{
    return (void *)(pool_base + (uint64_t)(p - 1) * 4096);
}

page_t page_alloc(void)
{
    page_t p;
    if (free_head) {
        p = free_head;
        free_head = free_next[p];
        memset(page_addr(p), 0, 4096);
    } else if (never_used <= npages) {
        p = never_used++;               /* zero already: fresh from the pager, */
        (void)*(volatile char *)page_addr(p);   /* which maps it now (a map item of a
                                                   page we do not have would send nothing) */
    } else {
        return 0;
    }
    refs[p] = 1;
    nfree--;
    return p;
}

void page_ref(page_t p)
{
    refs[p]++;
}

void page_unref(page_t p)
{
    if (--refs[p])
        return;
    /* No process may see it any more: revoke every mapping derived from
     * ours (the last process may still have it mapped). */
    L4_Fpage_t f = L4_FpageLog2((L4_Word_t)page_addr(p), 12);
    L4_UnmapFpage(L4_FpageAddRights(f, L4_FullyAccessible));
    free_next[p] = free_head;
    free_head = p;
    nfree++;
}

unsigned page_refs(page_t p)
{
    return refs[p];
}

uint64_t pool_free_pages(void)
{
    return nfree;
}

uint64_t pool_total_pages(void)
{
    return npages;
}
