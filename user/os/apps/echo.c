/* echo [-n] WORDS: prints its arguments, with a newline unless -n. */
#include <stdio.h>
#include <string.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    int newline = !(argc > 1 && !strcmp(argv[1], "-n"));
    for (int i = 2 - newline; i < argc; i++)
        printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    if (newline)
        printf("\n");
    return 0;
}
