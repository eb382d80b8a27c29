/* Interrupt and exception benchmarks:
 *   irq_to_user        from the write that makes a 16550 (COM2, loopback)
 *                      raise its receive interrupt to the handler thread
 *                      running with the interrupt message in hand
 *   exception_ipc_rtt  a thread executes ud2; the exception message goes to
 *                      its handler, whose reply (MR1 = RIP + 2) resumes the
 *                      thread after the instruction; timed in the thread. */
#include <pecan/abi.h>
#include <sys/io.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include "bench.h"
#include "../tests/tsupport.h"

static uint64_t samples[BENCH_ITERATIONS];

#define COM2 0x2F8
#define IRQ_TAG MSGTAG(PROTO_LABEL(PROTO_INTERRUPT), 0, 0)
static volatile uint64_t irq_sent, irq_seen;
static volatile unsigned irq_count;

static void uart_handler(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        uint64_t now = bench_tsc();
        if (tag.raw != IRQ_TAG)
            continue;
        irq_seen = now;
        irq_count++;
        while (inb(COM2 + 5) & 1)
            (void)inb(COM2);
        L4_Send_Timeout(from, L4_ZeroTime);          /* acknowledge */
    }
}

void bench_irq(uint64_t overhead)
{
    L4_ThreadId_t irq3 = L4_GlobalId(3, 1);
    outb(COM2 + 3, 0x03);
    outb(COM2 + 2, 0x00);
    outb(COM2 + 4, 0x18);                           /* loopback, OUT2 */
    while (inb(COM2 + 5) & 1)
        (void)inb(COM2);
    L4_ThreadId_t h = tsup_thread(uart_handler, 0);
    L4_Set_Priority(h, 255);                        /* runs as soon as it has the message */
    L4_Set_Priority(L4_MyGlobalId(), 254);
    tsup_sleep_ms(2);
    L4_ThreadControl(irq3, irq3, L4_nilthread, h, (void *)~0UL);
    outb(COM2 + 1, 0x01);
    unsigned n = 0;
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        unsigned before = irq_count;
        irq_sent = bench_tsc();
        outb(COM2, 'x');
        while (irq_count == before)                 /* the handler ran */
            ;
        if (i >= BENCH_WARMUP)
            samples[n++] = irq_seen - irq_sent;
    }
    outb(COM2 + 1, 0);
    L4_ThreadControl(irq3, irq3, L4_nilthread, irq3, (void *)~0UL);
    L4_Set_Priority(L4_MyGlobalId(), 255);
    tsup_kill(h);
    bench_report("irq_to_user", bench_summarise(samples, n), overhead);
}

/* ---- exceptions -------------------------------------------------------------- */

/* Answers exception messages: resume after the 2-byte faulting instruction. */
static void exception_handler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        (void)tag;
        mr[1] += 2;                                 /* MR1 = RIP */
        mr[0] = 1;                                  /* u = 1: only RIP changes */
        tag = L4_ReplyWait(from, &from);
    }
}

static volatile int faults_done;

static void faulter(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        uint64_t t0 = bench_tsc();
        __asm__ volatile("ud2" ::: "memory");
        uint64_t t1 = bench_tsc();
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    faults_done = 1;
}

void bench_exception(uint64_t overhead)
{
    L4_ThreadId_t h = tsup_thread(exception_handler, 0);
    L4_Set_Priority(h, 255);
    L4_ThreadId_t f = tsup_space(faulter, h.raw);
    L4_Set_Priority(f, 255);
    if (!tsup_join(f, 60000)) {
        bench_failed("exception_ipc_rtt", "the faulting thread did not finish");
        return;
    }
    tsup_kill(f);
    tsup_kill(h);
    bench_report("exception_ipc_rtt", bench_summarise(samples, BENCH_ITERATIONS), overhead);
}
