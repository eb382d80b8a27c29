/* The kernel reading user memory: a copy that stops at a hole instead of
 * panicking, and the page-fault fix-up that makes it stop there. */
#pragma once
#include "arch/frame.h"
#include "arch/idt.h"
#include "types.h"

/* Copy from the current space; returns the bytes copied before a fault
 * or the end of the user area stopped it (usercopy.c). */
size_t copy_from_user(void *dst, word_t src, size_t n);

/* usercopy.S: the instructions of the copy that may fault, and where
 * such a fault resumes, returning the bytes copied so far. */
extern char copy_user_start[], copy_user_end[], copy_user_fault[];

/* A kernel page fault inside the copy resumes there; false for any other
 * fault. (Inline: the trap path keeps the registers it had.) */
static inline bool usercopy_fixup(struct trap_frame *f)
{
    if (f->vector != VEC_PF || f->rip < (uint64_t)copy_user_start ||
        f->rip >= (uint64_t)copy_user_end)
        return false;
    f->rip = (uint64_t)copy_user_fault;
    return true;
}
