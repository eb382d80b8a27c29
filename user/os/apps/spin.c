/* spin: runs forever (until killed, or Ctrl-C). */
#include <stdio.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("spinning; stop me with Ctrl-C or kill\n");
    for (volatile unsigned long i = 0;; i++)
        ;
}
