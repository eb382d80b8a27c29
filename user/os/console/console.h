/* The console server's parts: the UART (uart.c), unfinished output lines
 * per writer (output.c), the line editor (editor.c) and typed lines
 * waiting for readers (input.c). */
#pragma once
#include <stddef.h>
#include <l4/types.h>

/* ---- the UART, COM1: transmit buffer and receive (uart.c) ---------------- */
#define UART_IRQ 4
void uart_start(void);                      /* resumes what a predecessor left */
void uart_put(const char *s, size_t n);     /* '\n' goes out as "\r\n" */
void uart_put_raw(const char *s, size_t n); /* the bytes as they are */
void uart_puts(const char *s);
int uart_getc(void);                        /* -1: nothing received */
unsigned uart_column(void);                 /* of the terminal's cursor, as sent */

/* ---- output: a partial line per writer, printed whole (output.c) --------- */
void output_write(L4_Word_t writer, const char *s, size_t n);
int output_flush_all(void);                 /* print every unfinished line; any?
                                               (with the editor's line hidden) */

/* ---- the line editor (editor.c) ------------------------------------------ */
#define LINE_MAX 4096                       /* bytes of a line, with its '\n' */
void editor_key(unsigned char c);
/* Take the line being typed off the screen, and put it back (after other
 * output, which so never runs into it). */
void editor_hide(void);
void editor_show(void);

/* ---- typed lines and their readers (input.c) ----------------------------- */
int input_submit(const char *line, size_t n);   /* a finished line; false: no room */
void input_end(void);                       /* Ctrl-D: the end of the input, once */
void input_close_raw(L4_ThreadId_t of);     /* OS_CLOSE raw: the end of of's raw input, once */
void input_interrupt(void);                 /* Ctrl-C */
void input_read(L4_ThreadId_t reader, L4_Word_t max, int raw);   /* OS_READ */
/* The reader asked for bytes as typed (OS_STREAM_RAW): then they go to
 * input_byte, not to the line editor. */
int input_raw(void);
void input_byte(char c);
void input_foreground(L4_Word_t group);     /* OS_FOREGROUND */
