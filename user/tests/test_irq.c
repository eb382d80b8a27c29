/* Interrupts as IPC (spec 7): attaching a handler with ThreadControl, the
 * interrupt message, acknowledgement by the handler's next IPC, detaching,
 * and bad attachments. The devices are driven from user level through
 * I/O ports: the PIT (line 0; the kernel's own timer is the local APIC's)
 * and a 16550 UART in loopback mode (COM2, line 3: the harness gives
 * QEMU a second serial port). */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "irqsupport.h"
#include "testlib.h"
#include "tsupport.h"

/* Wait up to `ms` for an interrupt message from `irq`. */
static L4_MsgTag_t wait_irq(unsigned irq, unsigned ms, L4_ThreadId_t *from)
{
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(ms * 1000ULL), from);
    (void)irq;
    return tag;
}

TEST(irq, timer_interrupts_arrive_as_ipc)
{
    L4_ThreadId_t me = L4_MyGlobalId(), from;
    EXPECT_EQ(irq_attach(0, me), 1);
    pit_start();
    int got = 0, wrong = 0;
    for (int i = 0; i < 5; i++) {
        L4_MsgTag_t tag = wait_irq(0, 1000, &from);
        if (L4_IpcFailed(tag))
            break;
        if (tag.raw != IRQ_TAG || from.raw != irq_tid(0).raw)
            wrong++;
        got++;
        L4_Send_Timeout(irq_tid(0), L4_ZeroTime);   /* acknowledge */
    }
    pit_stop();
    EXPECT_EQ(irq_detach(0), 1);
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(got, 5);
}

TEST(irq, no_second_message_before_the_acknowledgement)
{
    L4_ThreadId_t me = L4_MyGlobalId(), from;
    EXPECT_EQ(irq_attach(0, me), 1);
    pit_start();
    L4_MsgTag_t first = wait_irq(0, 1000, &from);
    tsup_sleep_ms(20);                  /* ~20 ticks of the PIT pass */
    L4_MsgTag_t second = L4_Receive_Timeout(irq_tid(0), L4_ZeroTime);
    L4_Word_t err = L4_ErrorCode();
    L4_Send_Timeout(irq_tid(0), L4_ZeroTime);
    L4_MsgTag_t third = wait_irq(0, 1000, &from);   /* after the ack: again */
    L4_Send_Timeout(irq_tid(0), L4_ZeroTime);
    pit_stop();
    irq_detach(0);
    EXPECT(L4_IpcSucceeded(first));
    EXPECT(L4_IpcFailed(second));
    EXPECT_EQ(err, 1 << 1 | 1);                     /* receive timeout */
    EXPECT(L4_IpcSucceeded(third));
}

TEST(irq, detached_line_stays_quiet)
{
    L4_ThreadId_t me = L4_MyGlobalId(), from;
    EXPECT_EQ(irq_attach(0, me), 1);
    EXPECT_EQ(irq_detach(0), 1);
    pit_start();
    L4_MsgTag_t tag = wait_irq(0, 30, &from);
    pit_stop();
    EXPECT(L4_IpcFailed(tag));
    EXPECT_EQ(L4_ErrorCode(), 1 << 1 | 1);
}

TEST(irq, interrupt_thread_exists_after_attachment)
{
    L4_Word_t old;
    /* line 5 was never attached: no such thread yet */
    EXPECT_EQ(L4_Schedule(irq_tid(5), ~0UL, ~0UL, ~0UL, ~0UL, &old), 0);
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(irq_attach(5, L4_MyGlobalId()), 1);
    EXPECT_EQ(L4_Schedule(irq_tid(5), ~0UL, ~0UL, ~0UL, ~0UL, &old), 2);   /* inactive */
    EXPECT_EQ(irq_detach(5), 1);
}

/* l4test's schedule test (there on line 3, which the UART tests here
 * attach first): an interrupt thread takes a priority once it exists. */
TEST(irq, priority_of_an_interrupt_thread)
{
    EXPECT_EQ(L4_Set_Priority(irq_tid(6), 12), 0);
    EXPECT_EQ(irq_attach(6, L4_MyGlobalId()), 1);
    L4_Word_t r = L4_Set_Priority(irq_tid(6), 13);
    EXPECT_EQ(irq_detach(6), 1);
    EXPECT_NE(r, 0);
}

TEST(irq, bad_attachments_fail_with_invalid_thread)
{
    L4_ThreadId_t nobody = tsup_new_id();
    EXPECT_EQ(irq_attach(4, nobody), 0);                    /* no such handler */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(irq_attach(2, L4_MyGlobalId()), 0);           /* the cascade line */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(L4_ThreadControl(L4_GlobalId(4, 2), L4_GlobalId(4, 2), L4_nilthread,
                               L4_MyGlobalId(), (void *)~0UL), 0);   /* wrong version */
    EXPECT_EQ(L4_ErrorCode(), 2);
    EXPECT_EQ(irq_attach(20, L4_MyGlobalId()), 0);          /* a kernel thread number */
    EXPECT_EQ(L4_ErrorCode(), 2);
}

/* A handler thread that counts interrupts from the UART until told to
 * stop; it reads the received byte (which clears the interrupt) and
 * acknowledges. */
static volatile int uart_irqs, uart_bytes;
static volatile uint8_t uart_last;

static void uart_handler(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag) || tag.raw != IRQ_TAG || from.raw != irq_tid(3).raw)
            continue;
        uart_irqs++;
        while (inb(COM2 + 5) & 1) {                 /* LSR: data ready */
            uart_last = inb(COM2);
            uart_bytes++;
        }
        L4_Send_Timeout(from, L4_ZeroTime);
    }
}

TEST(irq, uart_receive_interrupt_in_loopback)
{
    uart_irqs = uart_bytes = 0;
    uart_loopback_on();
    EXPECT(inb(COM2 + 7) != 0xFF || inb(COM2 + 5) != 0xFF);   /* a UART is there */
    L4_ThreadId_t h = tsup_thread(uart_handler, 0);
    L4_Set_Priority(h, 254);
    EXPECT_EQ(irq_attach(3, h), 1);
    outb(COM2 + 1, 0x01);                           /* receive interrupt */
    for (int i = 0; i < 3; i++) {
        outb(COM2, (uint8_t)('a' + i));
        tsup_sleep_ms(5);
    }
    uart_loopback_off();
    irq_detach(3);
    tsup_kill(h);
    EXPECT_EQ(uart_bytes, 3);
    EXPECT(uart_irqs >= 1);
    EXPECT_EQ(uart_last, 'c');
}

/* The handler is deleted while attached: the next interrupt finds no
 * handler, the line stays dead, and attaching a new handler revives it. */
static void idle_handler(L4_Word_t unused)
{
    (void)unused;
    L4_Sleep(L4_Never);
}

TEST(irq, deleted_handler_then_reattach)
{
    L4_ThreadId_t h = tsup_thread(idle_handler, 0), from;
    EXPECT_EQ(irq_attach(0, h), 1);
    tsup_kill(h);
    pit_start();
    tsup_sleep_ms(10);                              /* interrupts with no handler */
    EXPECT_EQ(irq_attach(0, L4_MyGlobalId()), 1);
    L4_MsgTag_t tag = wait_irq(0, 1000, &from);
    L4_Send_Timeout(irq_tid(0), L4_ZeroTime);
    pit_stop();
    irq_detach(0);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(from.raw, irq_tid(0).raw);
}

/* Only privileged tasks (sigma0, the root task) may attach interrupts. */
static volatile L4_Word_t unpriv_result, unpriv_error;
static void unprivileged_attach(L4_Word_t unused)
{
    (void)unused;
    unpriv_result = L4_ThreadControl(irq_tid(4), irq_tid(4), L4_nilthread, L4_MyGlobalId(),
                                     (void *)~0UL);
    unpriv_error = L4_ErrorCode();
}

TEST(irq, unprivileged_task_may_not_attach)
{
    unpriv_result = 99;
    L4_ThreadId_t t = tsup_space(unprivileged_attach, 0);
    tsup_join(t, 1000);
    tsup_kill(t);
    EXPECT_EQ(unpriv_result, 0);
    EXPECT_EQ(unpriv_error, 1);                         /* no privilege */
}

/* Interrupts on several processors (spec 7: the line is "routed to the
 * handler's CPU"; 4.9: Schedule's ProcessorControl moves the interrupt
 * thread, and with it the line). The received tag's X flag (spec 2.2,
 * bit 14) says whether the interrupt was taken on another processor than
 * the handler's: the kernel sends it from the processor that took it. */
#define TAG_X (1UL << 14)
static volatile int pit_got, pit_crossed, pit_wrong;
static volatile int pit_want;                   /* the handler stops after this many */

static void pit_handler(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag) || from.raw != irq_tid(0).raw || (tag.raw & ~TAG_X) != IRQ_TAG) {
            pit_wrong++;
            continue;
        }
        if (pit_got < pit_want) {
            pit_crossed += (tag.raw & TAG_X) != 0;
            pit_got++;
        }
        L4_Send_Timeout(from, L4_ZeroTime);     /* acknowledge */
    }
}

/* Count `n` interrupts at the handler: how many crossed processors, or
 * -1 if they did not all arrive within a second. */
static int pit_crossings(int n)
{
    pit_crossed = 0;
    pit_got = 0;
    pit_want = n;
    for (int ms = 0; ms < 1000 && pit_got < n; ms++)
        tsup_sleep_ms(1);
    return pit_got < n ? -1 : pit_crossed;
}

/* A PIT handler on processor `cpu` (counting reset). */
static L4_ThreadId_t pit_handler_on(L4_Word_t cpu)
{
    pit_want = 0;
    pit_wrong = 0;
    L4_ThreadId_t h = tsup_thread(pit_handler, 0);
    L4_Set_Priority(h, 254);
    tsup_move(h, cpu);
    return h;
}

TEST(irq, interrupts_go_to_the_handlers_processor)
{
    unsigned n = tsup_processors();
    L4_Word_t handler_cpu = n > 2 ? 2 : 0, other_cpu = n > 1 ? 1 : 0, old;
    L4_ThreadId_t h = pit_handler_on(handler_cpu);
    EXPECT_EQ(irq_attach(0, h), 1);
    pit_start();
    int at_attach = pit_crossings(5);           /* routed to the handler's processor */
    L4_Word_t moved = L4_Schedule(irq_tid(0), ~0UL, n > 1 ? other_cpu : 1, ~0UL, ~0UL, &old);
    L4_Word_t err = L4_ErrorCode();
    pit_crossings(1);                           /* (one taken before the move may */
    int elsewhere = pit_crossings(5);           /* still be on its way) */
    L4_Schedule(irq_tid(0), ~0UL, handler_cpu, ~0UL, ~0UL, &old);
    pit_crossings(1);
    int back = pit_crossings(5);
    pit_stop();
    EXPECT_EQ(irq_detach(0), 1);
    tsup_kill(h);
    EXPECT_EQ(pit_wrong, 0);
    EXPECT_EQ(at_attach, 0);
    EXPECT_EQ(back, 0);
    if (n > 1) {
        EXPECT_EQ(moved, 2);                    /* was inactive, waiting for the line */
        EXPECT_EQ(elsewhere, 5);                /* each taken on processor 1 */
    } else {
        EXPECT_EQ(moved, 0);                    /* no processor 1 */
        EXPECT_EQ(err, 5);
        EXPECT_EQ(elsewhere, 0);
    }
}

/* An interrupt taken while its processor's thread is stopped from
 * elsewhere: the processor waits for the kernel lock in its interrupt
 * entry while another processor's ExchangeRegisters halts the thread it
 * interrupted (evicting it there). The interrupt must still reach its
 * handler while that thread stays halted; it is not the thread's. */
static volatile L4_Word_t victim_spins;
static void victim_spin(L4_Word_t unused)
{
    (void)unused;
    for (;;)
        victim_spins++;
}

TEST(irq, an_interrupt_reaches_its_handler_while_the_interrupted_thread_is_halted)
{
    unsigned n = tsup_processors();
    L4_Word_t line_cpu = n > 1 ? 1 : 0, handler_cpu = n > 2 ? 2 : 0, old;
    L4_ThreadId_t h = pit_handler_on(handler_cpu);
    L4_ThreadId_t v = tsup_thread(victim_spin, 0);
    tsup_move(v, line_cpu);
    EXPECT_EQ(irq_attach(0, h), 1);
    L4_Schedule(irq_tid(0), ~0UL, line_cpu, ~0UL, ~0UL, &old);
    pit_start();
    int stranded = -1;
    for (int i = 0; i < 300 && stranded < 0; i++) {
        L4_Stop(v);                             /* halts it: evicted where it runs */
        if (pit_crossings(3) < 0)               /* interrupts go on meanwhile? */
            stranded = i;
        L4_Start(v);
    }
    pit_stop();
    EXPECT_EQ(irq_detach(0), 1);
    tsup_kill(v);
    tsup_kill(h);
    if (stranded >= 0)
        printf("irq: round %d: expected interrupts at the handler while the interrupted "
               "thread was halted; none came within a second\n", stranded);
    EXPECT_EQ(stranded, -1);
    EXPECT_EQ(pit_wrong, 0);
}
