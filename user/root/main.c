/* The root task of the interactive system, placeholder: greets the user. */
#include <stdio.h>
#include <l4/kip.h>
#include <l4/utcb.h>

int main(void)
{
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    printf("\nHello from the Pecan root task (thread %lx).\n", L4_MyGlobalId().raw);
    printf("The kernel interface page is at %p; this is X.2 API version %lx.\n",
           (void *)kip, kip->api_version);
    printf("Nothing more to do yet: the system is idle. Quit QEMU with Ctrl-A X.\n");
    return 0;
}
