/* Non-local jumps: the callee-saved registers, RSP and the return address. */
#pragma once

typedef unsigned long jmp_buf[8];

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int value) __attribute__((noreturn));
