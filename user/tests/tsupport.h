/* Building blocks for the in-system tests: threads in the root task's
 * space, threads in new address spaces, and a pager for those spaces.
 *
 * Threads run a C function on a stack from a static pool. A thread whose
 * function returns marks itself done and sleeps; tests wait for that with
 * tsup_join and clean up with tsup_kill. A new space runs the same test
 * binary: its pager maps each faulting page of the test image from the
 * root task's space at the same address, so the new space shares the root
 * task's memory and tests can pass results through ordinary variables. A
 * fault anywhere else is not answered: the thread waits.
 *
 * Priorities: the root task runs at 255, new threads at 100 unless a
 * test changes them, so the root thread runs whenever it is not blocked.
 */
#pragma once
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/types.h>

typedef void (*tsup_fn_t)(L4_Word_t arg);

/* Areas of every space the tests create (the root task's are at
 * 0xBFF00000 and 0xBF000000). */
#define TSUP_KIP_AREA   0xA0000000UL
#define TSUP_UTCB_AREA  0xA0100000UL
#define TSUP_UTCB_LOG2  16

/* A fresh global id (numbers from USER_BASE + 100 up, version 1). */
L4_ThreadId_t tsup_new_id(void);

/* After each test (the suite calls it): delete every thread with an id
 * tsup_new_id handed out, with their spaces, and start the numbers
 * again, so that a test that failed half-way leaves nothing behind and
 * every run of a test sees the same ids. */
void tsup_cleanup(void);

/* 2^log2 bytes of memory from sigma0 (as GetAny: mapped at virtual =
 * physical, nil if none). Sigma0 never takes memory back, and the kernel
 * keeps a mapping-database node for every page sigma0 ever handed out;
 * so that running the tests again and again (the operating system's test
 * command) uses neither up, a thread asking again for the same size gets
 * memory it had before (sigma0 maps a page to its owner again), and
 * tsup_cleanup takes back what the root task's space got. */
L4_Fpage_t tsup_sigma0_any(int log2);

/* Root-space UTCB locations. */
L4_Word_t tsup_utcb_alloc(void);
void tsup_utcb_free(L4_Word_t loc);

/* Create and start a thread in the root task's space running fn(arg). */
L4_ThreadId_t tsup_thread(tsup_fn_t fn, L4_Word_t arg);

/* Create a new address space with one thread running fn(arg), paged by
 * the support pager; the thread is started by its pager. */
L4_ThreadId_t tsup_space(tsup_fn_t fn, L4_Word_t arg);

/* The same with an id chosen beforehand (tsup_new_id), for partners that
 * must name each other before both exist. */
L4_ThreadId_t tsup_thread_as(L4_ThreadId_t id, tsup_fn_t fn, L4_Word_t arg);
L4_ThreadId_t tsup_space_as(L4_ThreadId_t id, tsup_fn_t fn, L4_Word_t arg);

/* Create another thread in the space of `in` (created by tsup_space). */
L4_ThreadId_t tsup_space_thread(L4_ThreadId_t in, tsup_fn_t fn, L4_Word_t arg);

/* Wait (polling with sleeps) until t's function has returned; false after
 * `ms` milliseconds. */
int tsup_join(L4_ThreadId_t t, unsigned ms);

/* Has t's function returned? */
int tsup_done(L4_ThreadId_t t);

/* Delete t (and its space, with its last thread) and free its stack. */
void tsup_kill(L4_ThreadId_t t);

/* A 4 KB page from sigma0 (tsup_sigma0_any, by the support pager),
 * mapped at v = p (nil if none). Threads of new spaces, for which sigma0
 * does not exist (it serves privileged spaces only), get it so. */
L4_Fpage_t tsup_any_page(void);

/* The support pager's id (created on first use). */
L4_ThreadId_t tsup_pager(void);

/* Wait (up to a second) until t blocks in an IPC (Schedule says pending
 * send or waiting); false if it does not. */
int tsup_wait_blocked(L4_ThreadId_t t);

/* Start t, blocked waiting for *go, with `pager` as its pager: wait until
 * it blocks, set the pager, set *go. What it touches from now on faults
 * to pager (the set-up of every test of a pager of its own). */
void tsup_go_paged_by(L4_ThreadId_t t, L4_ThreadId_t pager, volatile int *go);

/* Processors (spec 4.9 ProcessorControl, 8.1 ProcessorInfo, 3.2
 * ProcessorNo). How many the KIP reports (ProcessorInfo bits 0-15, + 1). */
unsigned tsup_processors(void);

/* The ProcessorNo word of t's UTCB, for a thread of the caller's space
 * (the processor it is on); ~0 if t is not one. */
L4_Word_t tsup_processor_of(L4_ThreadId_t t);

/* Move t to processor `cpu` with Schedule; the test fails, with
 * Schedule's ErrorCode, if it refuses. For a thread of the caller's space,
 * wait (polling, up to about two seconds) until its UTCB shows `cpu`: the
 * kernel may complete the move of a thread running on another processor
 * shortly after Schedule returned. Of other threads, only they can tell. */
void tsup_move(L4_ThreadId_t t, L4_Word_t cpu);

/* Sleep in 1 ms steps until *flag is set, at most ms; its value then. */
int tsup_wait_flag(volatile int *flag, unsigned ms);

/* For pagers written by tests: if `tag` is a page fault in the test image,
 * load the reply that maps the pager's own page at the same address (what
 * the support pager does) and return true. Test pagers thus serve the code
 * and data of the threads they page, whenever those fault. */
int tsup_image_fault_reply(L4_MsgTag_t tag);

/* The loop of a pager written by a test: waits, answers faults in the
 * test image (as above), and gives every other message, a failed receive
 * too, to `answer`, which returns true with a reply loaded in the MRs
 * (sent by ReplyWait) or false to answer nothing. Never returns. */
typedef int (*tsup_answer_t)(L4_ThreadId_t from, L4_MsgTag_t tag, L4_Word_t *mr);
void tsup_pager_loop(tsup_answer_t answer) __attribute__((noreturn));

/* A pager for tests: serves faults in the test image (as above), records
 * every other message in tsup_rec and never answers it. */
struct tsup_record {
    volatile L4_Word_t tag, mr1, mr2, count;
};
extern struct tsup_record tsup_rec;
void tsup_recording_pager(L4_Word_t unused);

/* The calling thread as pager of threads it started: serve faults in the
 * test image (as above) until *flag is set and, with `until_stray`, some
 * other message has come, or `ms` have passed. Other messages are recorded
 * in tsup_stray (count in n) and not answered. */
struct tsup_stray {
    volatile L4_Word_t tag, addr, ip, n;
};
extern struct tsup_stray tsup_stray;
void tsup_serve_faults(volatile int *flag, int until_stray, unsigned ms);

/* The start message (spec 4.7): two untyped words, IP and SP, sent with
 * a one-second timeout. */
L4_MsgTag_t tsup_send_start(L4_ThreadId_t t, void (*ip)(void), L4_Word_t sp);

/* A thread function that waits forever (receiving from itself). */
void tsup_fn_sleeper(L4_Word_t unused);

/* A thread function that accepts map items anywhere, forever, counting
 * the messages in the unsigned variable `counter` points to. */
void tsup_map_receiver(L4_Word_t counter);

/* Sleep for `ms` milliseconds (a receive from oneself with a timeout). */
void tsup_sleep_ms(unsigned ms);

/* Plain IPC with explicit MRs for tests: load MR0 = tag and MR1..n = w. */
void tsup_load(L4_Word_t label, unsigned n, const L4_Word_t *w);

/* Kernel memory, measured in spaces: create spaces (thread numbers from
 * `first`, version 1, each with one active thread) until the kernel runs
 * out or `limit` exist. Returns how many exist, complete or not, and the
 * error code of the failure (0 if none) in *err. */
unsigned tsup_fill_spaces(L4_Word_t first, unsigned limit, L4_Word_t *err);
/* Delete the n spaces tsup_fill_spaces made; returns how many went. */
unsigned tsup_empty_spaces(L4_Word_t first, unsigned n);

/* Type of the KIP memory descriptor that decides about physical address
 * pa: the last one covering it (spec 8.2), 0 if none does. */
L4_Word_t tsup_mem_type(L4_Word_t pa);

/* Is every page of [base, base + size) conventional memory? */
int tsup_all_conventional(L4_Word_t base, L4_Word_t size);

/* Probes: a fresh thread in a space makes the accesses queued in tsup_pr
 * (up to TSUP_PROBE_MAX: read, write then read back, or inb from a port),
 * paged by a recording pager (tsup_rec) that never answers, so a fault
 * ends the run: "the probe faulted at a" means the space has no (good
 * enough) mapping at a, and nobody repaired it behind the test's back. */
#define TSUP_PROBE_MAX 20
enum { TSUP_PROBE_READ, TSUP_PROBE_WRITE, TSUP_PROBE_PORT };
struct tsup_probe {
    volatile L4_Word_t addr[TSUP_PROBE_MAX], val[TSUP_PROBE_MAX];
    volatile int op[TSUP_PROBE_MAX];            /* TSUP_PROBE_* */
    volatile unsigned n, progress;
    volatile int go, done;
    L4_Word_t fault_tag, fault_addr, fault_ip;  /* the last run's fault; tag 0: none */
};
extern struct tsup_probe tsup_pr;

/* Run the n accesses queued in tsup_pr in the space of `in` (nilthread:
 * the root task's). Returns how many completed (n: all); fault_tag is ~0
 * if the probe neither finished nor faulted. */
unsigned tsup_probe_run(L4_ThreadId_t in, unsigned n);
