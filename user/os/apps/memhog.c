/* memhog: takes memory a megabyte at a time until its limit says no;
 * the refusal comes back as an error, and the task goes on. */
#include <stdio.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    unsigned long total = 0;
    for (;;) {
        char *p = os_sbrk(1UL << 20);
        if (!p) {
            printf("memhog: out of memory after %lu KB (the task's limit)\n", total >> 10);
            return 0;
        }
        for (unsigned long o = 0; o < (1UL << 20); o += 4096)
            p[o] = 1;                       /* touch: the pager fills it in */
        total += 1UL << 20;
    }
}
