/* The printf-style formatter shared by kernel and user programs,
 * checked against what the C library prints for the same directives. */
#define CHECK_SUITE "format"
#include "check.h"
#include "format.h"

#define SAME(...)                                                            \
    do {                                                                     \
        char ours[128], libc[128];                                           \
        int n1 = format_buf(ours, sizeof ours, __VA_ARGS__);                 \
        int n2 = snprintf(libc, sizeof libc, __VA_ARGS__);                   \
        EXPECT_STR(ours, libc);                                              \
        EXPECT_EQ(n1, n2);                                                   \
    } while (0)

CHECK_TEST(integers)
{
    SAME("%d %i %u", -42, 7, 4000000000u);
    SAME("%ld %lu", -9000000000L, 18000000000000000000UL);
    SAME("%lld %zu", -1LL, (size_t)12345);
    SAME("%d", -2147483647 - 1);
    SAME("%ld", -9223372036854775807L - 1);
}

CHECK_TEST(hex_and_pointers)
{
    SAME("%x %X %lx", 0xdeadbeefu, 0xabcu, 0xffffffff80000000UL);
    SAME("%016lx|%-8x|%8x", 0x1234UL, 0xabu, 0xabu);
    char buf[32];
    format_buf(buf, sizeof buf, "%p", (void *)0x1000);
    EXPECT(strstr(buf, "1000") != NULL);
}

CHECK_TEST(width_flags_and_star)
{
    SAME("[%5d][%-5d][%05d]", 42, 42, 42);
    SAME("[%*d][%-*s]", 6, -3, 4, "ab");
    SAME("[%c%c][%%]", 'o', 'k');
    SAME("[%s][%10s][%-10s]", "pecan", "pecan", "pecan");
}

CHECK_TEST(truncates_and_terminates)
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    int n = format_buf(buf, sizeof buf, "%s", "0123456789");
    EXPECT_EQ(n, 10);                 /* the length it would have written */
    EXPECT_STR(buf, "0123456");
    EXPECT_EQ(format_buf(buf, 0, "abc"), 3);
}

CHECK_TEST(null_string)
{
    char buf[32];
    const char *volatile nothing = NULL;   /* hide the NULL from -Wformat */
    format_buf(buf, sizeof buf, "%s", nothing);
    EXPECT(buf[0] != '\0');           /* prints a marker rather than crashing */
}
