/* libl4's public headers (user/include/l4) are what an X.2 program
 * includes: every macro they define must be an L4 name (L4_..., or
 * __L4... for their internals), so that no macro of the program can
 * collide with one of ours (spec 1: X.2 programs build unmodified).
 * l4_macros.h is made by the Makefile: the macros all of them define
 * together (gcc -E -dM), less those the compiler and the standard
 * headers they include (stdint.h, stddef.h) define. */
#define CHECK_SUITE "l4names"
#include "check.h"
#include <string.h>

static const char *const macros[] = {
#include "l4_macros.h"
};

static int l4_name(const char *m)
{
    return !strncmp(m, "L4_", 3) || !strncmp(m, "__L4", 4);
}

CHECK_TEST(public_headers_define_only_l4_names)
{
    unsigned bad = 0;
    for (unsigned i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (!l4_name(macros[i])) {
            if (!bad++)
                check_fail("expected only L4_ and __L4 macros from <l4/*.h>, got %s", macros[i]);
            printf("  not an L4 name: %s\n", macros[i]);
        }
    EXPECT(sizeof macros / sizeof macros[0] > 50);      /* (the list was made) */
}
