/* Decoding the int3-based kernel-debugger calls (spec 11.1). RIP points
 * just after the int3; the marker instruction there selects the call:
 *
 *   EB xx  48 C7 C0 imm32   Enter, message at sign-extended imm32
 *   EB xx                   Enter without message
 *   3C 00                   PrintChar  (AL)
 *   3C 01                   PrintString (RAX)
 *   3C 08 / 3C 0D           ReadChar / ReadChar_Blocked -> RAX (the caller sleeps)
 *   3C 4C                   LockTakes (Pecan's): RAX = a processor's number ->
 *                           RAX = its kernel lock acquisitions, all ones if
 *                           there is no such processor; privileged spaces only
 *   3C 57                   Withdrawals (Pecan's): the same for its requests
 *                           withdrawn from a ring of deferrals (mp.c)
 *   90 before any of these  no debugger entry for Enter
 */
#include "kdebug.h"
#include "section.h"
#include "arch/console.h"
#include "arch/cpu.h"
#include "arch/mp.h"
#include "arch/usercopy.h"
#include "print.h"
#include "sched.h"
#include "space.h"

/* PrintString prints up to the NUL, an unmapped byte or KDB_PRINT_MAX
 * bytes: on a real serial line every byte costs the kernel about 90 µs
 * with interrupts off, and no thread may keep it from its ticks for long. */
#define KDB_PRINT_MAX 256

__kdb static void print_user_string(word_t addr)
{
    char buf[64];
    for (size_t done = 0; done < KDB_PRINT_MAX; done += sizeof buf) {
        size_t n = copy_from_user(buf, addr + done, sizeof buf);
        for (size_t i = 0; i < n; i++) {
            if (!buf[i])
                return;
            kputc(buf[i]);
        }
        if (n < sizeof buf)
            return;                  /* stopped at an unmapped byte */
    }
}

__kdb static void user_string(word_t addr, char *out, size_t size)
{
    size_t n = copy_from_user(out, addr, size - 1);
    out[n] = '\0';
}

__kdb bool kdebug_trap(struct trap_frame *f)
{
    uint8_t code[8];
    size_t n = copy_from_user(code, f->rip, sizeof code);
    bool quiet = n > 0 && code[0] == 0x90;
    uint8_t *c = code + quiet;
    n -= quiet;
    if (n < 2)
        return false;

    if (c[0] == 0xEB) {                       /* Enter */
        char msg[128] = "";
        if (n >= 7 && c[2] == 0x48 && c[3] == 0xC7 && c[4] == 0xC0) {
            int32_t imm;
            if (copy_from_user(&imm, f->rip + quiet + 5, 4) == 4)
                user_string((word_t)(int64_t)imm, msg, sizeof msg);
        }
        if (!quiet)
            kdb_enter(msg);
        return true;
    }
    if (c[0] != 0x3C)
        return false;
    switch (c[1]) {
    case 0x00:
        kputc((char)f->rax);
        return true;
    case 0x01:
        print_user_string(f->rax);
        return true;
    case 0x08:
        f->rax = (uint64_t)(int64_t)(int8_t)kdb_getc();
        return true;
    case 0x0D:
        f->rax = (uint64_t)(int64_t)(int8_t)kdb_read_blocked();
        return true;
    case 0x4C:                          /* LockTakes */
    case 0x57:                          /* Withdrawals */
        if (!current->space->privileged)
            return false;               /* (an unknown call to the others) */
        if (f->rax >= mp_cpus)
            f->rax = ~0UL;
        else
            f->rax = c[1] == 0x4C ? mp_lock_takes((unsigned)f->rax)
                                  : mp_withdrawals((unsigned)f->rax);
        return true;
    }
    return false;
}
