/* upper: copies its input to its output in capital letters. */
#include <os/os.h>

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char buf[256];
    long n;
    while ((n = os_read(os_stdin, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        os_write(os_stdout, buf, (size_t)n);
    }
    return 0;
}
