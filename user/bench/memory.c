/* Memory benchmarks (issue: map, grant, unmap). Figures in instructions:
 *   pagefault_user_pager  a thread in one space writes to an unmapped page;
 *                         the fault goes as IPC to its pager in another
 *                         space, whose map reply lets the write complete
 *                         (timed inside the faulting thread, from just
 *                         before the write to just after it)
 *   map_rpc_4k / _64k     L4_Call to a server in another space whose reply
 *                         maps 4 KB / 64 KB into the caller's window, plus
 *                         the caller's L4_Flush of it afterwards (seed 001,
 *                         table 4: map + unmap).
 * And in bytes, the kernel memory a space is charged for the mappings it
 * receives (issue 16; "KMEM" lines):
 *   kmem_4k_pages         4096 pages, each a 4 KB mapping
 *   kmem_1g_mappings      512 mappings of 1 GB */
#include <pecan/abi.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/utcb.h>
#include "bench.h"
#include "../tests/tsupport.h"

static uint64_t samples[BENCH_ITERATIONS];

/* ---- page fault to a user-level pager ---------------------------------- */

static volatile uint8_t fault_page[4096] __attribute__((aligned(4096)));

/* Runs in its own space, paged by the test support pager, which maps the
 * benchmark image's page at the same address. */
static void faulter(L4_Word_t unused)
{
    (void)unused;
    L4_Fpage_t fp = L4_FpageLog2((L4_Word_t)fault_page, 12);
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        L4_Flush(L4_FpageAddRights(fp, L4_FullyAccessible));
        uint64_t t0 = bench_tsc();
        fault_page[i % 4096] = 1;
        uint64_t t1 = bench_tsc();
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
}

void bench_pagefault(uint64_t overhead)
{
    fault_page[0] = 0;                  /* mapped in our own space first */
    L4_ThreadId_t t = tsup_space(faulter, 0);
    if (!tsup_join(t, 60000)) {
        bench_failed("pagefault_user_pager", "the faulting thread did not finish");
        return;
    }
    tsup_kill(t);
    bench_report("pagefault_user_pager", bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

/* ---- map RPC -------------------------------------------------------------- */

#define WINDOW 0x40000000UL                 /* free in the benchmark's space */
static uint8_t map_source[65536] __attribute__((aligned(65536)));

/* Server in its own space: touch the source so it is mapped here, then
 * answer every call with a map item of 2^log2 bytes of it. */
static void mapper(L4_Word_t log2)
{
    for (unsigned o = 0; o < sizeof map_source; o += 4096)
        map_source[o] = 1;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (;;) {
        L4_Fpage_t fp = L4_FpageAddRights(L4_FpageLog2((L4_Word_t)map_source, (int)log2),
                                          L4_FullyAccessible);
        L4_MapItem_t m = L4_MapItem(fp, WINDOW);
        mr[0] = MSGTAG(0, 2, 0);
        mr[1] = m.raw[0];
        mr[2] = m.raw[1];
        L4_ReplyWait(from, &from);
    }
}

static void map_rpc(const char *name, int log2, uint64_t overhead)
{
    L4_ThreadId_t srv = tsup_space(mapper, (L4_Word_t)log2);
    L4_Set_Priority(srv, 255);
    L4_Fpage_t window = L4_FpageLog2(WINDOW, log2);
    L4_Fpage_t flush = L4_FpageAddRights(window, L4_FullyAccessible);
    L4_Word_t *mr = __L4_Utcb();
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        L4_Accept(L4_MapGrantItems(window));
        mr[0] = 0;
        uint64_t t0 = bench_tsc();
        L4_MsgTag_t tag = L4_Call(srv);
        L4_Flush(flush);
        uint64_t t1 = bench_tsc();
        if (L4_IpcFailed(tag) || L4_TypedWords(tag) != 2) {
            bench_failed(name, "reply tag %lx, error %lx", tag.raw, L4_ErrorCode());
            tsup_kill(srv);
            return;
        }
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    /* the mapping really arrived: the last one is flushed, so map once more */
    mr[0] = 0;
    L4_Call(srv);
    int ok = *(volatile uint8_t *)(WINDOW + (1UL << log2) - 4096) == 1;
    L4_Flush(flush);
    L4_Accept(L4_UntypedWordsAcceptor);
    tsup_kill(srv);
    if (!ok) {
        bench_failed(name, "the mapped page does not show the server's data");
        return;
    }
    bench_report(name, bench_summarise(samples, BENCH_ITERATIONS), overhead);
}

void bench_map(uint64_t overhead)
{
    map_rpc("map_rpc_4k", 12, overhead);
    map_rpc("map_rpc_64k", 16, overhead);
}

/* ---- kernel memory per mapping ------------------------------------------------
 * The kernel reports a space's use in KB: so many mappings that it counts
 * to a few bytes each, into a region of the receiver where nothing was,
 * so that they pay for their page and node tables too. */

#define KMEM_PAGES  4096                    /* 16 MB of 4 KB mappings */
#define KMEM_GIGAS  512                     /* 512 GB of 1 GB mappings */
static volatile int kmem_ready;
static volatile L4_Word_t kmem_window;

/* In a space of its own: take map items into kmem_window, then wait on
 * without touching anything new (a fault would charge the space for more
 * than the mappings). */
static void kmem_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_Accept(L4_MapGrantItems((L4_Fpage_t){ .raw = kmem_window }));
    L4_ThreadId_t from;
    kmem_ready = 1;
    for (;;)
        L4_Wait(&from);
}

/* Map `what` `copies` times, side by side, into a new space's `window`
 * and print the kernel memory that space was charged for it. */
static void kmem_measure(const char *name, L4_Fpage_t what, unsigned mappings, unsigned copies,
                         L4_Fpage_t window)
{
    kmem_ready = 0;
    kmem_window = window.raw;
    L4_ThreadId_t c = tsup_space(kmem_receiver, 0);
    L4_SetKernelMemoryLimit(c, L4_KmemUnlimited);
    for (int i = 0; i < 10000 && !kmem_ready; i++)
        tsup_sleep_ms(1);
    if (!kmem_ready || !tsup_wait_blocked(c)) {
        tsup_kill(c);
        bench_failed(name, "the receiving space did not start");
        return;
    }
    L4_Word_t before = L4_KernelMemoryUsed(c);
    L4_Word_t *mr = __L4_Utcb();
    for (unsigned i = 0; i < copies;) {
        unsigned n = copies - i < 31 ? copies - i : 31;     /* items a message holds */
        mr[0] = MSGTAG(0, 2 * n, 0);
        for (unsigned k = 0; k < n; k++, i++) {
            L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(what, L4_FullyAccessible),
                                        i * L4_Size(what));
            mr[1 + 2 * k] = m.raw[0];
            mr[2 + 2 * k] = m.raw[1];
        }
        if (L4_IpcFailed(L4_Send(c))) {
            tsup_kill(c);
            bench_failed(name, "a map IPC failed, error %lx", L4_ErrorCode());
            return;
        }
    }
    L4_Word_t after = L4_KernelMemoryUsed(c);
    tsup_kill(c);
    printf("KMEM %s bytes=%lu mappings=%u\n", name, (after - before) * 1024, mappings * copies);
}

void bench_kmem(uint64_t overhead)
{
    (void)overhead;
    /* 16 MB whose pages we have as 4 KB mappings: from sigma0 whole, given
     * back, then faulted in page by page (sigma0 maps a page again to its
     * owner). To 1 GB in the receiver. */
    L4_Fpage_t block = tsup_sigma0_any(24);
    if (L4_IsNilFpage(block)) {
        bench_failed("kmem_4k_pages", "no 16 MB from sigma0");
        return;
    }
    L4_Flush(L4_FpageAddRights(block, L4_FullyAccessible));
    for (L4_Word_t a = L4_Address(block); a < L4_Address(block) + L4_Size(block); a += 4096)
        *(volatile L4_Word_t *)a = a;
    kmem_measure("kmem_4k_pages", block, KMEM_PAGES, 1, L4_FpageLog2(1UL << 30, 24));

    /* 1 GB: a gigabyte of physical addresses sigma0 gives out whole (on
     * the benchmark machine, 256 MB of RAM, one without RAM: never
     * touched), 512 times to 512 GB in the receiver. */
    for (L4_Word_t gb = 1; gb < 8; gb++) {
        L4_Fpage_t giga = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(gb << 30, 30));
        L4_Accept(L4_UntypedWordsAcceptor);
        if (L4_IsNilFpage(giga))
            continue;
        kmem_measure("kmem_1g_mappings", giga, 1, KMEM_GIGAS, L4_FpageLog2(1UL << 39, 39));
        L4_Flush(L4_FpageAddRights(giga, L4_FullyAccessible));
        return;
    }
    printf("KMEM kmem_1g_mappings skipped: no gigabyte from sigma0\n");
}

/* ---- string IPC -------------------------------------------------------------- */

static uint8_t string_src[65536] __attribute__((aligned(4096)));
static uint8_t string_dst[65536] __attribute__((aligned(4096)));

/* Server in its own space: receives a 64 KB string into string_dst
 * (touched first so the copy meets no faults) and answers empty. */
static void string_server(L4_Word_t unused)
{
    (void)unused;
    for (unsigned o = 0; o < sizeof string_dst; o += 4096)
        string_dst[o] = 0;
    L4_LoadBR(0, ACCEPT_STRINGS);
    L4_LoadBR(1, STRING_HEADER(sizeof string_dst, 0));
    L4_LoadBR(2, (L4_Word_t)string_dst);
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (;;) {
        mr[0] = 0;
        L4_ReplyWait(from, &from);
    }
}

/* string_ipc_64k: L4_Call carrying one 64 KB string to a server in
 * another space, whose empty reply ends the sample. */
void bench_string(uint64_t overhead)
{
    for (unsigned i = 0; i < sizeof string_src; i++)
        string_src[i] = (uint8_t)(i * 31 + 7);
    L4_ThreadId_t srv = tsup_space(string_server, 0);
    L4_Set_Priority(srv, 255);
    L4_Word_t *mr = __L4_Utcb();
    const unsigned n = BENCH_ITERATIONS / 10;      /* each copies 64 KB */
    for (unsigned i = 0; i < BENCH_WARMUP / 10 + n; i++) {
        mr[0] = MSGTAG(0, 2, 0);
        mr[1] = STRING_HEADER(sizeof string_src, 0);
        mr[2] = (L4_Word_t)string_src;
        uint64_t t0 = bench_tsc();
        L4_MsgTag_t tag = L4_Call(srv);
        uint64_t t1 = bench_tsc();
        if (L4_IpcFailed(tag)) {
            bench_failed("string_ipc_64k", "IPC error 0x%lx", L4_ErrorCode());
            tsup_kill(srv);
            return;
        }
        if (i >= BENCH_WARMUP / 10)
            samples[i - BENCH_WARMUP / 10] = t1 - t0;
    }
    tsup_kill(srv);
    for (unsigned i = 0; i < sizeof string_dst; i++)
        if (string_dst[i] != string_src[i]) {
            bench_failed("string_ipc_64k", "byte %u differs", i);
            return;
        }
    bench_report("string_ipc_64k", bench_summarise(samples, n), overhead);
}
