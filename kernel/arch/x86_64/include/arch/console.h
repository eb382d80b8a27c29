/* The kernel's serial console (COM1). */
#pragma once

void console_init(void);
void console_putc(char c);
int console_getc(void);          /* -1 when no character is waiting */
