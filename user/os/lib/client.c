/* libos: the client side of the root server's and the streams' protocols
 * (os/proto.h). */
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

L4_ThreadId_t os_lookup(const char *name)
{
    size_t n = strlen(name);
    if (n > os_string_room(1))
        return L4_nilthread;
    unsigned u = os_put_string(1, name, n) - 1;
    L4_MsgTag_t tag = os_call(os_root(), OS_NS_LOOKUP, u);
    return os_result(tag) ? L4_nilthread : (L4_ThreadId_t){ .raw = __L4_Utcb()[1] };
}

int os_register(const char *name)
{
    size_t n = strlen(name);
    if (n > os_string_room(1))
        return OS_ETOOLONG;
    unsigned u = os_put_string(1, name, n) - 1;
    return os_result(os_call(os_root(), OS_NS_REGISTER, u));
}

L4_ThreadId_t os_spawn(const char *cmdline, struct os_stream in, struct os_stream out,
                       L4_Word_t group, int *err)
{
    L4_Word_t *mr = __L4_Utcb();
    size_t n = strlen(cmdline);
    int e = OS_ETOOLONG;
    if (n <= os_string_room(6)) {
        mr[1] = in.server.raw;
        mr[2] = in.handle;
        mr[3] = out.server.raw;
        mr[4] = out.handle;
        mr[5] = group;
        unsigned u = os_put_string(6, cmdline, n) - 1;
        e = os_result(os_call(os_root(), OS_SPAWN, u));
    }
    if (err)
        *err = e;
    return e ? L4_nilthread : (L4_ThreadId_t){ .raw = mr[1] };
}

int os_wait(L4_ThreadId_t task, int *how)
{
    __L4_Utcb()[1] = task.raw;
    int e = os_result(os_call(os_root(), OS_WAIT, 1));
    if (how)
        *how = e ? OS_END_KILLED : (int)__L4_Utcb()[2];
    return e ? -1 : (int)__L4_Utcb()[1];
}

int os_kill(L4_ThreadId_t task)
{
    __L4_Utcb()[1] = task.raw;
    return os_result(os_call(os_root(), OS_KILL, 1));
}

void os_exit(int status)
{
    __L4_Utcb()[1] = (L4_Word_t)status;
    os_call(os_root(), OS_EXIT, 1);
    for (;;)                                /* the root deletes us meanwhile */
        L4_Sleep(L4_Never);
}

void *os_sbrk(L4_Word_t bytes)
{
    __L4_Utcb()[1] = bytes;
    if (os_result(os_call(os_root(), OS_SBRK, 1)))
        return NULL;
    return (void *)__L4_Utcb()[1];
}

long os_write(struct os_stream s, const void *buf, size_t n)
{
    const char *p = buf;
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done < OS_MSG_BYTES ? n - done : OS_MSG_BYTES;
        __L4_Utcb()[1] = s.handle;
        unsigned u = os_put_string(2, p + done, chunk) - 1;
        int e = os_result(os_call(s.server, OS_WRITE, u));
        if (e)
            return done ? (long)done : -e;
        size_t took = __L4_Utcb()[1];
        if (!took || took > chunk)
            return done ? (long)done : -OS_EINVAL;      /* a server that takes nothing */
        done += took;
    }
    return (long)done;
}

long os_read(struct os_stream s, void *buf, size_t max)
{
    if (max > OS_MSG_BYTES)
        max = OS_MSG_BYTES;
    __L4_Utcb()[1] = s.handle;
    __L4_Utcb()[2] = max;
    int e = os_result(os_call(s.server, OS_READ, 2));
    if (e)
        return -e;
    size_t n = __L4_Utcb()[1];
    if (n > max)
        n = max;
    memcpy(buf, &__L4_Utcb()[2], n);
    return (long)n;
}

void os_close(struct os_stream s)
{
    if (L4_IsNilThread(s.server))
        return;
    __L4_Utcb()[1] = s.handle;
    os_call(s.server, OS_CLOSE, 1);
}
