/* Tasks: an address space with one thread, started from a program.
 *
 * Slot i of the task table runs thread number (first user number + 16 +
 * i); the first NSERVICES slots are the supervised servers', which keep
 * version 1 in every incarnation, so their ids never change. A program's
 * slot takes the next version each time it is reused, so an old id never
 * names a new task. Its thread is moved to the processor cpus.c chooses
 * before it first runs. */
#include <pecan/abi.h>
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/kip.h>
#include <l4/utcb.h>
#include "root.h"

#define KIP_AREA  0xBFF00000UL
#define UTCB_AREA 0xBF000000UL
#define DEFAULT_LIMIT 1024                  /* pages: 4 MB per task */
#define NUMBER_OFFSET 16                    /* (below: the root server's own threads) */

struct task tasks[MAX_TASKS];
static L4_Word_t versions[MAX_TASKS], serial;

static L4_Word_t slot_number(int slot)
{
    return L4_ThreadIdUserBase(L4_GetKernelInterface()) + NUMBER_OFFSET + (L4_Word_t)slot;
}

L4_ThreadId_t task_service_id(int i)
{
    return L4_GlobalId(slot_number(i), 1);
}

int task_slot(const struct task *t)
{
    return (int)(t - tasks);
}

struct task *task_of(L4_ThreadId_t thread)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (tasks[i].used && !tasks[i].ended && tasks[i].id.raw == thread.raw)
            return &tasks[i];
    return NULL;
}

struct task *task_named(L4_Word_t id)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (t->used && !t->ended &&
            (t->id.raw == id || (!TID_VERSION(id) && L4_ThreadNo(t->id) == TID_NUMBER(id))))
            return t;
    }
    return NULL;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Split the command line into the argument page's words; false if there
 * are more than it holds. */
static int fill_args(struct os_args *a, const char *cmdline)
{
    size_t len = strlen(cmdline);
    if (len >= sizeof a->text)
        return 0;
    memcpy(a->text, cmdline, len + 1);
    a->argc = 0;
    for (size_t i = 0; i < len;) {
        while (blank(a->text[i]))
            a->text[i++] = '\0';
        if (!a->text[i])
            break;
        if (a->argc == sizeof a->argv_offset / sizeof a->argv_offset[0])
            return 0;
        a->argv_offset[a->argc++] = i;
        while (a->text[i] && !blank(a->text[i]))
            i++;
    }
    return 1;
}

static int new_thread(struct task *t)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_Word_t old;
    if (!L4_ThreadControl(t->id, t->id, me, L4_nilthread, (void *)~0UL))
        return 0;
    if (!L4_SpaceControl(t->id, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 12),
                         L4_nilthread, &old) ||
        !L4_ThreadControl(t->id, t->id, me, me, (void *)UTCB_AREA)) {
        L4_ThreadControl(t->id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
        return 0;
    }
    L4_Set_Priority(t->id, t->prio);
    t->cpu = cpu_move(t->id, cpu_for(t->svc));    /* before it runs (cpus.c) */
    /* its start message: IP = entry, SP = just below the argument page
     * (crt0 moves to its own stack at once) */
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2;
    mr[1] = t->prog->entry;
    mr[2] = OS_ARGS_VA;
    return L4_IpcSucceeded(L4_Send_Timeout(t->id, L4_ZeroTime));
}

/* A free slot for a program, or the service's own. */
static struct task *free_slot(const struct service *svc)
{
    if (svc)
        return tasks[svc - services].used ? NULL : &tasks[svc - services];
    for (int i = NSERVICES; i < MAX_TASKS; i++)
        if (!tasks[i].used)
            return &tasks[i];
    return NULL;
}

/* The pages a service keeps over its incarnations, made on its first start. */
static int keep_pages(const struct service *svc)
{
    int owner = KEEP_OWNER + (int)(svc - services);
    while (pool_pages(owner) < svc->keep_pages)
        if (!pool_alloc(owner))
            return 0;
    return 1;
}

static void free_task(struct task *t)
{
    t->used = t->ended = 0;
}

struct task *task_spawn(const struct spawn *how, int *err)
{
    char name[32];
    size_t n = 0;
    while (how->cmdline[n] && !blank(how->cmdline[n]) && n < sizeof name - 1) {
        name[n] = how->cmdline[n];
        n++;
    }
    name[n] = '\0';
    const struct program *p = program_find(name);
    const struct service *svc = how->svc, *copied = service_named(name);
    struct task *t = free_slot(svc);
    *err = !p ? OS_ENOENT : !svc && copied && !copied->users_may_run ? OS_EPERM
         : !t ? OS_ENOMEM : OS_OK;
    if (*err)
        return NULL;
    int slot = task_slot(t);
    L4_Word_t version = 1;
    if (!svc) {
        version = versions[slot] + 1;
        if (!(version & TID_LOCAL_MASK))    /* low six bits 0 would make a local id */
            version++;
        versions[slot] = version;
    }
    *t = (struct task){ .used = 1, .prog = p, .svc = svc, .prio = svc ? svc->prio : 100,
                        .limit = svc && svc->limit ? svc->limit : DEFAULT_LIMIT,
                        .in_server = how->in_server,
                        .in_handle = how->in_handle, .out_server = how->out_server,
                        .out_handle = how->out_handle, .parent = how->parent,
                        .id = L4_GlobalId(slot_number(slot), version), .serial = ++serial };
    t->group = svc ? 0 : how->group ? how->group : t->id.raw;
    strcpy(t->name, name);
    t->heap_start = t->brk = (p->end + 4095) & ~4095UL;
    t->args_page = pool_alloc(slot);
    struct os_args *a = (struct os_args *)t->args_page;
    if (a) {
        *a = (struct os_args){ .magic = OS_ARGS_MAGIC, .root = L4_MyGlobalId().raw,
                               .in_server = how->in_server, .in_handle = how->in_handle,
                               .out_server = how->out_server, .out_handle = how->out_handle,
                               .heap_start = t->heap_start, .incarnation = how->incarnation };
        if (!fill_args(a, how->cmdline))
            *err = OS_ETOOLONG;
    }
    if (!a || (svc && !keep_pages(svc)))
        *err = OS_ENOMEM;
    if (!*err && !new_thread(t))
        *err = OS_ENOMEM;
    if (*err) {
        pool_free_owner(slot);
        free_task(t);
        return NULL;
    }
    cpu_count(t->cpu, 1, 1);
    if (svc && svc->irq >= 0) {             /* its interrupt: to this incarnation */
        L4_ThreadId_t irq = L4_GlobalId((L4_Word_t)svc->irq, 1);
        if (!L4_ThreadControl(irq, irq, L4_nilthread, t->id, (void *)~0UL))
            printf("os: cannot attach interrupt %d to the %s server\n", svc->irq, svc->name);
    }
    return t;
}

void task_end(struct task *t, int status, int how)
{
    L4_ThreadId_t id = t->id;
    const struct service *svc = t->svc;
    ux_task_ended(t);
    L4_ThreadControl(id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    cpu_count(t->cpu, -1, -1);              /* (before a service's restart is placed) */
    pool_free_owner(task_slot(t));
    names_forget(id);
    t->ended = 1;
    t->status = status;
    t->how = how;
    for (int i = 0; i < MAX_TASKS; i++) {   /* its children: nobody waits for them now */
        struct task *c = &tasks[i];
        if (c->used && c->parent.raw == id.raw) {
            c->parent = L4_nilthread;
            if (c->ended)
                free_task(c);
        }
    }
    services_release(id, t->in_server, t->in_handle, t->out_server, t->out_handle);
    if (!L4_IsNilThread(t->waiter)) {
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 2;
        mr[1] = (L4_Word_t)status;
        mr[2] = (L4_Word_t)how;
        L4_Send_Timeout(t->waiter, L4_ZeroTime);
        free_task(t);
    } else if (!task_of(t->parent)) {
        free_task(t);
    }
    if (svc)                                /* (its slot is free again) */
        service_ended(svc, how);
}

int task_wait(L4_ThreadId_t from, L4_Word_t id, L4_Word_t *mr)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (!t->used || t->id.raw != id)
            continue;
        if (t->parent.raw != from.raw || L4_IsNilThread(from))
            return OS_EPERM;
        if (!t->ended) {
            t->waiter = from;               /* answered by task_end */
            return -1;
        }
        mr[1] = (L4_Word_t)t->status;
        mr[2] = (L4_Word_t)t->how;
        free_task(t);
        return OS_OK;
    }
    return OS_ENOENT;
}
