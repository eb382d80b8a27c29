/* The Unix-ABI message: how a thread of a "UX" space (pecan/spacectl.h)
 * meets its exception handler (docs/unix.md). Used by the kernel
 * (arch/x86_64/unix_msg.c, core/unix.c) and by user-level servers.
 *
 * Whenever such a thread executes `syscall`, raises an exception other
 * than a page fault or #NM, is started, or is interrupted by its handler
 * (ExchangeRegisters bit K below), the kernel sends its handler, on the
 * thread's behalf and with no timeout, this message and waits for the
 * answer:
 *
 *   MR0   tag: label 0xFFFF_FFFF_FF90, u = 21, t = 0
 *   MR1   RAX    MR2  RBX    MR3  R10    MR4  R12    MR5  R13    MR6  R14
 *   MR7   R15    MR8  RIP    MR9  RCX    MR10 RDX    MR11 RSI    MR12 RDI
 *   MR13  RBP    MR14 R8     MR15 R9     MR16 R11    MR17 RSP    MR18 RFLAGS
 *   MR19  why: 0-31 the exception vector; UNIX_SYSCALL, UNIX_START, UNIX_INTERRUPT
 *   MR20  FS base    MR21  GS base
 *
 * This is spec 6.4's exception message with RAX and RIP in each other's
 * place, so that MR1..MR7 are the registers IPC carries them in (a system
 * call's number arrives in the handler's RAX, its result goes back in
 * MR1) and with the FS and GS bases. For a system call, RIP and RCX are
 * the address after the instruction and R11 is RFLAGS, as the CPU left
 * them; for an exception, RIP is the faulting instruction's.
 *
 * The answer's first u untyped words (u <= 21) replace those of the
 * message; then all of MR1..MR18, MR20 and MR21 become the thread's
 * registers: of RFLAGS only the bits UNIX_USER_FLAGS, of the bases only
 * canonical values (a non-canonical base leaves the old one). So an
 * answer with u = 1 sets RAX: the usual system-call result. MR19 is not
 * applied.
 */
#pragma once
#include "pecan/msgtag.h"

#define UNIX_LABEL      PECAN_UL(0xFFFFFFFFFF90)
#define UNIX_MSG_WORDS  21                  /* u */
#define UNIX_TAG        MSGTAG(UNIX_LABEL, 0, UNIX_MSG_WORDS)

/* MR indices */
#define UNIX_MR_RAX     1
#define UNIX_MR_RBX     2
#define UNIX_MR_R10     3
#define UNIX_MR_R12     4
#define UNIX_MR_R13     5
#define UNIX_MR_R14     6
#define UNIX_MR_R15     7
#define UNIX_MR_RIP     8
#define UNIX_MR_RCX     9
#define UNIX_MR_RDX     10
#define UNIX_MR_RSI     11
#define UNIX_MR_RDI     12
#define UNIX_MR_RBP     13
#define UNIX_MR_R8      14
#define UNIX_MR_R9      15
#define UNIX_MR_R11     16
#define UNIX_MR_RSP     17
#define UNIX_MR_RFLAGS  18
#define UNIX_MR_WHY     19
#define UNIX_MR_FS_BASE 20
#define UNIX_MR_GS_BASE 21

/* MR19 */
#define UNIX_SYSCALL    0x100               /* the thread executed `syscall` */
#define UNIX_START      0x101               /* its first run (all registers 0) */
#define UNIX_INTERRUPT  0x102               /* its handler interrupted it (K) */

/* RFLAGS bits an answer may change: CF PF AF ZF SF DF OF AC */
#define UNIX_USER_FLAGS 0x40CD5UL

/*
 * ExchangeRegisters on a thread of a UX space is also allowed to the
 * thread's exception handler, from any space (the thread's UTCB names it,
 * as its pager at the start). The handler has one more control bit:
 *
 *   bit 16  K: interrupt the thread: before it next runs in user mode it
 *           sends the message above with MR19 = UNIX_INTERRUPT (once,
 *           however often K was given; any message it sends meanwhile
 *           serves it). Old control bit 16: one is pending.
 */
#define UNIX_XR_INTERRUPT (1UL << 16)
