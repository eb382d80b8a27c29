/* libos: what programs of Pecan's small operating system call (the
 * protocols are in os/proto.h). Programs define app_main(); libos runs
 * it on a stack with a guard page below, with the arguments the shell
 * gave, and ends the task with its result. printf writes to the task's
 * stdout, getchar and fgets read its stdin, malloc takes memory from
 * os_sbrk. */
#pragma once
#include <stddef.h>
#include <l4/message.h>
#include <l4/types.h>
#include <os/proto.h>

int app_main(int argc, char **argv);

struct os_stream {
    L4_ThreadId_t server;
    L4_Word_t handle;
};

extern struct os_stream os_stdin, os_stdout;

L4_ThreadId_t os_root(void);
L4_ThreadId_t os_lookup(const char *name);          /* nilthread if none */
int os_register(const char *name);                   /* OS_OK or error */

/* Run a program from the boot modules: `cmdline` = "name args...", in
 * `group` (0: a group of its own). Returns the task id (nilthread on
 * error, *err says why). */
L4_ThreadId_t os_spawn(const char *cmdline, struct os_stream in, struct os_stream out,
                       L4_Word_t group, int *err);
int os_wait(L4_ThreadId_t task, int *how);           /* its exit status; -1: error */
int os_kill(L4_ThreadId_t task);                     /* OS_OK or error */
void os_exit(int status) __attribute__((noreturn));
void *os_sbrk(L4_Word_t bytes);                      /* NULL over the limit */

/* Streams: write all of buf; read up to max. Both return the bytes
 * moved, 0 at the end of the stream (read), or -OS_E* on an error. */
long os_write(struct os_stream s, const void *buf, size_t n);
long os_read(struct os_stream s, void *buf, size_t max);
void os_close(struct os_stream s);

/* What an error code means, for messages. */
const char *os_strerror(int err);

/* Message helpers: pack a string into MRs from index `first` (its length,
 * then its bytes), returning the next free MR; os_string_room says how
 * many bytes fit there. Unpack into buf (NUL-terminated): the length, or
 * -1 if the message's string does not fit the MRs or buf. */
size_t os_string_room(unsigned first);
unsigned os_put_string(unsigned first, const char *s, size_t n);
long os_get_string(unsigned first, char *buf, size_t size);

/* A call to a server with MR0 = label and u words already loaded; the
 * reply's error (OS_E*, OS_ENOSERVER if the IPC failed). */
L4_MsgTag_t os_call(L4_ThreadId_t server, L4_Word_t label, unsigned u);
int os_result(L4_MsgTag_t tag);
