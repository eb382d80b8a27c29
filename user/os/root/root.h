/* The root server of Pecan's small operating system: one thread that is
 * name server, process manager, memory server, the pager of every task it
 * starts and the supervisor of the system's servers (os/proto.h).
 * Single-threaded on purpose: every request and every page fault is
 * handled to the end before the next, so the server's data needs no
 * locking. */
#pragma once
#include <l4/types.h>
#include <os/proto.h>

/* ---- physical memory from sigma0 (pool.c) ---------------------------------- */
#define POOL_BOOT_PAGES 8192                /* 32 MB at boot, */
#define POOL_MAX_PAGES 24576                /* up to 96 MB */
/* Owners of pages: a task's slot, or KEEP_OWNER + a service's index for
 * pages that outlive the service's incarnations. */
#define KEEP_OWNER 64
void pool_init(void);
L4_Word_t pool_alloc(int owner);            /* a zeroed page (root va = pa), 0 if none */
void pool_free_owner(int owner);            /* every page of an owner */
unsigned pool_pages(int owner);             /* pages an owner holds (-1: free ones) */
L4_Word_t pool_page(int owner, unsigned n); /* its n-th page, 0 if none */

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
    const unsigned char *symtab, *strtab;   /* its symbols, if the ELF has them */
    L4_Word_t nsyms, strsize;
};
void programs_init(void);
const struct program *program_find(const char *name);
const struct program *program_at(unsigned i);   /* NULL past the last */
/* The function around address `ip` of the program: its name and ip's
 * offset into it; NULL if the ELF has no symbol for it. */
const char *program_symbol(const struct program *p, L4_Word_t ip, L4_Word_t *offset);

/* ---- supervised servers (services.c) ----------------------------------------- */
/* A server the root server starts at boot and restarts when it ends,
 * with the rights its entry here gives it (never by its name alone). */
struct service {
    const char *name;
    unsigned prio;
    int console_streams;                    /* stdin and stdout: the console */
    int users_may_run;                      /* other copies may be started as programs */
    int notify;                             /* told of ended tasks' streams (OS_RELEASE) */
    L4_Word_t port, nports;                 /* I/O ports it may have */
    int irq;                                /* interrupt line it handles, -1: none */
    unsigned keep_pages;                    /* pages at OS_KEEP_VA that outlive it */
    unsigned limit;                         /* pages it may have (0: the default) */
    int unix_spaces;                        /* may have Unix-ABI spaces (OS_UX_*) */
};
#define NSERVICES 4
extern const struct service services[NSERVICES];
void services_start(void);
/* A task of a service ended: restart it (unless it keeps failing). */
void service_ended(const struct service *s, int how);
/* The service a task that is no service may not copy, by program name. */
const struct service *service_named(const char *name);
/* A task ended: tell the servers that hold its streams. */
void services_release(L4_ThreadId_t task, L4_Word_t in_server, L4_Word_t in_handle,
                      L4_Word_t out_server, L4_Word_t out_handle);
void service_registered(L4_ThreadId_t who);

/* ---- processors (cpus.c) ----------------------------------------------------- */
#define CPUS_MAX 16                         /* the KIP has room for 16 descriptors */
void cpus_init(void);
/* The processor for a new task of `svc` (NULL: a program): processor 0
 * for a server with ports or an interrupt, else the least loaded. */
unsigned cpu_for(const struct service *svc);
/* Move a thread we just made to `cpu`: where it is now (ours if
 * Schedule refused; said so on the console). */
unsigned cpu_move(L4_ThreadId_t thread, unsigned cpu);
void cpu_count(unsigned cpu, int tasks, int threads);     /* placed (+) or gone (-) */
int cpu_info(L4_Word_t *mr, unsigned *u);   /* OS_CPU_INFO: processor mr[1]'s load */

/* ---- tasks (tasks.c) ------------------------------------------------------ */
#define MAX_TASKS 32                        /* slots; the first NSERVICES are the services' */
struct task {
    int used, ended;                        /* ended: kept for its parent to wait for */
    L4_ThreadId_t id;                       /* its (only) thread */
    const struct program *prog;
    const struct service *svc;              /* NULL: an ordinary program */
    char name[32];
    unsigned prio;
    L4_Word_t heap_start, brk;
    unsigned limit;                         /* pages */
    L4_Word_t args_page;                    /* root va of its argument page */
    L4_Word_t in_server, in_handle, out_server, out_handle;
    L4_ThreadId_t parent;                   /* who may wait for it (nil: nobody) */
    L4_Word_t group;                        /* Ctrl-C ends a group */
    int status, how;
    L4_ThreadId_t waiter;                   /* its parent, blocked in OS_WAIT */
    L4_Word_t serial;                       /* which task of the slot (ids repeat) */
    unsigned cpu;                           /* the processor its threads run on */
};
extern struct task tasks[MAX_TASKS];
struct task *task_of(L4_ThreadId_t thread);         /* a running task */
struct task *task_named(L4_Word_t id);              /* by id, or number with version 0 */
int task_slot(const struct task *t);
L4_ThreadId_t task_service_id(int i);               /* services[i]'s, in every incarnation */
struct spawn {
    const char *cmdline;
    L4_Word_t in_server, in_handle, out_server, out_handle;
    L4_ThreadId_t parent;
    L4_Word_t group;
    const struct service *svc;              /* starting a service */
    L4_Word_t incarnation;
};
struct task *task_spawn(const struct spawn *how, int *err);
/* End a task: delete its thread, give its memory back, release its
 * streams, restart it if it is a service, and tell its parent (now, or
 * when it asks) or forget it. */
void task_end(struct task *t, int status, int how);
int task_wait(L4_ThreadId_t from, L4_Word_t id, L4_Word_t *mr);    /* -1: answered later */

/* ---- page faults (pager.c) -------------------------------------------------- */
enum fault_verdict { FAULT_MAPPED, FAULT_NOTHING_THERE, FAULT_NOT_ALLOWED,
                     FAULT_STACK_OVERFLOW, FAULT_OVER_LIMIT, FAULT_NO_MEMORY };
/* Answer the fault of `t` at addr (access: r 4, w 2, x 1): FAULT_MAPPED
 * with the reply loaded, or why the task must end. */
enum fault_verdict pager_fault(struct task *t, L4_Word_t addr, unsigned access);
int pager_io_fault(struct task *t, L4_Word_t io_fpage);

/* ---- reports of tasks that fault (report.c) ----------------------------------- */
void report_page_fault(const struct task *t, enum fault_verdict why, L4_Word_t addr,
                       unsigned access, L4_Word_t ip);
void report_io_fault(const struct task *t, L4_Word_t port, L4_Word_t ip);
void report_exception(const struct task *t, const L4_Word_t *mr);

/* ---- Unix-ABI spaces for the Unix server (ux.c) ------------------------------ */
int ux_request(struct task *t, L4_Word_t label, const L4_Word_t *mr);
void ux_task_ended(struct task *t);         /* its threads and spaces go */

/* ---- names (names.c) ------------------------------------------------------- */
int names_register(const char *name, L4_ThreadId_t who);
L4_ThreadId_t names_lookup(const char *name);
void names_forget(L4_ThreadId_t who);

/* ---- the test suite and the benchmarks (suite.c) ------------------------ */
int suite_start(L4_ThreadId_t from, L4_Word_t what);     /* -1: answered later */
int suite_done(L4_ThreadId_t from, L4_Word_t *mr);
