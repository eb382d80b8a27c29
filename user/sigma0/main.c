/* sigma0, placeholder: the kernel resolves sigma0's page faults and maps
 * the root task itself; the sigma0 protocol (spec 10) comes with the
 * memory issue. Until then it shows that it runs and then sleeps. */
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/utcb.h>

int main(void)
{
    printf("sigma0: placeholder running as thread %lx\n", L4_MyGlobalId().raw);
    for (;;)
        L4_Sleep(L4_Never);
}
