/* The core's side of system calls (syscall.c): the table, the thread a
 * message is handled for, deadlines. */
#pragma once
#include "unix.h"

void syscalls_init(void);
const char *syscall_name(unsigned nr);
/* The message in our MRs (UNIX_TAG), if it is a quick call (syscall.c)
 * of one of our threads with nothing else due to it (a signal, new
 * registers): answered in our MRs (u = 1, RAX). False: not handled. */
bool syscall_quick(L4_ThreadId_t from);
/* Handle t's system-call message (its registers are in t->r). */
void syscall_dispatch(struct thread *t);
/* The start message: answer with all of t->r. */
void syscall_answer_start(struct thread *t);

/* The main loop: whose message it handles; after it, whether an answer
 * is due to it (loaded into our MRs, to go with the next receive). */
void syscall_handling(struct thread *t);
bool syscall_take_reply(L4_ThreadId_t *to);
/* t is going away: forget it everywhere here. */
void syscall_forget(struct thread *t);

/* Deadlines of waiting calls: the next one (0: none), and firing those due. */
uint64_t timers_next(void);
void timers_fire(uint64_t now);
void timer_remove(struct thread *t);
