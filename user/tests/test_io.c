/* I/O ports (spec 2.4, 6.3, 10.1, 11.3). Strict by default: a thread uses
 * only the ports its space was given with I/O fpages, and any other port
 * raises an I/O fault to its pager; sigma0 owns all ports. With the
 * kernel option ioports=all every thread may use every port, as in
 * Pistachio's default build (the harness runs the io group a third time
 * in that mode). */
#include <sys/io.h>
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define IOFAULT_TAG 0xFFFFFFFFFF860002UL    /* label 0xFF80 | rw, u = 2 */

static int all_ports(void) { return strstr(test_cmdline(), "ioports=all") != NULL; }

/* Threads in new spaces start paged by the support pager, fault in their
 * pages, and wait for `go` while the test gives them another pager. */
static volatile int port_done, go;
static void wait_go(void)
{
    port_done = 0;                          /* (its page is mapped from now on) */
    while (!go)
        tsup_sleep_ms(1);
}
static void touch_port_0x8f(L4_Word_t unused)     /* a port no test asked for */
{
    (void)unused;
    outb(0x8F, 0x55);
    port_done = 1;
}
static void read_port_0x72(L4_Word_t unused)
{
    (void)unused;
    wait_go();
    (void)inw(0x72);
    port_done = 1;
}

static L4_ThreadId_t space_with_pager(tsup_fn_t fn, L4_ThreadId_t pager)
{
    go = 0;
    port_done = 0;
    L4_ThreadId_t t = tsup_space(fn, 0);
    tsup_go_paged_by(t, pager, &go);        /* (it waits for go, or a message) */
    return t;
}

TEST(io, ports_follow_the_mode)
{
    tsup_rec.count = 0;
    L4_ThreadId_t p = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(p, 200);
    L4_ThreadId_t t = space_with_pager(read_port_0x72, p);
    tsup_sleep_ms(20);
    int done = port_done;
    tsup_kill(t);
    tsup_kill(p);
    if (all_ports()) {
        EXPECT(done);
        EXPECT_EQ(tsup_rec.count, 0);
    } else {
        EXPECT(!done);
        EXPECT_EQ(tsup_rec.count, 1);
        EXPECT_EQ(tsup_rec.tag, IOFAULT_TAG);
        EXPECT_EQ(tsup_rec.mr1, 0x72UL << 16 | 1 << 10 | 2 << 4);   /* 2 ports at 0x72 */
        EXPECT(tsup_rec.mr2 != 0);                                   /* the faulting IP */
    }
}

TEST(io, io_fault_resolved_by_the_pager)
{
    /* the support pager gets the port from sigma0 and maps it */
    port_done = 0;
    L4_ThreadId_t t = tsup_space(touch_port_0x8f, 0);
    int ok = tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT(ok);
    EXPECT(port_done);
}

/* Ports given by a map item: the receiver then uses them without a fault;
 * after flushing them it faults again. */
static volatile int stage;
static void port_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    stage = 0;                              /* (its page is mapped from now on) */
    L4_ThreadId_t from;
    L4_Wait(&from);                         /* the ports arrive */
    stage = 1;
    outb(0x80, 1);                          /* no fault now */
    stage = 2;
    L4_Flush(L4_IoFpage(0x80, 1));          /* give them up */
    stage = 3;
    outb(0x80, 2);                          /* faults: the pager never answers */
    stage = 4;
}

TEST(io, map_item_grants_ports_and_flush_takes_them)
{
    if (all_ports())
        return;                             /* nothing to grant: IOPL 3 */
    tsup_rec.count = 0;
    stage = 0;
    L4_Fpage_t ports = L4_Sigma0_GetPage(L4_nilthread, L4_IoFpage(0x80, 1));
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(!L4_IsNilFpage(ports));
    L4_ThreadId_t p = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(p, 200);
    L4_ThreadId_t r = space_with_pager(port_receiver, p);
    tsup_sleep_ms(5);
    L4_MapItem_t m = L4_MapItem(ports, 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_MsgTag_t tag = L4_Send(r);
    tsup_sleep_ms(20);
    int st = stage;
    L4_Word_t faults = tsup_rec.count, mr1 = tsup_rec.mr1;
    tsup_kill(r);
    tsup_kill(p);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(st, 3);                       /* used them, flushed, then faulted */
    EXPECT_EQ(faults, 1);
    EXPECT_EQ(mr1, 0x80UL << 16 | 0 << 10 | 2 << 4);
}

static volatile L4_Word_t other_got;
static void ask_for_0x3ff(L4_Word_t unused)
{
    (void)unused;
    other_got = L4_Sigma0_GetPage(L4_nilthread, L4_IoFpage(0x3FF, 1)).raw;
}

TEST(io, sigma0_hands_ports_out_first_come_first_served)
{
    if (all_ports())
        return;
    /* we (the root thread) take port 0x3F8+7 (COM1 scratch); another
     * thread asking for it is refused */
    L4_Fpage_t mine = L4_Sigma0_GetPage(L4_nilthread, L4_IoFpage(0x3FF, 1));
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(!L4_IsNilFpage(mine));
    L4_Fpage_t again = L4_Sigma0_GetPage(L4_nilthread, L4_IoFpage(0x3FF, 1));
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(!L4_IsNilFpage(again));          /* the owner may ask again */
    other_got = 1;
    L4_ThreadId_t t = tsup_thread(ask_for_0x3ff, 0);
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(other_got, 0);                /* another thread is refused */
    /* and "any I/O page" is never handed out */
    L4_Fpage_t any = L4_Sigma0_GetPage(L4_nilthread, (L4_Fpage_t){ .raw = (~0UL & ~0x3FFUL) | 2 << 4 });
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(L4_IsNilFpage(any));
}

/* Every processor has a TSS of its own, and through it sees the I/O
 * bitmap of the space it runs: a thread given a port by its pager uses
 * it wherever it runs. (Without the bitmap behind a processor's TSS every
 * port faults there again and again, however often the pager maps it.) */
static volatile int port_go;
static volatile L4_Word_t port_used_on;
static void use_port_0x8f_when_told(L4_Word_t unused)
{
    (void)unused;
    while (!port_go)
        tsup_sleep_ms(1);
    outb(0x8F, 0x55);
    port_used_on = L4_ProcessorNo();
}

TEST(io, ports_work_on_every_processor)
{
    for (L4_Word_t cpu = 0; cpu < tsup_processors(); cpu++) {
        port_go = 0;
        port_used_on = ~0UL;
        L4_ThreadId_t t = tsup_space(use_port_0x8f_when_told, 0);
        tsup_move(t, cpu);
        port_go = 1;
        int done = tsup_join(t, 1000);
        tsup_kill(t);
        if (!done || port_used_on != cpu)
            printf("io: on processor %lu: expected port 0x8F used there, got %s (ran on %lx)\n",
                   cpu, done ? "done" : "no return within 1 s", port_used_on);
        EXPECT(done);
        EXPECT_EQ(port_used_on, cpu);
    }
}

/* A space's first ports arrive in a receive of its own thread on a
 * processor other than 0: the kernel makes the space's bitmap there and
 * must make that processor see it. There R has used a port before (an
 * I/O fault its pager never answers), so the processor had looked at the
 * "none" bitmap, and S, R's sibling, kept the space on it since. */
static volatile int io_stage;
static volatile L4_Word_t io_s_used_on;
static void fault_on_port_0x8e(L4_Word_t unused)
{
    (void)unused;
    wait_go();
    outb(0x8E, 1);                          /* the pager never answers */
}
static volatile L4_Word_t io_ports, io_s;
static volatile int io_send;
static void send_ports_to_s(L4_Word_t unused)
{
    (void)unused;
    while (!io_send)
        tsup_sleep_ms(1);
    L4_MapItem_t m = L4_MapItem((L4_Fpage_t){ .raw = io_ports }, 0);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = m.raw[0];
    mr[2] = m.raw[1];
    L4_Send_Timeout((L4_ThreadId_t){ .raw = io_s }, L4_TimePeriod(2000000));
}
static void receive_ports_then_use(L4_Word_t sender)
{
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    while (io_stage == 0)
        ;                                   /* (spins: the space stays loaded here) */
    L4_MsgTag_t tag = L4_Receive((L4_ThreadId_t){ .raw = sender });   /* queued: the map */
    if (L4_IpcFailed(tag))                                          /* is done here */
        return;
    outb(0x80, 3);
    io_s_used_on = L4_ProcessorNo();
}

TEST(io, first_ports_received_on_another_processor_work_there)
{
    if (all_ports())
        return;                             /* no bitmap: IOPL 3 */
    L4_Word_t cpu = tsup_processors() > 1 ? 1 : 0;
    io_stage = 0;
    io_s_used_on = ~0UL;
    tsup_rec.count = 0;
    L4_Fpage_t ports = L4_Sigma0_GetPage(L4_nilthread, L4_IoFpage(0x80, 1));
    L4_Accept(L4_UntypedWordsAcceptor);
    EXPECT(!L4_IsNilFpage(ports));
    io_ports = ports.raw;
    L4_ThreadId_t p = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(p, 200);
    L4_ThreadId_t r = space_with_pager(fault_on_port_0x8e, p);     /* (waits for go) */
    tsup_move(r, cpu);
    L4_ThreadId_t h = tsup_new_id();
    L4_ThreadId_t s = tsup_space_thread(r, receive_ports_then_use, h.raw);
    io_s = s.raw;
    tsup_move(s, cpu);
    io_send = 0;
    tsup_thread_as(h, send_ports_to_s, 0);  /* (made now: a new thread's TCB page */
    tsup_sleep_ms(5);                       /* flushes every processor's TLB) */
    go = 1;
    for (int ms = 0; ms < 1000 && tsup_rec.count == 0; ms++)
        tsup_sleep_ms(1);
    L4_Word_t faults = tsup_rec.count;
    io_send = 1;
    int queued = tsup_wait_blocked(h);      /* H waits in its send to S */
    io_stage = 1;
    int done = tsup_join(s, 1000);
    tsup_kill(s);
    tsup_kill(r);
    tsup_kill(h);
    tsup_kill(p);
    if (!done || io_s_used_on != cpu)
        printf("io: expected S to use port 0x80 on processor %lu after receiving it, got %s "
               "(processor %lx)\n", cpu, done ? "done" : "no return within 1 s", io_s_used_on);
    EXPECT_EQ(faults, 1);                   /* R had looked at the bitmap */
    EXPECT(queued);
    EXPECT(done);
    EXPECT_EQ(io_s_used_on, cpu);
}
