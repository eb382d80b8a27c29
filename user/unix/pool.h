/* The page pool: the memory the Unix server gives its processes. A region
 * of the server's own space, paged in by its pager (the root server) as
 * the server touches it; each page handed out is mapped from here into
 * processes (map items), so the server reaches every byte of every
 * process through its own addresses. Pages are counted: shared by
 * fork's copy-on-write, by MAP_SHARED mappings, by files' page caches. */
#pragma once
#include <stdint.h>

typedef uint32_t page_t;                /* page number in the pool; 0: none */

void pool_init(uint64_t base, uint64_t pages);
page_t page_alloc(void);                /* a zeroed page with one reference; 0 if none */
void page_ref(page_t p);
void page_unref(page_t p);              /* the last reference frees it */
unsigned page_refs(page_t p);
void *page_addr(page_t p);              /* where the server sees it */
uint64_t pool_free_pages(void);
uint64_t pool_total_pages(void);
