/* The in-system test framework. A test is one function plus its
 * registration, which the TEST macro does:
 *
 *     TEST(group, name) { EXPECT_EQ(f(2), 4); }
 *
 * Each test prints one line: "TEST group.name PASS" or
 * "TEST group.name FAIL: file:line: expected X, got Y". A failed EXPECT
 * ends the test. FATAL_TEST marks a test whose thread the kernel must
 * stop (an unhandled fault): it runs only when selected alone, in a boot
 * of its own, and the harness checks what the kernel did. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct test {
    const char *group, *name;
    void (*fn)(void);
    const char *expect_stop;    /* fatal tests: text of the kernel's report */
};

#define TEST_REGISTER(g, n, expect)                                          \
    static void test_##g##_##n(void);                                        \
    static const struct test reg_##g##_##n                                   \
        __attribute__((used, section("tests"), aligned(8))) =                \
            { #g, #n, test_##g##_##n, expect };                              \
    static void test_##g##_##n(void)

#define TEST(g, n) TEST_REGISTER(g, n, 0)
/* `expect`: text the kernel's report on the stopped thread must contain. */
#define FATAL_TEST(g, n, expect) TEST_REGISTER(g, n, expect)

/* Record a failure and leave the test. */
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define EXPECT(c)                                                            \
    do {                                                                     \
        if (!(c))                                                            \
            test_fail(__FILE__, __LINE__, "expected %s, but it is false", #c); \
    } while (0)

#define EXPECT_EQ(actual, expected)                                          \
    do {                                                                     \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);         \
        if (a_ != e_)                                                        \
            test_fail(__FILE__, __LINE__, "%s: expected 0x%lx (%ld), got 0x%lx (%ld)", \
                      #actual, e_, (long)e_, a_, (long)a_);                  \
    } while (0)

#define EXPECT_NE(actual, unexpected)                                        \
    do {                                                                     \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(unexpected);       \
        if (a_ == e_)                                                        \
            test_fail(__FILE__, __LINE__, "%s: expected anything but 0x%lx", #actual, e_); \
    } while (0)

/* Announce that the test is about to make the kernel stop one thread (an
 * unhandled fault), so that the harness does not count the kernel's
 * report as trouble. */
#define EXPECT_THREAD_STOP() printf("EXPECT-THREAD-STOP\n")

/* The same for any number of threads, until THREAD_STOPS_END (a test
 * whose threads may fault without a handler, such as the fuzzer's). */
#define THREAD_STOPS_BEGIN() printf("EXPECT-THREAD-STOPS\n")
#define THREAD_STOPS_END() printf("END-THREAD-STOPS\n")

/* Run the tests selected by the prefix `only` ("" = all) except those
 * named by a prefix in the space-separated list `skip` (may be NULL),
 * printing a line per test; returns the counts. Fatal tests are only
 * announced (FATALTEST) unless `fatal` is set: then only they run, for
 * the boot of their own the harness gives each. */
void suite_run(const char *only, const char *skip, int fatal, unsigned *passed,
               unsigned *failed);

/* The value of "key=" on a command line, copied into buf ("" if absent). */
const char *test_option(const char *cmdline, const char *key, char *buf, size_t size);

/* The number given as "key=" (decimal, or hex with 0x) on the root
 * task's command line; `otherwise` if absent. */
uint64_t test_number_option(const char *key, uint64_t otherwise);

/* The root task's command line (from the boot information). */
const char *test_cmdline(void);
