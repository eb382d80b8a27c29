/* The kernel's physical frame allocator: 4 KB frames from the kernel
 * memory pool that boot code carved out of RAM. */
#pragma once
#include "config.h"
#include "range.h"

/* Pointer through which the allocator may touch a frame's contents. */
typedef void *(*frame_view_t)(paddr_t p);

/* Hand the allocator its pool (page-aligned ranges). */
void frame_init(const struct range_set *pool, frame_view_t view);

/* More frames for the pool: handed out after every fresh frame it has
 * now. Nothing is written into them before. */
void frame_add(paddr_t base, paddr_t end);

/* A zero-filled frame, or 0 when the pool is exhausted. */
paddr_t frame_alloc(void);

/* Return a frame obtained from frame_alloc. */
void frame_free(paddr_t frame);

/* Frames currently available; in the whole pool. */
size_t frame_available(void);
size_t frame_total(void);
