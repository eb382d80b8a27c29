/* The Unix-ABI message on amd64 (pecan/unix_abi.h): a thread's registers
 * in message order, and its handler's answer back into them. */
#include "unix.h"
#include "arch/context.h"
#include "pecan/unix_abi.h"
#include "sched.h"

/* The frame's registers for MR1..MR18 (RFLAGS last). */
#define REGS(f) { &(f)->rax, &(f)->rbx, &(f)->r10, &(f)->r12, &(f)->r13, &(f)->r14, \
                  &(f)->r15, &(f)->rip, &(f)->rcx, &(f)->rdx, &(f)->rsi, &(f)->rdi, \
                  &(f)->rbp, &(f)->r8, &(f)->r9, &(f)->r11, &(f)->rsp, &(f)->rflags }
#define NUM_REGS UNIX_MR_RFLAGS

static bool canonical(word_t v)
{
    return (word_t)((int64_t)v >> 47) + 1 <= 1;
}

void arch_unix_message(struct tcb *t, struct trap_frame *f, word_t why)
{
    word_t *regs[NUM_REGS] = REGS(f);
    word_t *mr = t->utcb;
    mr[0] = UNIX_TAG;
    for (unsigned i = 0; i < NUM_REGS; i++)
        mr[1 + i] = *regs[i];
    mr[UNIX_MR_WHY] = why;
    mr[UNIX_MR_FS_BASE] = t->fs_base;
    mr[UNIX_MR_GS_BASE] = t->gs_base;
}

void arch_unix_reply(struct tcb *t, struct trap_frame *f, unsigned u)
{
    word_t *regs[NUM_REGS] = REGS(f);
    const word_t *mr = t->utcb;
    for (unsigned i = 1; i <= u && i < UNIX_MR_RFLAGS; i++)
        *regs[i - 1] = mr[i];
    if (u >= UNIX_MR_RFLAGS)
        f->rflags = (f->rflags & ~UNIX_USER_FLAGS) | (mr[UNIX_MR_RFLAGS] & UNIX_USER_FLAGS);
    /* Each base read once: the UTCB is the process's to write, from its
     * other threads too, and a base not canonical that passed the check
     * would fault the kernel's wrmsr. */
    word_t fs = __atomic_load_n(&mr[UNIX_MR_FS_BASE], __ATOMIC_RELAXED);
    word_t gs = __atomic_load_n(&mr[UNIX_MR_GS_BASE], __ATOMIC_RELAXED);
    bool bases = false;
    if (u >= UNIX_MR_FS_BASE && canonical(fs))
        t->fs_base = fs, bases = true;
    if (u >= UNIX_MR_GS_BASE && canonical(gs))
        t->gs_base = gs, bases = true;
    if (bases && t == current)
        arch_load_user_bases(t);
}

bool arch_unix_needs_iret(const struct trap_frame *f)
{
    return f->rcx != f->rip || f->r11 != f->rflags;
}
