/* Kernel views of physical memory. */
#pragma once
#include "config.h"
#include "types.h"

/* All RAM (and the first 4 GB) is mapped at PHYS_MAP_BASE. During early
 * boot only the first 1 GB is, which is why the kernel pool lies below 1 GB. */
static inline void *phys_to_virt(paddr_t p)
{
    return (void *)(PHYS_MAP_BASE + p);
}

/* The end of the direct map (paging_init). The kernel reaches nothing
 * above it: no frame there may be mapped to user space. */
extern paddr_t phys_map_end;

/* The kernel's view of a frame mapped to user space, NULL if it cannot
 * reach it. (Such frames never get mapped, bootmem_user_frame; this
 * checks again where the kernel follows a user mapping.) */
static inline void *user_frame_to_virt(paddr_t p)
{
    return p < phys_map_end ? phys_to_virt(p) : NULL;
}

static inline paddr_t virt_to_phys(const void *v)
{
    vaddr_t a = (vaddr_t)v;
    return a >= KERNEL_VMA ? a - KERNEL_VMA : a - PHYS_MAP_BASE;
}

/* Fill n words with w (rep stosq: one instruction a word, as copy_words). */
static inline void *memset_words(void *p, uint64_t w, size_t nwords)
{
    void *q = p;
    __asm__ volatile("rep stosq" : "+D"(q), "+c"(nwords) : "a"(w) : "memory");
    return p;
}

/* Copy n words (rep movsq: one instruction a word on the IPC paths). */
static inline void copy_words(word_t *dst, const word_t *src, size_t n)
{
    __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static inline void copy_bytes(void *dst, const void *src, size_t n)
{
    if ((((uintptr_t)dst | (uintptr_t)src | n) & 7) == 0) {
        n /= 8;
        __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    } else {
        __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    }
}
