/* The hostile fuzzer (test_hostile.c): shared layout, state and helpers.
 *
 * Several unprivileged spaces, each with a keeper thread (its threads'
 * pager and watchdog) and fuzz threads that issue seeded random system
 * calls and instructions. The root task pages the keepers, handles some
 * of the fuzz threads' exceptions, and deletes and re-creates threads and
 * spaces while they run.
 *
 * Memory of a fuzz space, and who may write it:
 *   image       the test image, mapped read-only from the root task: the
 *               fuzz code reads the root's globals (hcfg) but never writes
 *   private     per thread a block: a code page (generated instructions),
 *               its state (struct hstate) and its stack; frames of the
 *               root task (h_priv), which reads the counters there. Far
 *               from scratch: no receive window, string buffer or wild
 *               store of any fuzz space reaches it
 *   scratch     where receive windows (so everything mapped), string
 *               buffers and wild stores go; served by the root task from
 *               a pool of pages the spaces share
 *   top page    the last page of the user address space (executable
 *               with K2, for a syscall in its last two bytes)
 * Everything else is "wild": a fault there moves the thread back to its
 * recovery point (hostile_reentry), as does any exception. */
#pragma once
#include <l4/types.h>
#include <l4/message.h>
#include <stdint.h>
#include "tsupport.h"

#define H_SPACES   3                    /* fuzz spaces */
#define H_THREADS  4                    /* fuzz threads per space */
#define H_SLOTS    (1 + H_THREADS)      /* slot 0: the keeper */
#define H_NUMBER   0x30000UL            /* thread number of space k, slot s: + 8 k + s */

#define H_BLOCK        0x4000UL         /* per thread: code page, state, stack */
#define H_STATE_OFF    0x1000UL
#define H_PRIV_REGION  0x0000200000000000UL
#define H_PRIV(k)      (H_PRIV_REGION + ((L4_Word_t)(k) << 32))
#define H_SCRATCH      0x40000000UL     /* 4 MB served, the rest of the GB not */
#define H_SCRATCH_SIZE 0x400000UL
#define H_SCRATCH_GB   0x40000000UL
#define H_TOP_PAGE     0x00007FFFFFFFF000UL
#define H_POOL_PAGES   512              /* 2 MB of root pages behind scratch */
#define H_PORTS        0x80             /* 8 harmless ports the keepers hand on */

/* Operation classes, the bits of fuzzops=. Bits 20 and up are the known
 * kernel bugs (issue 10 numbering, N for the ones found here): off, the
 * fuzzer avoids what triggers them. */
enum {
    HC_IPC = 1 << 0,        /* IPC: partners, ids, timeouts, tags, untyped words */
    HC_MAP = 1 << 1,        /* map and grant items, receive windows, I/O fpages */
    HC_STRING = 1 << 2,     /* string items and buffers */
    HC_UNMAP = 1 << 3,      /* Unmap and Flush */
    HC_EXREG = 1 << 4,      /* ExchangeRegisters */
    HC_SCHED = 1 << 5,      /* Schedule, ThreadSwitch, SystemClock, preemption flags */
    HC_PRIV = 1 << 6,       /* the privileged system calls, which must fail */
    HC_KDB = 1 << 7,        /* KDB PrintChar and PrintString */
    HC_SYSCALL = 1 << 8,    /* raw syscall with random registers, from anywhere */
    HC_INT = 1 << 9,        /* int n */
    HC_FAR = 1 << 10,       /* far transfers, iretq, compatibility mode */
    HC_INSN = 1 << 11,      /* privileged and faulting instructions */
    HC_WILD = 1 << 12,      /* wild loads, stores and jumps */
    HC_FLAGS = 1 << 13,     /* RFLAGS (TF, AC, DF) set before system calls */
    HC_DELETE = 1 << 14,    /* the root deletes threads and spaces while they run */
    HC_REDIRECT = 1 << 15,  /* redirectors between the fuzz spaces */
    HC_SIGMA0 = 1 << 16,    /* memory and ports from sigma0 */
    HC_K1_COMPAT_SYSCALL = 1 << 20,  /* syscall in compatibility mode (CSTAR 0) */
    HC_K2_NONCANONICAL = 1 << 21,    /* non-canonical RIPs: top-page syscall, SetIp, replies */
    HC_K3_BEYOND_MAP = 1 << 22,      /* sigma0 memory beyond the direct map */
    HC_K4_DELETE_COPIER = 1 << 23,   /* deleting threads in string transfers */
    HC_K5_HALT_COPIER = 1 << 24,     /* halting threads in string transfers */
    HC_K6_MANY_MAPPINGS = 1 << 25,   /* receive windows anywhere: kernel memory */
    HC_K7_DEVICES = 1 << 26,         /* device pages from sigma0, random image code */
    HC_K8_RBP_LEAK = 1 << 27,        /* check RBP for kernel pointers */
    HC_N1_NT_FLAG = 1 << 28,         /* RFLAGS.NT before system calls (test_found.c) */
    HC_N2_SIGMA0_TOP = 1 << 29,      /* sigma0 asked for the last page (test_found.c) */
    HC_N3_HUGE_MAP = 1 << 30,        /* sigma0 asked for a gigabyte fpage (test_found.c) */
};
#define HC_ALL (~0UL)

/* Operations, each counted. */
enum {
    HOP_IPC, HOP_UNMAP, HOP_EXREG, HOP_SCHEDULE, HOP_SWITCH, HOP_PRIV, HOP_KDB,
    HOP_SYSCALL, HOP_INT, HOP_FAR, HOP_COMPAT, HOP_INSN, HOP_WILD, HOP_FLAGS,
    HOP_SIGMA0, HOP_TOP_SYSCALL, HOP_COUNT
};
extern const char *const hop_names[HOP_COUNT];

/* A fuzz thread's state, in its private block: the root reads it. */
struct hstate {
    uint32_t space, slot;
    uint64_t calls;                     /* operations begun: the progress */
    uint64_t recoveries;                /* times it came back through hostile_reentry */
    volatile uint32_t op;               /* the operation under way, HOP_COUNT: none */
    volatile uint32_t in_string;        /* it may be in a string transfer */
    uint64_t count[HOP_COUNT];
    uint64_t ipc_ok, ipc_err[8];        /* IPC outcomes by error code */
    uint64_t transferred;               /* IPCs that carried typed items */
    uint64_t priv_success, priv_wrong_error, leak, clock_back, clock;
    /* the first finding: what, and the call that made it */
    uint64_t find_what, find_call, find_value;
    uint32_t find_op, find_reg;
    uint32_t gen;                       /* incarnation of the thread (the root's count) */
    volatile uint32_t started;          /* = gen once it runs (set its handler) */
};

/* The keeper's state, in block 0 of its space, after the struct hstate
 * that says which space and slot the block is. */
struct kstate {
    uint64_t faults, served, wild, exceptions, io_faults, rescued, foreign;
    uint64_t rescued_in[HOP_COUNT + 1];
    uint64_t last_calls[H_THREADS + 1];
    uint32_t stalled[H_THREADS + 1];
};

/* What the root tells the fuzz spaces (root globals: read-only to them). */
struct hconfig {
    uint64_t ops, seed;
    volatile int stop, trace;
    L4_ThreadId_t root_pager, root_handler, root_main, sigma0;
    volatile L4_ThreadId_t id[H_SPACES][H_SLOTS];       /* slot 0: keeper */
    volatile L4_ThreadId_t stale[16];                   /* deleted ids */
    volatile unsigned nstale;
    L4_Word_t image_start, image_end;
};
extern struct hconfig hcfg;

/* The root task's frames behind the private blocks. */
extern uint8_t h_priv[H_SPACES][H_SLOTS][H_BLOCK];

/* ---- random numbers -------------------------------------------------- */

typedef struct { uint64_t s; } hrng_t;

static inline uint64_t hrnd(hrng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15UL);        /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}
/* A generator for one purpose, `what` (an operation's place and number,
 * a thread's role): the seed is spread over all bits first, so that near
 * seeds do not give near sequences. */
static inline hrng_t hrng(uint64_t seed, uint64_t what)
{
    return (hrng_t){ seed * 0x9E3779B97F4A7C15UL ^ what };
}
static inline uint64_t hpick(hrng_t *r, uint64_t n) { return hrnd(r) % n; }
static inline int hchance(hrng_t *r, unsigned one_in) { return hpick(r, one_in) == 0; }
static inline int hon(uint64_t cls) { return (hcfg.ops & cls) != 0; }

/* ---- layout helpers ---------------------------------------------------- */

static inline L4_Word_t h_block(unsigned k, unsigned s) { return H_PRIV(k) + s * H_BLOCK; }
static inline struct hstate *h_state_in(uint8_t *block) { return (struct hstate *)(block + H_STATE_OFF); }
static inline struct kstate *h_kstate_in(uint8_t *block)
{
    _Static_assert(sizeof(struct hstate) <= 0x400, "keeper state after the hstate");
    return (struct kstate *)(block + H_STATE_OFF + 0x400);
}
/* A sibling's state, as its space sees it. */
static inline struct hstate *h_sibling(const struct hstate *st, unsigned s)
{
    return h_state_in((uint8_t *)h_block(st->space, s));
}
static inline L4_ThreadId_t h_local_id(unsigned s)
{
    return (L4_ThreadId_t){ .raw = TSUP_UTCB_AREA + s * 1024 + 0x200 };
}
/* Which space and slot a thread id belongs to (global or, in the
 * keeper's space, local); -1 if none. */
int h_whose(L4_ThreadId_t t, unsigned in_space, unsigned *space, unsigned *slot);

/* ---- values (hostile_values.c) ----------------------------------------- */

L4_Word_t hv_word(hrng_t *r);
L4_Word_t hv_time(hrng_t *r);           /* a 16-bit time value */
L4_ThreadId_t hv_partner(hrng_t *r, const struct hstate *st);
enum { HA_READ, HA_WRITE, HA_EXEC };
L4_Word_t hv_addr(hrng_t *r, const struct hstate *st, int use);
L4_Word_t hv_scratch(hrng_t *r);
L4_Word_t hv_window(hrng_t *r);         /* an acceptor's receive window */
L4_Word_t hv_send_fpage(hrng_t *r, const struct hstate *st);
L4_Word_t hv_unmap_fpage(hrng_t *r, const struct hstate *st);
L4_Word_t hv_io_fpage(hrng_t *r);

/* ---- the fuzz thread (hostile_entry.c, hostile_ipc.c, hostile_calls.c,
 * hostile_cpu.c) ------------------------------------------------------------ */

struct hregs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rflags;
};
/* Load the registers (and RFLAGS), call `target`, store them back. */
void hostile_call(struct hregs *r, const void *target);
extern const char h_sys[];             /* syscall; ret */
/* Registers as bits, in hregs order: those a call returns results in. */
enum {
    HR_RAX = 1 << 0, HR_RBX = 1 << 1, HR_RCX = 1 << 2, HR_RDX = 1 << 3, HR_RSI = 1 << 4,
    HR_RDI = 1 << 5, HR_R8 = 1 << 7, HR_R9 = 1 << 8, HR_R10 = 1 << 9,
    HR_MRS = HR_R9 | HR_RAX | HR_RBX | HR_R10 | 0xF << 11,     /* MR0..MR7: R9 RAX RBX R10 R12-R15 */
    HR_IPC = HR_MRS | HR_RSI | HR_RDI | HR_RDX | HR_R8,        /* (RDX, R8: the sender's) */
};
/* No kernel address in a register of `out` outside `results` (HR_*),
 * unless it was one of ours in `in`: else a finding. */
void h_check_leaks(struct hstate *st, const struct hregs *in, const struct hregs *out,
                   unsigned results);
/* Note a finding (HF_*) of the operation under way; the first one of a
 * thread is kept, for the report. */
void h_found(struct hstate *st, uint64_t what, uint64_t value);
enum { HF_PRIV = 1, HF_LEAK, HF_CLOCK, HF_INSN };

void hop_ipc(struct hstate *st, hrng_t *r);
void hop_sigma0(struct hstate *st, hrng_t *r);
void hop_unmap(struct hstate *st, hrng_t *r);
void hop_exreg(struct hstate *st, hrng_t *r);
void hop_schedule(struct hstate *st, hrng_t *r);
void hop_switch(struct hstate *st, hrng_t *r);
void hop_priv(struct hstate *st, hrng_t *r);
void hop_kdb(struct hstate *st, hrng_t *r);
void hop_syscall(struct hstate *st, hrng_t *r);
void hop_top_syscall(struct hstate *st, hrng_t *r);
void hop_int(struct hstate *st, hrng_t *r);
void hop_far(struct hstate *st, hrng_t *r);
void hop_compat(struct hstate *st, hrng_t *r);
void hop_insn(struct hstate *st, hrng_t *r);
void hop_wild(struct hstate *st, hrng_t *r);
void hop_flags(struct hstate *st, hrng_t *r);

/* Where every thread starts and every recovery goes (32-bit
 * compatibility mode included). */
extern const char hostile_reentry[];
extern L4_Word_t h_root_handler_id;     /* hcfg.root_handler, for hostile_reentry */
void hostile_keeper(unsigned space);

/* ---- the root side (hostile_root.c) -------------------------------------- */

void h_root_pager(L4_Word_t unused);
void h_root_handler(L4_Word_t unused);
extern uint64_t h_root_exceptions;      /* the root handler's count */
/* The 2 MB of root pages behind the scratch areas (2 MB aligned). */
uint8_t *h_pool(void);
/* Page i of the root task's pages behind the fuzz spaces (scratch, top
 * pages, private blocks); NULL after the last. */
uint8_t *h_root_page(unsigned i);
/* Fuzz space k with its keeper and fuzz threads (redirector: nil for
 * none), and its deletion; a fuzz thread deleted and made anew. */
void h_space_create(unsigned k, L4_ThreadId_t redirector);
void h_space_delete(unsigned k);
void h_thread_renew(unsigned k, unsigned s);
