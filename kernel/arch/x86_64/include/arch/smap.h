/* SMAP (CR4.SMAP): the kernel may touch user memory only between stac and
 * clac (RFLAGS.AC set); everywhere else such an access is a page fault.
 * Where the CPU lacks SMAP, stac and clac raise #UD, so they are written
 * as 3-byte nops whose addresses go into the section .smap_sites, and
 * smap_enable turns them into stac and clac where the CPU has SMAP.
 *
 *   clac = 0F 01 CA     stac = 0F 01 CB     nopl (%rax) = 0F 1F 00
 */
#pragma once

#ifdef __ASSEMBLER__
.macro SMAP_SITE insn
661:
    .byte 0x0f, 0x1f, 0x00
    .pushsection .smap_sites, "a"
    .quad 661b
    .byte \insn
    .popsection
.endm
/* AC clear: every entry from user mode (an interrupt keeps the user's AC). */
#define CLAC SMAP_SITE 0xca
#define STAC SMAP_SITE 0xcb
#else
#include <stdbool.h>

/* Turn on SMEP, SMAP and UMIP where the CPU has them (CR4), patching the
 * stac/clac sites; which ones it has. */
struct cpu_protection {
    bool smep, smap, umip;
};
struct cpu_protection smap_smep_enable(void);
#endif
