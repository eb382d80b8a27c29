/*
 * size_t copy_from_user_raw(void *dst, const void *src, size_t n)
 * Copy bytes from user memory (usercopy.c checks the bounds); a page fault
 * inside [copy_user_start, copy_user_end) resumes at copy_user_fault
 * (usercopy_fixup), which returns the number of bytes copied before the
 * fault.
 */
#include "arch/smap.h"

    .text
    .globl copy_from_user_raw, copy_user_start, copy_user_end, copy_user_fault
copy_from_user_raw:
    xor %eax, %eax
    STAC
copy_user_start:
1:  cmp %rdx, %rax
    je 2f
    movb (%rsi, %rax), %cl
    movb %cl, (%rdi, %rax)
    inc %rax
    jmp 1b
copy_user_end:
2:  CLAC
    ret
copy_user_fault:
    CLAC
    ret
