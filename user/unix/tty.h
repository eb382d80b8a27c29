/* The terminal: the console as a Linux tty (/dev/tty, /dev/console, the
 * session's standard streams), with the line discipline - canonical
 * lines, echo, the control characters that send signals - and termios. */
#pragma once
#include "fd.h"

void tty_init(void);
struct file *tty_open(struct inode *ip, unsigned flags, int *err);
/* Bytes typed at the console (from the reader, session.c). */
void tty_input(const char *buf, unsigned n);
/* Output of the server itself (messages to the user) */
void tty_write_text(const char *s, unsigned n);
/* The session that owns the terminal, and its foreground process group. */
void tty_set_session(int sid, int pgrp);
/* Does the terminal have room for more input (flow control of the reader)? */
bool tty_input_room(void);
