/* sigma0, placeholder: the kernel resolves sigma0's page faults; the
 * sigma0 protocol (spec 10) comes with IPC. Until then it only shows
 * that it runs and then waits, spinning, so that the timer must preempt
 * it for the root task to run. */
#include <stdio.h>
#include <l4/utcb.h>

int main(void)
{
    printf("sigma0: placeholder running as thread %lx\n", L4_MyGlobalId().raw);
    for (;;)
        __asm__ volatile("pause");
}
