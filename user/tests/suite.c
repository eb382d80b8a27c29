/* Running the in-system test suite: every registered test, or those
 * selected, each reported on one line for tools/harness.py. Used by the
 * test root task (main.c) and by the operating system's `test` command
 * (user/os/root), which runs it in a thread of its root server. */
#include <setjmp.h>
#include <string.h>
#include <l4/bootinfo.h>
#include <l4/kip.h>
#include "testlib.h"
#include "tsupport.h"
#include "format.h"

extern const struct test __start_tests[], __stop_tests[];

static jmp_buf test_env;
static char fail_msg[256];

void test_fail(const char *file, int line, const char *fmt, ...)
{
    int n = format_buf(fail_msg, sizeof fail_msg, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    format_vbuf(fail_msg + n, sizeof fail_msg - n, fmt, ap);
    va_end(ap);
    longjmp(test_env, 1);
}

const char *test_cmdline(void)
{
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    const L4_BootRec_t *r =
        L4_BootInfo_FindExec((const L4_BootInfo_t *)kip->boot_info, kip->root[2]);
    return r ? L4_BootRec_Cmdline(r) : "";
}

/* The value of "key=" on the command line, copied into buf ("" if absent). */
const char *test_option(const char *cmdline, const char *key, char *buf, size_t size)
{
    const char *p = strstr(cmdline, key);
    size_t n = 0;
    if (p)
        for (p += strlen(key); *p && *p != ' ' && n + 1 < size; p++)
            buf[n++] = *p;
    buf[n] = '\0';
    return buf;
}

uint64_t test_number_option(const char *key, uint64_t otherwise)
{
    char buf[24];
    const char *c = test_option(test_cmdline(), key, buf, sizeof buf);
    unsigned base = c[0] == '0' && (c[1] == 'x' || c[1] == 'X') ? 16 : 10;
    uint64_t n = 0;
    if (!*c)
        return otherwise;
    for (c += base == 16 ? 2 : 0; *c; c++) {
        unsigned lower = (unsigned)*c | 0x20;   /* (ASCII: 'A' -> 'a') */
        unsigned d = *c >= '0' && *c <= '9' ? (unsigned)(*c - '0')
                   : lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : base;
        if (d >= base)
            break;
        n = n * base + d;
    }
    return n;
}

static int selected(const struct test *t, const char *only)
{
    char full[96];
    snprintf(full, sizeof full, "%s.%s", t->group, t->name);
    size_t n = strlen(only);
    return !strncmp(full, only, n) && (full[n] == '\0' || full[n] == '.' || n == 0);
}

/* Is t named by one of the space-separated prefixes in `list`? */
static int listed(const struct test *t, const char *list)
{
    char prefix[96];
    while (list && *list) {
        size_t n = 0;
        while (list[n] && list[n] != ' ')
            n++;
        if (n && n < sizeof prefix) {
            memcpy(prefix, list, n);
            prefix[n] = '\0';
            if (selected(t, prefix))
                return 1;
        }
        list += n + (list[n] == ' ');
    }
    return 0;
}

void suite_run(const char *only, const char *skip, int fatal, unsigned *passed, unsigned *failed)
{
    *passed = *failed = 0;
    printf("SUITE START%s%s\n", only[0] ? " only=" : "", only);
    for (const struct test *t = __start_tests; t < __stop_tests; t++) {
        if (!selected(t, only) || listed(t, skip) || (fatal && !t->expect_stop))
            continue;
        if (t->expect_stop && !fatal) {
            printf("FATALTEST %s.%s\n", t->group, t->name);
            continue;
        }
        if (t->expect_stop)
            printf("EXPECT-STOP %s.%s: %s\n", t->group, t->name, t->expect_stop);
        if (setjmp(test_env) == 0) {
            t->fn();
            if (t->expect_stop) {
                printf("TEST %s.%s FAIL: expected the kernel to stop this thread, "
                       "but the test returned\n", t->group, t->name);
                (*failed)++;
            } else {
                printf("TEST %s.%s PASS\n", t->group, t->name);
                (*passed)++;
            }
        } else {
            printf("TEST %s.%s FAIL: %s\n", t->group, t->name, fail_msg);
            (*failed)++;
        }
        tsup_cleanup();                 /* its threads go, passed or not */
    }
    printf("SUITE DONE %u passed, %u failed\n", *passed, *failed);
}
