/* libos: message helpers, shared with the root server. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

unsigned os_put_string(unsigned first, const char *s, size_t n)
{
    L4_Word_t *mr = __L4_Utcb();
    if (n > OS_MSG_BYTES)
        n = OS_MSG_BYTES;
    mr[first] = n;
    memcpy(&mr[first + 1], s, n);
    return first + 1 + (unsigned)((n + 7) / 8);         /* the next free MR */
}

size_t os_get_string(unsigned first, char *buf, size_t size)
{
    L4_Word_t *mr = __L4_Utcb();
    size_t n = mr[first];
    if (n > OS_MSG_BYTES)
        n = OS_MSG_BYTES;
    if (n >= size)
        n = size - 1;
    memcpy(buf, &mr[first + 1], n);
    buf[n] = '\0';
    return n;
}

L4_MsgTag_t os_call(L4_ThreadId_t server, L4_Word_t label, unsigned u)
{
    __L4_Utcb()[0] = label << 16 | u;
    return L4_Call(server);
}

