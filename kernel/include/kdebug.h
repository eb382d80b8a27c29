/* The kernel debugger: the user interface of spec 11 and the console. */
#pragma once
#include "arch/frame.h"
#include "types.h"

/* An int3 from user mode: perform the debugger operation encoded after
 * it. Returns false when the bytes encode no operation. */
bool kdebug_trap(struct trap_frame *f);

/* Enter the debugger on behalf of the current thread, with a message. */
void kdb_enter(const char *message);
