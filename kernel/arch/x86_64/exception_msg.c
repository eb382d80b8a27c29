/* The amd64 exception message (spec 6.4): the register set in the order
 * the handler sees it, and the registers it may change in its reply.
 *
 *   MR0 tag: label 0xFFFFFFFFFFB0, u = 19
 *   MR1 RIP  MR2 RBX  MR3 R10  MR4 R12  MR5 R13  MR6 R14  MR7 R15  MR8 RAX
 *   MR9 RCX  MR10 RDX MR11 RSI MR12 RDI MR13 RBP MR14 R8  MR15 R9  MR16 R11
 *   MR17 RSP MR18 RFLAGS  MR19 vector  MR20 error code (not transferred)
 */
#include "arch/frame.h"
#include "fault.h"
#include "pecan/msgtag.h"
#include "pecan/protocol.h"

#define EXCEPTION_TAG MSGTAG(PROTO_LABEL(PROTO_EXCEPTION), 0, 19)
#define USER_FLAGS 0x8D5UL              /* CF PF AF ZF SF OF */

void arch_exception_message(const struct trap_frame *f, word_t *mr)
{
    const word_t regs[] = {
        EXCEPTION_TAG, f->rip, f->rbx, f->r10, f->r12, f->r13, f->r14, f->r15, f->rax,
        f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->r8, f->r9, f->r11, f->rsp, f->rflags,
        f->vector, f->error,
    };
    for (unsigned i = 0; i < EXCEPTION_MSG_WORDS; i++)
        mr[i] = regs[i];
}

void arch_exception_reply(const word_t *mr, struct trap_frame *f)
{
    word_t *regs[] = {
        &f->rip, &f->rbx, &f->r10, &f->r12, &f->r13, &f->r14, &f->r15, &f->rax,
        &f->rcx, &f->rdx, &f->rsi, &f->rdi, &f->rbp, &f->r8, &f->r9, &f->r11, &f->rsp,
    };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
        *regs[i] = mr[i + 1];
    f->rflags = (f->rflags & ~USER_FLAGS) | (mr[18] & USER_FLAGS);
}
