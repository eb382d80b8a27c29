/* The root server: start the console and the shell, then serve names,
 * processes, memory and page faults forever (root.h). */
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "root.h"

#define PAGEFAULT 0xFFFFFFFFFFEUL           /* label >> 4 of kernel messages */
#define IOFAULT   0xFFFFFFFFFF8UL
#define EXCEPTION 0xFFFFFFFFFFBUL

static char text[OS_MSG_BYTES + 1];

/* Requests: each returns the reply's label and loads its words, or -1
 * for no reply. */
static int spawn(L4_Word_t *mr)
{
    int err;
    os_get_string(5, text, sizeof text);
    struct task *t = task_spawn(text, mr[1], mr[2], mr[3], mr[4], &err);
    if (t) {
        mr[1] = t->id.raw;
        return OS_OK;
    }
    return err;
}

static int wait(L4_ThreadId_t from, L4_Word_t *mr)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (!t->used || t->id.raw != mr[1])
            continue;
        if (!t->ended) {
            t->waiter = from;               /* answered by task_end */
            return -1;
        }
        mr[1] = (L4_Word_t)t->status;
        mr[2] = (L4_Word_t)t->how;
        task_reap(t);
        return OS_OK;
    }
    return OS_ENOENT;
}

static int kill(L4_Word_t *mr)
{
    struct task *t = task_of((L4_ThreadId_t){ .raw = mr[1] });
    if (!t)
        return OS_ENOENT;
    task_end(t, -1, OS_END_KILLED);
    return OS_OK;
}

static int task_info(L4_Word_t *mr, unsigned *u)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (!t->used || t->ended || n++ != mr[1])
            continue;
        L4_Word_t dummy;
        mr[1] = t->id.raw;
        mr[2] = L4_Schedule(t->id, ~0UL, ~0UL, ~0UL, ~0UL, &dummy);
        mr[3] = t->prio;
        mr[4] = pool_pages(i);
        mr[5] = t->limit;
        *u = os_put_string(6, t->name, strlen(t->name)) - 1;
        return OS_OK;
    }
    mr[1] = pool_pages(-1);                 /* past the end: free memory */
    *u = 1;
    return OS_ENOENT;
}

static int sbrk(struct task *t, L4_Word_t *mr)
{
    L4_Word_t want = (mr[1] + 4095) & ~4095UL;
    L4_Word_t image = (t->heap_start - t->prog->seg[0].vaddr) / 4096 + 2;
    if ((t->brk + want - t->heap_start) / 4096 + image > t->limit)
        return OS_ENOMEM;                   /* over the task's limit */
    mr[1] = t->brk;
    t->brk += want;
    return OS_OK;
}

static int attach_irq(struct task *t, L4_Word_t *mr)
{
    if (!t || !t->driver)
        return OS_EINVAL;
    L4_ThreadId_t irq = L4_GlobalId(mr[1], 1);
    return L4_ThreadControl(irq, irq, L4_nilthread, t->id, (void *)~0UL) ? OS_OK : OS_EINVAL;
}

/* A fault or exception the task cannot survive. */
static void fatal(struct task *t, const char *what, L4_Word_t addr, L4_Word_t ip)
{
    printf("os: task %s (%lx) ended: %s at %lx, ip %lx\n", t->name, t->id.raw, what, addr, ip);
    task_end(t, -1, OS_END_FAULT);
}

int main(void)
{
    printf("os: Pecan's root server, thread %lx\n", L4_MyGlobalId().raw);
    pool_init();
    programs_init();
    int err;
    struct task *con = task_spawn("console", 0, 0, 0, 0, &err);
    if (!con) {
        printf("os: cannot start the console (error %d)\n", err);
        return 1;
    }
    struct task *sh = task_spawn("shell", con->id.raw, 0, con->id.raw, 0, &err);
    if (!sh)
        printf("os: cannot start the shell (error %d)\n", err);

    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        L4_Word_t label = L4_Label(tag);
        struct task *t = task_of(from);
        unsigned u = 0;
        int r = -1;
        if (L4_IpcFailed(tag)) {
            r = -1;
        } else if (label >> 4 == PAGEFAULT && t) {
            L4_Word_t addr = mr[1], ip = mr[2];
            if (!pager_fault(t, addr, label & 7)) {
                fatal(t, "page fault", addr, ip);
            } else {
                tag = L4_ReplyWait(from, &from);
                continue;
            }
        } else if (label >> 4 == IOFAULT && t) {
            L4_Word_t port = mr[1] >> 16 & 0xFFFF, ip = mr[2];
            if (!pager_io_fault(t, mr[1])) {
                fatal(t, "I/O port not allowed", port, ip);
            } else {
                tag = L4_ReplyWait(from, &from);
                continue;
            }
        } else if (label >> 4 == EXCEPTION && t) {
            fatal(t, "exception", mr[19], mr[1]);
        } else {
            switch (label) {
            case OS_NS_REGISTER:
                os_get_string(1, text, sizeof text);
                r = names_register(text, from);
                break;
            case OS_NS_LOOKUP:
                os_get_string(1, text, sizeof text);
                mr[1] = names_lookup(text).raw;
                r = mr[1] ? OS_OK : OS_ENOENT;
                u = 1;
                break;
            case OS_SPAWN:
                r = spawn(mr);
                u = 1;
                break;
            case OS_WAIT:
                r = wait(from, mr);
                u = 2;
                break;
            case OS_EXIT:
                if (t)
                    task_end(t, (int)mr[1], OS_END_EXIT);
                break;
            case OS_KILL:
                r = kill(mr);
                break;
            case OS_TASK_INFO:
                r = task_info(mr, &u);
                break;
            case OS_SBRK:
                r = t ? sbrk(t, mr) : OS_EINVAL;
                u = 1;
                break;
            case OS_ATTACH_IRQ:
                r = attach_irq(t, mr);
                break;
            case OS_RUN_SUITE:
                r = suite_start(from, mr[1]);
                break;
            case OS_SUITE_DONE:
                r = suite_done(from, mr);
                break;
            case OS_KDB:                    /* the kernel opens it for privileged tasks */
                L4_KDB_Enter("shell: kdb command");
                r = OS_OK;
                break;
            default:
                r = label >= OS_REQUEST ? OS_EINVAL : -1;
            }
        }
        if (r < 0) {
            tag = L4_Wait(&from);
            continue;
        }
        mr[0] = (L4_Word_t)r << 16 | u;
        tag = L4_ReplyWait(from, &from);
    }
}
