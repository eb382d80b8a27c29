/* The register-level contract of every system call (spec 4.3-4.14, 4.5):
 * which registers carry the outputs, with their values in simple known
 * situations, and which registers the spec says survive the call (RSP
 * always, spec 4.4; RDI for Ipc/Lipc, Unmap and MemoryControl; the MR
 * registers of Unmap and MemoryControl). Each call goes through
 * abi_callN, which loads every general register (RBP and RCX, R11 too)
 * from a table of inputs, calls the stub address the KIP gives, and
 * stores every register, RSP and RFLAGS right after the return.
 * Registers the spec calls clobbered are not checked. KernelInterface
 * (4.3) is covered by boot.kernel_interface_preserves_registers. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/syscalls.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

enum { RAX, RBX, RCX, RDX, RSI, RDI, RBP, R8, R9, R10, R11, R12, R13, R14, R15, RSP, RFL, NREGS };

struct regs {
    uint64_t r[NREGS];
};

/* abi_callN(in, out, stub): in->r[RAX..R15] into the registers, `call
 * *stub`, then every register into out (out->r[RSP] = RSP after the
 * return, out->r[RFL] = RFLAGS). The caller's RSP at the call is kept in
 * a static word, so a clobbered RSP is reported, not fatal. Two copies
 * with separate static words: 0 for the test's own thread, 1 for the
 * partner thread of the IPC tests (which may run meanwhile). */
#define ABI_CALL_FN(N)                                                        \
    __asm__(".pushsection .bss\n .balign 8\n"                                 \
            "abi_sp" #N ": .quad 0\n"                                         \
            "abi_outp" #N ": .quad 0\n"                                       \
            "abi_stub" #N ": .quad 0\n"                                       \
            "abi_scr" #N ": .skip 8*17\n"                                     \
            ".popsection\n"                                                   \
            ".text\n .globl abi_call" #N "\n .type abi_call" #N ", @function\n" \
            "abi_call" #N ":\n"                                               \
            " push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n" \
            " mov %rsi, abi_outp" #N "(%rip)\n"                               \
            " mov %rdx, abi_stub" #N "(%rip)\n"                               \
            " mov %rsp, abi_sp" #N "(%rip)\n"                                 \
            " mov 0(%rdi), %rax\n mov 8(%rdi), %rbx\n mov 16(%rdi), %rcx\n"   \
            " mov 24(%rdi), %rdx\n mov 32(%rdi), %rsi\n mov 48(%rdi), %rbp\n" \
            " mov 56(%rdi), %r8\n mov 64(%rdi), %r9\n mov 72(%rdi), %r10\n"   \
            " mov 80(%rdi), %r11\n mov 88(%rdi), %r12\n mov 96(%rdi), %r13\n" \
            " mov 104(%rdi), %r14\n mov 112(%rdi), %r15\n mov 40(%rdi), %rdi\n" \
            " call *abi_stub" #N "(%rip)\n"                                   \
            " mov %rax, abi_scr" #N "+0(%rip)\n mov %rbx, abi_scr" #N "+8(%rip)\n" \
            " mov %rcx, abi_scr" #N "+16(%rip)\n mov %rdx, abi_scr" #N "+24(%rip)\n" \
            " mov %rsi, abi_scr" #N "+32(%rip)\n mov %rdi, abi_scr" #N "+40(%rip)\n" \
            " mov %rbp, abi_scr" #N "+48(%rip)\n mov %r8, abi_scr" #N "+56(%rip)\n" \
            " mov %r9, abi_scr" #N "+64(%rip)\n mov %r10, abi_scr" #N "+72(%rip)\n" \
            " mov %r11, abi_scr" #N "+80(%rip)\n mov %r12, abi_scr" #N "+88(%rip)\n" \
            " mov %r13, abi_scr" #N "+96(%rip)\n mov %r14, abi_scr" #N "+104(%rip)\n" \
            " mov %r15, abi_scr" #N "+112(%rip)\n mov %rsp, abi_scr" #N "+120(%rip)\n" \
            " mov abi_sp" #N "(%rip), %rsp\n"                                 \
            " pushfq\n pop abi_scr" #N "+128(%rip)\n"                         \
            " cld\n"                                                          \
            " mov abi_outp" #N "(%rip), %rdi\n lea abi_scr" #N "(%rip), %rsi\n" \
            " mov $17, %ecx\n rep movsq\n"                                    \
            " pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n" \
            " ret\n .size abi_call" #N ", .-abi_call" #N "\n")

ABI_CALL_FN(0);
ABI_CALL_FN(1);
void abi_call0(const struct regs *in, struct regs *out, void *stub);
void abi_call1(const struct regs *in, struct regs *out, void *stub);

/* RSP at the call instruction in abi_callN: what the stub must return with. */
extern uint64_t abi_sp0, abi_sp1;

/* Distinct, meaningless values for every register. */
static void sentinels(struct regs *in, uint64_t seed)
{
    for (int i = 0; i < NREGS; i++)
        in->r[i] = 0x5E00000000000000UL | seed << 40 | (uint64_t)(i + 1) * 0x01010101UL;
}

static L4_Word_t my_local(void)
{
    return (L4_Word_t)__L4_Utcb();          /* local id = address of MR0 */
}

static void set_error_code(L4_Word_t v)
{
    __L4_Utcb()[__L4_TCR_ERROR_CODE] = v;
}

/* Spec 4.4: RSP restored exactly; DF clear on return (it is on entry). */
#define EXPECT_RSP_DF(out, sp)                                               \
    do {                                                                     \
        EXPECT_EQ((out).r[RSP], (sp));                                       \
        EXPECT_EQ((out).r[RFL] & 0x400, 0);                                  \
    } while (0)

#define TAG(label, u) ((L4_Word_t)(label) << 16 | (u))

/* ---- ExchangeRegisters (4.6) ---------------------------------------------- */

#define XR_SP     0x7F0000001230UL
#define XR_IP     0x7F0000004560UL
#define XR_FLAGS  0xFFFUL
#define XR_HANDLE 0x4A4E444C45UL

TEST(abi, exchange_registers_outputs)
{
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0), pager = tsup_new_id();
    EXPECT(tsup_wait_blocked(t));
    struct regs in, set, get;
    /* set SP, IP, FLAGS, handle and pager (global dest) */
    sentinels(&in, 1);
    in.r[RAX] = t.raw;
    in.r[RSI] = L4_ExReg_SetSp | L4_ExReg_SetIp | L4_ExReg_SetFlags | L4_ExReg_SetHandle |
                L4_ExReg_SetPager;
    in.r[RDX] = XR_SP;
    in.r[R8] = XR_IP;
    in.r[R9] = XR_FLAGS;
    in.r[R10] = XR_HANDLE;
    in.r[RDI] = pager.raw;
    abi_call0(&in, &set, __L4_ExchangeRegisters);
    /* read them back (local dest, control 0: nothing is set) */
    sentinels(&in, 2);
    in.r[RAX] = L4_LocalIdOf(t).raw;
    in.r[RSI] = 0;
    abi_call0(&in, &get, __L4_ExchangeRegisters);
    L4_Word_t local = L4_LocalIdOf(t).raw;
    tsup_kill(t);

    EXPECT_RSP_DF(set, abi_sp0);
    EXPECT_EQ(set.r[RAX], local);           /* global in: local id out */
    EXPECT_EQ(set.r[RSI], L4_ExReg_AbortRecv);   /* old control: in a receive phase only */
    EXPECT_EQ(set.r[RDI], tsup_pager().raw);     /* old pager */

    EXPECT_RSP_DF(get, abi_sp0);
    EXPECT_EQ(get.r[RAX], t.raw);           /* local in: global id out */
    EXPECT_EQ(get.r[RSI], L4_ExReg_AbortRecv);
    EXPECT_EQ(get.r[RDX], XR_SP);           /* old SP */
    EXPECT_EQ(get.r[R8], XR_IP);            /* old IP */
    EXPECT_EQ(get.r[R9] & 0x8D5, 0x8D5);    /* old FLAGS: CF PF AF ZF SF OF as set, */
    EXPECT_EQ(get.r[R9] & 0x202, 0x202);    /* a full RFLAGS image (bit 1, IF) */
    EXPECT_EQ(get.r[R10], XR_HANDLE);       /* old UserDefinedHandle */
    EXPECT_EQ(get.r[RDI], pager.raw);       /* old pager */
}

TEST(abi, exchange_registers_error_outputs)
{
    struct regs in, out;
    sentinels(&in, 3);
    in.r[RAX] = tsup_new_id().raw;          /* nobody */
    in.r[RSI] = 0;
    set_error_code(0x77);
    abi_call0(&in, &out, __L4_ExchangeRegisters);
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_EQ(L4_ErrorCode(), 2);           /* invalid thread */
    EXPECT_EQ(out.r[RAX], 0);               /* nilthread */
    EXPECT_EQ(out.r[RSI], 0);               /* and all other outputs 0 */
    EXPECT_EQ(out.r[RDX], 0);
    EXPECT_EQ(out.r[R8], 0);
    EXPECT_EQ(out.r[R9], 0);
    EXPECT_EQ(out.r[R10], 0);
    EXPECT_EQ(out.r[RDI], 0);
}

/* ---- ThreadControl (4.7) ---------------------------------------------------- */

static void tc_regs(struct regs *in, L4_Word_t dest, L4_Word_t space, L4_Word_t sched,
                    L4_Word_t pager, L4_Word_t utcb)
{
    in->r[RDI] = dest;
    in->r[R8] = space;
    in->r[RDX] = sched;
    in->r[RSI] = pager;
    in->r[R9] = utcb;
}

TEST(abi, thread_control_outputs)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    struct regs in, create, bad, del;
    sentinels(&in, 4);
    tc_regs(&in, id.raw, id.raw, me.raw, 0, ~0UL);        /* inactive, new space */
    abi_call0(&in, &create, __L4_ThreadControl);
    sentinels(&in, 5);
    tc_regs(&in, my_local(), me.raw, me.raw, 0, ~0UL);   /* dest not global */
    set_error_code(0x77);
    abi_call0(&in, &bad, __L4_ThreadControl);
    L4_Word_t bad_err = L4_ErrorCode();
    sentinels(&in, 6);
    tc_regs(&in, id.raw, 0, 0, 0, ~0UL);                 /* delete */
    abi_call0(&in, &del, __L4_ThreadControl);
    L4_ThreadControl(id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);

    EXPECT_RSP_DF(create, abi_sp0);
    EXPECT_EQ(create.r[RAX], 1);
    EXPECT_RSP_DF(bad, abi_sp0);
    EXPECT_EQ(bad.r[RAX], 0);
    EXPECT_EQ(bad_err, 3);
    EXPECT_RSP_DF(del, abi_sp0);
    EXPECT_EQ(del.r[RAX], 1);
}

/* ---- SpaceControl (4.8) ----------------------------------------------------- */

TEST(abi, space_control_outputs)
{
    L4_ThreadId_t me = L4_MyGlobalId(), id = tsup_new_id();
    EXPECT_EQ(L4_ThreadControl(id, id, me, L4_nilthread, (void *)~0UL), 1);
    struct regs in, ok, bad;
    sentinels(&in, 7);
    in.r[RDI] = id.raw;
    in.r[RSI] = 0;                                        /* control */
    in.r[RDX] = L4_FpageLog2(TSUP_KIP_AREA, 12).raw;
    in.r[R8] = L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2).raw;
    in.r[R9] = 0;                                         /* redirector: unchanged */
    abi_call0(&in, &ok, __L4_SpaceControl);
    in.r[RDI] = tsup_new_id().raw;                        /* nobody */
    set_error_code(0x77);
    abi_call0(&in, &bad, __L4_SpaceControl);
    L4_Word_t bad_err = L4_ErrorCode();
    L4_ThreadControl(id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);

    EXPECT_RSP_DF(ok, abi_sp0);
    EXPECT_EQ(ok.r[RAX], 1);
    EXPECT_EQ(ok.r[RDX], 0);                /* old control */
    EXPECT_RSP_DF(bad, abi_sp0);
    EXPECT_EQ(bad.r[RAX], 0);
    EXPECT_EQ(bad_err, 3);                  /* invalid space */
}

/* ---- Schedule (4.9) ---------------------------------------------------------- */

static void sched_regs(struct regs *in, L4_Word_t dest, L4_Word_t time, L4_Word_t prio)
{
    in->r[RDI] = dest;
    in->r[RDX] = time;
    in->r[RSI] = prio;
    in->r[R8] = ~0UL;
    in->r[R9] = ~0UL;
}

TEST(abi, schedule_outputs)
{
    struct regs in, nil, self, set, get, bad;
    L4_Word_t nil_err, bad_err;
    /* TimeControl in the library layout: slice bits 16-31, quantum 0-15 */
    L4_Word_t tctl = (L4_Word_t)L4_TimePeriod(20000).raw << 16 | L4_TimePeriod(300000).raw;
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);
    EXPECT(tsup_wait_blocked(t));

    sentinels(&in, 8);
    sched_regs(&in, 0, ~0UL, ~0UL);                       /* nilthread */
    set_error_code(0x77);
    abi_call0(&in, &nil, __L4_Schedule);
    nil_err = L4_ErrorCode();
    sentinels(&in, 9);
    sched_regs(&in, L4_MyGlobalId().raw, ~0UL, ~0UL);
    abi_call0(&in, &self, __L4_Schedule);
    sentinels(&in, 10);
    sched_regs(&in, t.raw, tctl, ~0UL);
    abi_call0(&in, &set, __L4_Schedule);
    sentinels(&in, 11);
    sched_regs(&in, t.raw, ~0UL, ~0UL);
    abi_call0(&in, &get, __L4_Schedule);
    sentinels(&in, 12);
    sched_regs(&in, tsup_new_id().raw, ~0UL, ~0UL);       /* nobody */
    abi_call0(&in, &bad, __L4_Schedule);
    bad_err = L4_ErrorCode();
    tsup_kill(t);

    EXPECT_RSP_DF(nil, abi_sp0);
    EXPECT_EQ(nil.r[RAX], 0);               /* nilthread: result 0, */
    EXPECT_EQ(nil.r[RDX], 0);               /* old TimeControl 0, */
    EXPECT_EQ(nil_err, 0);                  /* ErrorCode 0 */
    EXPECT_RSP_DF(self, abi_sp0);
    EXPECT_EQ(self.r[RAX], 3);              /* running */
    EXPECT_RSP_DF(set, abi_sp0);
    EXPECT_EQ(set.r[RAX], 6);               /* waiting */
    EXPECT_RSP_DF(get, abi_sp0);
    EXPECT_EQ(get.r[RAX], 6);
    EXPECT_EQ(get.r[RDX], tctl);            /* old TimeControl, library layout */
    EXPECT_RSP_DF(bad, abi_sp0);
    EXPECT_EQ(bad.r[RAX], 0);
    EXPECT_EQ(bad_err, 2);
}

/* ---- ThreadSwitch (4.10), SystemClock (4.11) ------------------------------- */

TEST(abi, thread_switch_keeps_rsp)
{
    struct regs in, self, yield;
    sentinels(&in, 13);
    in.r[RDI] = L4_MyGlobalId().raw;
    abi_call0(&in, &self, __L4_ThreadSwitch);
    sentinels(&in, 14);
    in.r[RDI] = 0;
    abi_call0(&in, &yield, __L4_ThreadSwitch);
    EXPECT_RSP_DF(self, abi_sp0);
    EXPECT_RSP_DF(yield, abi_sp0);
}

TEST(abi, system_clock_in_rax)
{
    struct regs in, a, b;
    sentinels(&in, 15);
    abi_call0(&in, &a, __L4_SystemClock);
    tsup_sleep_ms(10);
    sentinels(&in, 16);
    abi_call0(&in, &b, __L4_SystemClock);
    EXPECT_RSP_DF(a, abi_sp0);
    EXPECT_RSP_DF(b, abi_sp0);
    EXPECT_NE(a.r[RAX], in.r[RAX]);
    EXPECT(b.r[RAX] > a.r[RAX]);
    EXPECT(b.r[RAX] - a.r[RAX] >= 5000);    /* microseconds: 10 ms passed */
}

/* ---- Unmap (4.12) ------------------------------------------------------------- */

static uint8_t unmap_page[4096] __attribute__((aligned(4096)));

TEST(abi, unmap_registers)
{
    unmap_page[0] = 1;                      /* mapped (and written) */
    L4_Word_t fp0 = L4_FpageLog2((L4_Word_t)unmap_page, 12).raw;   /* rwx 0: a query */
    L4_Word_t fp1 = L4_FpageLog2(0x50000000UL, 12).raw;            /* nothing there */
    struct regs in, out;
    sentinels(&in, 17);
    in.r[RDX] = 1;                          /* k = 1: MR0 and MR1, no flush */
    in.r[RDI] = my_local();
    in.r[R9] = fp0;
    in.r[RAX] = fp1;
    abi_call0(&in, &out, __L4_Unmap);
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_EQ(out.r[RDI], my_local());      /* own MR0 pointer */
    EXPECT_EQ(out.r[R9] & ~7UL, fp0);       /* the fpages, status in bits 0-2 */
    EXPECT_EQ(out.r[RAX] & ~7UL, fp1);
    EXPECT_EQ(out.r[RBX], in.r[RBX]);       /* MR2..MR7: not processed */
    EXPECT_EQ(out.r[R10], in.r[R10]);
    EXPECT_EQ(out.r[R12], in.r[R12]);
    EXPECT_EQ(out.r[R13], in.r[R13]);
    EXPECT_EQ(out.r[R14], in.r[R14]);
    EXPECT_EQ(out.r[R15], in.r[R15]);
}

/* ---- ProcessorControl (4.13), MemoryControl (4.14) ------------------------- */

TEST(abi, processor_control_outputs)
{
    struct regs in, out;
    sentinels(&in, 18);
    in.r[RDI] = 0;                          /* processor 0 */
    in.r[RSI] = 0;
    in.r[RDX] = 0;
    in.r[R8] = 0;
    abi_call0(&in, &out, __L4_ProcessorControl);
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_EQ(out.r[RAX], 0);               /* Pistachio: a no-op returning 0 */
}

TEST(abi, memory_control_outputs)
{
    struct regs in, out;
    L4_Word_t *mr = __L4_Utcb();
    sentinels(&in, 19);
    in.r[RDX] = 0;                          /* control: one fpage */
    in.r[RDI] = my_local();
    mr[0] = in.r[R9] = L4_FpageLog2((L4_Word_t)unmap_page, 12).raw;   /* MR0 */
    mr[1] = in.r[RAX];                      /* MR1, as the library passes them */
    set_error_code(0x77);
    abi_call0(&in, &out, __L4_MemoryControl);
    L4_Word_t err = L4_ErrorCode();
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_EQ(out.r[RDX], 0);               /* result: not supported */
    EXPECT_EQ(out.r[RDI], my_local());      /* UTCB pointer */
    EXPECT_EQ(out.r[RCX], in.r[R9]);        /* MR0 for the library's write-back */
    EXPECT_EQ(out.r[RAX], in.r[RAX]);       /* MR1 likewise */
    EXPECT(err == 0x77 || err == 5);        /* unchanged or invalid parameter */
}

/* ---- Ipc and Lipc (4.5) --------------------------------------------------------- */

#define CALL_LABEL  0x4321
#define REPLY_LABEL 0x5678
#define MR_IN(i)    (0xC0DE000000000000UL | (i))    /* the caller's MRi */
#define MR_OUT(i)   (0xBEEF000000000000UL | (i))    /* the partner's reply MRi */

#define P_LIPC      1       /* use the Lipc stub, anylocalthread, local ids */
#define P_REPLYWAIT 2       /* reply with ReplyWait (and wait forever) */

/* What the partner saw: its receive, its reply, and its own ids. */
static struct regs p_recv, p_send;
static volatile L4_Word_t p_mr8, p_mr9, p_local, p_global, p_replied, p_sent;

static void load_mr_regs(struct regs *in, uint64_t (*f)(int))
{
    static const int reg[8] = { R9, RAX, RBX, R10, R12, R13, R14, R15 };
    for (int i = 1; i < 8; i++)
        in->r[reg[i]] = f(i);
}
static uint64_t mr_in(int i) { return MR_IN(i); }
static uint64_t mr_out(int i) { return MR_OUT(i); }

static void partner(L4_Word_t mode)
{
    void *stub = mode & P_LIPC ? __L4_Lipc : __L4_Ipc;
    L4_Word_t *mr = __L4_Utcb();
    struct regs in, out;
    p_local = (L4_Word_t)mr;
    p_global = L4_MyGlobalId().raw;
    /* receive from anyone (receive only, never times out) */
    sentinels(&in, 20);
    in.r[RSI] = 0;
    in.r[RDX] = mode & P_LIPC ? L4_anylocalthread.raw : L4_anythread.raw;
    in.r[R8] = 0;
    in.r[RDI] = (L4_Word_t)mr;
    abi_call1(&in, &out, stub);
    p_recv = out;
    p_mr8 = mr[8];
    p_mr9 = mr[9];
    /* reply to the returned sender id: u = 10 */
    sentinels(&in, 21);
    load_mr_regs(&in, mr_out);
    in.r[R9] = TAG(REPLY_LABEL, 10);
    mr[8] = MR_OUT(8);
    mr[9] = MR_OUT(9);
    mr[10] = MR_OUT(10);
    in.r[RSI] = out.r[RSI];
    in.r[RDX] = mode & P_REPLYWAIT ? L4_anythread.raw : 0;
    in.r[R8] = 0;
    in.r[RDI] = (L4_Word_t)mr;
    p_replied = 1;
    abi_call1(&in, &out, stub);
    p_send = out;
    p_sent = 1;
}

/* The caller's side: send u = 9 (MR1..7 in registers, MR8, MR9 in the
 * UTCB) to `to`, receive from `from`. */
static void call_partner(void *stub, L4_Word_t to, L4_Word_t from, struct regs *out)
{
    L4_Word_t *mr = __L4_Utcb();
    struct regs in;
    sentinels(&in, 22);
    load_mr_regs(&in, mr_in);
    in.r[R9] = TAG(CALL_LABEL, 9);
    mr[8] = MR_IN(8);
    mr[9] = MR_IN(9);
    in.r[RSI] = to;
    in.r[RDX] = from;
    in.r[R8] = 0;                           /* never, never */
    in.r[RDI] = (L4_Word_t)mr;
    abi_call0(&in, out, stub);
}

static void reset_partner(void)
{
    for (int i = 0; i < NREGS; i++)
        p_recv.r[i] = p_send.r[i] = 0;
    p_mr8 = p_mr9 = p_local = p_global = p_replied = p_sent = 0;
}

/* A receiver's registers: tag in R9, MR1..MR7, sender id in RSI, own
 * local id in RDI. */
#define EXPECT_RECEIVED(o, label, u, mrf, from, local)                        \
    do {                                                                     \
        EXPECT_EQ((o).r[R9], TAG(label, u));                                 \
        EXPECT_EQ((o).r[RAX], mrf(1));                                       \
        EXPECT_EQ((o).r[RBX], mrf(2));                                       \
        EXPECT_EQ((o).r[R10], mrf(3));                                       \
        EXPECT_EQ((o).r[R12], mrf(4));                                       \
        EXPECT_EQ((o).r[R13], mrf(5));                                       \
        EXPECT_EQ((o).r[R14], mrf(6));                                       \
        EXPECT_EQ((o).r[R15], mrf(7));                                       \
        EXPECT_EQ((o).r[RSI], (from));                                       \
        EXPECT_EQ((o).r[RDI], (local));                                      \
    } while (0)

/* Same space, the partner as fast as we are and waiting without timeout:
 * the fast path's case both ways (when it is on). Global ids in, the
 * sender's local id out. */
TEST(abi, ipc_call_same_space)
{
    reset_partner();
    L4_ThreadId_t t = tsup_thread(partner, P_REPLYWAIT);
    EXPECT(tsup_wait_blocked(t));
    L4_Set_Priority(t, 255);
    struct regs out;
    call_partner(__L4_Ipc, t.raw, t.raw, &out);
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t mr8 = mr[8], mr9 = mr[9], mr10 = mr[10];
    L4_Word_t t_local = L4_LocalIdOf(t).raw;
    tsup_kill(t);

    EXPECT_RSP_DF(p_recv, abi_sp1);
    EXPECT_RECEIVED(p_recv, CALL_LABEL, 9, MR_IN, my_local(), p_local);
    EXPECT_EQ(p_mr8, MR_IN(8));
    EXPECT_EQ(p_mr9, MR_IN(9));
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_RECEIVED(out, REPLY_LABEL, 10, MR_OUT, t_local, my_local());
    EXPECT_EQ(mr8, MR_OUT(8));
    EXPECT_EQ(mr9, MR_OUT(9));
    EXPECT_EQ(mr10, MR_OUT(10));
}

/* Another space, the partner slower than us: the general path. Global
 * ids both ways; the partner's send-only reply returns From = nilthread. */
TEST(abi, ipc_call_other_space)
{
    reset_partner();
    L4_ThreadId_t t = tsup_space(partner, 0);
    EXPECT(tsup_wait_blocked(t));
    struct regs out;
    call_partner(__L4_Ipc, t.raw, t.raw, &out);
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t mr8 = mr[8], mr9 = mr[9], mr10 = mr[10];
    int joined = tsup_join(t, 1000);
    tsup_kill(t);

    EXPECT_EQ(p_global, t.raw);
    EXPECT_RSP_DF(p_recv, abi_sp1);
    EXPECT_RECEIVED(p_recv, CALL_LABEL, 9, MR_IN, L4_MyGlobalId().raw, p_local);
    EXPECT_EQ(p_mr8, MR_IN(8));
    EXPECT_EQ(p_mr9, MR_IN(9));
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_RECEIVED(out, REPLY_LABEL, 10, MR_OUT, t.raw, my_local());
    EXPECT_EQ(mr8, MR_OUT(8));
    EXPECT_EQ(mr9, MR_OUT(9));
    EXPECT_EQ(mr10, MR_OUT(10));
    EXPECT(joined);
    EXPECT_EQ(p_sent, 1);
    EXPECT_RSP_DF(p_send, abi_sp1);
    EXPECT_EQ(p_send.r[RSI], 0);            /* no receive phase: nilthread */
    EXPECT_EQ(p_send.r[RDI], p_local);
    EXPECT_EQ(p_send.r[R9] & 0x8000, 0);    /* no error */
}

/* Lipc with local ids: To and FromSpecifier local, the partner waiting
 * for anylocalthread; local sender ids out. */
TEST(abi, lipc_local_ids)
{
    reset_partner();
    L4_ThreadId_t t = tsup_thread(partner, P_LIPC);
    EXPECT(tsup_wait_blocked(t));
    L4_Word_t t_local = L4_LocalIdOf(t).raw;
    struct regs out;
    call_partner(__L4_Lipc, t_local, t_local, &out);
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t mr8 = mr[8], mr9 = mr[9], mr10 = mr[10];
    int joined = tsup_join(t, 1000);
    tsup_kill(t);

    EXPECT_EQ(p_local, t_local);
    EXPECT_RSP_DF(p_recv, abi_sp1);
    EXPECT_RECEIVED(p_recv, CALL_LABEL, 9, MR_IN, my_local(), p_local);
    EXPECT_EQ(p_mr8, MR_IN(8));
    EXPECT_EQ(p_mr9, MR_IN(9));
    EXPECT_RSP_DF(out, abi_sp0);
    EXPECT_RECEIVED(out, REPLY_LABEL, 10, MR_OUT, t_local, my_local());
    EXPECT_EQ(mr8, MR_OUT(8));
    EXPECT_EQ(mr9, MR_OUT(9));
    EXPECT_EQ(mr10, MR_OUT(10));
    EXPECT(joined);
    EXPECT_RSP_DF(p_send, abi_sp1);
    EXPECT_EQ(p_send.r[RSI], 0);
    EXPECT_EQ(p_send.r[RDI], p_local);
    EXPECT_EQ(p_send.r[R9] & 0x8000, 0);
}

/* Errors: MR0 with e = 1 in R9, RDI still the own local id, the code in
 * the ErrorCode TCR (spec 2.9.1). */
TEST(abi, ipc_error_outputs)
{
    struct regs in, nobody, timeout, busy;
    L4_Word_t nobody_err, timeout_err, busy_err;
    L4_ThreadId_t t = tsup_thread(tsup_fn_sleeper, 0);   /* not waiting for us */
    EXPECT(tsup_wait_blocked(t));

    sentinels(&in, 23);
    in.r[R9] = 0;                           /* u = 0 */
    in.r[RSI] = tsup_new_id().raw;          /* send to a thread that does not exist */
    in.r[RDX] = 0;
    in.r[R8] = 0;
    in.r[RDI] = my_local();
    set_error_code(0x77);
    abi_call0(&in, &nobody, __L4_Ipc);
    nobody_err = L4_ErrorCode();

    sentinels(&in, 24);
    in.r[R9] = 0;
    in.r[RSI] = 0;                          /* receive from ourselves, timeout zero */
    in.r[RDX] = L4_MyGlobalId().raw;
    in.r[R8] = 0x0400;
    in.r[RDI] = my_local();
    abi_call0(&in, &timeout, __L4_Ipc);
    timeout_err = L4_ErrorCode();

    sentinels(&in, 25);
    in.r[R9] = 0;
    in.r[RSI] = t.raw;                      /* send, timeout zero, partner not ready */
    in.r[RDX] = 0;
    in.r[R8] = 0x0400UL << 16;
    in.r[RDI] = my_local();
    abi_call0(&in, &busy, __L4_Lipc);
    busy_err = L4_ErrorCode();
    tsup_kill(t);

    EXPECT_RSP_DF(nobody, abi_sp0);
    EXPECT_EQ(nobody.r[R9], 0x8000);        /* only e set */
    EXPECT_EQ(nobody.r[RDI], my_local());
    EXPECT_EQ(nobody_err, 2 << 1 | 0);      /* non-existing partner, send phase */
    EXPECT_RSP_DF(timeout, abi_sp0);
    EXPECT_EQ(timeout.r[R9] & 0x8000, 0x8000);
    EXPECT_EQ(timeout.r[RDI], my_local());
    EXPECT_EQ(timeout_err, 1 << 1 | 1);     /* timeout, receive phase */
    EXPECT_RSP_DF(busy, abi_sp0);
    EXPECT_EQ(busy.r[R9] & 0x8000, 0x8000);
    EXPECT_EQ(busy.r[RDI], my_local());
    EXPECT_EQ(busy_err, 1 << 1 | 0);        /* timeout, send phase */
}
