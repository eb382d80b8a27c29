/* Tasks: an address space with one thread, started from a program. */
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

struct task tasks[MAX_TASKS];
static L4_Word_t next_number;

struct task *task_of(L4_ThreadId_t thread)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (tasks[i].used && !tasks[i].ended && tasks[i].id.raw == thread.raw)
            return &tasks[i];
    return NULL;
}

/* Split the command line into the argument page's words. */
static void fill_args(struct os_args *a, const char *cmdline)
{
    size_t len = strlen(cmdline);
    if (len >= sizeof a->text)
        len = sizeof a->text - 1;
    memcpy(a->text, cmdline, len);
    a->text[len] = '\0';
    a->argc = 0;
    for (size_t i = 0; i < len && a->argc < 32;) {
        while (a->text[i] == ' ')
            a->text[i++] = '\0';
        if (!a->text[i])
            break;
        a->argv_offset[a->argc++] = i;
        while (a->text[i] && a->text[i] != ' ')
            i++;
    }
}

static int new_thread(struct task *t)
{
    L4_ThreadId_t me = L4_MyGlobalId();
    L4_Word_t old;
    if (!next_number)
        next_number = L4_ThreadIdUserBase(L4_GetKernelInterface()) + 16;
    t->id = L4_GlobalId(next_number++, 1);
    if (!L4_ThreadControl(t->id, t->id, me, L4_nilthread, (void *)~0UL) ||
        !L4_SpaceControl(t->id, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 12),
                         L4_nilthread, &old) ||
        !L4_ThreadControl(t->id, t->id, me, me, (void *)UTCB_AREA))
        return 0;
    L4_Set_Priority(t->id, t->prio);
    /* its start message: IP = entry, SP = just below the argument page
     * (crt0 moves to its own stack at once) */
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2;
    mr[1] = t->prog->entry;
    mr[2] = OS_ARGS_VA;
    return L4_IpcSucceeded(L4_Send_Timeout(t->id, L4_ZeroTime));
}

struct task *task_spawn(const char *cmdline, L4_Word_t in_server, L4_Word_t in_handle,
                        L4_Word_t out_server, L4_Word_t out_handle, int *err)
{
    char name[32];
    size_t n = 0;
    while (cmdline[n] && cmdline[n] != ' ' && n < sizeof name - 1) {
        name[n] = cmdline[n];
        n++;
    }
    name[n] = '\0';
    const struct program *p = program_find(name);
    struct task *t = NULL;
    for (int i = 0; i < MAX_TASKS && !t; i++)
        if (!tasks[i].used)
            t = &tasks[i];
    *err = !p ? OS_ENOENT : !t ? OS_ENOMEM : OS_OK;
    if (*err)
        return NULL;
    int index = (int)(t - tasks);
    *t = (struct task){ .used = 1, .prog = p, .prio = 100, .limit = DEFAULT_LIMIT,
                        .out_server = out_server, .out_handle = out_handle };
    strcpy(t->name, name);
    t->heap_start = t->brk = (p->end + 4095) & ~4095UL;
    t->args_page = pool_alloc(index);
    if (!t->args_page) {
        t->used = 0;
        *err = OS_ENOMEM;
        return NULL;
    }
    struct os_args *a = (struct os_args *)t->args_page;
    *a = (struct os_args){ .magic = OS_ARGS_MAGIC, .root = L4_MyGlobalId().raw,
                           .in_server = in_server, .in_handle = in_handle,
                           .out_server = out_server, .out_handle = out_handle,
                           .heap_start = t->heap_start };
    fill_args(a, cmdline);
    if (!strcmp(name, "console")) {         /* the one driver: ports, interrupts */
        t->driver = 1;
        t->prio = 200;
    }
    if (!new_thread(t)) {
        pool_free_task(index);
        t->used = 0;
        *err = OS_ENOMEM;
        return NULL;
    }
    return t;
}

void task_end(struct task *t, int status, int how)
{
    L4_ThreadControl(t->id, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    pool_free_task((int)(t - tasks));
    names_forget(t->id);
    t->ended = 1;
    t->status = status;
    t->how = how;
    if (t->out_server && how != OS_END_EXIT) {
        /* a task that did not exit by itself cannot close its stdout */
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = (L4_Word_t)OS_CLOSE << 16 | 1;
        mr[1] = t->out_handle;
        L4_Send_Timeout((L4_ThreadId_t){ .raw = t->out_server }, L4_TimePeriod(100000));
    }
    if (!L4_IsNilThread(t->waiter)) {
        L4_Word_t *mr = __L4_Utcb();
        mr[0] = 2;
        mr[1] = (L4_Word_t)status;
        mr[2] = (L4_Word_t)how;
        L4_Send_Timeout(t->waiter, L4_ZeroTime);
        task_reap(t);
    }
}

void task_reap(struct task *t)
{
    t->used = 0;
}
