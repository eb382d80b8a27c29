/* System-call bindings (spec 4.5-4.14), each with the register contract of
 * its spec table. The stub addresses come from the KIP; L4_Init (crt0 calls
 * it) copies them into the __L4_* pointers.
 *
 * A binding runs `push %rbp; call *stub; pop %rbp` from inline assembly:
 * RBP may be clobbered by the stub, and the call pushes below RSP, so
 * programs must be compiled with -mno-red-zone. The kernel translates local
 * thread ids, so ids are passed unchanged. The stub address travels in RCX
 * (clobbered by every call), except for MemoryControl, whose RCX is an
 * argument. */
#pragma once
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/types.h>
#include <l4/utcb.h>

extern void *__L4_SystemClock;
extern void *__L4_Ipc, *__L4_Lipc, *__L4_ExchangeRegisters, *__L4_ThreadControl,
    *__L4_ThreadSwitch, *__L4_Schedule, *__L4_Unmap, *__L4_SpaceControl,
    *__L4_ProcessorControl, *__L4_MemoryControl;

void L4_Init(void);

#define __L4_CALL_RCX "push %%rbp\n\tcall *%%rcx\n\tpop %%rbp"

/* SystemClock: RAX = microseconds; every other register may change. */
static inline L4_Clock_t L4_SystemClock(void)
{
    L4_Clock_t c;
    __asm__ volatile("push %%rbp\n call *%1\n pop %%rbp"
                     : "=a"(c.raw)
                     : "m"(__L4_SystemClock)
                     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
                       "r13", "r14", "r15", "memory");
    return c;
}

/* Ipc/Lipc (4.5). In: RSI to, RDX FromSpecifier, R8 timeouts, R9 MR0,
 * RAX RBX R10 R12-R15 MR1..MR7, RDI own MR0 address. Out: RSI from, R9 and
 * RAX..R15 MR0..MR7, RDI unchanged; RDX R8 RCX R11 RBP clobbered. MR8 and
 * up stay in the UTCB. */
static inline L4_MsgTag_t __L4_IpcVia(void *stub, L4_ThreadId_t to, L4_ThreadId_t from_spec,
                                      L4_Word_t timeouts, L4_ThreadId_t *from)
{
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t rsi = to.raw, rdx = from_spec.raw;
    register L4_Word_t rax __asm__("rax") = mr[1];
    register L4_Word_t rbx __asm__("rbx") = mr[2];
    register L4_Word_t r8 __asm__("r8") = timeouts;
    register L4_Word_t r9 __asm__("r9") = mr[0];
    register L4_Word_t r10 __asm__("r10") = mr[3];
    register L4_Word_t r12 __asm__("r12") = mr[4];
    register L4_Word_t r13 __asm__("r13") = mr[5];
    register L4_Word_t r14 __asm__("r14") = mr[6];
    register L4_Word_t r15 __asm__("r15") = mr[7];
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "+S"(rsi), "+d"(rdx), "+D"(mr), "+r"(rax), "+r"(rbx),
                       "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
                     :
                     : "r11", "memory");
    mr[0] = r9;
    mr[1] = rax;
    mr[2] = rbx;
    mr[3] = r10;
    mr[4] = r12;
    mr[5] = r13;
    mr[6] = r14;
    mr[7] = r15;
    if (from_spec.raw != 0 && from)
        from->raw = rsi;
    return (L4_MsgTag_t){ .raw = r9 };
}

static inline L4_MsgTag_t L4_Ipc(L4_ThreadId_t to, L4_ThreadId_t from_spec, L4_Word_t timeouts,
                                 L4_ThreadId_t *from)
{
    return __L4_IpcVia(__L4_Ipc, to, from_spec, timeouts, from);
}

static inline L4_MsgTag_t L4_Lipc(L4_ThreadId_t to, L4_ThreadId_t from_spec, L4_Word_t timeouts,
                                  L4_ThreadId_t *from)
{
    return __L4_IpcVia(__L4_Lipc, to, from_spec, timeouts, from);
}

/* ExchangeRegisters (4.6). In/out: RAX dest/result, RSI control, RDX SP,
 * R8 IP, R9 FLAGS, R10 UserDefinedHandle, RDI pager; RBX R11 R12-R15
 * clobbered. */
static inline L4_ThreadId_t L4_ExchangeRegisters(L4_ThreadId_t dest, L4_Word_t control, L4_Word_t sp,
                                                 L4_Word_t ip, L4_Word_t flags, L4_Word_t handle,
                                                 L4_ThreadId_t pager, L4_Word_t *old_control,
                                                 L4_Word_t *old_sp, L4_Word_t *old_ip,
                                                 L4_Word_t *old_flags, L4_Word_t *old_handle,
                                                 L4_ThreadId_t *old_pager)
{
    void *stub = __L4_ExchangeRegisters;
    L4_Word_t rax = dest.raw, rsi = control, rdx = sp, rdi = pager.raw;
    register L4_Word_t r8 __asm__("r8") = ip;
    register L4_Word_t r9 __asm__("r9") = flags;
    register L4_Word_t r10 __asm__("r10") = handle;
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "+a"(rax), "+S"(rsi), "+d"(rdx), "+D"(rdi), "+r"(r8), "+r"(r9),
                       "+r"(r10)
                     :
                     : "rbx", "r11", "r12", "r13", "r14", "r15", "memory");
    *old_control = rsi;
    *old_sp = rdx;
    *old_ip = r8;
    *old_flags = r9;
    *old_handle = r10;
    old_pager->raw = rdi;
    return (L4_ThreadId_t){ .raw = rax };
}

/* ThreadControl (4.7). In: RDI dest, R8 SpaceSpecifier, RDX Scheduler,
 * RSI Pager, R9 UtcbLocation. Out: RAX result; all else clobbered. */
static inline L4_Word_t L4_ThreadControl(L4_ThreadId_t dest, L4_ThreadId_t space,
                                         L4_ThreadId_t scheduler, L4_ThreadId_t pager,
                                         void *utcb_location)
{
    void *stub = __L4_ThreadControl;
    L4_Word_t rax, rdi = dest.raw, rdx = scheduler.raw, rsi = pager.raw;
    register L4_Word_t r8 __asm__("r8") = space.raw;
    register L4_Word_t r9 __asm__("r9") = (L4_Word_t)utcb_location;
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "=a"(rax), "+D"(rdi), "+d"(rdx), "+S"(rsi), "+r"(r8), "+r"(r9)
                     :
                     : "rbx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    return rax;
}

/* SpaceControl (4.8). In: RDI SpaceSpecifier, RSI control, RDX KIP area,
 * R8 UTCB area, R9 redirector. Out: RAX result, RDX old control. */
static inline L4_Word_t L4_SpaceControl(L4_ThreadId_t space, L4_Word_t control, L4_Fpage_t kip_area,
                                        L4_Fpage_t utcb_area, L4_ThreadId_t redirector,
                                        L4_Word_t *old_control)
{
    void *stub = __L4_SpaceControl;
    L4_Word_t rax, rdi = space.raw, rsi = control, rdx = kip_area.raw;
    register L4_Word_t r8 __asm__("r8") = utcb_area.raw;
    register L4_Word_t r9 __asm__("r9") = redirector.raw;
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9)
                     :
                     : "rbx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    *old_control = rdx;
    return rax;
}

/* Schedule (4.9). In: RDI dest, RDX TimeControl, RSI PrioControl,
 * R8 ProcessorControl, R9 PreemptionControl. Out: RAX result, RDX old
 * TimeControl. Note the X.2 argument order differs from the registers'. */
static inline L4_Word_t L4_Schedule(L4_ThreadId_t dest, L4_Word_t time_control,
                                    L4_Word_t processor_control, L4_Word_t prio_control,
                                    L4_Word_t preemption_control, L4_Word_t *old_time_control)
{
    void *stub = __L4_Schedule;
    L4_Word_t rax, rdi = dest.raw, rdx = time_control, rsi = prio_control;
    register L4_Word_t r8 __asm__("r8") = processor_control;
    register L4_Word_t r9 __asm__("r9") = preemption_control;
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "=a"(rax), "+D"(rdi), "+d"(rdx), "+S"(rsi), "+r"(r8), "+r"(r9)
                     :
                     : "rbx", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    *old_time_control = rdx;
    return rax;
}

/* ThreadSwitch (4.10). In: RDI dest. All registers clobbered. */
static inline void L4_ThreadSwitch(L4_ThreadId_t dest)
{
    void *stub = __L4_ThreadSwitch;
    L4_Word_t rdi = dest.raw;
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "+D"(rdi)
                     :
                     : "rax", "rbx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                       "r15", "memory");
}

/* Unmap (4.12). In: RDX control, RDI own MR0 address, R9 RAX RBX R10
 * R12-R15 MR0..MR7. Out: the same MRs, RDI unchanged; RCX RSI R8 R11
 * clobbered. Control: bits 0-5 k (fpages in MR0..MRk), bit 6 f (flush). */
static inline void L4_Unmap(L4_Word_t control)
{
    void *stub = __L4_Unmap;
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t rdx = control, rax = mr[1], rbx = mr[2];
    register L4_Word_t r9 __asm__("r9") = mr[0];
    register L4_Word_t r10 __asm__("r10") = mr[3];
    register L4_Word_t r12 __asm__("r12") = mr[4];
    register L4_Word_t r13 __asm__("r13") = mr[5];
    register L4_Word_t r14 __asm__("r14") = mr[6];
    register L4_Word_t r15 __asm__("r15") = mr[7];
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "+d"(rdx), "+D"(mr), "+a"(rax), "+b"(rbx), "+r"(r9), "+r"(r10),
                       "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
                     :
                     : "rsi", "r8", "r11", "memory");
    mr[0] = r9;
    mr[1] = rax;
    mr[2] = rbx;
    mr[3] = r10;
    mr[4] = r12;
    mr[5] = r13;
    mr[6] = r14;
    mr[7] = r15;
}

/* ProcessorControl (4.13). In: RDI processor, RSI internal frequency,
 * RDX external frequency, R8 voltage. Out: RAX result. */
static inline L4_Word_t L4_ProcessorControl(L4_Word_t processor, L4_Word_t internal_freq,
                                            L4_Word_t external_freq, L4_Word_t voltage)
{
    void *stub = __L4_ProcessorControl;
    L4_Word_t rax, rdi = processor, rsi = internal_freq, rdx = external_freq;
    register L4_Word_t r8 __asm__("r8") = voltage;
    __asm__ volatile(__L4_CALL_RCX
                     : "+c"(stub), "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8)
                     :
                     : "rbx", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
    return rax;
}

/* MemoryControl (4.14). In: RDX control, RCX RSI R8 R11 attributes 0..3,
 * R9 RAX RBX R10 R12-R15 MR0..MR7, RDI own MR0 address. Out: RDX result;
 * RCX and RAX are written back to MR0 and MR1. Every register is an
 * argument, so the stub is called through memory. */
static inline L4_Word_t L4_MemoryControl(L4_Word_t control, const L4_Word_t *attributes)
{
    L4_Word_t *mr = __L4_Utcb();
    L4_Word_t rdx = control, rcx = attributes[0], rsi = attributes[1], rax = mr[1], rbx = mr[2];
    register L4_Word_t r8 __asm__("r8") = attributes[2];
    register L4_Word_t r11 __asm__("r11") = attributes[3];
    register L4_Word_t r9 __asm__("r9") = mr[0];
    register L4_Word_t r10 __asm__("r10") = mr[3];
    register L4_Word_t r12 __asm__("r12") = mr[4];
    register L4_Word_t r13 __asm__("r13") = mr[5];
    register L4_Word_t r14 __asm__("r14") = mr[6];
    register L4_Word_t r15 __asm__("r15") = mr[7];
    __asm__ volatile("push %%rbp\n\tcall *__L4_MemoryControl(%%rip)\n\tpop %%rbp"
                     : "+d"(rdx), "+c"(rcx), "+S"(rsi), "+D"(mr), "+a"(rax), "+b"(rbx), "+r"(r8),
                       "+r"(r11), "+r"(r9), "+r"(r10), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
                     :
                     : "memory");
    mr[0] = rcx;
    mr[1] = rax;
    return rdx;
}
