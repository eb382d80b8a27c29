/* Helpers of the differential tests (tests/linux/, docs/unix.md "Tests"):
 * each program prints what it saw, one fact per line, and its output must
 * be the same on the build machine's Linux, built with musl and with
 * glibc, and on Pecan. So nothing printed may depend on the libc (errno
 * and signal names come from our own tables, not strerror), on the
 * machine (no pids, addresses, times, inode or descriptor numbers: print
 * relations), or on buffering: every line is one write(2) to fd 1, so
 * the order survives fork, and a crash loses nothing already printed. */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* One line: printf's format, a newline added. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "what: yes" or "what: no". */
void yes(const char *what, int cond);

/* A system call's result: "what: N", or "what: error ENAME" when r is -1
 * (the libc's convention, syscall(2) included: errno says why). */
void ret(const char *what, long r);

/* Only the error: "what: ENAME", or "what: no error" when r is not -1. */
void err(const char *what, long r);

/* A wait status word: "what: exited N", "killed by SIGX", "stopped by
 * SIGX", "continued". */
void status(const char *what, int wstatus);

const char *errname(int e);     /* "EBADF"; "E<number>" for others */
const char *signame(int s);     /* "SIGTERM"; "SIG<number>" for others */

/* A fresh directory under /tmp, made the current directory (its name is
 * never printed); lt_done() removes it. */
void lt_tmpdir(void);

/* The last line of every program: "done", then exit(0). Where the output
 * stops short of it, the program died. */
void lt_done(void) __attribute__((noreturn));

/* Fork a child that runs fn(arg) and _exits with its result; the parent
 * gets the pid. A child that fails to fork ends the program. */
pid_t lt_fork(int (*fn)(void *), void *arg);

/* waitpid with EINTR retried; the status word. */
int lt_wait(pid_t pid);

/* Sleep for ms milliseconds (nanosleep, restarted after signals). */
void lt_msleep(long ms);

/* An address as a pointer, out of the compiler's sight (for wild
 * pointers: it may not reason about them). */
void *lt_ptr(uintptr_t address);

/* Give up: a line on what went wrong (it ends the output early, so the
 * comparison fails there), and exit(1). */
void lt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
