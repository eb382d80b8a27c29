/* count [N]: prints the numbers 1..N (default 10), one per line. */
#include <stdio.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    int n = 10;
    if (argc > 1) {
        n = 0;
        for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (*p - '0');
    }
    for (int i = 1; i <= n; i++)
        printf("%d\n", i);
    return 0;
}
