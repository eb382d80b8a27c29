/* Futexes: threads waiting on a word of their process's memory. */
#pragma once
#include "unix.h"

/* Wake up to n waiters on the word at addr of p; how many were woken. */
int futex_wake_addr(struct proc *p, uint64_t addr, int n);
