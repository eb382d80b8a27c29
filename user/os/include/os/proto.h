/* The protocols of Pecan's small operating system (user/os). Servers are
 * threads; requests are IPC calls whose label names the operation; words
 * go in MR1.. as listed, strings as (length, bytes packed little-endian
 * into words). A reply's label is 0 on success or an OS_E* error.
 *
 * The root server (the root task's thread, found with os_root()):
 *   names      OS_NS_REGISTER  name                      -> -
 *              OS_NS_LOOKUP    name                      -> thread id (0: none)
 *   processes  OS_SPAWN        stdin server, stdin handle, stdout server,
 *                              stdout handle, command line -> task id
 *              OS_WAIT         task id                   -> status, how it ended
 *              OS_EXIT         status                    (no reply)
 *              OS_KILL         task id                   -> -
 *              OS_TASK_INFO    index                     -> task id, state, priority,
 *                                                           pages, limit, name
 *              OS_ATTACH_IRQ   line                      -> - (caller becomes its handler)
 *              OS_RUN_SUITE    0: tests, 1: benchmarks   -> passed, failed
 *              OS_KDB          -                         -> - (the kernel debugger: only
 *                                                           a privileged task may open it)
 *   memory     OS_SBRK         bytes                     -> old break
 *              and page faults of every task it starts (it is their pager)
 *
 * Requests have labels of at least OS_REQUEST; a server ignores other
 * messages without answering (a reply that found it waiting, say), so two
 * servers never answer each other's answers.
 *
 * Streams (the console server, the pipe server):
 *              OS_WRITE        handle, bytes             -> bytes taken
 *              OS_READ         handle, max               -> bytes (none: end)
 *              OS_CLOSE        handle                    -> -
 *   console:   OS_FOREGROUND   task id                   -> - (Ctrl-C kills it)
 *   pipes:     OS_PIPE_CREATE  -                         -> handle
 */
#pragma once
#include <l4/types.h>

enum {
    OS_REQUEST = 0x100,
    OS_NS_REGISTER = 0x101,
    OS_NS_LOOKUP,
    OS_SPAWN = 0x201,
    OS_WAIT,
    OS_EXIT,
    OS_KILL,
    OS_TASK_INFO,
    OS_ATTACH_IRQ,
    OS_RUN_SUITE,           /* MR1: 0 the test suite, 1 the benchmarks -> passed, failed */
    OS_SUITE_DONE,          /* (the root server's own runner thread) */
    OS_KDB,
    OS_SBRK = 0x301,
    OS_WRITE = 0x401,
    OS_READ,
    OS_CLOSE,
    OS_FOREGROUND,
    OS_PIPE_CREATE = 0x501,
};

/* Reply labels. */
enum {
    OS_OK = 0,
    OS_ENOENT = 1,          /* no such name, program or task */
    OS_ENOMEM = 2,          /* out of memory, or over the task's limit */
    OS_EINVAL = 3,          /* malformed request */
    OS_ECLOSED = 4,         /* the stream's other end is gone */
    OS_EBUSY = 5,
};

/* How a task ended (second word of OS_WAIT's reply). */
enum { OS_END_EXIT, OS_END_KILLED, OS_END_FAULT, OS_END_INTERRUPT };

/* Task states in OS_TASK_INFO. */
enum { OS_TASK_RUNNING = 1, OS_TASK_SERVER = 2 };

/* Longest string in one message: 60 words after the header words. */
#define OS_MSG_BYTES 472

/* The page a new task finds at OS_ARGS_VA: who it is and what it got. */
#define OS_ARGS_VA   0x3FF000UL
#define OS_ARGS_MAGIC 0x6F73617267730001UL      /* "osargs", version 1 */
struct os_args {
    L4_Word_t magic;
    L4_Word_t root;                      /* the root server's thread id */
    L4_Word_t in_server, in_handle;      /* stdin */
    L4_Word_t out_server, out_handle;    /* stdout */
    L4_Word_t heap_start;                /* first address sbrk hands out */
    L4_Word_t argc;
    L4_Word_t argv_offset[32];           /* into text */
    char text[3000];                     /* the command line, words NUL-separated */
};
