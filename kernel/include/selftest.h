/* Kernel command-line test hooks for the protection of user memory
 * (selftest.c). */
#pragma once
#include "tcb.h"

/* With smap or smep, touch the root task's entry in the forbidden way. */
void selftest_run(bool smap, bool smep, bool wx, const struct tcb *root, word_t entry);
