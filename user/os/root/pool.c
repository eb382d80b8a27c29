/* Physical memory for tasks: 2 MB blocks from sigma0 (mapped here at
 * virtual = physical), handed out a page at a time with an owner each. */
#include <string.h>
#include <stdio.h>
#include <l4/sigma0.h>
#include "root.h"

static L4_Word_t page_addr[POOL_MAX_PAGES];
static signed char page_owner[POOL_MAX_PAGES];     /* -1 free, else the owner */
static unsigned npages;
static unsigned owned[128];                         /* pages per owner */
static unsigned first_free;                         /* no free page below */

/* Another 2 MB from sigma0; false if it has none (or we have all we take). */
static int grow(void)
{
    if (npages + 512 > POOL_MAX_PAGES)
        return 0;
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 21, L4_CompleteAddressSpace);
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IsNilFpage(f))
        return 0;
    for (unsigned i = 0; i < 512; i++) {
        page_addr[npages] = L4_Address(f) + i * 4096UL;
        page_owner[npages++] = -1;
    }
    return 1;
}

/* What the system needs at boot; more when tasks need it (the Unix
 * server's processes, say). Taking all at once would make every later
 * mapping of the root server's dearer (its mapping database is larger). */
void pool_init(void)
{
    while (npages < POOL_BOOT_PAGES && grow())
        ;
    printf("os: %u KB of memory for tasks\n", npages * 4);
}

L4_Word_t pool_alloc(int owner)
{
    do
        for (unsigned i = first_free; i < npages; i++)
            if (page_owner[i] < 0) {
                page_owner[i] = (signed char)owner;
                owned[owner]++;
                first_free = i + 1;
                memset((void *)page_addr[i], 0, 4096);
                return page_addr[i];
            }
    while ((first_free = npages, grow()));
    return 0;
}

void pool_free_owner(int owner)
{
    for (unsigned i = 0; i < npages; i++)
        if (page_owner[i] == owner) {
            page_owner[i] = -1;
            if (i < first_free)
                first_free = i;
        }
    owned[owner] = 0;
}

unsigned pool_pages(int owner)
{
    if (owner >= 0)
        return owned[owner];
    unsigned n = 0;
    for (unsigned i = 0; i < npages; i++)
        n += page_owner[i] < 0;
    return n;
}

L4_Word_t pool_page(int owner, unsigned n)
{
    for (unsigned i = 0; i < npages; i++)
        if (page_owner[i] == owner && !n--)
            return page_addr[i];
    return 0;
}
