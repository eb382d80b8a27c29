/* libl4 start-up: find the KIP and the system-call stubs. */
#include <l4/kip.h>
#include <l4/syscalls.h>

void *__L4_SpaceControl, *__L4_ThreadControl, *__L4_ProcessorControl, *__L4_MemoryControl,
    *__L4_Ipc, *__L4_Lipc, *__L4_Unmap, *__L4_ExchangeRegisters, *__L4_SystemClock,
    *__L4_ThreadSwitch, *__L4_Schedule;

void L4_Init(void)
{
    const L4_KernelInterfacePage_t *k = L4_GetKernelInterface();
    __L4_SpaceControl = (void *)k->space_control;
    __L4_ThreadControl = (void *)k->thread_control;
    __L4_ProcessorControl = (void *)k->processor_control;
    __L4_MemoryControl = (void *)k->memory_control;
    __L4_Ipc = (void *)k->ipc;
    __L4_Lipc = (void *)k->lipc;
    __L4_Unmap = (void *)k->unmap;
    __L4_ExchangeRegisters = (void *)k->exchange_registers;
    __L4_SystemClock = (void *)k->system_clock;
    __L4_ThreadSwitch = (void *)k->thread_switch;
    __L4_Schedule = (void *)k->schedule;
}
