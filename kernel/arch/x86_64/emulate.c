/* User instructions the kernel carries out (arch/emulate.h). */
#include "arch/emulate.h"
#include "arch/cpu.h"
#include "arch/usercopy.h"
#include "arch/segload.h"
#include "fpage.h"
#include "kip.h"
#include "sched.h"
#include "space.h"
#include "tcb.h"

bool emulate_kernel_interface(struct trap_frame *f)
{
    uint8_t insn[2];                    /* F0 90 */
    if (copy_from_user(insn, f->rip, 2) != 2 || insn[0] != 0xF0 || insn[1] != 0x90)
        return false;
    f->rax = fpage_base(current->space->kip_area);
    f->rcx = kip_word(KIP_API_VERSION);
    f->rdx = kip_word(KIP_API_FLAGS);
    f->rsi = kip_word(KIP_KDESC_OFFSET);
    f->rip += 2;
    return true;
}

/* As Pistachio does (spec 4.15): the load changed nothing, so the
 * thread's selectors are still the standard ones. */
COLD bool emulate_segment_load(struct trap_frame *f, const uint8_t *insn, size_t n)
{
    unsigned pop, len = segload_length(insn, n, &pop);
    if (!len)
        return false;
    f->rip += len;
    f->rsp += pop;
    return true;
}

/* entry.S: rdmsr/wrmsr that return false instead of faulting. */
bool msr_read_safe(uint32_t msr, uint64_t *value);
bool msr_write_safe(uint32_t msr, uint64_t value);
extern char msr_safe_read[], msr_safe_write[], msr_safe_fault[];

bool msr_fixup(struct trap_frame *f)
{
    if (f->rip != (uint64_t)msr_safe_read && f->rip != (uint64_t)msr_safe_write)
        return false;
    f->rip = (uint64_t)msr_safe_fault;
    return true;
}

/* What the kernel has set up and relies on: the APIC base, the TSC (the
 * system clock), SYSENTER, MTRRs and PAT, the x2APIC, EFER, the syscall
 * MSRs and the FS/GS bases. */
static bool kernel_msr(uint32_t m)
{
    return m == MSR_APIC_BASE || m == 0x10 || (m >= MSR_SYSENTER_CS && m <= MSR_SYSENTER_EIP) ||
           (m >= 0x200 && m <= 0x2FF) || (m >= 0x800 && m <= 0x8FF) ||
           (m >= MSR_EFER && m <= MSR_KERNEL_GS_BASE);
}

COLD bool emulate_msr(struct trap_frame *f, const uint8_t *insn, size_t n)
{
    if (!current->space->privileged || n < 2 ||  /* rdmsr 0F 32, wrmsr 0F 30 */
        insn[0] != 0x0F || (insn[1] != 0x32 && insn[1] != 0x30))
        return false;
    uint32_t msr = (uint32_t)f->rcx;
    if (insn[1] == 0x32) {
        uint64_t v;
        if (!msr_read_safe(msr, &v))
            return false;
        f->rax = (uint32_t)v;
        f->rdx = v >> 32;
    } else if (kernel_msr(msr) ||
               !msr_write_safe(msr, (f->rdx & 0xFFFFFFFFUL) << 32 | (uint32_t)f->rax)) {
        return false;
    }
    f->rip += 2;
    return true;
}
