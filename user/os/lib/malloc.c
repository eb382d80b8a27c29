/* libos: malloc and friends on memory from os_sbrk.
 *
 * The heap is a list of regions (one per os_sbrk), each a run of blocks
 * that ends in a used block of size 0. A block is a 16-byte header (its
 * size including the header, the low bit set while in use) and its data,
 * 16-byte aligned. malloc takes the first free block that fits, merging
 * free neighbours as it walks and splitting off what it does not need;
 * free only clears the bit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <os/os.h>

#define ALIGN   16
#define HEADER  16
#define USED    1UL
#define GROW    (64 * 1024UL)           /* os_sbrk at least this much at a time */

struct block {
    size_t size;                        /* bytes with the header; | USED */
    size_t pad;
};

struct region {
    struct region *next;
    size_t pad;
};

static struct region *regions;

static size_t size_of(const struct block *b) { return b->size & ~USED; }
static struct block *next_block(struct block *b) { return (struct block *)((char *)b + size_of(b)); }
static struct block *first_block(struct region *r) { return (struct block *)(r + 1); }

/* A new region with one free block of at least `need` bytes. */
static int grow(size_t need)
{
    size_t bytes = need + sizeof(struct region) + HEADER;
    if (bytes < GROW)
        bytes = GROW;
    char *p = os_sbrk(bytes);
    if (!p)
        return 0;
    struct region *r = (struct region *)(((L4_Word_t)p + ALIGN - 1) & ~(L4_Word_t)(ALIGN - 1));
    size_t usable = (bytes - ((char *)r - p)) & ~(size_t)(ALIGN - 1);
    struct block *b = first_block(r);
    b->size = usable - sizeof(struct region) - HEADER;
    next_block(b)->size = USED;                          /* the end: used, size 0 */
    r->next = regions;
    regions = r;
    return 1;
}

/* Join the free blocks that follow a free block b. */
static void merge(struct block *b)
{
    for (struct block *n = next_block(b); !(n->size & USED); n = next_block(b))
        b->size += n->size;
}

/* Use the first `need` bytes of the free block b; the rest stays free. */
static void *claim(struct block *b, size_t need)
{
    if (b->size - need >= HEADER + ALIGN) {
        struct block *rest = (struct block *)((char *)b + need);
        rest->size = b->size - need;
        b->size = need;
    }
    b->size |= USED;
    return b + 1;
}

static void *take(size_t need)
{
    for (struct region *r = regions; r; r = r->next)
        for (struct block *b = first_block(r); size_of(b); b = next_block(b)) {
            if (b->size & USED)
                continue;
            merge(b);
            if (b->size >= need)
                return claim(b, need);
        }
    return NULL;
}

static size_t block_need(size_t n)
{
    if (n > ~(size_t)0 / 2)
        return 0;
    return (n + HEADER + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

void *malloc(size_t n)
{
    size_t need = block_need(n);
    if (!need)
        return NULL;
    void *p = take(need);
    if (!p && grow(need))
        p = take(need);
    return p;
}

/* A block freed twice would be handed out twice: the program ends with
 * a message instead (a server is restarted by the root server; the Unix
 * server's pipes once freed one twice when a writer died of SIGPIPE while
 * its reader closed: unix.differential.pipes). */
void free(void *p)
{
    if (!p)
        return;
    struct block *b = (struct block *)p - 1;
    if (!(b->size & USED)) {
        printf("malloc: block %p freed twice\n", p);
        os_exit(134);
    }
    b->size &= ~USED;
}

void *calloc(size_t n, size_t size)
{
    if (size && n > ~(size_t)0 / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    if (!n) {
        free(p);
        return NULL;
    }
    struct block *b = (struct block *)p - 1;
    size_t need = block_need(n);
    if (!need)
        return NULL;
    b->size &= ~USED;                   /* grow into free neighbours, in place */
    merge(b);
    if (b->size >= need)
        return claim(b, need);
    b->size |= USED;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, size_of(b) - HEADER);     /* all of the old data: less than n */
        free(p);
    }
    return q;
}
