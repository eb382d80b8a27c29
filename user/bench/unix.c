/* The Unix-ABI benchmark (docs/unix.md):
 *   unix_getpid  a thread of a Unix-ABI space executes Linux's getpid,
 *                `mov $39, %eax; syscall`; the kernel sends its exception
 *                handler, a thread of the benchmark's space, the Unix
 *                message; the handler answers with u = 1 (MR1, the result
 *                in RAX, a fixed pid) and waits for the next one in the
 *                same ReplyWait, as a server does; the thread resumes
 *                after its syscall. Timed in the Linux thread, like
 *                Linux's getpid (tools/linux-bench/init.c). */
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <pecan/unix_abi.h>
#include "bench.h"
#include "../tests/tsupport.h"

#define PID 4242

static uint64_t samples[BENCH_ITERATIONS];
static volatile L4_Word_t wrong_results;
static L4_Word_t linux_stack[512] __attribute__((aligned(16)));

/* The Linux thread: no X.2 call, only Linux system calls; it ends with
 * exit (60), which the handler does not answer. */
static void linux_getpid_loop(void)
{
    for (unsigned i = 0; i < BENCH_WARMUP + BENCH_ITERATIONS; i++) {
        L4_Word_t rax = 39;
        uint64_t t0 = bench_tsc();
        __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
        uint64_t t1 = bench_tsc();
        if (rax != PID)
            wrong_results++;
        if (i >= BENCH_WARMUP)
            samples[i - BENCH_WARMUP] = t1 - t0;
    }
    for (;;)
        __asm__ volatile("syscall" : : "a"(60UL) : "rcx", "r11", "memory");
}

/* ReplyWait (to `to`, from anythread) the way pingpong's server does it
 * (ipc.c): tag in R9, MR1 and MR2 in RAX and RBX, MR3..MR7 in whatever
 * R10, R12-R15 hold, through the KIP's Ipc stub. Returns the received
 * tag; MR1, MR2 and the sender come back in *mr1, *mr2, *from. */
static inline L4_Word_t reply_wait(L4_Word_t to, L4_Word_t tag, L4_Word_t *mr1, L4_Word_t *mr2,
                                   L4_Word_t *from)
{
    register L4_Word_t r9 __asm__("r9") = tag;
    register L4_Word_t r8 __asm__("r8") = 0;
    L4_Word_t rax = *mr1, rbx = *mr2, rsi = to, rdx = ~0UL, rdi = (L4_Word_t)__L4_Utcb();
    __asm__ volatile("push %%rbp\n\tcall *%[stub]\n\tpop %%rbp"
                     : "+r"(r9), "+r"(r8), "+a"(rax), "+b"(rbx), "+S"(rsi), "+d"(rdx), "+D"(rdi)
                     : [stub] "m"(__L4_Ipc)
                     : "rcx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    *mr1 = rax;
    *mr2 = rbx;
    *from = rsi;
    return r9;
}

void bench_unix(uint64_t overhead)
{
    const char *name = "unix_getpid";
    L4_ThreadId_t t = tsup_new_id(), me = L4_MyGlobalId();
    L4_Word_t old, *mr = __L4_Utcb();
    if (!L4_ThreadControl(t, t, me, L4_nilthread, (void *)~0UL) ||
        !L4_SpaceControl(t, 0, L4_FpageLog2(TSUP_KIP_AREA, 12),
                         L4_FpageLog2(TSUP_UTCB_AREA, TSUP_UTCB_LOG2), L4_nilthread, &old) ||
        !L4_SetUnixAbi(t, 1) || !L4_ThreadControl(t, t, me, me, (void *)TSUP_UTCB_AREA)) {
        bench_failed(name, "no Unix-ABI space (error %lu)", L4_ErrorCode());
        return;
    }
    L4_Set_Priority(t, 255);                        /* ours: no scheduling decision */
    L4_MsgTag_t start = L4_Receive_Timeout(t, L4_TimePeriod(2000000));
    if (start.raw != UNIX_TAG || mr[UNIX_MR_WHY] != UNIX_START) {
        bench_failed(name, "no start message (tag 0x%lx)", start.raw);
        return;
    }
    /* The start answer: every register 0 but RIP and RSP (as after a call). */
    for (unsigned i = 1; i <= UNIX_MSG_WORDS; i++)
        mr[i] = 0;
    mr[UNIX_MR_RIP] = (L4_Word_t)linux_getpid_loop;
    mr[UNIX_MR_RSP] = (L4_Word_t)&linux_stack[511];
    mr[UNIX_MR_RFLAGS] = 0x202;
    mr[0] = UNIX_MSG_WORDS;
    wrong_results = 0;
    L4_ThreadId_t from_id;
    L4_MsgTag_t tag = L4_Ipc(t, L4_anythread, L4_Timeouts(L4_ZeroTime, L4_Never), &from_id);
    L4_Word_t in = tag.raw, mr1 = mr[1], mr2 = mr[2], from = from_id.raw;
    /* Serve its system calls and, while it warms up, its page faults in
     * the image, until its exit. */
    for (unsigned calls = 0;; calls++) {
        L4_Word_t out;
        if (from != t.raw || calls > 2 * (BENCH_WARMUP + BENCH_ITERATIONS)) {
            bench_failed(name, "unexpected message 0x%lx from 0x%lx", in, from);
            return;
        } else if (in == UNIX_TAG && mr[UNIX_MR_WHY] == UNIX_SYSCALL && mr1 == 39) {
            out = 1;                                /* u = 1, label 0: RAX */
            mr1 = PID;
        } else if (in == UNIX_TAG && mr[UNIX_MR_WHY] == UNIX_SYSCALL && mr1 == 60) {
            break;                                  /* exit: it waits for ever */
        } else {
            mr[1] = mr1;
            mr[2] = mr2;
            if (!tsup_image_fault_reply((L4_MsgTag_t){ .raw = in })) {
                bench_failed(name, "unexpected message 0x%lx (MR1 0x%lx)", in, mr1);
                return;
            }
            out = mr[0];
            mr1 = mr[1];
            mr2 = mr[2];
        }
        in = reply_wait(t.raw, out, &mr1, &mr2, &from);
    }
    tsup_kill(t);
    if (wrong_results) {
        bench_failed(name, "%lu getpid results were wrong", wrong_results);
        return;
    }
    bench_report(name, bench_summarise(samples, BENCH_ITERATIONS), overhead);
}
