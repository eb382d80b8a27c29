/* The shell's parts: its commands (commands.c) and programs and
 * pipelines (pipeline.c). */
#pragma once
#include <l4/types.h>

#define SHELL_LINE 4096                     /* the console's longest line, with its '\n' */

/* A command the shell carries out itself; false if `cmd` is none. */
int command(char *cmd);

/* Run "a args | b args | ..." and wait for it; errors are reported. */
void pipeline(char *line);

/* The word at s (up to a blank) copied into buf; s after it and its blanks. */
const char *next_word(const char *s, char *buf, size_t size);
