/* count [N]: prints the numbers 1..N (default 10), one per line. */
#include <stdio.h>
#include <stdlib.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    char *end;
    long n = argc > 1 ? strtol(argv[1], &end, 10) : 10;
    if (argc > 1 && (*end || n < 0)) {
        printf("usage: count [N]  (N: a number of 0 or more)\n");
        return 1;
    }
    for (long i = 1; i <= n; i++)
        printf("%ld\n", i);
    return 0;
}
