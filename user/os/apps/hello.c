/* hello: greets, and prints its arguments one per line. */
#include <stdio.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    printf("Hello from task %lx!\n", L4_MyGlobalId().raw);
    for (int i = 1; i < argc; i++)
        printf("argument %d: %s\n", i, argv[i]);
    return 0;
}
