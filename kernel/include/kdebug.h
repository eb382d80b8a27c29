/* The kernel debugger: the user interface of spec 11 and the console. */
#pragma once
#include "arch/frame.h"
#include "types.h"

/* An int3 from user mode: perform the debugger operation encoded after
 * it. Returns false when the bytes encode no operation. */
bool kdebug_trap(struct trap_frame *f);

/* True with "kdb" on the kernel command line: KDB Enter opens the
 * interactive debugger instead of halting the caller. */
extern bool kdb_interactive;

/* A user-level driver owns the console's input (its interrupt line is
 * attached): no polling for ESC and KDB ReadChar. */
extern bool kdb_input_to_user;

/* Enter the debugger on behalf of the current thread, with a message. */
void kdb_enter(const char *message);

/* The interactive debugger: list threads, show state, continue. */
void kdb_console(const char *why);

/* Timer hook: enter the debugger when ESC arrives on the console. */
void kdb_poll(void);

/* Console input for the KDB ReadChar calls (-1 when none). */
int kdb_getc(void);
