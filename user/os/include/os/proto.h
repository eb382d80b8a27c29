/* The protocols of Pecan's small operating system (user/os). Servers are
 * threads; requests are IPC calls whose label names the operation; words
 * go in MR1.. as listed, strings as (length, bytes packed little-endian
 * into words). A reply's label is 0 on success or an OS_E* error.
 *
 * The root server (the root task's thread, found with os_root()):
 *   names      OS_NS_REGISTER  name                      -> -
 *              OS_NS_LOOKUP    name                      -> thread id (0: none)
 *   processes  OS_SPAWN        stdin server, stdin handle, stdout server,
 *                              stdout handle, group, command line -> task id
 *              OS_WAIT         task id                   -> status, how it ended
 *              OS_EXIT         status                    (no reply)
 *              OS_KILL         task                      -> -
 *              OS_KILL_GROUP   group                     -> tasks ended
 *              OS_NEW_GROUP    -                         -> a new group
 *              OS_TASK_INFO    index                     -> task id, state, priority,
 *                                                           pages, limit, processor, name
 *              OS_PROGRAM_INFO index                     -> name
 *              OS_CPU_INFO     processor                 -> its tasks, its threads (those
 *                                                           the root server put there and
 *                                                           that have not ended)
 *              OS_RUN_SUITE    0: tests, 1: benchmarks   -> passed, failed
 *              OS_KDB          -                         -> - (the kernel debugger: only
 *                                                           a privileged task may open it)
 *   memory     OS_SBRK         bytes                     -> old break
 *              and page faults of every task it starts (it is their pager)
 *   Unix-ABI   OS_UX_SPACE     thread id                 -> - (a new Unix-ABI space
 *   threads                                                 and its first thread)
 *              OS_UX_THREAD    thread id, a thread of the space, UTCB slot -> -
 *              OS_UX_DELETE    thread id                 -> -
 *              (only for the service the services table lets have them, the
 *              Unix server: ids from its range OS_UX_FIRST.., each thread's
 *              pager and exception handler the caller; docs/unix.md)
 *
 * A task is named by its thread id, or by its thread number alone
 * (version 0, what ps shows): then the live task with that number. Only
 * the task that spawned another may wait for it; a task that ends is
 * freed at once unless that parent is alive and has not waited yet. A
 * group (OS_SPAWN's group word; 0 = a group of its own, named by the new
 * task's id) is what Ctrl-C ends: the shell makes one (OS_NEW_GROUP) and
 * the console's foreground before it starts a pipeline in it.
 *
 * Requests have labels of at least OS_REQUEST; a server ignores other
 * messages without answering (a reply that found it waiting, say), so two
 * servers never answer each other's answers.
 *
 * Streams (the console server, the pipe server):
 *              OS_WRITE        handle, bytes             -> bytes taken
 *              OS_READ         handle, max               -> bytes (none: end)
 *              OS_CLOSE        handle                    -> -
 *   console:   OS_FOREGROUND   group                     -> - (Ctrl-C ends it)
 *              handle OS_STREAM_RAW: OS_READ gets the bytes as typed (no
 *              line editing, no echo, Ctrl-C is a byte: the reader is a
 *              terminal itself, the Unix server's), OS_WRITE's bytes go out
 *              at once as they are, OS_CLOSE (handle, reader) ends that
 *              raw reader's read, or its next if it is not reading (0 bytes:
 *              the end of its input); no other reader's
 *   Unix:      OS_UNIX_RUN     command line              -> - (runs it on the console;
 *                                                           OS_EBUSY while a session runs
 *                                                           whose client is still there)
 *   ("unix")   OS_UNIX_INPUT   bytes                     -> - (typed; answered when the
 *                                                           terminal has room)
 *              OS_UNIX_WAIT    -                         -> the session's wait status
 *   pipes:     OS_PIPE_CREATE  -                         -> read handle, write handle
 *              OS_RELEASE      task, handle, handle      (from the root server, no
 *                                                         reply: the task ended; close
 *                                                         these ends and those it made
 *                                                         and never handed on)
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
    OS_KILL_GROUP,
    OS_RUN_SUITE,           /* MR1: 0 the test suite, 1 the benchmarks -> passed, failed */
    OS_SUITE_DONE,          /* (the root server's own runner thread) */
    OS_PROGRAM_INFO,
    OS_KDB,
    OS_NEW_GROUP,
    OS_UX_SPACE,
    OS_UX_THREAD,
    OS_UX_DELETE,
    OS_CPU_INFO,
    OS_SBRK = 0x301,
    OS_WRITE = 0x401,
    OS_READ,
    OS_CLOSE,
    OS_FOREGROUND,
    OS_PIPE_CREATE = 0x501,
    OS_RELEASE,
    OS_UNIX_RUN = 0x601,
    OS_UNIX_INPUT,
    OS_UNIX_WAIT,
};

/* A stream handle's flag (the console's raw terminal mode, above). */
#define OS_STREAM_RAW 0x8000000000000000UL

/* Unix-ABI spaces (docs/unix.md): the thread numbers the Unix server's
 * threads take (from the first user number + OS_UX_FIRST), and where
 * the root server puts the KIP and the UTCBs in their spaces. */
#define OS_UX_FIRST     0x20000UL
#define OS_UX_THREADS   1024
#define OS_UX_UTCB_AREA 0x7FFFFF000000UL
#define OS_UX_UTCB_LOG2 22
#define OS_UX_KIP_AREA  0x7FFFFF400000UL

/* Reply labels. */
enum {
    OS_OK = 0,
    OS_ENOENT = 1,          /* no such name, program or task */
    OS_ENOMEM = 2,          /* out of memory, or over the task's limit */
    OS_EINVAL = 3,          /* malformed request */
    OS_ECLOSED = 4,         /* the stream's other end is gone */
    OS_EBUSY = 5,           /* taken by another (a name, a reader) */
    OS_EPERM = 6,           /* not allowed (killing the root server, ...) */
    OS_EINTR = 7,           /* a read ended by Ctrl-C */
    OS_ETOOLONG = 8,        /* a command line or argument list too long */
    OS_ENOSERVER = 9,       /* the server is gone (IPC failed): may be restarting */
};

/* How a task ended (second word of OS_WAIT's reply). */
enum { OS_END_EXIT, OS_END_KILLED, OS_END_FAULT };

/* Task states in OS_TASK_INFO (besides the kernel's thread states). */
#define OS_TASK_ENDED 0x100     /* ended; its parent has not waited yet */

/* Most bytes a stream moves in one message (an OS_WRITE's string, from
 * MR3, fits in the 64 MRs with room to spare). */
#define OS_MSG_BYTES 472

/* The bytes a message of `u` untyped words carries from MR `first` on
 * (OS_WRITE's from MR3, OS_UNIX_INPUT's from MR2): as many as it names,
 * but no more than its words from there hold, nor OS_MSG_BYTES. (A
 * server's MRs past those hold what it last sent or got: another
 * client's bytes.) */
static inline unsigned long os_msg_bytes(unsigned long u, unsigned first, unsigned long named)
{
    unsigned long carried = u >= first ? (u - first + 1) * 8 : 0;
    if (named > carried)
        named = carried;
    return named < OS_MSG_BYTES ? named : OS_MSG_BYTES;
}

/* The memory below a task's image (linked at 0x400000):
 *   OS_ARGS_VA                 its argument page (read-only)
 *   [OS_STACK_BOTTOM, ARGS)    its stack, zero pages on demand; the page
 *                              below is never mapped (a guard: an overflow
 *                              faults and ends the task)
 *   [OS_KEEP_VA, + pages)      a supervised server's pages that outlive it,
 *                              handed to its next incarnation */
#define OS_ARGS_VA      0x3FF000UL
#define OS_STACK_BOTTOM 0x3BF000UL              /* 256 KB of stack */
#define OS_KEEP_VA      0x200000UL
#define OS_ARGS_MAGIC   0x6F73617267730002UL    /* "osargs", version 2 */
struct os_args {
    L4_Word_t magic;
    L4_Word_t root;                      /* the root server's thread id */
    L4_Word_t in_server, in_handle;      /* stdin */
    L4_Word_t out_server, out_handle;    /* stdout */
    L4_Word_t heap_start;                /* first address sbrk hands out */
    L4_Word_t incarnation;               /* a server's restarts so far */
    L4_Word_t argc;
    L4_Word_t argv_offset[32];           /* into text */
    char text[3000];                     /* the command line, words NUL-separated */
};
