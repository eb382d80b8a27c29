/* A minimal unit-test framework for host tests of pure kernel logic.
 *
 * Each test is a function registered with CHECK_TEST(name). The runner
 * prints one line per test, `TEST host.<suite>.<name> PASS` or
 * `... FAIL: <what was expected and what happened>`, which the harness
 * parses. argv[1], if given, is a prefix filter on the full name
 * ("host", "host.range", "host.range.add_merges"). Exit status is non-zero
 * if any test failed. Kernel code linked in here may call panic_frame; it
 * fails the running test instead of stopping the program.
 */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CHECK_SUITE
#error "define CHECK_SUITE (the file's short name) before including check.h"
#endif

struct check_test {
    const char *name;
    void (*fn)(void);
};

#define CHECK_MAX 128
static struct check_test check_tests[CHECK_MAX];
static int check_ntests;
static int check_failed_now;          /* the running test has failed */
static char check_msg[512];
static jmp_buf check_abort;           /* where a panic inside a test lands */
static jmp_buf *check_panic_catcher;  /* set inside EXPECT_PANIC */

#define CHECK_TEST(name)                                                     \
    static void test_##name(void);                                           \
    __attribute__((constructor)) static void register_##name(void)           \
    {                                                                        \
        check_tests[check_ntests++] = (struct check_test){ #name, test_##name }; \
    }                                                                        \
    static void test_##name(void)

__attribute__((format(printf, 1, 2))) static void check_fail(const char *fmt, ...)
{
    if (check_failed_now)
        return;                       /* keep the first failure */
    check_failed_now = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(check_msg, sizeof check_msg, fmt, ap);
    va_end(ap);
}

#define EXPECT(c)                                                            \
    do {                                                                     \
        if (!(c))                                                            \
            check_fail("%s:%d: expected %s", __FILE__, __LINE__, #c);        \
    } while (0)

#define EXPECT_EQ(a, b)                                                      \
    do {                                                                     \
        unsigned long long a_ = (unsigned long long)(a);                     \
        unsigned long long b_ = (unsigned long long)(b);                     \
        if (a_ != b_)                                                        \
            check_fail("%s:%d: expected %s == %s (0x%llx), got 0x%llx",      \
                       __FILE__, __LINE__, #a, #b, b_, a_);                  \
    } while (0)

#define EXPECT_STR(a, b)                                                     \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                               \
            check_fail("%s:%d: expected %s == \"%s\", got \"%s\"",           \
                       __FILE__, __LINE__, #a, b_ ? b_ : "(null)",           \
                       a_ ? a_ : "(null)");                                  \
    } while (0)

/* Run `stmt` and expect it to end in a kernel panic. */
#define EXPECT_PANIC(stmt)                                                   \
    do {                                                                     \
        jmp_buf catcher_;                                                    \
        if (setjmp(catcher_) == 0) {                                         \
            check_panic_catcher = &catcher_;                                 \
            stmt;                                                            \
            check_panic_catcher = NULL;                                      \
            check_fail("%s:%d: expected %s to panic, it returned",           \
                       __FILE__, __LINE__, #stmt);                           \
        }                                                                    \
        check_panic_catcher = NULL;                                          \
    } while (0)

/* Kernel code under test reports fatal errors through panic_frame. */
struct trap_frame;
void panic_frame(const struct trap_frame *tf, const char *fmt, ...)
{
    (void)tf;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (check_panic_catcher)
        longjmp(*check_panic_catcher, 1);
    check_fail("kernel panic: %s", buf);
    longjmp(check_abort, 1);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

static void check_run_one(void (*fn)(void))
{
    check_failed_now = 0;
    if (setjmp(check_abort) == 0)
        fn();
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : "";
    int failed = 0;
    for (int i = 0; i < check_ntests; i++) {
        char full[256];
        snprintf(full, sizeof full, "host.%s.%s", CHECK_SUITE, check_tests[i].name);
        /* the filter matches a prefix ending at a name boundary */
        size_t n = strlen(only);
        if (strncmp(full, only, n) != 0 || (full[n] != '\0' && full[n] != '.' && n))
            continue;
        check_run_one(check_tests[i].fn);
        if (check_failed_now) {
            failed++;
            printf("TEST %s FAIL: %s\n", full, check_msg);
        } else {
            printf("TEST %s PASS\n", full);
        }
    }
    fflush(stdout);
    return failed ? 1 : 0;
}
