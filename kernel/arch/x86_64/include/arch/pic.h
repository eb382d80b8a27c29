/* Legacy 8259 PIC pair. */
#pragma once
#include <stdbool.h>

void pic_init(void);
void pic_mask(unsigned irq);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
bool pic_spurious(unsigned irq);
