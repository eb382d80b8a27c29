/* libos: message helpers, shared with the root server. */
#include <pecan/abi.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

size_t os_string_room(unsigned first)
{
    return first < __L4_NUM_MRS - 1 ? (__L4_NUM_MRS - 1 - first) * 8 : 0;
}

unsigned os_put_string(unsigned first, const char *s, size_t n)
{
    L4_Word_t *mr = __L4_Utcb();
    if (n > os_string_room(first))
        n = os_string_room(first);
    mr[first] = n;
    memcpy(&mr[first + 1], s, n);
    return first + 1 + (unsigned)((n + 7) / 8);         /* the next free MR */
}

long os_get_string(unsigned first, char *buf, size_t size)
{
    L4_Word_t *mr = __L4_Utcb();
    size_t n = mr[first];
    if (n > os_string_room(first) || n >= size)
        return -1;
    memcpy(buf, &mr[first + 1], n);
    buf[n] = '\0';
    return (long)n;
}

L4_MsgTag_t os_call(L4_ThreadId_t server, L4_Word_t label, unsigned u)
{
    __L4_Utcb()[0] = MSGTAG(label, 0, u);
    return L4_Call(server);
}

int os_result(L4_MsgTag_t tag)
{
    return L4_IpcFailed(tag) ? OS_ENOSERVER : (int)L4_Label(tag);
}

const char *os_strerror(int err)
{
    static const char *const what[] = {
        [OS_OK] = "no error",
        [OS_ENOENT] = "no such program or task",
        [OS_ENOMEM] = "out of memory",
        [OS_EINVAL] = "malformed request",
        [OS_ECLOSED] = "the stream is closed",
        [OS_EBUSY] = "busy",
        [OS_EPERM] = "not allowed",
        [OS_EINTR] = "interrupted",
        [OS_ETOOLONG] = "too long",
        [OS_ENOSERVER] = "the server is gone",
    };
    if (err < 0)
        err = -err;
    return (unsigned)err < sizeof what / sizeof what[0] && what[err] ? what[err] : "unknown error";
}
