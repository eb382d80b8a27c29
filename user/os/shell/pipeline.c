/* Programs and pipelines: "a args | b args | ...". Every stage is a task
 * of one group, the foreground group of the console, so Ctrl-C ends all
 * of them; the stages are connected by pipes of the pipe server, and the
 * shell waits for every stage it started, so none is left behind. */
#include <string.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "shell.h"

#define MAX_STAGES 16

/* "status 141": a write found its reader gone (libos's broken pipe). */
#define BROKEN_PIPE_STATUS 141

struct stage {
    char *cmd;
    char name[32];                          /* its program, for messages */
    struct os_stream in, out;
    L4_ThreadId_t task;
};

/* Split the line at '|' into trimmed stages: their number, or 0 (and a
 * message) when the line is no pipeline. */
static int parse(char *line, struct stage *st)
{
    int n = 0;
    for (char *s = line;; n++) {
        char *bar = strchr(s, '|');
        if (bar)
            *bar = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        for (char *e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t');)
            *--e = '\0';
        if (!*s) {
            printf("syntax error: a command is missing %s '|'\n", bar ? "before" : "after");
            return 0;
        }
        if (n == MAX_STAGES) {
            printf("syntax error: more than %d commands in the pipeline\n", MAX_STAGES);
            return 0;
        }
        st[n] = (struct stage){ .cmd = s };
        next_word(s, st[n].name, sizeof st[n].name);
        if (!bar)
            return n + 1;
        s = bar + 1;
    }
}

static void set_foreground(L4_Word_t group)
{
    __L4_Utcb()[1] = group;
    os_call(os_stdin.server, OS_FOREGROUND, 1);
}

static void report(const struct stage *s, int status, int how)
{
    if (how == OS_END_KILLED)
        printf("%s: killed\n", s->name);
    else if (how == OS_END_FAULT)
        printf("%s: ended by a fault (the kernel console has the report)\n", s->name);
    else if (status == BROKEN_PIPE_STATUS)
        printf("%s: ended: the program reading its output had ended\n", s->name);
    else if (status)
        printf("%s: exit status %d\n", s->name, status);
}

/* Pipes between the n stages; false (said so) if the pipe server has
 * none to give: then none is left open. */
static int connect(struct stage *st, int n)
{
    L4_ThreadId_t server = os_lookup("pipe");
    for (int i = 0; i + 1 < n; i++) {
        int e = L4_IsNilThread(server) ? OS_ENOSERVER
                                       : os_result(os_call(server, OS_PIPE_CREATE, 0));
        if (e) {
            printf("cannot make a pipe: %s\n", os_strerror(e));
            for (int j = 0; j < i; j++) {
                os_close(st[j].out);
                os_close(st[j + 1].in);
            }
            return 0;
        }
        st[i + 1].in = (struct os_stream){ server, __L4_Utcb()[1] };
        st[i].out = (struct os_stream){ server, __L4_Utcb()[2] };
    }
    return 1;
}

/* Start a stage's program in `group`; false (said so) if it cannot be. */
static int start(struct stage *s, L4_Word_t group)
{
    int e;
    s->task = os_spawn(s->cmd, s->in, s->out, group, &e);
    if (!e)
        return 1;
    printf("%s: %s\n", s->name,
           e == OS_ENOENT ? "no such program" :
           e == OS_EPERM ? "a system server, which the root server runs" :
           e == OS_ETOOLONG ? "command line too long" : "cannot start it");
    return 0;
}

void pipeline(char *line)
{
    struct stage st[MAX_STAGES];
    int n = parse(line, st);
    if (!n)
        return;
    st[0].in = os_stdin;
    st[n - 1].out = os_stdout;
    if (!connect(st, n))
        return;
    /* the group is the foreground before its first program runs, so that a
     * Ctrl-C however early ends it */
    int e = os_result(os_call(os_root(), OS_NEW_GROUP, 0));
    L4_Word_t group = e ? 0 : __L4_Utcb()[1];
    set_foreground(group);
    int started = 0;
    while (started < n && start(&st[started], group))
        started++;
    if (started < n) {
        /* end what started; close the pipe ends no task got */
        for (int i = 0; i < started; i++)
            os_kill(st[i].task);
        for (int i = started; i < n; i++) {
            if (i > 0)
                os_close(st[i].in);
            if (i < n - 1)
                os_close(st[i].out);
        }
        for (int i = 0; i < started; i++)
            os_wait(st[i].task, NULL);
        set_foreground(0);
        return;
    }
    for (int i = 0; i < n; i++) {
        int how, status = os_wait(st[i].task, &how);
        report(&st[i], status, how);
    }
    set_foreground(0);
}
