/* FPU and SSE registers per thread (lazy switching): threads that use
 * them keep their values across thread switches and IPC, whatever the
 * other threads do with theirs. User code is built without FPU/SSE code
 * generation, so the registers are touched by inline assembly only. */
#include <l4/ipc.h>
#include <l4/schedule.h>
#include "testlib.h"
#include "tsupport.h"

static inline void xmm_set(uint64_t a, uint64_t b)
{
    __asm__ volatile("movq %0, %%xmm0\n\tmovq %1, %%xmm15" : : "r"(a), "r"(b));
}
static inline void xmm_get(uint64_t *a, uint64_t *b)
{
    __asm__ volatile("movq %%xmm0, %0\n\tmovq %%xmm15, %1" : "=r"(*a), "=r"(*b));
}
/* x87: push a value, read it back later (fild/fistp keep the stack). */
static inline void x87_push(int64_t v)
{
    __asm__ volatile("fildq %0" : : "m"(v));
}
static inline int64_t x87_top(void)
{
    int64_t v;
    __asm__ volatile("fistpq %0\n\tfildq %0" : "=m"(v));
    return v;
}

static volatile int stop;
static volatile uint64_t bad[4];

/* Sets its own pattern, then checks it while yielding to the others. */
static void fpu_worker(L4_Word_t pattern)
{
    xmm_set(pattern, ~pattern);
    x87_push((int64_t)(pattern & 0xFFFF));
    while (!stop) {
        uint64_t a, b;
        L4_Yield();
        xmm_get(&a, &b);
        if (a != pattern || b != ~pattern || x87_top() != (int64_t)(pattern & 0xFFFF))
            bad[pattern & 3] = a;
    }
}

/* A thread that never touches the FPU, switching in between. */
static void integer_worker(L4_Word_t unused)
{
    (void)unused;
    while (!stop)
        L4_Yield();
}

TEST(fpu, registers_survive_switches)
{
    stop = 0;
    for (int i = 0; i < 4; i++)
        bad[i] = 0;
    L4_ThreadId_t t[4];
    t[0] = tsup_thread(fpu_worker, 0x1111222233334440UL);
    t[1] = tsup_space(fpu_worker, 0x5555666677778881UL);
    t[2] = tsup_thread(fpu_worker, 0x9999AAAABBBBCCC2UL);
    t[3] = tsup_thread(integer_worker, 0);
    xmm_set(0xFEEDFACEUL, 0xC0FFEEUL);              /* ours too */
    tsup_sleep_ms(50);                              /* they yield to each other */
    uint64_t a, b;
    xmm_get(&a, &b);
    stop = 1;
    tsup_sleep_ms(5);
    for (int i = 0; i < 4; i++)
        tsup_kill(t[i]);
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(bad[i], 0);
    EXPECT_EQ(a, 0xFEEDFACEUL);
    EXPECT_EQ(b, 0xC0FFEEUL);
}

/* Across IPC (the fast path switches threads too). */
static void fpu_echo(L4_Word_t pattern)
{
    xmm_set(pattern, pattern);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        uint64_t a, b;
        xmm_get(&a, &b);
        (void)tag;
        __L4_Utcb()[0] = 1;
        __L4_Utcb()[1] = a;
        xmm_set(pattern, pattern);
        tag = L4_ReplyWait(from, &from);
    }
}

TEST(fpu, registers_survive_ipc)
{
    L4_ThreadId_t srv = tsup_space(fpu_echo, 0xABCDEF01UL);
    L4_Set_Priority(srv, 255);
    xmm_set(0x13579BDFUL, 0);
    L4_Word_t seen[5];
    for (int i = 0; i < 5; i++) {
        __L4_Utcb()[0] = 0;
        L4_Call(srv);
        seen[i] = __L4_Utcb()[1];
    }
    uint64_t a, b;
    xmm_get(&a, &b);
    tsup_kill(srv);
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(seen[i], 0xABCDEF01UL);
    EXPECT_EQ(a, 0x13579BDFUL);
}
