/* The root server: start the system's servers, then serve names,
 * processes, memory and page faults forever (root.h). */
#include <pecan/abi.h>
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "root.h"


static char text[OS_MSG_BYTES + 1];

/* Requests: each returns the reply's label and loads its words, or -1
 * for no reply. */
static int spawn(L4_ThreadId_t from, L4_Word_t *mr)
{
    int err;
    if (os_get_string(6, text, sizeof text) < 0)
        return OS_ETOOLONG;
    struct spawn how = { .cmdline = text, .in_server = mr[1], .in_handle = mr[2],
                         .out_server = mr[3], .out_handle = mr[4], .group = mr[5],
                         .parent = task_of(from) ? from : L4_nilthread };
    struct task *t = task_spawn(&how, &err);
    if (t) {
        mr[1] = t->id.raw;
        return OS_OK;
    }
    return err;
}

/* Threads the system cannot do without: the kernel's, sigma0's and this
 * server's own (numbers below the first task's). */
static int untouchable(L4_Word_t id)
{
    return TID_NUMBER(id) < L4_ThreadNo(task_service_id(0));
}

static int kill(L4_Word_t id)
{
    if (untouchable(id))
        return OS_EPERM;
    struct task *t = task_named(id);
    if (!t)
        return OS_ENOENT;
    task_end(t, -1, OS_END_KILLED);
    return OS_OK;
}

static int kill_group(L4_Word_t group, L4_Word_t *mr)
{
    L4_Word_t n = 0;
    for (int i = 0; i < MAX_TASKS && group; i++)
        if (tasks[i].used && !tasks[i].ended && tasks[i].group == group) {
            task_end(&tasks[i], -1, OS_END_KILLED);
            n++;
        }
    mr[1] = n;
    return OS_OK;
}

/* A group no task is in yet: its low six bits are 0, which no global
 * thread id's are, so it is never a group a task named by its own id. */
static int new_group(L4_Word_t *mr)
{
    static L4_Word_t groups;
    mr[1] = ++groups << 6;
    return OS_OK;
}

static int task_info(L4_Word_t *mr, unsigned *u)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (!t->used || n++ != mr[1])
            continue;
        L4_Word_t dummy;
        mr[1] = t->id.raw;
        mr[2] = t->ended ? OS_TASK_ENDED : L4_Schedule(t->id, ~0UL, ~0UL, ~0UL, ~0UL, &dummy);
        mr[3] = t->prio;
        mr[4] = pool_pages(i);
        mr[5] = t->limit;
        mr[6] = t->cpu;
        *u = os_put_string(7, t->name, strlen(t->name)) - 1;
        return OS_OK;
    }
    mr[1] = pool_pages(-1);                 /* past the end: free memory */
    *u = 1;
    return OS_ENOENT;
}

/* The i-th program users may run (the system's own servers are not). */
static int program_info(L4_Word_t *mr, unsigned *u)
{
    L4_Word_t n = 0;
    for (unsigned i = 0; program_at(i); i++) {
        const struct program *p = program_at(i);
        const struct service *s = service_named(p->name);
        if ((s && !s->users_may_run) || n++ != mr[1])
            continue;
        *u = os_put_string(1, p->name, strlen(p->name)) - 1;
        return OS_OK;
    }
    return OS_ENOENT;
}

static int sbrk(struct task *t, L4_Word_t *mr)
{
    L4_Word_t want = (mr[1] + 4095) & ~4095UL;
    L4_Word_t image = (t->heap_start - t->prog->seg[0].vaddr) / 4096 + 2;
    if (want > (L4_Word_t)t->limit * 4096 ||
        (t->brk + want - t->heap_start) / 4096 + image > t->limit)
        return OS_ENOMEM;                   /* over the task's limit */
    mr[1] = t->brk;
    t->brk += want;
    return OS_OK;
}

/* A message from the kernel about task t: a page fault, an I/O fault or
 * an exception. Returns true when the reply is loaded; otherwise the
 * task has been ended. */
static int kernel_message(struct task *t, L4_MsgTag_t tag, L4_Word_t *mr)
{
    L4_Word_t label = L4_Label(tag);
    if (L4_Protocol(tag) == L4_PAGEFAULT_PROTOCOL) {
        enum fault_verdict v = pager_fault(t, mr[1], label & L4_FullyAccessible);
        if (v == FAULT_MAPPED)
            return 1;
        report_page_fault(t, v, mr[1], label & L4_FullyAccessible, mr[2]);
    } else if (L4_Protocol(tag) == L4_IO_PAGEFAULT_PROTOCOL) {
        if (pager_io_fault(t, mr[1]))
            return 1;
        report_io_fault(t, IO_FPAGE_PORT(mr[1]), mr[2]);
    } else {
        report_exception(t, mr);
    }
    task_end(t, -1, OS_END_FAULT);
    return 0;
}

int main(void)
{
    printf("os: Pecan's root server, thread %lx\n", L4_MyGlobalId().raw);
    pool_init();
    cpus_init();
    programs_init();
    services_start();

    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        L4_Word_t label = L4_Label(tag);
        struct task *t = task_of(from);
        L4_Word_t serial = t ? t->serial : 0;
        unsigned u = 0;
        int r = -1;
        if (L4_IpcFailed(tag)) {
            r = -1;
        } else if (t && (L4_Protocol(tag) == L4_PAGEFAULT_PROTOCOL ||
                         L4_Protocol(tag) == L4_IO_PAGEFAULT_PROTOCOL ||
                         L4_Protocol(tag) == L4_EXCEPTION_PROTOCOL)) {
            if (kernel_message(t, tag, mr)) {
                tag = L4_ReplyWait(from, &from);
                continue;
            }
        } else {
            switch (label) {
            case OS_NS_REGISTER:
                r = os_get_string(1, text, sizeof text) < 0 ? OS_ETOOLONG
                                                            : names_register(text, from);
                break;
            case OS_NS_LOOKUP:
                mr[1] = os_get_string(1, text, sizeof text) < 0 ? 0 : names_lookup(text).raw;
                r = mr[1] ? OS_OK : OS_ENOENT;
                u = 1;
                break;
            case OS_SPAWN:
                r = spawn(from, mr);
                u = 1;
                break;
            case OS_WAIT:
                r = task_wait(from, mr[1], mr);
                u = 2;
                break;
            case OS_EXIT:
                if (t)
                    task_end(t, (int)mr[1], OS_END_EXIT);
                break;
            case OS_KILL:
                r = kill(mr[1]);
                break;
            case OS_KILL_GROUP:
                r = kill_group(mr[1], mr);
                u = 1;
                break;
            case OS_NEW_GROUP:
                r = new_group(mr);
                u = 1;
                break;
            case OS_TASK_INFO:
                r = task_info(mr, &u);
                break;
            case OS_PROGRAM_INFO:
                r = program_info(mr, &u);
                break;
            case OS_CPU_INFO:
                r = cpu_info(mr, &u);
                break;
            case OS_SBRK:
                r = t ? sbrk(t, mr) : OS_EINVAL;
                u = 1;
                break;
            case OS_RUN_SUITE:
                r = suite_start(from, mr[1]);
                break;
            case OS_SUITE_DONE:
                r = suite_done(from, mr);
                break;
            case OS_UX_SPACE:
            case OS_UX_THREAD:
            case OS_UX_DELETE:
                r = ux_request(t, label, mr);
                break;
            case OS_KDB:                    /* the kernel opens it for privileged tasks */
                L4_KDB_Enter("shell: kdb command");
                r = OS_OK;
                break;
            default:
                r = label >= OS_REQUEST ? OS_EINVAL : -1;
            }
        }
        if (t && (t->ended || !t->used || t->serial != serial))
            r = -1;                         /* it ended (a server: its next incarnation,
                                               same id, must not take this answer) */
        if (r < 0) {
            tag = L4_Wait(&from);
            continue;
        }
        mr[0] = MSGTAG(r, 0, u);
        tag = L4_ReplyWait(from, &from);
    }
}
