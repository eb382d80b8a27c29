/* Kernel threads through the root server (kthread.h). */
#include <pecan/abi.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <pecan/unix_abi.h>
#include <os/os.h>
#include <os/proto.h>
#include "kthread.h"
#include "linux.h"
#include "mm.h"

static uint16_t version[KTHREAD_MAX];
static bool used[KTHREAD_MAX];
static unsigned next_free;

L4_Word_t kthread_first;

void kthread_init(void)
{
    kthread_first = L4_ThreadIdUserBase(L4_GetKernelInterface()) + OS_UX_FIRST;
}

L4_ThreadId_t kthread_id_alloc(void)
{
    for (unsigned n = 0; n < KTHREAD_MAX; n++) {
        unsigned i = (next_free + n) % KTHREAD_MAX;
        if (used[i])
            continue;
        used[i] = true;
        next_free = i + 1;
        version[i]++;
        if (!(version[i] & TID_LOCAL_MASK)) /* low six bits 0 would be a local id */
            version[i]++;
        return L4_GlobalId(kthread_first + i, version[i]);
    }
    return L4_nilthread;
}

int kthread_index(L4_ThreadId_t id)
{
    L4_Word_t n = L4_ThreadNo(id) - kthread_first;
    return n < KTHREAD_MAX && used[n] && L4_Version(id) == version[n] ? (int)n : -1;
}

void kthread_id_free(L4_ThreadId_t id)
{
    int i = kthread_index(id);
    if (i >= 0)
        used[i] = false;
}

static int root_call(L4_Word_t label, L4_Word_t w1, L4_Word_t w2, L4_Word_t w3)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = MSGTAG(label, 0, 3);
    mr[1] = w1;
    mr[2] = w2;
    mr[3] = w3;
    int r = os_result(L4_Call(os_root()));
    return r == OS_OK ? 0 : r == OS_ENOMEM ? -ENOMEM : -EAGAIN;
}

int kthread_new_space(L4_ThreadId_t id)
{
    return root_call(OS_UX_SPACE, id.raw, 0, 0);
}

int kthread_new(L4_ThreadId_t id, L4_ThreadId_t in, unsigned slot)
{
    return root_call(OS_UX_THREAD, id.raw, in.raw, slot);
}

void kthread_delete(L4_ThreadId_t id)
{
    root_call(OS_UX_DELETE, id.raw, 0, 0);
    kthread_id_free(id);
}

static void exchange(L4_ThreadId_t id, L4_Word_t control)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(id, control, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pager);
}

void kthread_halt(L4_ThreadId_t id, bool halt)
{
    exchange(id, 0x100 | (halt ? 1 : 0));  /* H, and h */
}

void kthread_interrupt(L4_ThreadId_t id)
{
    exchange(id, UNIX_XR_INTERRUPT);
}
