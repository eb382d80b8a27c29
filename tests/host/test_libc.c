/* The user C library's strtol, strtoul and qsort, and libos's malloc,
 * checked against what the host's C library does (built under other
 * names here, see the Makefile: these are ours). malloc takes its memory
 * from a fake os_sbrk over an arena, so the test sees every byte. */
#define CHECK_SUITE "libc"
#include <limits.h>
#include <stdint.h>
#include "check.h"
#include <os/os.h>

/* ---- strtol, strtoul ------------------------------------------------------ */

#define SAME_STRTOL(text, base)                                              \
    do {                                                                     \
        char *e1, *e2;                                                       \
        long ours = libc_strtol(text, &e1, base);                            \
        long host = strtol_host(text, &e2, base);                            \
        EXPECT_EQ(ours, host);                                               \
        EXPECT_EQ(e1 - (text), e2 - (text));                                 \
    } while (0)

static long strtol_host(const char *s, char **end, int base)
{
    return strtol(s, end, base);
}

CHECK_TEST(strtol_like_the_c_library)
{
    static const char *const texts[] = {
        "0", "42", "-42", "+7", "  \t 12abc", "0x1F", "0X1f", "0x", "0xg", "017", "09",
        "-0x10", "abc", "", "-", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "99999999999999999999999", "z",
    };
    for (unsigned i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        SAME_STRTOL(texts[i], 10);
        SAME_STRTOL(texts[i], 0);
        SAME_STRTOL(texts[i], 16);
        SAME_STRTOL(texts[i], 36);
        SAME_STRTOL(texts[i], 8);
    }
}

CHECK_TEST(strtoul_like_the_c_library)
{
    static const char *const texts[] = {
        "0", "18446744073709551615", "18446744073709551616", "-1", "0xffffffffffffffff",
        "  42 ", "-0", "1z",
    };
    for (unsigned i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (int base = 0; base <= 16; base += 8) {
            char *e1, *e2;
            EXPECT_EQ(libc_strtoul(texts[i], &e1, base), strtoul(texts[i], &e2, base));
            EXPECT_EQ(e1 - texts[i], e2 - texts[i]);
        }
}

/* ---- qsort --------------------------------------------------------------------- */

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

struct wide {
    long key;
    char pad[13];                       /* an odd element size */
};

static int by_key(const void *a, const void *b)
{
    long x = ((const struct wide *)a)->key, y = ((const struct wide *)b)->key;
    return x < y ? -1 : x > y;
}

CHECK_TEST(qsort_orders_every_input)
{
    static int a[1000], b[1000];
    unsigned seed = 12345;
    for (int n = 0; n <= 1000; n += n < 20 ? 1 : 97) {
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245 + 12345;
            a[i] = b[i] = (int)(seed >> 16) % (n / 2 + 1);      /* with duplicates */
        }
        libc_qsort(a, (size_t)n, sizeof a[0], by_int);
        qsort(b, (size_t)n, sizeof b[0], by_int);
        EXPECT(!memcmp(a, b, (size_t)n * sizeof a[0]));
    }
    struct wide w[50];
    for (int i = 0; i < 50; i++)
        w[i] = (struct wide){ .key = (i * 37) % 50 };
    libc_qsort(w, 50, sizeof w[0], by_key);
    for (int i = 0; i < 50; i++)
        EXPECT_EQ(w[i].key, i);
}

/* ---- malloc ------------------------------------------------------------------------ */

static _Alignas(4096) char arena[1 << 22];
static size_t arena_used;

void *os_sbrk(L4_Word_t bytes)
{
    bytes = (bytes + 4095) & ~4095UL;
    if (arena_used + bytes > sizeof arena)
        return NULL;
    arena_used += bytes;
    return arena + arena_used - bytes;
}

/* libos's os_exit, for free's check: back into the test that expects it. */
static jmp_buf exit_jump;
static int exit_status = -1;

void os_exit(int status)
{
    exit_status = status;
    longjmp(exit_jump, 1);
}

CHECK_TEST(free_of_a_block_freed_already_ends_the_program)
{
    char *p = os_malloc(100), *q = os_malloc(100);
    os_free(p);
    exit_status = -1;
    if (!setjmp(exit_jump))
        os_free(p);                                 /* twice */
    EXPECT_EQ(exit_status, 134);
    exit_status = -1;
    os_free(q);                                     /* once: fine */
    EXPECT_EQ(exit_status, -1);
}

CHECK_TEST(malloc_gives_aligned_blocks_that_keep_their_contents)
{
    enum { N = 300 };
    static unsigned char *p[N];
    static size_t size[N];
    unsigned seed = 7;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245 + 12345;
            if (p[i] && seed & 0x100) {             /* free some, check the rest */
                for (size_t k = 0; k < size[i]; k++)
                    if (p[i][k] != (unsigned char)(i + k))
                        check_fail("block %d lost its contents at byte %zu", i, k);
                os_free(p[i]);
                p[i] = NULL;
            } else if (!p[i]) {
                size[i] = (seed >> 12) % 3000;
                p[i] = os_malloc(size[i]);
                EXPECT(p[i] != NULL);
                EXPECT_EQ((uintptr_t)p[i] % 16, 0);
                for (size_t k = 0; k < size[i]; k++)
                    p[i][k] = (unsigned char)(i + k);
            }
        }
    }
    for (int i = 0; i < N; i++)
        os_free(p[i]);
    volatile size_t huge = (size_t)-1 / 2 + 1;
    EXPECT(os_malloc(huge) == NULL);                /* too big: NULL, no crash */
}

CHECK_TEST(freed_blocks_are_merged_and_reused)
{
    char *p[20];
    for (int i = 0; i < 20; i++)
        p[i] = os_malloc(1000);
    size_t grown = arena_used;
    os_free(p[5]);
    EXPECT(os_malloc(1000) == p[5]);                /* the same place again */
    for (int i = 0; i < 20; i++)
        os_free(p[i]);
    char *big = os_malloc(19 * 1000);               /* neighbours merged */
    EXPECT(big != NULL);
    EXPECT_EQ(arena_used, grown);
    os_free(big);
}

CHECK_TEST(calloc_zeroes_and_checks_overflow)
{
    unsigned char *p = os_malloc(4000);
    memset(p, 0xAA, 4000);
    os_free(p);
    unsigned char *q = os_calloc(1000, 4);
    for (int i = 0; i < 4000; i++)
        EXPECT_EQ(q[i], 0);
    os_free(q);
    volatile size_t big = (size_t)1 << 40;
    EXPECT(os_calloc(big, big) == NULL);
}

CHECK_TEST(realloc_keeps_the_contents)
{
    char *p = os_realloc(NULL, 10);
    memcpy(p, "pecan", 6);
    char *keep = os_malloc(16);                     /* so p cannot grow in place */
    p = os_realloc(p, 5000);
    EXPECT_STR(p, "pecan");
    p = os_realloc(p, 3);
    EXPECT(!memcmp(p, "pec", 3));
    EXPECT(os_realloc(p, 0) == NULL);
    os_free(keep);
}
