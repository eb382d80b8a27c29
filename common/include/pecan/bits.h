/* For the ABI headers beside this one, which C and assembly both include:
 * PECAN_UL(0x10) is 0x10UL in C and 0x10 in assembly, which has no
 * integer suffixes. Words are 64 bits either way. */
#pragma once

#ifdef __ASSEMBLER__
#define PECAN_UL(x) x
#else
#define PECAN_UL(x) x##UL
#endif
