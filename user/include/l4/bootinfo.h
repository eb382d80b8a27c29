/* Generic boot information (spec 9.3), named by KIP BootInfo. */
#pragma once
#include <l4/types.h>

#define L4_BOOTINFO_MAGIC 0x14B0021DUL
#define L4_BootInfo_Module     0x0001
#define L4_BootInfo_SimpleExec 0x0002
#define L4_BootInfo_Multiboot  0x0102

typedef struct {
    L4_Word_t type, version, offset_next;
} L4_BootRec_t;

typedef struct {
    L4_Word_t magic, version, size, first_entry, num_entries, reserved[3];
} L4_BootInfo_t;

static inline const L4_BootRec_t *L4_BootInfo_FirstEntry(const L4_BootInfo_t *b)
{
    return (const L4_BootRec_t *)((const char *)b + b->first_entry);
}
static inline const L4_BootRec_t *L4_BootRec_Next(const L4_BootRec_t *r)
{
    return (const L4_BootRec_t *)((const char *)r + r->offset_next);
}

/* Command line of a Module or SimpleExec record ("" if none). */
const char *L4_BootRec_Cmdline(const L4_BootRec_t *r);

/* The SimpleExec record whose text starts at physical `start`, or NULL. */
const L4_BootRec_t *L4_BootInfo_FindExec(const L4_BootInfo_t *b, L4_Word_t start);
