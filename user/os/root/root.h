/* The root server of Pecan's small operating system: one thread that is
 * name server, process manager, memory server and the pager of every
 * task it starts (os/proto.h). Single-threaded on purpose: every request
 * and every page fault is handled to the end before the next, so the
 * server's data needs no locking. */
#pragma once
#include <l4/types.h>
#include <os/proto.h>

/* ---- physical memory from sigma0 (pool.c) ---------------------------------- */
#define POOL_MAX_PAGES 8192                 /* 32 MB */
void pool_init(void);
L4_Word_t pool_alloc(int task);             /* a zeroed page (root va = pa), 0 if none */
void pool_free_task(int task);              /* every page of a task */
unsigned pool_pages(int task);              /* pages a task holds (-1: free ones) */

/* ---- programs: boot modules holding ELF images (loader.c) -------------------- */
struct segment {
    L4_Word_t vaddr, memsz, filesz, flags;  /* flags: ELF PF_X 1, PF_W 2, PF_R 4 */
    const unsigned char *file;              /* its bytes in the module */
};
struct program {
    char name[32];
    L4_Word_t entry, end;                   /* end: first address after the image */
    unsigned nseg;
    struct segment seg[6];
};
void programs_init(void);
const struct program *program_find(const char *name);
const char *program_name(unsigned i);       /* NULL past the last */

/* ---- tasks (tasks.c) ------------------------------------------------------ */
#define MAX_TASKS 32
struct task {
    int used;
    L4_ThreadId_t id;                       /* its (only) thread */
    const struct program *prog;
    char name[32];
    int driver;                             /* may get I/O ports and interrupts */
    unsigned prio;
    L4_Word_t heap_start, brk;
    unsigned limit;                         /* pages */
    L4_Word_t args_page;                    /* root va of its argument page */
    L4_Word_t out_server, out_handle;
    /* when ended: waiting for a waiter */
    int ended, status, how;
    L4_ThreadId_t waiter;                   /* a thread blocked in OS_WAIT */
};
extern struct task tasks[MAX_TASKS];
struct task *task_of(L4_ThreadId_t thread);
struct task *task_spawn(const char *cmdline, L4_Word_t in_server, L4_Word_t in_handle,
                        L4_Word_t out_server, L4_Word_t out_handle, int *err);
/* End a task: delete its thread, give its memory back, close its stdout
 * and tell its waiter (now, or when one asks). */
void task_end(struct task *t, int status, int how);
void task_reap(struct task *t);             /* free an ended task's slot */

/* ---- page faults (pager.c) -------------------------------------------------- */
/* Answer the fault of `t` at addr; false when the task must end. */
int pager_fault(struct task *t, L4_Word_t addr, unsigned access);
int pager_io_fault(struct task *t, L4_Word_t io_fpage);

/* ---- names (names.c) ------------------------------------------------------- */
int names_register(const char *name, L4_ThreadId_t who);
L4_ThreadId_t names_lookup(const char *name);
void names_forget(L4_ThreadId_t who);

/* ---- the test suite and the benchmarks (suite.c) ------------------------ */
int suite_start(L4_ThreadId_t from, L4_Word_t what);     /* -1: answered later */
int suite_done(L4_ThreadId_t from, L4_Word_t *mr);
