/* The kernel debugger: the user interface of spec 11 and the console. */
#pragma once
#include "arch/frame.h"
#include "types.h"

/* An int3 from user mode: perform the debugger operation encoded after
 * it. Returns false when the bytes encode no operation. */
bool kdebug_trap(struct trap_frame *f);

/* Whose KDB Enter opens the interactive debugger (kernel options): with
 * "kdb" threads of privileged spaces (the root task: the OS shell's kdb
 * command goes through it), with "kdb=all" every thread. Any other KDB
 * Enter prints its message and halts the calling thread only. */
enum kdb_mode { KDB_ENTER_HALTS, KDB_ENTER_PRIVILEGED, KDB_ENTER_ALL };
extern enum kdb_mode kdb_mode;

/* Enter the debugger on behalf of the current thread, with a message. */
void kdb_enter(const char *message);

/* The interactive debugger: list threads, show state, continue. */
void kdb_console(const char *why);

/* ---- console input (kdb_input.c) --------------------------------------- */

/* A user-level driver owns the console's input (its interrupt line is
 * attached): the kernel reads none of it. */
extern bool kdb_input_to_user;

/* Every timer tick (the arch timer interrupt, before the scheduler's
 * tick): every tenth, enter the debugger if ESC arrived on the console. */
void kdb_poll(void);

/* Has kdb_poll anything to do (read without the lock: a character
 * waiting on the kernel's console)? */
bool kdb_poll_wanted(void);

/* KDB ReadChar: a character, -1 when none is waiting. */
int kdb_getc(void);

/* KDB ReadChar_Blocked: the calling thread sleeps until a character
 * arrives (the console's receive interrupt wakes it). */
int kdb_read_blocked(void);

/* The console's interrupt, while no user-level driver has it. */
void kdb_console_interrupt(void);

/* The user-level driver let the console go: waiting readers re-arm. */
void kdb_console_released(void);
