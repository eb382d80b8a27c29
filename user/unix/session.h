/* The console session (docs/unix.md): the `sh` program of Pecan's shell
 * asks us to run a Linux program on the console (OS_UNIX_RUN), hands us
 * what is typed (OS_UNIX_INPUT) and waits for the program's end
 * (OS_UNIX_WAIT). One session at a time: the console has one user. */
#pragma once
#include <l4/types.h>
#include "unix.h"

/* A request of the session's client; returns the reply's label (OS_*)
 * with its words loaded, or -1: answered later. */
int session_request(L4_ThreadId_t from, L4_MsgTag_t tag);
/* A process ended (before it becomes a zombie). */
void session_process_ended(struct proc *p);
