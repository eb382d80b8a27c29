/* The name server: names of server threads. A name belongs to the task
 * that registered it until that task ends; a supervised server's name
 * is its alone, so no program can stand in for the console or the pipe
 * server. */
#include <string.h>
#include "root.h"

#define MAX_NAMES 32
static struct {
    char name[32];
    L4_ThreadId_t who;
} names[MAX_NAMES];

int names_register(const char *name, L4_ThreadId_t who)
{
    const struct service *s = service_named(name);
    if (s && task_service_id((int)(s - services)).raw != who.raw)
        return OS_EPERM;
    int free = -1;
    for (int i = 0; i < MAX_NAMES; i++) {
        if (!L4_IsNilThread(names[i].who) && !strcmp(names[i].name, name)) {
            if (names[i].who.raw != who.raw)
                return OS_EBUSY;
            free = i;
            break;
        }
        if (free < 0 && L4_IsNilThread(names[i].who))
            free = i;
    }
    if (strlen(name) >= sizeof names[0].name)
        return OS_ETOOLONG;
    if (free < 0)
        return OS_ENOMEM;
    strcpy(names[free].name, name);
    names[free].who = who;
    service_registered(who);
    return OS_OK;
}

L4_ThreadId_t names_lookup(const char *name)
{
    for (int i = 0; i < MAX_NAMES; i++)
        if (!L4_IsNilThread(names[i].who) && !strcmp(names[i].name, name))
            return names[i].who;
    return L4_nilthread;
}

void names_forget(L4_ThreadId_t who)
{
    for (int i = 0; i < MAX_NAMES; i++)
        if (names[i].who.raw == who.raw)
            names[i].who = L4_nilthread;
}
