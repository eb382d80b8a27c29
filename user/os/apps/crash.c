/* crash HOW: a program that fails on purpose, to show (and test) that the
 * system reports it and goes on.
 *   ud       an invalid instruction (#UD)
 *   divide   a division by zero (#DE)
 *   read     a read where nothing is mapped
 *   write    a write to its own code
 *   execute  a jump into its (non-executable) heap
 *   stack    endless recursion, into the guard page below the stack
 *   console  prints half a line, kills the console server (which the root
 *            server restarts), then finishes the line: nothing is lost */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <l4/ipc.h>
#include <os/os.h>

/* 1 KB of stack a call, `depth` calls deep (more than the stack holds). */
static int deeper(unsigned long depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    return depth ? deeper(depth - 1) + frame[0] : 0;
}

int app_main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";
    if (!strcmp(how, "ud")) {
        __asm__ volatile("ud2");
    } else if (!strcmp(how, "divide")) {
        unsigned lo = 1, hi = 0, zero = 0;    /* (in C, the compiler may avoid the division) */
        __asm__ volatile("divl %2" : "+a"(lo), "+d"(hi) : "r"(zero));
    } else if (!strcmp(how, "read")) {
        volatile int *volatile nowhere = (volatile int *)0x10;
        printf("%d\n", *nowhere);
    } else if (!strcmp(how, "write")) {
        *(volatile char *)app_main = 0;
    } else if (!strcmp(how, "execute")) {
        unsigned char *code = malloc(16);
        code[0] = 0xC3;                     /* ret */
        ((void (*)(void))code)();
    } else if (!strcmp(how, "stack")) {
        return deeper(~0UL);
    } else if (!strcmp(how, "console")) {
        printf("this line began before the console was killed");
        fflush_stdout();
        os_kill(os_lookup("console"));
        while (L4_IsNilThread(os_lookup("console")))   /* until the new one is there */
            L4_Sleep(L4_TimePeriod(10000));
        printf(" and ends after its restart\n");
        return 0;
    } else {
        printf("usage: crash ud|divide|read|write|execute|stack|console\n");
        return 1;
    }
    printf("crash: %s did not crash\n", how);
    return 1;
}
