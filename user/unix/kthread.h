/* The kernel threads behind Linux threads. Only the root server may use
 * ThreadControl and SpaceControl: it makes and deletes them for us on
 * request (os/proto.h, OS_UX_*), numbers from the range it gave us, each
 * a thread of a Unix-ABI space (docs/unix.md) whose pager and exception
 * handler we are. */
#pragma once
#include <stdbool.h>
#include <l4/types.h>
#include <os/proto.h>

#define KTHREAD_MAX OS_UX_THREADS        /* numbers we have (os/proto.h) */

/* The first thread number of our range, set by kthread_init at boot
 * (asking for the KIP is an exception the kernel emulates: not for
 * every message). */
extern L4_Word_t kthread_first;
void kthread_init(void);

/* A free id (number and a new version); nil if none is left. */
L4_ThreadId_t kthread_id_alloc(void);
void kthread_id_free(L4_ThreadId_t id);
/* Its index in our range (0 .. KTHREAD_MAX-1), -1 if not ours. */
int kthread_index(L4_ThreadId_t id);

/* A new space whose first thread is id; 0 or -errno. */
int kthread_new_space(L4_ThreadId_t id);
/* A thread in the space of `in` with UTCB slot `slot`; 0 or -errno. */
int kthread_new(L4_ThreadId_t id, L4_ThreadId_t in, unsigned slot);
/* Delete it (the space goes with its last thread). */
void kthread_delete(L4_ThreadId_t id);

/* Halt (SIGSTOP) or resume a thread: we are its exception handler, so
 * ExchangeRegisters reaches it from here (docs/unix.md). */
void kthread_halt(L4_ThreadId_t id, bool halt);
/* Have it send its interrupt message as soon as it runs (bit K). */
void kthread_interrupt(L4_ThreadId_t id);
