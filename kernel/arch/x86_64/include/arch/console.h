/* The kernel's serial console (COM1). */
#pragma once
#include <stdbool.h>

void console_init(void);
void console_putc(char c);
int console_getc(void);          /* -1 when no character is waiting */
bool console_has_input(void);    /* a character is waiting */
/* Raise the console's interrupt when a character arrives. */
void console_rx_interrupt_enable(void);

/* The console's receive interrupt line (COM1: IRQ 4). While a user-level
 * driver has it attached, the kernel leaves the console's input alone
 * (except inside the interactive debugger). */
#define CONSOLE_IRQ 4
