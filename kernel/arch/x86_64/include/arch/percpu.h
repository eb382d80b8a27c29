/* Each processor's own two pages, struct cpu_pages: the one definition of
 * their layout, for C and assembly.
 *
 * They are at the same address on every processor, `cpu_pages` in the
 * kernel image, and hold different frames there: each processor's page
 * tables map that address to its own (paging_cpu_root), so `current` and
 * the other words the fast paths use are plain RIP-relative operands and
 * need no swapgs and no processor number. The boot processor's frames
 * are the image's own. The GS base in the kernel is cpu_pages too (the
 * general entry's scratch), and GS_PAGE_VA shows user mode the user page
 * of the processor it runs on.
 *
 *   kernel page                                            user page (+0x1000)
 *   0x000 struct cpu_local                                 0x000 local id of the
 *   0x040 an application processor's GDT                         running thread
 *   0x800 struct cpu_request: this processor's IPC
 *         request to another (mp.c)
 *   0xf80 current | fpu_owner | tcb_area_base | TSS (104 bytes) ... 0x1000
 *         |<------- one 64-byte line: 0xf80..0xfbf, RSP0 at 0xf9c ------->|
 *
 * The words every IPC fast path reads or writes share the line of
 * TSS.RSP0, which the fast paths write too. The TSS ends the page, so
 * that through the I/O window the I/O permission bitmap follows it
 * (io.c, gdt.c).
 */
#pragma once

#define TSS_SIZE          104
#define TSS_OFFSET        (4096 - TSS_SIZE)
#define TSS_RSP0_OFFSET   (TSS_OFFSET + 4)
#define CPU_CURRENT       (TSS_OFFSET - 24)   /* struct tcb *: the running thread */
#define CPU_FPU_OWNER     (TSS_OFFSET - 16)   /* struct tcb *: whose registers the FPU holds */
#define CPU_TCB_AREA_BASE (TSS_OFFSET - 8)    /* TCB_AREA_BASE, a memory operand for the fast paths */
#define CPU_USER_PAGE     4096                /* the user page: its word 0, the local id */
#define CPU_AP_GDT        0x40                /* an AP's GDT (the boot processor's is gdt.c's) */
#define CPU_REQUEST       0x800               /* struct cpu_request */

/* struct cpu_local, at the start of the kernel page */
#define CPU_USER_RSP        0   /* scratch: user RSP during syscall entry */
#define CPU_X2_ENTRY        8   /* LSTAR for X.2 threads (fast path or not) */
#define CPU_UNIX_ENTRY      16  /* LSTAR for Unix-ABI threads (fast path or not) */
#define CPU_UNIX_ABI_LOADED 24  /* LSTAR and the user bases are a Unix-ABI thread's */
#define CPU_INDEX           25  /* this processor's number */
#define CPU_FAST_RECV       28  /* STATE_FAST_RECV with CPU_INDEX in its top byte (asm.h) */
#define CPU_LOCKLESS        42  /* kernel code runs here without the lock (mp.c) */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct tcb;

struct cpu_local {
    uint64_t user_rsp;
    uint64_t x2_entry;
    uint64_t unix_entry;
    bool unix_abi_loaded;
    uint8_t index;              /* 0 for the boot processor */
    /* Requests of the processor holding the kernel lock (mp.c), which
     * writes them here through the direct map; this one clears each when
     * it is done. */
    volatile uint8_t park;      /* stop and wait until cleared */
    volatile uint8_t parked;    /* (this one's answer: stopped) */
    uint32_t fast_recv;         /* the fast paths' compare word (asm.h) */
    struct tcb *volatile evict; /* stop running this thread, save its FPU registers */
    volatile uint8_t flush;     /* MP_FLUSH_*: reload CR3 (and the global entries) */
    volatile uint8_t resched;   /* look at the ready queues (under the kernel lock) */
    /* Its own: kernel code runs here without the lock, touching only
     * this processor's threads (ipc_local; mp.c) */
    volatile uint8_t lockless;
    /* A bit per processor whose request (its struct cpu_request) waits
     * here: set by that one, taken by this one (mp.c) */
    uint32_t requests;
    /* Kernel lock acquisitions (mp.c): KDB's LockTakes shows the tests
     * which work took no lock (kdebug_trap.c) */
    uint64_t lock_takes;
    /* Requests of this processor withdrawn from a ring (mp.c, deferred):
     * not taken within REQ_PATIENCE_US, deferred by a server whose own
     * request was deferred too. KDB's Withdrawals */
    uint64_t withdrawals;
};

/* This processor's IPC with a thread of another, which that processor
 * serves (mp_request): written by this processor while `status` is
 * neither posted nor being served, read by the server once it took it. */
struct cpu_request {
    uint32_t status;            /* mp.c; when served, enum req_outcome */
    uint32_t kind;              /* enum req_kind (arch/mp.h) */
    struct tcb *thread;         /* this processor's current thread, waiting */
    uint64_t id;                /* the other processor's thread: its global id */
    uint64_t tag;               /* a send: its tag (untyped, no flags); a take: the
                                 * receive specifier */
    volatile uint32_t deferred; /* the server waits for its own request first
                                 * (mp.c, deferred: then this one defers none) */
};

struct cpu_pages {
    union {
        struct cpu_local local;
        struct {
            uint8_t below_request[CPU_REQUEST];
            struct cpu_request request;
        };
        uint8_t kernel[4096];
    };
    uint64_t user[512];
} __attribute__((aligned(8192)));       /* both in one page table (paging.c) */

/* This processor's pages (each sees its own here). */
extern struct cpu_pages cpu_pages;
#define this_cpu (cpu_pages.local)
#endif
