/* What a hostile thread can do with the CPU in user mode, and what the
 * kernel must keep from spreading: no instruction a thread executes may
 * crash the kernel or change what other threads see. */
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* ---- the GS base --------------------------------------------------------
 * %gs:0 is every thread's local id (the ABI's way to its UTCB). A thread
 * may load %gs with a selector, which (on Intel CPUs) also sets the GS base
 * to 0 or to the descriptor's base: its own %gs:0 is then gone, but the
 * next thread to run must still find its own. */
static volatile int clobbered;

static void clobber_gs(L4_Word_t unused)
{
    (void)unused;
    __asm__ volatile("xor %%eax, %%eax\n\tmov %%eax, %%gs" : : : "rax");
    clobbered = 1;
    __asm__ volatile("1: pause\n\tjmp 1b");     /* runs on; preempted by the timer */
}

static void clobber_gs_and_call(L4_Word_t unused)
{
    (void)unused;
    __asm__ volatile("mov $0x23, %%eax\n\tmov %%eax, %%gs" : : : "rax");
    clobbered = 1;
    for (;;)                                    /* enters the kernel again and again */
        __asm__ volatile("push %%rbp\n\tsyscall\n\tpop %%rbp"
                         : : : "rax", "rcx", "rdx", "r11", "memory");
}

static L4_Word_t my_gs0(void)
{
    L4_Word_t v;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(v));
    return v;
}

static void gs_survives(tsup_fn_t fn)
{
    clobbered = 0;
    L4_Word_t before = my_gs0();
    L4_ThreadId_t t = tsup_space(fn, 0);
    tsup_wait_flag(&clobbered, 1000);
    tsup_sleep_ms(20);                  /* switches back and forth, ticks */
    L4_Word_t after = my_gs0();
    tsup_kill(t);
    EXPECT_EQ(clobbered, 1);
    EXPECT_EQ(after, before);
    EXPECT_EQ(after, L4_MyLocalId().raw);
}

TEST(isolation, a_thread_clearing_its_gs_base_harms_no_other)
{
    gs_survives(clobber_gs);
}

TEST(isolation, a_thread_loading_gs_and_entering_the_kernel_harms_no_other)
{
    gs_survives(clobber_gs_and_call);
}

/* A thread that loads %gs (null, or a selector of its own) and calls a
 * waiting server through the IPC fast path: the server, switched to on
 * this processor straight from the caller's system call, must find its
 * own %gs:0. (The fast path puts %gs right itself: every iretq to user
 * mode nulls the selector, so it meets this after every interrupt.) */
static volatile L4_Word_t gs_served, gs_wrong, gs_caller_wrong;

static void gs_server(L4_Word_t unused)
{
    (void)unused;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcSucceeded(tag)) {
            gs_wrong += my_gs0() != L4_MyLocalId().raw;
            gs_served++;
        }
        L4_LoadMR(0, 0);
        tag = L4_IpcSucceeded(tag) ? L4_ReplyWait(from, &from) : L4_Wait(&from);
    }
}

static void gs_clobbering_caller(L4_Word_t server)
{
    L4_Word_t mine = L4_MyLocalId().raw;      /* (through %gs:0, before) */
    for (unsigned i = 0; i < 200; i++) {
        L4_Word_t sel = i & 1 ? 0x23 : 0;
        __asm__ volatile("mov %0, %%gs" : : "r"(sel));
        L4_LoadMR(0, 0);
        L4_Call((L4_ThreadId_t){ .raw = server });
        gs_caller_wrong += my_gs0() != mine;
    }
    clobbered = 1;
}

TEST(isolation, a_thread_loading_gs_then_calling_harms_not_its_partner)
{
    gs_served = gs_wrong = gs_caller_wrong = 0;
    clobbered = 0;
    L4_ThreadId_t s = tsup_thread(gs_server, 0);
    L4_Set_Priority(s, 254);
    L4_ThreadId_t c = tsup_space(gs_clobbering_caller, s.raw);
    tsup_wait_flag(&clobbered, 5000);
    tsup_kill(c);
    tsup_kill(s);
    EXPECT_EQ(clobbered, 1);
    EXPECT_EQ(gs_served, 200);
    EXPECT_EQ(gs_wrong, 0);                 /* the server's own %gs:0 each time */
    EXPECT_EQ(gs_caller_wrong, 0);          /* and the caller's, once back */
}

/* ---- instructions a thread may not use ---------------------------------
 * `int n` for every vector, and privileged and system instructions: each
 * arrives at the thread's exception handler as an exception IPC (never
 * reaching a kernel interrupt handler), and the thread goes on after the
 * handler skips the instruction. */
extern const uint8_t hostile_code[], hostile_end[];
__asm__(".pushsection .text\n"
        "hostile_code:\n"
        /* int $0 .. int $255, two bytes each */
        "  .set n, 0\n"
        "  .rept 256\n"
        "  .byte 0xcd, n\n"
        "  .set n, n + 1\n"
        "  .endr\n"
        "  cli\n  sti\n  hlt\n"                        /* one byte each */
        "  clts\n  invd\n  wbinvd\n"                  /* two bytes each */
        "  rdmsr\n  wrmsr\n  sysenter\n  swapgs\n"      /* two, two, two, three */
        "  mov %cr0, %rax\n  mov %rax, %cr3\n"        /* three each */
        "  lgdt (%rsp)\n  lidt (%rsp)\n"              /* four each */
        "  ltr %ax\n"                                 /* three */
        "  .byte 0xf1\n"                              /* icebp: #DB, one byte */
        "  ud2\n"
        "hostile_end:\n"
        "  ret\n"
        "  .popsection\n");

/* The length of each instruction above, in order. */
static const uint8_t hostile_len[] = {
    1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 3, 1, 2,
};
#define HOSTILE_INTS 256
#define HOSTILE_OTHERS (sizeof hostile_len)

static volatile L4_Word_t hostile_vectors[HOSTILE_INTS + HOSTILE_OTHERS], hostile_seen;
static volatile int hostile_done;

/* The exception handler: note the vector, go on at the next instruction
 * (after a trap such as int3 RIP is there already). */
static void hostile_handler(L4_Word_t unused)
{
    (void)unused;
    L4_Word_t *mr = __L4_Utcb();
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        unsigned i = hostile_seen;
        L4_Word_t at = (L4_Word_t)hostile_code;
        for (unsigned k = 0; k < i; k++)
            at += k < HOSTILE_INTS ? 2 : hostile_len[k - HOSTILE_INTS];
        if (L4_IpcSucceeded(tag) && i < HOSTILE_INTS + HOSTILE_OTHERS) {
            hostile_vectors[i] = mr[19];
            hostile_seen = i + 1;
            mr[1] = at + (i < HOSTILE_INTS ? 2 : hostile_len[i - HOSTILE_INTS]);
            mr[0] = 1;                      /* u = 1: RIP */
        } else {
            mr[0] = 0;
        }
        tag = L4_ReplyWait(from, &from);
    }
}

static void hostile_thread(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    /* (the handler's replies change RIP only: all else comes back) */
    __asm__ volatile("mov $0x10, %%eax\n\tcall *%0" : : "b"(hostile_code) : "rax", "memory");
    hostile_done = 1;
}

TEST(isolation, forbidden_instructions_are_exceptions_of_the_thread)
{
    hostile_seen = 0;
    hostile_done = 0;
    L4_ThreadId_t h = tsup_thread(hostile_handler, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t t = tsup_space(hostile_thread, h.raw);
    tsup_wait_flag(&hostile_done, 3000);
    int done = hostile_done;
    tsup_kill(t);
    tsup_kill(h);
    EXPECT_EQ(hostile_end - hostile_code, HOSTILE_INTS * 2 + 38);   /* the lengths add up */
    EXPECT(done);
    EXPECT_EQ(hostile_seen, HOSTILE_INTS + HOSTILE_OTHERS);
    for (unsigned n = 0; n < HOSTILE_INTS; n++)                   /* gates are DPL 0, */
        if (n != 3 && n != 4)                                      /* but for int3, into */
            EXPECT_EQ(hostile_vectors[n], 13);
    EXPECT_EQ(hostile_vectors[3], 3);
    const L4_Word_t *v = (const L4_Word_t *)hostile_vectors + HOSTILE_INTS;
    for (unsigned k = 0; k < HOSTILE_OTHERS - 2; k++)
        if (k != 8)                                                /* sysenter: #GP or #UD */
            EXPECT_EQ(v[k], 13);
    EXPECT(v[8] == 13 || v[8] == 6);
    EXPECT(v[HOSTILE_OTHERS - 2] == 1 || v[HOSTILE_OTHERS - 2] == 6);   /* icebp: #DB (TCG: #UD) */
    EXPECT_EQ(v[HOSTILE_OTHERS - 1], 6);                            /* ud2: #UD */
}

/* ---- segment loads ------------------------------------------------------
 * Loading DS, ES, FS, GS or SS with a selector user code may not use (the
 * kernel's data selector) raises #GP, which the kernel skips (spec 4.15,
 * as Pistachio does): no exception message, a pop still pops, and the
 * thread's %gs:0 is still its own local id. */
static volatile int segs_done;
static volatile L4_Word_t segs_stack_moved, segs_gs0_before, segs_gs0;

static void bad_segment_loads(L4_Word_t handler)
{
    L4_Set_ExceptionHandler((L4_ThreadId_t){ .raw = handler });
    segs_gs0_before = my_gs0();
    L4_Word_t before, after;
    __asm__ volatile("mov %%rsp, %0\n\t"
                     "mov $0x10, %%eax\n\t"
                     "mov %%eax, %%ds\n\t mov %%eax, %%es\n\t mov %%eax, %%fs\n\t"
                     "mov %%eax, %%gs\n\t mov %%eax, %%ss\n\t"
                     "push %%rax\n\t mov (%%rsp), %%ds\n\t mov 0(%%rsp), %%gs\n\t"
                     "add $8, %%rsp\n\t"
                     "pushq $0x10\n\t pop %%fs\n\t pushq $0x10\n\t pop %%gs\n\t"
                     "mov %%rsp, %1"
                     : "=&r"(before), "=&r"(after) : : "rax", "memory");
    segs_stack_moved = before - after;
    segs_gs0 = my_gs0();
    segs_done = 1;
}

TEST(isolation, forbidden_segment_loads_are_skipped)
{
    segs_done = 0;
    segs_gs0 = segs_gs0_before = 0;
    tsup_rec.count = 0;
    L4_ThreadId_t h = tsup_thread(tsup_recording_pager, 0);
    L4_Set_Priority(h, 200);
    L4_ThreadId_t t = tsup_space(bad_segment_loads, h.raw);
    tsup_wait_flag(&segs_done, 3000);
    int done = segs_done;
    L4_Word_t messages = tsup_rec.count;
    tsup_kill(t);
    tsup_kill(h);
    EXPECT(done);
    EXPECT_EQ(messages, 0);
    EXPECT_EQ(segs_stack_moved, 0);
    EXPECT(segs_gs0_before != 0);
    EXPECT_EQ(segs_gs0, segs_gs0_before);       /* the thread's local id */
}
