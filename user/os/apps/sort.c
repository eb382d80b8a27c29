/* sort [-n] [-r]: its input's lines in order (-n: by their numbers, -r:
 * reversed). Reads with fgets into memory from malloc and realloc, sorts
 * with qsort, compares numbers with strtol. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <os/os.h>

static int numeric, reverse;

static int compare(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c;
    if (numeric) {
        long p = strtol(x, NULL, 10), q = strtol(y, NULL, 10);
        c = p < q ? -1 : p > q;
    } else {
        c = strcmp(x, y);
    }
    return reverse ? -c : c;
}

int app_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n"))
            numeric = 1;
        else if (!strcmp(argv[i], "-r"))
            reverse = 1;
        else {
            printf("usage: sort [-n] [-r]\n");
            return 1;
        }
    }
    char **lines = NULL, buf[512];
    size_t n = 0, room = 0;
    while (fgets(buf, sizeof buf, stdin)) {
        if (n == room) {
            room = room ? 2 * room : 16;
            char **more = realloc(lines, room * sizeof *lines);
            if (!more) {
                printf("sort: out of memory after %zu lines\n", n);
                return 1;
            }
            lines = more;
        }
        size_t len = strlen(buf);
        if (!(lines[n] = malloc(len + 1))) {
            printf("sort: out of memory after %zu lines\n", n);
            return 1;
        }
        memcpy(lines[n++], buf, len + 1);
    }
    qsort(lines, n, sizeof *lines, compare);
    for (size_t i = 0; i < n; i++) {
        printf("%s", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return 0;
}
