/* The name server: names of server threads. */
#include <string.h>
#include "root.h"

#define MAX_NAMES 32
static struct {
    char name[32];
    L4_ThreadId_t who;
} names[MAX_NAMES];

int names_register(const char *name, L4_ThreadId_t who)
{
    int free = -1;
    for (int i = 0; i < MAX_NAMES; i++) {
        if (!L4_IsNilThread(names[i].who) && !strcmp(names[i].name, name)) {
            names[i].who = who;             /* a server replaces its name */
            return OS_OK;
        }
        if (free < 0 && L4_IsNilThread(names[i].who))
            free = i;
    }
    if (free < 0 || strlen(name) >= sizeof names[0].name)
        return OS_ENOMEM;
    strcpy(names[free].name, name);
    names[free].who = who;
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
