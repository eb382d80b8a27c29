/* Segment-register loads from user mode (spec 4.15, Pistachio's
 * emulation): a thread that loads DS, ES, FS, GS or SS with a selector it
 * may not use raises #GP; the kernel skips the instruction instead of
 * sending an exception message. The decoder is pure, for host tests. */
#pragma once
#include "types.h"

/*
 * If code[0..n) starts with `mov Sreg, r/m16` (8E /r, Sreg = ES 0, SS 2,
 * DS 3, FS 4, GS 5) or `pop FS` / `pop GS` (0F A1 / 0F A9), after any
 * legacy prefixes and one REX prefix, return its length and set *pop to
 * the bytes it pops (0 for mov; 2 with an operand-size prefix, else 8).
 * Otherwise return 0.
 *
 * ModRM:  7..6 mod | 5..3 reg (Sreg) | 2..0 rm
 *   mod 3: register, no more bytes; rm 4 (mod < 3): a SIB byte follows;
 *   mod 0 rm 5: disp32 (RIP-relative); mod 0 with SIB base 5: disp32;
 *   mod 1: disp8; mod 2: disp32.
 */
unsigned segload_length(const uint8_t *code, size_t n, unsigned *pop);
