/* The security group: one test for each way an unprivileged task once
 * took over, crashed or froze the kernel (issue "No user task can take
 * over, crash or freeze the kernel", docs/security.md), each run by a
 * thread of a new, unprivileged space. */
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"
#include "tmem.h"

/* ---- catching the attacker's exceptions ----------------------------------
 * The attacking thread's exception handler records each exception and
 * sends the thread on at a resume point the thread set before its attack
 * (RIP and RSP in resume_at), so one thread can try one thing after another. */
static struct {
    volatile L4_Word_t count, vector, rip, rcx, r11;
} caught;
static volatile L4_Word_t resume_at[2];     /* RIP, RSP */
static volatile L4_Word_t reply_rip;        /* if set: the next reply's RIP instead */

static void catcher(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcSucceeded(tag) && L4_Label(tag) == 0xFFFFFFFFFFB0UL) {
            caught.vector = mr[19];
            caught.rip = mr[1];
            caught.rcx = mr[9];
            caught.r11 = mr[16];
            caught.count++;
            mr[1] = reply_rip ? reply_rip : resume_at[0];
            mr[17] = resume_at[1];
            reply_rip = 0;
            mr[0] = 17;                 /* u = 17: MR1 (RIP) .. MR17 (RSP) apply */
        } else {
            mr[0] = 0;
        }
        tag = L4_ReplyWait(from, &from);
    }
}

/* Set the resume point to the label `label` with the current RSP. */
#define RESUME_AT(label)                                             \
    "lea " label "(%%rip), %%rax\n\t"                                \
    "mov %%rax, resume_at(%%rip)\n\t"                                \
    "mov %%rsp, resume_at+8(%%rip)\n\t"

static volatile int attack_done;

/* Run `attack` in a thread of a new space whose exception handler is the
 * catcher; true if it finished. */
static int run_attack(tsup_fn_t attack)
{
    caught.count = caught.vector = caught.rip = 0;
    attack_done = 0;
    L4_ThreadId_t h = tsup_thread(catcher, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t t = tsup_space(attack, h.raw);
    tsup_wait_flag(&attack_done, 3000);
    int done = attack_done;
    tsup_kill(t);
    tsup_kill(h);
    return done;
}

/* ---- compatibility mode ---------------------------------------------------
 * A far jump into selector 0x1B (once a 32-bit user code segment) and a
 * `syscall` there: with CSTAR = 0 the CPU jumped to address 0 in ring 0.
 * Now the selector names an empty GDT slot: the far jump raises #GP in
 * user mode, an exception message for the thread. (A far jump through a
 * pointer in memory, not a far return: QEMU's TCG pops a far return's
 * stack as a supervisor access, which SMAP refuses, so it would only
 * page-fault for ever there.) */
extern const char compat_ljmp[];
static struct {
    uint64_t offset;
    uint16_t selector;
} __attribute__((packed)) compat_target __attribute__((used));

static void compat_syscall(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    __asm__ volatile(RESUME_AT("1f")
                     "lea 2f(%%rip), %%rax\n\t"
                     "mov %%rax, compat_target(%%rip)\n\t"
                     "movw $0x1b, compat_target+8(%%rip)\n"
                     "compat_ljmp:\n\t"
                     "rex64 ljmp *compat_target(%%rip)\n"
                     "2:\tsyscall\n"
                     "1:"
                     : : : "rax", "rcx", "r11", "memory");
    attack_done = 1;
}

TEST(security, compat_mode_syscall_is_an_exception_of_the_thread)
{
    EXPECT(run_attack(compat_syscall));
    EXPECT_EQ(caught.count, 1);
    EXPECT_EQ(caught.vector, 13);               /* #GP on the far jump */
    EXPECT_EQ(caught.rip, (L4_Word_t)compat_ljmp);
}

/* ---- non-canonical return addresses -----------------------------------------
 * On Intel CPUs sysret and iret raise their #GP for a non-canonical RIP in
 * ring 0 (sysret: with the user's stack already loaded). The kernel never
 * hands the CPU such a RIP: a `syscall` cannot be the last instruction of
 * the user area (its last page is never mapped), and a RIP set by
 * ExchangeRegisters, an exception handler's reply or a start message
 * becomes a #GP exception message of the thread at that RIP. */
#define NONCANONICAL 0x0000800000000000UL

TEST(security, last_user_page_is_never_mapped)
{
    L4_Fpage_t p = pages(12, 0x5E00);
    EXPECT(!L4_IsNilFpage(p));
    L4_ThreadId_t a = agent_new(0, L4_MapGrantItems(L4_CompleteAddressSpace).raw);
    int s1 = give(a, map_w0(0x7FFFFFFFE000UL), fp(L4_Address(p), 12, 7));
    int s2 = give(a, map_w0(0x7FFFFFFFF000UL), fp(L4_Address(p), 12, 7));
    L4_Word_t below = peek(a, 0x7FFFFFFFE000UL), last = peek(a, 0x7FFFFFFFF000UL);
    tsup_kill(a);
    L4_Flush(L4_FpageAddRights(p, 7));
    EXPECT(s1 && s2);
    EXPECT_EQ(below, 0x5E00);
    EXPECT_EQ(last, NOPE);
}

static void set_own_ip(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    L4_ThreadId_t self = L4_MyLocalId();
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pager;
    __asm__ volatile(RESUME_AT("1f") : : : "rax", "memory");
    L4_ExchangeRegisters(self, 1 << 4, 0, NONCANONICAL, 0, 0, L4_nilthread, &c, &sp, &ip, &fl,
                         &h, &pager);
    __asm__ volatile("1:");
    attack_done = 1;
}

TEST(security, exchange_registers_to_a_noncanonical_ip_is_a_gp_exception)
{
    EXPECT(run_attack(set_own_ip));
    EXPECT_EQ(caught.count, 1);
    EXPECT_EQ(caught.vector, 13);
    EXPECT_EQ(caught.rip, NONCANONICAL);
}

/* The same through a blocked thread: one waiting in a receive (blocked
 * the fast path's way, resumed through fast_resume) gets a non-canonical
 * IP from another thread and then its message; it must take the #GP at
 * that IP, resuming as before, whichever path delivers. */
static volatile L4_Word_t waker;
static void receive_after_resume_point(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    __asm__ volatile(RESUME_AT("1f") : : : "rax", "memory");
    L4_Receive((L4_ThreadId_t){ .raw = waker });
    __asm__ volatile("1:");
    attack_done = 1;
}

TEST(security, exchange_registers_to_a_noncanonical_ip_of_a_waiting_thread)
{
    caught.count = caught.vector = caught.rip = 0;
    attack_done = 0;
    waker = L4_MyGlobalId().raw;
    L4_ThreadId_t h = tsup_thread(catcher, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t t = tsup_thread(receive_after_resume_point, h.raw);    /* (ours to exreg) */
    int blocked = tsup_wait_blocked(t);
    L4_Word_t c, sp, ip, fl, u;
    L4_ThreadId_t pager;
    L4_ThreadId_t set = L4_ExchangeRegisters(t, 1 << 4, 0, NONCANONICAL, 0, 0, L4_nilthread, &c,
                                             &sp, &ip, &fl, &u, &pager);
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_TimePeriod(1000000));
    tsup_wait_flag(&attack_done, 3000);
    int done = attack_done;
    tsup_kill(t);
    tsup_kill(h);
    EXPECT(blocked);
    EXPECT(!L4_IsNilThread(set));
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT(done);
    EXPECT_EQ(caught.count, 1);
    EXPECT_EQ(caught.vector, 13);
    EXPECT_EQ(caught.rip, NONCANONICAL);
}

/* The same through a thread blocked in the general path after its fast
 * path gave up (its Call's partner waits for someone else): the exception
 * message shows the registers as the thread left them, never a value of
 * the fast path's (it had the partner's TCB address in R11). */
static volatile L4_Word_t busy_server;
static void receive_from_nobody(L4_Word_t unused)
{
    (void)unused;
    L4_Receive(L4_MyGlobalId());                /* (nobody sends to himself) */
}

static void call_the_busy_server(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    __asm__ volatile(RESUME_AT("1f") : : : "rax", "memory");
    L4_LoadMR(0, 0);
    L4_Call((L4_ThreadId_t){ .raw = busy_server });
    __asm__ volatile("1:");
    attack_done = 1;
}

TEST(security, no_kernel_value_in_the_registers_of_a_fast_path_fallback)
{
    caught.count = caught.vector = caught.rip = caught.rcx = caught.r11 = 0;
    attack_done = 0;
    L4_ThreadId_t s = tsup_thread(receive_from_nobody, 0);
    busy_server = s.raw;
    int s_blocked = tsup_wait_blocked(s);
    L4_ThreadId_t h = tsup_thread(catcher, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t t = tsup_thread(call_the_busy_server, h.raw);
    int blocked = tsup_wait_blocked(t);
    L4_Word_t c, sp, ip, fl, u;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_ExReg_SetIp | L4_ExReg_AbortIpc, 0, NONCANONICAL, 0, 0,
                         L4_nilthread, &c, &sp, &ip, &fl, &u, &pager);
    tsup_wait_flag(&attack_done, 3000);
    int done = attack_done;
    tsup_kill(t);
    tsup_kill(h);
    tsup_kill(s);
    EXPECT(s_blocked && blocked);
    EXPECT(done);
    EXPECT_EQ(caught.count, 1);
    EXPECT_EQ(caught.rip, NONCANONICAL);
    /* What `syscall` left: RCX its return address in the Ipc stub (the
     * system-call page, 0xFFFFFFFFFFE00000), R11 the flags. */
    int rcx_ok = caught.rcx >= 0xFFFFFFFFFFE00000UL && caught.rcx < 0xFFFFFFFFFFE01000UL;
    int r11_ok = caught.r11 < 0x100000000UL;
    if (!rcx_ok || !r11_ok)
        printf("security: the exception message shows RCX 0x%lx and R11 0x%lx: expected the "
               "return address into the Ipc stub and the flags\n", caught.rcx, caught.r11);
    EXPECT(rcx_ok);
    EXPECT(r11_ok);
}

static void undefined_opcode(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    __asm__ volatile(RESUME_AT("1f") "ud2\n1:" : : : "rax", "memory");
    attack_done = 1;
}

TEST(security, exception_reply_with_a_noncanonical_ip_is_a_gp_exception)
{
    reply_rip = NONCANONICAL;
    EXPECT(run_attack(undefined_opcode));
    EXPECT_EQ(caught.count, 2);                 /* #UD, then #GP at the reply's RIP */
    EXPECT_EQ(caught.vector, 13);
    EXPECT_EQ(caught.rip, NONCANONICAL);
}

/* A start message's IP: the thread has no exception handler yet, so the
 * kernel stops it at once (and reports it); it never runs. */
TEST(security, start_message_with_a_noncanonical_ip_stops_the_thread)
{
    L4_ThreadId_t t = tsup_new_id(), me = L4_MyGlobalId();
    L4_Word_t utcb = tsup_utcb_alloc();
    EXPECT_EQ(L4_ThreadControl(t, me, me, me, (void *)utcb), 1);
    EXPECT_THREAD_STOP();
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2;
    mr[1] = NONCANONICAL;
    mr[2] = 0x10000;
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_TimePeriod(1000000));
    tsup_sleep_ms(10);
    L4_Word_t dummy;
    L4_Word_t state = L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &dummy);
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    tsup_utcb_free(utcb);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(state, 2);                        /* halted */
}

/* ---- kernel values in registers --------------------------------------------
 * The fast path kept the sender's kernel TCB address in RBP and handed it
 * to the receiver. A receiver blocked in a receive (the fast path's way
 * in) gets a Call through the fast path; every register it returns with
 * must hold a user value. */
static volatile L4_Word_t rcv_regs[16], rcv_done;

static void raw_receive(L4_Word_t *mr, L4_Word_t *regs)
{
    __asm__ volatile("push %%rbp\n\t"
                     "push %%rdi\n\t"
                     "xor %%esi, %%esi\n\t"             /* to: nil */
                     "mov $-1, %%rdx\n\t"               /* from: anythread */
                     "xor %%r8d, %%r8d\n\t"             /* never */
                     "xor %%r9d, %%r9d\n\t"
                     "mov %[mr], %%rdi\n\t"
                     "call *__L4_Ipc(%%rip)\n\t"
                     "xchg %%rdi, (%%rsp)\n\t"          /* regs[] back; RDI saved */
                     "mov %%rax, 0(%%rdi)\n\t  mov %%rbx, 8(%%rdi)\n\t"
                     "mov %%rcx, 16(%%rdi)\n\t mov %%rdx, 24(%%rdi)\n\t"
                     "mov %%rsi, 32(%%rdi)\n\t mov %%rbp, 48(%%rdi)\n\t"
                     "mov %%r8, 56(%%rdi)\n\t  mov %%r9, 64(%%rdi)\n\t"
                     "mov %%r10, 72(%%rdi)\n\t mov %%r11, 80(%%rdi)\n\t"
                     "mov %%r12, 88(%%rdi)\n\t mov %%r13, 96(%%rdi)\n\t"
                     "mov %%r14, 104(%%rdi)\n\t mov %%r15, 112(%%rdi)\n\t"
                     "pop %%rax\n\t mov %%rax, 40(%%rdi)\n\t"
                     "pop %%rbp"
                     : : "D"(regs), [mr] "m"(mr)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "memory");
}

/* Two calls: the caller's first IPC after it started may take the
 * general path (its iret start nulled %gs), the second takes the fast
 * path. The registers of both receives are checked. */
static void raw_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t regs[16];
    for (int n = 0; n < 2; n++) {
        raw_receive(mr, regs);
        for (int i = 0; i < 15; i++)
            rcv_regs[i] |= regs[i] >= 0xFFFF800000000000UL && regs[i] < 0xFFFFFFFFFFE00000UL
                               ? regs[i] : 0;
        L4_ThreadId_t from = { .raw = regs[4] };
        mr[0] = 0;
        L4_Reply(from);
    }
    rcv_done = 1;
}

static void fast_caller(L4_Word_t to)
{
    L4_Word_t *mr = __L4_Utcb();
    for (int n = 0; n < 2; n++) {
        mr[0] = 0;
        L4_Call((L4_ThreadId_t){ .raw = to });
    }
}

TEST(security, no_kernel_address_in_a_receivers_registers)
{
    rcv_done = 0;
    for (int i = 0; i < 15; i++)
        rcv_regs[i] = 0;
    L4_ThreadId_t r = tsup_space(raw_receiver, 0);
    L4_Set_Priority(r, 200);
    EXPECT(tsup_wait_blocked(r));
    L4_ThreadId_t c = tsup_thread(fast_caller, r.raw);
    for (int i = 0; i < 1000 && !rcv_done; i++)
        tsup_sleep_ms(1);
    int done = rcv_done;
    tsup_kill(c);
    tsup_kill(r);
    EXPECT(done);
    for (int i = 0; i < 15; i++)
        if (rcv_regs[i])
            test_fail(__FILE__, __LINE__, "register %d: expected a user value, got the "
                      "kernel address 0x%lx", i, rcv_regs[i]);
}

/* ---- physical memory the kernel cannot reach, and its devices --------------
 * Sigma0 hands out shared memory (device memory by default), also far
 * above RAM. The kernel followed such a mapping through its direct map,
 * which ends at 4 GB here (at least 4 GB, and all RAM): ExchangeRegisters
 * with a local id in that page, or a string item there, panicked it. Now
 * no frame beyond the direct map is ever mapped to user space. */
#define BEYOND 0x100000000UL            /* 4 GB: no RAM on the test machine */

static L4_Word_t exreg_dest(L4_Word_t local_id)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pager;
    return L4_ExchangeRegisters((L4_ThreadId_t){ .raw = local_id }, 0, 0, 0, 0, 0, L4_nilthread,
                                &c, &sp, &ip, &fl, &h, &pager).raw;
}

TEST(security, memory_beyond_the_direct_map_is_never_mapped)
{
    EXPECT(tsup_mem_type(BEYOND) != L4_ConventionalMemoryType);
    L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(BEYOND, 12));
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t v = peek(root_space, BEYOND);
    L4_Word_t r = exreg_dest(BEYOND + 0x200);       /* a "local id" in that page */
    EXPECT_EQ(v, NOPE);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(L4_ErrorCode(), 2);                   /* invalid thread */
}

/* The local APIC drives the kernel's timer: a task that masked its timer
 * stopped every tick, timeout and preemption. Neither sigma0 nor the
 * kernel hands out the kernel's devices (nor its memory). */
#define LAPIC_PAGE 0xFEE00000UL

TEST(security, the_kernels_devices_are_never_mapped)
{
    EXPECT_EQ(tsup_mem_type(LAPIC_PAGE), L4_ReservedMemoryType);
    L4_Fpage_t f = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(LAPIC_PAGE, 12));
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t v = peek(root_space, LAPIC_PAGE);
    EXPECT(L4_IsNilFpage(f));
    EXPECT_EQ(v, NOPE);
}

/* ---- string transfers whose partner goes away or stops ---------------------
 * R (priority 50) waits for a string into a buffer page its pager will
 * never map; S (priority 100, another space) sends it one, so S copies
 * and reflects R's fault to R, which is made ready to ask its pager. */
#define UNMAPPED_BUFFER 0x50000000UL        /* outside the test image: never mapped */

static volatile L4_Word_t r_err, s_err, r_done, s_done, r_waits, halt_now, resume_now;
static char s_string[64] = "a string for a receiver that will not get it";

static char r_buffer[64];
static volatile int copier_faults;          /* the sender's string is unmapped, not R's buffer */
static volatile L4_Word_t s_xfer;           /* the sender's XferTimeouts */
static volatile int s_go;                   /* S may send */
static volatile L4_Word_t s_to, r_from;     /* their partners' ids */

static void string_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_TimePeriod(10000)));   /* receive: 10 ms */
    (void)*(volatile char *)r_buffer;
    /* Fault in what the receive touches (libl4's stub pointer, this stack)
     * now: a page fault between r_waits and the receive left R ready
     * below the spinning halter while S, told to go, found no receiver
     * and waited for ever (seen in the OS shell's runs of the suite). */
    (void)L4_Receive_Nonblocking((L4_ThreadId_t){ .raw = r_from });
    L4_LoadBR(0, 1);                        /* strings accepted */
    L4_LoadBR(1, 64UL << 10);
    L4_LoadBR(2, copier_faults ? (L4_Word_t)r_buffer : UNMAPPED_BUFFER);
    r_waits = 1;                            /* (no page fault from here on) */
    /* from S only: a stray message must not take R out of its receive
     * (R, the lowest of the three, would not get back to it in time) */
    L4_MsgTag_t tag = L4_Receive((L4_ThreadId_t){ .raw = r_from });
    r_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    r_done = 1;
}

/* S exists before R waits for it (a receive from a thread that does not
 * exist fails); it sends once the test says go, to s_to. */
static void string_sender(L4_Word_t unused)
{
    (void)unused;
    L4_Set_XferTimeouts(s_xfer);
    (void)*(volatile char *)s_string;
    tsup_wait_flag(&s_go, 5000);
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = sizeof s_string << 10;
    mr[2] = copier_faults ? UNMAPPED_BUFFER : (L4_Word_t)s_string;
    L4_MsgTag_t tag = L4_Send((L4_ThreadId_t){ .raw = s_to });
    s_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    s_done = 1;
}

static L4_Word_t state_of(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, &old);
}

/* S first, waiting for go, then R, receiving from S. */
static L4_ThreadId_t start_transfer(int sender_faults, L4_Time_t sender_xfer, L4_ThreadId_t *s)
{
    copier_faults = sender_faults;
    s_xfer = L4_Timeouts(sender_xfer, L4_Never);
    r_err = s_err = r_done = s_done = r_waits = halt_now = resume_now = s_go = 0;
    *s = tsup_space(string_sender, 0);
    r_from = s->raw;
    L4_Set_Priority(*s, 100);
    L4_ThreadId_t r = tsup_space(string_receiver, 0);
    L4_Set_Priority(r, 50);
    for (int i = 0; i < 1000 && !r_waits; i++)
        tsup_sleep_ms(1);
    EXPECT(tsup_wait_blocked(r));
    s_to = r.raw;
    return r;
}

/* X (priority 90, between the two) deletes S once S copies: before R
 * could serve the fault. R's request must die with S: the kernel
 * dereferenced the deleted copier (NULL) when R ran. */
static void delete_when_copying(L4_Word_t s)
{
    L4_ThreadId_t t = { .raw = s };
    while (state_of(t) != 5 && !halt_now)   /* sending: in the transfer (or given up) */
        ;
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
}

TEST(security, deleting_a_string_copier_before_its_partner_serves_the_fault)
{
    L4_ThreadId_t s, r = start_transfer(0, L4_Never, &s);
    L4_ThreadId_t x = tsup_thread(delete_when_copying, s.raw);
    L4_Set_Priority(x, 90);
    s_go = 1;
    for (int i = 0; i < 2000 && !r_done; i++)
        tsup_sleep_ms(1);
    int done = r_done;
    L4_Word_t states[3] = { state_of(r), state_of(s), state_of(x) };
    halt_now = 1;
    tsup_kill(x);
    tsup_kill(s);
    tsup_kill(r);
    if (!done)
        test_fail(__FILE__, __LINE__, "expected R to finish; states (Schedule): R %lu, S %lu, "
                  "X %lu", states[0], states[1], states[2]);
    EXPECT_EQ(r_err, 7 << 1 | 1);               /* receive phase aborted, offset 0 */
}

/* A sibling halts R before R could serve the fault. S must still
 * see its 10 ms xfer timeout expire (it waited for ever), and R its
 * error once resumed. */
static void halter(L4_Word_t r)
{
    L4_ThreadId_t t = { .raw = r };
    while (!halt_now)
        ;
    L4_Stop(t);
    while (!resume_now)
        tsup_sleep_ms(1);
    L4_Start(t);
}

TEST(security, halting_a_partner_that_must_serve_a_fault_keeps_the_transfer_timeout)
{
    L4_ThreadId_t s, r = start_transfer(0, L4_TimePeriod(10000), &s);   /* send xfer: 10 ms */
    L4_ThreadId_t y = tsup_space_thread(r, halter, r.raw);
    L4_Set_Priority(y, 90);
    s_go = 1;
    for (int i = 0; i < 2000 && state_of(s) != 5; i++)
        tsup_sleep_ms(1);
    halt_now = 1;
    for (int i = 0; i < 2000 && !s_done; i++)   /* (10 ms are enough) */
        tsup_sleep_ms(1);
    int sent = s_done;
    L4_Word_t r_state = state_of(r);
    if (!sent)
        printf("note: S's send did not end (states: S %lu, R %lu, Y %lu; R done %lu)\n",
               state_of(s), r_state, state_of(y), r_done);
    resume_now = 1;
    for (int i = 0; i < 2000 && !r_done; i++)
        tsup_sleep_ms(1);
    int received = r_done;
    tsup_kill(s);
    tsup_kill(y);
    tsup_kill(r);
    EXPECT(sent);
    EXPECT_EQ(s_err, 5 << 1);                   /* its own xfer timeout, offset 0 */
    EXPECT_EQ(r_state, 2);                      /* still halted */
    EXPECT(received);
    EXPECT_EQ(r_err, 6 << 1 | 1);               /* the partner's xfer timeout */
}

/* The other way round: S's own string is unmapped, and S's sibling halts
 * S while S, the copier, waits for its pager. R's 10 ms xfer timeout must
 * still end the transfer: a halted thread finishes the transfer's work
 * and stops on its way back to user mode. (It did not run again, and R
 * waited in the copy for ever.) */
TEST(security, halting_a_string_copier_does_not_hold_its_partner)
{
    L4_ThreadId_t s, r = start_transfer(1, L4_Never, &s);
    L4_ThreadId_t z = tsup_space_thread(s, halter, s.raw);
    L4_Set_Priority(z, 90);
    s_go = 1;
    for (int i = 0; i < 2000 && state_of(s) != 5; i++)
        tsup_sleep_ms(1);
    halt_now = 1;
    for (int i = 0; i < 2000 && !r_done; i++)
        tsup_sleep_ms(1);
    int received = r_done;
    L4_Word_t s_state = state_of(s);
    resume_now = 1;
    for (int i = 0; i < 2000 && !s_done; i++)
        tsup_sleep_ms(1);
    int sent = s_done;
    tsup_kill(z);
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(received);
    EXPECT_EQ(r_err, 5 << 1 | 1);               /* its own xfer timeout, offset 0 */
    EXPECT_EQ(s_state, 2);                      /* stopped on its way out */
    EXPECT(sent);
    EXPECT_EQ(s_err, 6 << 1);
}

/* ---- sigma0 --------------------------------------------------------------------
 * Sigma0 hands out physical memory and I/O ports: any thread that asked
 * it could bypass its own pager's limits. It serves privileged spaces
 * (the root task's) only: for every other thread it does not exist. */
static volatile L4_Word_t s0_tag, s0_err;

static void call_sigma0(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 0xFFFFFFFFFFA0UL << 16 | 2;         /* any 4 KB page */
    mr[1] = L4_FpageLog2(~0UL, 12).raw;
    mr[2] = 0;
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call_Timeouts(__L4_Sigma0_Id(), L4_TimePeriod(100000),
                                       L4_TimePeriod(100000));
    s0_tag = tag.raw;
    s0_err = L4_ErrorCode();
}

TEST(security, sigma0_does_not_exist_for_unprivileged_spaces)
{
    L4_ThreadId_t t = tsup_space(call_sigma0, 0);
    int done = tsup_join(t, 2000);
    tsup_kill(t);
    EXPECT(done);
    EXPECT(L4_IpcFailed((L4_MsgTag_t){ .raw = s0_tag }));
    EXPECT_EQ(s0_err, 2 << 1);                  /* send phase: no partner */
    /* the root task is served */
    L4_Fpage_t f = tsup_sigma0_any(12);
    EXPECT(!L4_IsNilFpage(f));
}

/* ---- the kernel debugger's calls -------------------------------------------
 * KDB ReadChar_Blocked spun in the kernel with interrupts off until a
 * character came: the whole system stood still. Now the caller sleeps
 * until the console's receive interrupt; the rest runs on. The harness
 * types the character when asked (HARNESS-TYPE). */
static volatile L4_Word_t read_char, read_done;

static void blocked_reader(L4_Word_t unused)
{
    (void)unused;
    read_char = (L4_Word_t)L4_KDB_ReadChar_Blocked();
    read_done = 1;
}

TEST(security, kdb_read_char_blocked_sleeps_and_the_system_runs_on)
{
    read_done = 0;
    while (L4_KDB_ReadChar() >= 0)          /* nothing typed ahead */
        ;
    L4_ThreadId_t t = tsup_space(blocked_reader, 0);
    tsup_sleep_ms(20);                      /* returns: timer ticks still come */
    L4_Word_t state = state_of(t);
    int early = read_done;
    printf("HARNESS-TYPE q\n");
    for (int i = 0; i < 3000 && !read_done; i++)
        tsup_sleep_ms(1);
    int done = read_done;
    tsup_kill(t);
    EXPECT(!early);
    EXPECT_EQ(state, 6);                    /* waiting */
    EXPECT(done);
    EXPECT_EQ(read_char, 'q');
}

/* A reader deleted while it waits leaves nothing behind: the next one
 * gets the next character. */
TEST(security, kdb_reader_deleted_while_waiting)
{
    L4_ThreadId_t t = tsup_space(blocked_reader, 0);
    tsup_sleep_ms(10);
    tsup_kill(t);
    read_done = 0;
    t = tsup_space(blocked_reader, 0);
    tsup_sleep_ms(10);
    printf("HARNESS-TYPE z\n");
    for (int i = 0; i < 3000 && !read_done; i++)
        tsup_sleep_ms(1);
    int done = read_done;
    tsup_kill(t);
    EXPECT(done);
    EXPECT_EQ(read_char, 'z');
}

/* KDB Enter of an unprivileged thread stops that thread only, also with
 * the "kdb" option (the security group runs with it too), where it once
 * opened the interactive debugger and stopped the machine. */
static void enter_kdb(L4_Word_t unused)
{
    (void)unused;
    L4_KDB_Enter("security test: an unprivileged KDB Enter");
    attack_done = 1;                        /* once resumed */
}

TEST(security, kdb_enter_of_an_unprivileged_thread_halts_only_that_thread)
{
    attack_done = 0;
    L4_ThreadId_t t = tsup_space(enter_kdb, 0);
    for (int i = 0; i < 1000 && state_of(t) != 2; i++)
        tsup_sleep_ms(1);
    L4_Word_t state = state_of(t);
    int ran_on = attack_done;
    tsup_kill(t);
    EXPECT_EQ(state, 2);                    /* halted */
    EXPECT(!ran_on);
}

/* KDB PrintString prints at most 256 bytes per call: the harness counts
 * the x's between the brackets (PRINTCAP). */
TEST(security, kdb_print_string_stops_after_256_bytes)
{
    static char line[1100];
    int n = snprintf(line, sizeof line, "PRINTCAP [");
    for (int i = 0; i < 1000; i++)
        line[n + i] = 'x';
    line[n + 1000] = '\0';
    fflush_stdout();
    L4_KDB_PrintString(line);
    L4_KDB_PrintString("]\n");
}

/* ---- kernel memory ---------------------------------------------------------
 * Two threads of a task map one of their own pages at a new gigabyte each
 * time, 31 map items per IPC: every mapping costs the kernel two page
 * tables. Without a limit of its own the task took the whole kernel pool:
 * the root task's ThreadControl failed with error 8 and other tasks'
 * mappings were dropped. Now the task hits its own limit (a sixteenth of
 * the pool by default): its maps are dropped, everyone else goes on, and
 * everything comes back when it is deleted. */
#define GIGABYTE_STEP 0x40000000UL
#define FAR_AWAY      0x0000010000000000UL      /* 1 TB */
#define ITEMS         31

static uint8_t hog_page[4096] __attribute__((aligned(4096)));
static volatile L4_Word_t hog_rounds, hog_received;

static void hog_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        if (L4_IpcSucceeded(L4_Wait(&from)))
            hog_received++;
    }
}

static void hog_sender(L4_Word_t receiver)
{
    L4_ThreadId_t to = { .raw = receiver };
    hog_page[0] = 1;
    for (L4_Word_t round = 0; round < hog_rounds; round++) {
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 2 * ITEMS << 6;
        for (L4_Word_t i = 0; i < ITEMS; i++) {
            L4_Word_t at = FAR_AWAY + (round * ITEMS + i) * GIGABYTE_STEP;
            mr[1 + 2 * i] = at | 0x8;
            mr[2 + 2 * i] = L4_FpageLog2((L4_Word_t)hog_page, 12).raw | L4_Readable;
        }
        L4_Send_Timeout(to, L4_TimePeriod(1000000));
    }
    attack_done = 1;
}

/* Can the root task still create (and delete) a space with a thread? */
static int root_can_create(void)
{
    L4_ThreadId_t t = tsup_new_id(), me = L4_MyGlobalId();
    L4_Word_t old;
    int ok = L4_ThreadControl(t, t, me, L4_nilthread, (void *)~0UL) == 1 &&
             L4_SpaceControl(t, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                             L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread, &old) == 1 &&
             L4_ThreadControl(t, t, me, me, (void *)TSUP_UTCB_AREA) == 1;
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    return ok;
}

TEST(security, a_task_cannot_take_all_kernel_memory)
{
    attack_done = 0;
    hog_rounds = 400;
    hog_received = 0;
    L4_ThreadId_t r = tsup_space(hog_receiver, 0);
    L4_Word_t query = 0;
    L4_SpaceControl(r, L4_KmemQuery, L4_Nilpage, L4_Nilpage, L4_nilthread, &query);
    L4_Word_t limit_kb = query & 0xFFFFFFFFUL;          /* the default */
    L4_ThreadId_t s = tsup_space_thread(r, hog_sender, r.raw);
    tsup_wait_flag(&attack_done, 20000);
    int done = attack_done;
    L4_Word_t used_kb = L4_KernelMemoryUsed(r);
    int root_ok = root_can_create();
    /* another task still gets its mappings */
    L4_ThreadId_t a = agent_new(0, default_window());
    L4_Fpage_t p = pages(12, 0x6A00);
    int gave = give(a, map_w0(WIN), fp(L4_Address(p), 12, 7));
    L4_Word_t seen = peek(a, WIN);
    tsup_kill(a);
    L4_Flush(L4_FpageAddRights(p, 7));
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(done);
    EXPECT_EQ(hog_received, 400);               /* its IPCs went through, maps dropped */
    EXPECT(limit_kb > 0 && limit_kb < 0xFFFFFFFFUL);
    EXPECT(used_kb <= limit_kb);
    EXPECT(used_kb > limit_kb / 2);             /* it did fill its share */
    EXPECT(root_ok);
    EXPECT(gave);
    EXPECT_EQ(seen, 0x6A00);
}

/* The creator sets a space's limit with SpaceControl (control bit 62) and
 * reads its use (bit 61): a space limited to 64 KB gets no further
 * mappings once there, and its use drops again when it unmaps. */
TEST(security, kernel_memory_limit_set_by_the_creator)
{
    attack_done = 0;
    hog_rounds = 20;                            /* 620 mappings: 5 MB of page tables */
    hog_received = 0;
    L4_ThreadId_t r = tsup_space(hog_receiver, 0);
    L4_Word_t before_kb = L4_KernelMemoryUsed(r);
    L4_Word_t old = L4_SetKernelMemoryLimit(r, before_kb + 64);
    L4_ThreadId_t s = tsup_space_thread(r, hog_sender, r.raw);
    tsup_wait_flag(&attack_done, 5000);
    L4_Word_t full_kb = L4_KernelMemoryUsed(r);
    L4_Word_t query = 0;
    L4_SpaceControl(r, L4_KmemQuery, L4_Nilpage, L4_Nilpage, L4_nilthread, &query);
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(attack_done);
    EXPECT(old != ~0UL);
    EXPECT_EQ(old >> 32, before_kb);
    EXPECT(full_kb <= before_kb + 64);
    EXPECT(full_kb + 16 > before_kb + 64);      /* filled up to it (two tables a mapping) */
    EXPECT_EQ(query & 0xFFFFFFFFUL, before_kb + 64);
    EXPECT_EQ(query >> 32, full_kb);
}

/* ---- long copies ------------------------------------------------------------
 * A string of 8 MB between two threads of the task, into a buffer of
 * 8 MB: the kernel copied it in one go with interrupts off, ticks and all
 * else waiting. Now the copy lets interrupts in every 64 KB: the root
 * thread, waking from its 1 ms sleeps, finds the copy still under way. */
#define LONG_LOG2 23
static volatile L4_Word_t long_src, long_dst, long_sent, long_received;

static void long_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_LoadBR(0, 1);
    L4_LoadBR(1, (1UL << LONG_LOG2) << 10);
    L4_LoadBR(2, long_dst);
    L4_ThreadId_t from;
    long_received = L4_IpcSucceeded(L4_Wait(&from)) ? 1 : 2;
}

static void long_sender(L4_Word_t to)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = (1UL << LONG_LOG2) << 10;
    mr[2] = long_src;
    long_sent = L4_IpcSucceeded(L4_Send((L4_ThreadId_t){ .raw = to })) ? 1 : 2;
}

TEST(security, a_long_string_copy_lets_the_system_run)
{
    L4_Fpage_t a = pages(LONG_LOG2, 0x1000), b = pages(LONG_LOG2, 0x2000);
    EXPECT(!L4_IsNilFpage(a) && !L4_IsNilFpage(b));
    long_src = L4_Address(a);
    long_dst = L4_Address(b);
    long_sent = long_received = 0;
    L4_ThreadId_t r = tsup_thread(long_receiver, 0);
    EXPECT(tsup_wait_blocked(r));
    L4_ThreadId_t s = tsup_thread(long_sender, r.raw);
    unsigned during = 0, samples = 0;
    while (!(long_sent && long_received) && samples < 5000) {
        tsup_sleep_ms(1);
        samples++;
        L4_Word_t st = state_of(s);
        during += st == 5 || st == 7;                   /* sending or receiving */
    }
    L4_Word_t last = *(volatile L4_Word_t *)(long_dst + (1UL << LONG_LOG2) - 4096);
    tsup_kill(s);
    tsup_kill(r);
    L4_Flush(L4_FpageAddRights(a, 7));
    L4_Flush(L4_FpageAddRights(b, 7));
    EXPECT_EQ(long_sent, 1);
    EXPECT_EQ(long_received, 1);
    EXPECT_EQ(last, 0x1000 + (1UL << (LONG_LOG2 - 12)) - 1);   /* the data arrived */
    EXPECT(during > 0);
}

/* ---- found in a review (docs/security.md) ------------------------------------
 * A string transfer nested in another: T copies a string from an unmapped
 * page and asks its pager H (a sibling) in a page-fault IPC; a sibling Q
 * had queued a propagated send to T with VirtualSender = H and 61
 * substrings. The page-fault IPC's receive took Q's message as H's, and a
 * second string copy ran on T's kernel stack, which overflowed into the
 * next TCB block: a sleeping thread of another task returned to an
 * address Q chose. A kernel-made IPC takes the answer of its partner
 * itself only, and no strings. */
#define NEST_SRC 0x50000000UL                   /* never mapped */
static volatile L4_Word_t nest_r, nest_h, nest_t, nest_go, nest_q_queued, victim_wakeups;
static char nest_buf[64];

static void nest_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_LoadBR(0, 1);
    L4_LoadBR(1, sizeof nest_buf << 10);
    L4_LoadBR(2, (L4_Word_t)nest_buf);
    L4_Wait(&from);
    for (;;)
        L4_Sleep(L4_Never);
}

static void nest_pager(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;)
        L4_Wait(&from);                         /* never answers */
}

static void nest_queued(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_Set_VirtualSender((L4_ThreadId_t){ .raw = nest_h });
    mr[0] = 1UL << 12 | 63 << 6;                /* propagated, t = 63 */
    mr[1] = 0x4242UL << 10 | 1 << 9 | 31 << 4;  /* compound string, 32 substrings */
    for (int i = 0; i < 32; i++)
        mr[2 + i] = 0xFFFFFFFF8BADC0DEUL;
    mr[34] = 0x4343UL << 10 | 28 << 4;
    for (int i = 0; i < 29; i++)
        mr[35 + i] = 0xFFFFFFFF8BADC0DEUL;
    nest_q_queued = 1;
    L4_Send((L4_ThreadId_t){ .raw = nest_t });
    for (;;)
        L4_Sleep(L4_Never);
}

static void nest_copier(L4_Word_t unused)
{
    (void)unused;
    while (!nest_go)
        tsup_sleep_ms(1);
    L4_Set_Pager((L4_ThreadId_t){ .raw = nest_h });
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = 16UL << 10;
    mr[2] = NEST_SRC;                           /* T faults while it copies */
    L4_Send((L4_ThreadId_t){ .raw = nest_r });
}

static void victim(L4_Word_t unused)
{
    (void)unused;
    for (;;) {
        tsup_sleep_ms(2);
        victim_wakeups++;
    }
}

TEST(security, no_string_transfer_nested_in_a_page_fault_ipc)
{
    nest_go = nest_q_queued = victim_wakeups = 0;
    L4_ThreadId_t r = tsup_space(nest_receiver, 0);
    nest_r = r.raw;
    EXPECT(tsup_wait_blocked(r));
    L4_ThreadId_t h = tsup_space_thread(r, nest_pager, 0);
    nest_h = h.raw;
    EXPECT(tsup_wait_blocked(h));
    L4_ThreadId_t v = tsup_space(victim, 0);    /* thread number T - 1, another task */
    L4_ThreadId_t t = tsup_space_thread(r, nest_copier, 0);
    nest_t = t.raw;
    L4_ThreadId_t q = tsup_space_thread(r, nest_queued, 0);
    for (int i = 0; i < 1000 && !(nest_q_queued && state_of(q) == 4); i++)
        tsup_sleep_ms(1);
    nest_go = 1;
    tsup_sleep_ms(100);
    L4_Word_t w0 = victim_wakeups, t_state = state_of(t);
    tsup_sleep_ms(50);
    L4_Word_t w1 = victim_wakeups, q_state = state_of(q);
    tsup_kill(v);
    tsup_kill(q);
    tsup_kill(t);
    tsup_kill(h);
    tsup_kill(r);
    EXPECT_EQ(L4_ThreadNo(v) + 1, L4_ThreadNo(t));  /* the layout the attack needs */
    EXPECT_EQ(t_state, 5);                      /* still in its transfer, asking H */
    EXPECT_EQ(q_state, 4);                      /* Q still queued: not taken as H */
    EXPECT(w1 > w0);                            /* the other task's thread runs on */
}

/* The fast path returned by sysret to a RIP set while the thread was not
 * fast-blocked (ExchangeRegisters by its pager during a page fault in a
 * string copy), before it waited for the reply on the fast path's terms. */
static volatile L4_Word_t fp_p, fp_h, fp_faults, fp_rip, fp_rcx, fp_caught;
static uint8_t fp_page[4096] __attribute__((aligned(4096)));
static char fp_buf[64];

static void fp_catcher(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag) && L4_Label(tag) == 0xFFFFFFFFFFB0UL) {
            fp_rip = mr[1];
            fp_rcx = mr[9];
            fp_caught++;
        }
    }
}

/* A pager's answer to a fault at NEST_SRC: the faulting thread's IP set
 * to NONCANONICAL first (ExchangeRegisters), then `page` mapped there. */
static void noncanonical_ip_and_page(L4_ThreadId_t from, const uint8_t *page)
{
    L4_Word_t c, sp, ip, fl, h, *mr = __L4_Utcb();
    L4_ThreadId_t pg;
    L4_ExchangeRegisters(from, 1 << 4, 0, NONCANONICAL, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h,
                         &pg);
    mr[0] = 2 << 6;
    mr[1] = NEST_SRC | 0x8;
    mr[2] = L4_FpageLog2((L4_Word_t)page, 12).raw | 7;
}

static void fp_pager(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    fp_page[0] = 'x';
    L4_ThreadId_t from;
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(&from);
        if (!L4_IpcSucceeded(tag) || (mr[1] & ~0xFFFUL) != NEST_SRC)
            continue;
        fp_faults++;
        noncanonical_ip_and_page(from, fp_page);
        L4_Reply(from);
    }
}

static void fp_receiver(L4_Word_t unused)
{
    (void)unused;
    fp_buf[0] = 0;
    L4_ThreadId_t from, from2;
    L4_LoadBR(0, 1);
    L4_LoadBR(1, sizeof fp_buf << 10);
    L4_LoadBR(2, (L4_Word_t)fp_buf);
    L4_Wait(&from);
    __L4_Utcb()[0] = 0;
    L4_ReplyWait(from, &from2);                 /* untyped, no timeout: the fast path */
}

static void fp_sender(L4_Word_t catcher)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = catcher });
    L4_Set_Pager((L4_ThreadId_t){ .raw = fp_h });
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = 16UL << 10;
    mr[2] = NEST_SRC;
    L4_Call((L4_ThreadId_t){ .raw = fp_p });
}

TEST(security, fast_path_never_returns_to_a_noncanonical_rip)
{
    fp_faults = fp_caught = fp_rip = 0;
    fp_rcx = NONCANONICAL;
    L4_ThreadId_t c = tsup_thread(fp_catcher, 0);
    L4_Set_Priority(c, 200);
    L4_ThreadId_t p = tsup_space(fp_receiver, 0);
    fp_p = p.raw;
    EXPECT(tsup_wait_blocked(p));
    L4_ThreadId_t h = tsup_space_thread(p, fp_pager, 0);
    fp_h = h.raw;
    EXPECT(tsup_wait_blocked(h));
    L4_ThreadId_t t = tsup_space_thread(p, fp_sender, c.raw);
    for (int i = 0; i < 1000 && !fp_caught; i++)
        tsup_sleep_ms(1);
    tsup_kill(t);
    tsup_kill(h);
    tsup_kill(p);
    tsup_kill(c);
    EXPECT_EQ(fp_faults, 1);
    EXPECT_EQ(fp_caught, 1);
    EXPECT_EQ(fp_rip, NONCANONICAL);            /* the #GP at that RIP */
    EXPECT_NE(fp_rcx, NONCANONICAL);            /* RCX = RIP: sysret was handed it */
}

/* The same for a ReplyWait with a string: a first version of ipc.c's
 * reply_short let its replier P, whose IP its pager set during a fault of
 * the copy, wait for anyone on the fast path's terms after the transfer,
 * and the next fast-path Call to it returned to it by sysret. (Strings
 * now always go through ipc().) */
static volatile L4_Word_t rs_h, rs_faults;
static uint8_t rs_page[4096] __attribute__((aligned(4096)));

static int rs_answer(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr)
{
    if (!L4_IpcSucceeded(tag) || (mr[1] & ~0xFFFUL) != NEST_SRC)
        return 0;
    rs_faults++;
    noncanonical_ip_and_page(from, rs_page);
    return 1;
}

static void rs_pager(L4_Word_t unused)
{
    (void)unused;
    rs_page[0] = 'x';
    tsup_pager_loop(rs_answer);
}

static void rs_server(L4_Word_t catcher)
{
    while (!rs_h)
        tsup_sleep_ms(1);
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = catcher });
    L4_Set_Pager((L4_ThreadId_t){ .raw = rs_h });
    L4_ThreadId_t from;
    L4_Wait(&from);                             /* the client's Call */
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = 16UL << 10;
    mr[2] = NEST_SRC;
    L4_ReplyWait(from, &from);                  /* the string faults to rs_pager */
}

static void rs_client(L4_Word_t server)
{
    L4_LoadBR(0, 1);
    L4_LoadBR(1, sizeof fp_buf << 10);
    L4_LoadBR(2, (L4_Word_t)fp_buf);
    __L4_Utcb()[0] = 0;
    L4_Call((L4_ThreadId_t){ .raw = server });
}

static void rs_caller(L4_Word_t server)
{
    while (!rs_faults)
        tsup_sleep_ms(1);
    tsup_sleep_ms(20);                          /* the server waits for anyone */
    __L4_Utcb()[0] = 0;
    L4_Call((L4_ThreadId_t){ .raw = server });  /* untyped, no timeout: the fast path */
}

TEST(security, replywait_with_a_string_never_returns_to_a_noncanonical_rip)
{
    rs_h = rs_faults = fp_caught = fp_rip = 0;
    fp_rcx = NONCANONICAL;
    L4_ThreadId_t c = tsup_thread(fp_catcher, 0);
    L4_Set_Priority(c, 200);
    L4_ThreadId_t p = tsup_space(rs_server, c.raw);
    L4_ThreadId_t h = tsup_space_thread(p, rs_pager, 0);
    EXPECT(tsup_wait_blocked(h));
    rs_h = h.raw;
    EXPECT(tsup_wait_blocked(p));
    tsup_sleep_ms(20);
    L4_ThreadId_t cl = tsup_thread(rs_client, p.raw);
    L4_ThreadId_t t = tsup_thread(rs_caller, p.raw);
    for (int i = 0; i < 2000 && !fp_caught; i++)
        tsup_sleep_ms(1);
    tsup_kill(t);
    tsup_kill(cl);
    tsup_kill(h);
    tsup_kill(p);
    tsup_kill(c);
    EXPECT_EQ(rs_faults, 1);
    EXPECT_EQ(fp_caught, 1);
    EXPECT_EQ(fp_rip, NONCANONICAL);            /* the #GP at that RIP */
    EXPECT_NE(fp_rcx, NONCANONICAL);            /* RCX = RIP: sysret was handed it */
}

/* RFLAGS.NT set by popfq survived `syscall` (SFMASK did not clear it):
 * the kernel's next iretq raised #GP in ring 0. */
static void nt_flag(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t attr[4] = { 0, 0, 0, 0 };
    __asm__ volatile("pushfq\n\torq $0x4000, (%%rsp)\n\tpopfq" : : : "memory", "cc");
    L4_MemoryControl(0, attr);                  /* leaves the kernel by iretq */
    __asm__ volatile("pushfq\n\tandq $~0x4000, (%%rsp)\n\tpopfq" : : : "memory", "cc");
    attack_done = 1;
}

TEST(security, nt_flag_does_not_reach_the_kernel)
{
    attack_done = 0;
    L4_ThreadId_t t = tsup_space(nt_flag, 0);
    int done = tsup_join(t, 2000);
    tsup_kill(t);
    EXPECT(done);
}

/* A thread's first FPU/SSE use got the registers as the previous owner
 * left them (fninit clears neither XMM nor the x87 contents). */
#define SECRET 0x5EC12E75EC12E7UL
static volatile L4_Word_t fpu_owner_ready, fpu_seen;

static void fpu_secret_owner(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t s = SECRET;
    __asm__ volatile("movq %0, %%xmm0\n\tmovq %0, %%xmm7" : : "r"(s));
    fpu_owner_ready = 1;
    L4_Sleep(L4_Never);
}

static void fpu_spy(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t v;
    __asm__ volatile("movq %%xmm7, %0" : "=r"(v));     /* its first FPU/SSE use */
    fpu_seen = v;
    attack_done = 1;
}

TEST(security, a_first_fpu_use_sees_no_other_tasks_registers)
{
    fpu_owner_ready = fpu_seen = attack_done = 0;
    L4_ThreadId_t o = tsup_space(fpu_secret_owner, 0);
    for (int i = 0; i < 1000 && !fpu_owner_ready; i++)
        tsup_sleep_ms(1);
    L4_ThreadId_t s = tsup_space(fpu_spy, 0);
    tsup_join(s, 2000);
    tsup_kill(s);
    tsup_kill(o);
    EXPECT(fpu_owner_ready);
    EXPECT(attack_done);
    EXPECT_EQ(fpu_seen, 0);                     /* the state after reset */
}

/* sgdt and sidt told any thread the kernel's addresses; with UMIP they
 * are #GP exceptions of the thread. */
static volatile L4_Word_t gdt_base;

static void table_spy(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) g = { 0, 0 };
    __asm__ volatile(RESUME_AT("1f") "sgdt %0\n1:" : "=m"(g) : : "rax", "memory");
    gdt_base = g.base;
    attack_done = 1;
}

TEST(security, sgdt_is_an_exception_of_the_thread)
{
    gdt_base = 0;
    EXPECT(run_attack(table_spy));
    EXPECT_EQ(caught.count, 1);
    EXPECT_EQ(caught.vector, 13);
    EXPECT_EQ(gdt_base, 0);
}

/* Unmap of all I/O ports, 64 fpages a call, by a task that has none:
 * once 4 million lookups with interrupts off per call, now a look at the
 * task's bitmap. A thousand such calls finish. */
static void unmap_all_ports(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    for (int n = 0; n < 1000; n++) {
        for (int i = 0; i < 64; i++)
            mr[i] = 16UL << 10 | 2 << 4;        /* I/O fpage: all 65536 ports */
        L4_Unmap(63);
    }
    attack_done = 1;
}

TEST(security, unmap_of_ports_a_task_does_not_have_is_cheap)
{
    attack_done = 0;
    L4_ThreadId_t t = tsup_space(unmap_all_ports, 0);
    int done = tsup_join(t, 5000);
    tsup_kill(t);
    EXPECT(done);
}

/* Unmap of the complete space, 64 fpages a call, rights 0, over some
 * 8000 mappings: one such call was long with interrupts off; now it
 * is a preemption point every 64 pages. The root thread, waking from 1 ms
 * sleeps, finds the one call under way again and again (before, at most
 * just before and just after it). */
#define UM_WIN 0x40000000UL
static uint8_t um_area[1UL << 20] __attribute__((aligned(1UL << 20)));
static volatile L4_Word_t um_r, um_ready, um_inside;

static void um_receiver(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_FpageLog2(UM_WIN, 28)));
        L4_Wait(&from);
    }
}

static void um_attacker(L4_Word_t unused)
{
    (void)unused;
    for (L4_Word_t a = 0; a < sizeof um_area; a += 4096)
        um_area[a] = 1;
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 * 31 << 6;                        /* 31 map items of 1 MB */
    for (L4_Word_t i = 0; i < 31; i++) {
        mr[1 + 2 * i] = (i << 20) | 0x8;
        mr[2 + 2 * i] = L4_FpageLog2((L4_Word_t)um_area, 20).raw | 7;
    }
    L4_Send((L4_ThreadId_t){ .raw = um_r });
    um_ready = 1;
    while (um_ready < 2)
        tsup_sleep_ms(1);
    for (int i = 0; i < 64; i++)
        mr[i] = L4_CompleteAddressSpace.raw;    /* rights 0: nothing changes */
    um_inside = 1;
    L4_Unmap(63);
    um_inside = 0;
    attack_done = 1;
}

TEST(security, unmap_of_many_pages_lets_the_system_run)
{
    um_ready = um_inside = attack_done = 0;
    L4_ThreadId_t r = tsup_space(um_receiver, 0);
    um_r = r.raw;
    L4_SetKernelMemoryLimit(r, L4_KmemUnlimited);
    EXPECT(tsup_wait_blocked(r));
    L4_ThreadId_t s = tsup_space_thread(r, um_attacker, 0);
    for (int i = 0; i < 20000 && !um_ready; i++)
        tsup_sleep_ms(1);
    um_ready = 2;
    unsigned during = 0;
    for (int i = 0; i < 20000 && !attack_done; i++) {
        tsup_sleep_ms(1);
        during += um_inside && !attack_done;
    }
    int done = attack_done;
    tsup_kill(s);
    tsup_kill(r);
    EXPECT(done);
    EXPECT(during >= 10);
}
