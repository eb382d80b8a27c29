/* Supervision, after MINIX 3's reincarnation server: the servers that make
 * up the system are started here at boot and started again, under the
 * same thread id, whenever they end. A client of a server that died sees
 * an error for the request in flight; its next request reaches the new
 * incarnation. What a server may do (I/O ports, an interrupt, pages that
 * outlive it) comes from this table, never from a program's name. */
#include <pecan/abi.h>
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "root.h"

const struct service services[NSERVICES] = {
    /* the UART driver (COM1, line 4); its output buffer outlives it */
    { .name = "console", .prio = 200, .port = 0x3F8, .nports = 8, .irq = 4, .keep_pages = 4 },
    { .name = "shell", .prio = 100, .console_streams = 1, .users_may_run = 1, .irq = -1 },
    { .name = "pipe", .prio = 100, .notify = 1, .irq = -1 },
    /* Linux programs (docs/unix.md): the pager of all their memory */
    { .name = "unix", .prio = 100, .irq = -1, .limit = 16384, .unix_spaces = 1,
      .port = 0x70, .nports = 2 },   /* (the CMOS clock: the time of day) */
};

/* A server that ends this many times in a row, each time sooner than
 * QUICK_MS after it started and not because it was killed, is broken:
 * starting it again would only repeat that. */
#define GIVE_UP_AFTER 5
#define QUICK_MS 2000
/* How long a notice may wait for a server to receive it: longer means
 * the server is stuck, and it is restarted. */
#define NOTICE_TIMEOUT_US 2000000

static struct {
    L4_Word_t incarnation;
    unsigned quick_failures;
    L4_Word_t started_us;
    int ready;                              /* registered its name: takes notices */
} state[NSERVICES];

static int index_of(const struct service *s)
{
    return (int)(s - services);
}

static void start(const struct service *s)
{
    L4_ThreadId_t console = task_service_id(0);
    int i = index_of(s), err;
    struct spawn how = { .cmdline = s->name, .svc = s, .incarnation = state[i].incarnation++ };
    if (s->console_streams)
        how.in_server = how.out_server = console.raw;
    state[i].ready = 0;
    state[i].started_us = L4_SystemClock().raw;
    if (!task_spawn(&how, &err))
        printf("os: cannot start the %s server (%s)\n", s->name, os_strerror(err));
}

void services_start(void)
{
    for (int i = 0; i < NSERVICES; i++)
        start(&services[i]);
}

void service_ended(const struct service *s, int how)
{
    int i = index_of(s);
    state[i].ready = 0;
    int quick = L4_SystemClock().raw - state[i].started_us < QUICK_MS * 1000ULL;
    state[i].quick_failures = how != OS_END_KILLED && quick ? state[i].quick_failures + 1 : 0;
    if (state[i].quick_failures >= GIVE_UP_AFTER) {
        printf("os: the %s server failed %u times in a row right after starting; "
               "not restarted\n", s->name, state[i].quick_failures);
        return;
    }
    static const char *const ended[] = { [OS_END_EXIT] = "exited", [OS_END_KILLED] = "was killed",
                                         [OS_END_FAULT] = "ended by a fault" };
    printf("os: the %s server (task %lx) %s; restarting it\n", s->name,
           L4_ThreadNo(task_service_id(i)), ended[how]);
    start(s);
}

const struct service *service_named(const char *name)
{
    for (int i = 0; i < NSERVICES; i++)
        if (!strcmp(services[i].name, name))
            return &services[i];
    return NULL;
}

void service_registered(L4_ThreadId_t who)
{
    for (int i = 0; i < NSERVICES; i++)
        if (tasks[i].used && !tasks[i].ended && tasks[i].svc == &services[i] &&
            tasks[i].id.raw == who.raw)
            state[i].ready = 1;
}

/* One-way notice OS_RELEASE to a server: the task ended, these were its
 * streams there (~0: none). Returns false if the server is stuck. */
static int notify(L4_ThreadId_t server, L4_ThreadId_t task, L4_Word_t in_handle,
                  L4_Word_t out_handle)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = MSGTAG(OS_RELEASE, 0, 3);
    mr[1] = task.raw;
    mr[2] = in_handle;
    mr[3] = out_handle;
    L4_MsgTag_t tag = L4_Send_Timeout(server, L4_TimePeriod(NOTICE_TIMEOUT_US));
    return L4_IpcSucceeded(tag) || L4_IpcErrorCode(L4_ErrorCode()) != L4_ErrTimeout;
}

void services_release(L4_ThreadId_t task, L4_Word_t in_server, L4_Word_t in_handle,
                      L4_Word_t out_server, L4_Word_t out_handle)
{
    for (int i = 0; i < NSERVICES; i++) {
        struct task *t = &tasks[i];
        if (!services[i].notify || !state[i].ready || !t->used || t->ended || t->svc != &services[i])
            continue;
        L4_Word_t server = t->id.raw;
        if (!notify(t->id, task, in_server == server ? in_handle : ~0UL,
                    out_server == server ? out_handle : ~0UL)) {
            printf("os: the %s server does not take messages any more; ending it\n",
                   services[i].name);
            task_end(t, -1, OS_END_FAULT);
        }
    }
}
