/* Tools for tests of address spaces (test_memory.c, test_security.c):
 *
 *  - agents: the first thread of a new space (tsup_space), which accepts
 *    mappings into its receive window (by default WIN, 256 MB) and, on
 *    command of the root thread, sends map/grant items or calls Unmap.
 *    What it received last is recorded in ag[i].
 *  - probes: a fresh thread in a space (the root task's or an agent's),
 *    paged by the test support's recording pager, which serves the test
 *    image only. The probe reads or writes a list of addresses; a missing
 *    mapping or right makes it fault to that pager, which records the
 *    fault and never answers. So "probe faulted at a" means: the space has
 *    no (sufficient) mapping at a - nobody repaired it behind our back.
 *  - pages: fresh memory from sigma0 (GetAny: mapped in the root task at
 *    v = p), each 4 KB page tagged with a value in its first word.
 */
#pragma once
#include <l4/types.h>
#include "tsupport.h"

#define WIN        0x40000000UL          /* agents' receive windows */
#define WIN_LOG2   28
#define ALIAS      0x30000000UL          /* a window in the root task's space */
#define POOL       0x48000000UL          /* a pager's pool, inside WIN */
#define HEAP       0x60000000UL          /* memory of stacked pagers' clients */
#define KIP_MAGIC  0x4BE6344CUL          /* 'L' '4' 0xE6 'K' */
#define NOPE       0xDEAD0000000000FAUL   /* probe: faulted at the address */
#define ELSEWHERE  0xDEAD0000000000EEUL   /* probe: faulted somewhere else */
#define STUCK      0xDEAD0000000000CCUL   /* probe: neither finished nor faulted */
#define FAULT_TAG_R 0xFFFFFFFFFFE40002UL  /* page-fault IPC tags (spec 6.2) */
#define IOFAULT_TAG 0xFFFFFFFFFF860002UL  /* I/O-fault IPC tag (spec 6.3) */
#define FAULT_TAG_W 0xFFFFFFFFFFE20002UL
extern char _image_start[], _end[];

/* Map and grant items (spec 2.5), fpages with rights, the agents' window. */
L4_Word_t default_window(void);
L4_Word_t fp(L4_Word_t base, int log2, L4_Word_t rwx);
L4_Word_t map_w0(L4_Word_t snd_base);
L4_Word_t grant_w0(L4_Word_t snd_base);

/* 2^log2 bytes of fresh memory from sigma0, page i tagged seed + i. */
L4_Fpage_t pages(int log2, L4_Word_t seed);
L4_Word_t word_at(L4_Word_t a);

/* Agents: ag[i] records what agent i received last. */
struct agent {
    volatile L4_Word_t acceptor;
    volatile L4_Word_t rcv_count, rcv_tag, rcv_err, rcv_w1, rcv_w2;
};
extern struct agent ag[4];
L4_ThreadId_t agent_new(unsigned i, L4_Word_t acceptor);    /* in a new space */
L4_ThreadId_t agent_here(unsigned i, L4_Word_t acceptor);   /* in the root task's */
/* A command; returns the agent's MR1 (~0 if the call failed), MR2 in cmd_r2. */
L4_Word_t cmd(L4_ThreadId_t a, L4_Word_t c, L4_Word_t x, L4_Word_t y, L4_Word_t z);
extern L4_Word_t cmd_r2;
int alive(L4_ThreadId_t a);         /* does it answer, with its own MRs? */
/* Agent a sends one map/grant item to `to`; 1 if the send succeeded. */
int agent_send(L4_ThreadId_t a, L4_Word_t w0, L4_Word_t w1, L4_ThreadId_t to);
/* Agent a calls Unmap on one fpage; returns MR0 afterwards. */
L4_Word_t agent_unmap(L4_ThreadId_t a, L4_Word_t fpage, L4_Word_t control);
/* The calling thread sends one map/grant item to `to`; 1 on success,
 * else the ErrorCode in give_err. */
int give(L4_ThreadId_t to, L4_Word_t w0, L4_Word_t w1);
extern L4_Word_t give_err;

/* Probes in the space of `in` (root_space: the root task's). */
extern const L4_ThreadId_t root_space;
L4_Word_t peek(L4_ThreadId_t in, L4_Word_t a);      /* the word, or NOPE/ELSEWHERE/STUCK */
int poke(L4_ThreadId_t in, L4_Word_t a, L4_Word_t v); /* 1 done, 0 write fault there, -1 */
int port_read(L4_ThreadId_t in, unsigned port);     /* 1 done, 0 I/O fault there, -1 */
/* Read the first word of n pages from a; how many were read before a
 * fault (values in tsup_pr.val). */
unsigned peek_pages(L4_ThreadId_t in, L4_Word_t a, unsigned n);
