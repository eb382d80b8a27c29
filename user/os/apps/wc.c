/* wc: counts the lines, words and bytes of its input (getchar). */
#include <stdio.h>
#include <os/os.h>

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    unsigned long lines = 0, words = 0, bytes = 0;
    int c, in_word = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        lines += c == '\n';
        int blank = c == ' ' || c == '\t' || c == '\n';
        words += !blank && !in_word;
        in_word = !blank;
    }
    printf("%lu %lu %lu\n", lines, words, bytes);
    return 0;
}
