/* libos: reading stdin a character or a line at a time (stdio.h). */
#include <stdio.h>
#include <os/os.h>

static struct __file { int unused; } in_file;
FILE *const stdin = &in_file;

static char buf[OS_MSG_BYTES];
static size_t pos, len;

int getchar(void)
{
    if (pos == len) {
        fflush_stdout();                    /* a prompt before we wait */
        long n = os_read(os_stdin, buf, sizeof buf);
        if (n <= 0)
            return EOF;
        pos = 0;
        len = (size_t)n;
    }
    return (unsigned char)buf[pos++];
}

char *fgets(char *s, int size, FILE *stream)
{
    if (stream != stdin || size < 1)
        return NULL;
    int n = 0;
    while (n < size - 1) {
        int c = getchar();
        if (c == EOF)
            break;
        s[n++] = (char)c;
        if (c == '\n')
            break;
    }
    s[n] = '\0';
    return n ? s : NULL;
}
