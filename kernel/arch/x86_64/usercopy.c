/* Reading user memory (arch/usercopy.h): the bounds of the user area
 * here, the copy itself in usercopy.S. */
#include "arch/usercopy.h"
#include "config.h"

size_t copy_from_user_raw(void *dst, const void *src, size_t n);

size_t copy_from_user(void *dst, word_t src, size_t n)
{
    if (src >= USER_END)
        return 0;
    if (n > USER_END - src)
        n = USER_END - src;
    return copy_from_user_raw(dst, (const void *)src, n);
}
