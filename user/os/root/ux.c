/* Unix-ABI spaces (docs/unix.md) for the one service the services table
 * lets have them, the Unix server: ThreadControl and SpaceControl are
 * privileged, so it asks us. It names each thread from its range
 * (OS_UX_FIRST..) and becomes the thread's pager and so its exception
 * handler; we remember whose each thread is, refuse ids outside the range
 * or another's, and delete them all when their owner ends. Each runs on
 * its owner's processor (cpus.c). */
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include "root.h"

static struct {
    signed char owner;                      /* task slot + 1; 0: free */
    unsigned char cpu;                      /* where it runs: its owner's processor */
    L4_ThreadId_t id;
} threads[OS_UX_THREADS];

static L4_Word_t first_number(void)
{
    return L4_ThreadIdUserBase(L4_GetKernelInterface()) + OS_UX_FIRST;
}

/* Its index in the range, -1 if the id is not one of the range (a global
 * id, version not 0) */
static int index_of(L4_ThreadId_t id)
{
    L4_Word_t n = L4_ThreadNo(id) - first_number();
    return n < OS_UX_THREADS && L4_IsGlobalId(id) && L4_Version(id) ? (int)n : -1;
}

static int owns(const struct task *t, L4_ThreadId_t id)
{
    int i = index_of(id);
    return i >= 0 && threads[i].owner == task_slot(t) + 1 && threads[i].id.raw == id.raw;
}

static void delete(int i)
{
    L4_ThreadControl(threads[i].id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    cpu_count(threads[i].cpu, 0, -1);
    threads[i].owner = 0;
}

static void *utcb(unsigned slot)
{
    return (void *)(OS_UX_UTCB_AREA + slot * L4_UtcbSize(L4_GetKernelInterface()));
}

static int new_space(struct task *t, L4_ThreadId_t id)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_Word_t old;
    if (!L4_ThreadControl(id, id, me, L4_nilthread, (void *)~0UL))
        return OS_ENOMEM;
    if (!L4_SpaceControl(id, 0, L4_FpageLog2(OS_UX_KIP_AREA, 12),
                         L4_FpageLog2(OS_UX_UTCB_AREA, OS_UX_UTCB_LOG2), L4_nilthread, &old) ||
        !L4_SetUnixAbi(id, 1) || !L4_ThreadControl(id, id, me, t->id, utcb(0))) {
        L4_ThreadControl(id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
        return OS_ENOMEM;
    }
    L4_Set_Priority(id, t->prio);
    return OS_OK;
}

static int new_thread(struct task *t, L4_ThreadId_t id, L4_ThreadId_t in, L4_Word_t slot)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_Word_t slots = (1UL << OS_UX_UTCB_LOG2) / L4_UtcbSize(L4_GetKernelInterface());
    if (!owns(t, in) || slot >= slots)
        return OS_EINVAL;
    if (!L4_ThreadControl(id, in, me, t->id, utcb((unsigned)slot)))
        return OS_ENOMEM;
    L4_Set_Priority(id, t->prio);
    return OS_OK;
}

int ux_request(struct task *t, L4_Word_t label, const L4_Word_t *mr)
{
    L4_ThreadId_t id = { .raw = mr[1] };
    int i = index_of(id);
    if (!t || !t->svc || !t->svc->unix_spaces)
        return OS_EPERM;
    if (i < 0)
        return OS_EINVAL;
    if (label == OS_UX_DELETE) {
        if (!owns(t, id))
            return OS_EINVAL;
        delete(i);
        return OS_OK;
    }
    if (threads[i].owner)
        return OS_EINVAL;                   /* (delete it first) */
    int r = label == OS_UX_SPACE ? new_space(t, id)
                                 : new_thread(t, id, (L4_ThreadId_t){ .raw = mr[2] }, mr[3]);
    if (r == OS_OK) {
        threads[i].owner = (signed char)(task_slot(t) + 1);
        threads[i].id = id;
        threads[i].cpu = (unsigned char)cpu_move(id, t->cpu);   /* with its task (cpus.c) */
        cpu_count(threads[i].cpu, 0, 1);
    }
    return r;
}

void ux_task_ended(struct task *t)
{
    for (int i = 0; i < OS_UX_THREADS; i++)
        if (threads[i].owner == task_slot(t) + 1)
            delete(i);
}
