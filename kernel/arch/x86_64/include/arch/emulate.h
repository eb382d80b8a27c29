/* Instructions the kernel carries out for user threads instead of sending
 * them to the exception handler (spec 4.3, 4.15). Each returns true when
 * it did; the frame then holds the thread's registers after it. */
#pragma once
#include "types.h"
#include "arch/frame.h"

/* #UD at `lock; nop`: KernelInterface. */
bool emulate_kernel_interface(struct trap_frame *f);

/* #GP at a load of DS, ES, FS, GS or SS with a selector the thread may not
 * use: skipped (a pop still pops). `insn`: the n bytes readable at RIP. */
bool emulate_segment_load(struct trap_frame *f, const uint8_t *insn, size_t n);

/* #GP at rdmsr or wrmsr in a privileged space (sigma0, the root task):
 * done for it, MSR in ECX, value in EDX:EAX, except writes to the MSRs
 * the kernel itself depends on and MSRs the CPU does not have. */
bool emulate_msr(struct trap_frame *f, const uint8_t *insn, size_t n);

/* A #GP in the kernel at one of the MSR accesses made for emulate_msr:
 * it resumes as failed. */
bool msr_fixup(struct trap_frame *f);
