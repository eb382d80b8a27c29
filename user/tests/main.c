/* The in-system test suite as a root task: runs every registered test (or
 * those named by "only=PREFIX" on its command line, but not those named by
 * "skip=PREFIX"; "fatal=NAME": the fatal test NAME), then ends QEMU with
 * the verdict (isa-debug-exit). */
#include <stdio.h>
#include "testlib.h"

static void exit_qemu(unsigned code)
{
    __asm__ volatile("outb %b0, %w1" : : "a"(code), "Nd"(0xF4));
}

int main(void)
{
    char only[96], skip[96], fatal[96];
    unsigned passed, failed;
    test_option(test_cmdline(), "only=", only, sizeof only);
    test_option(test_cmdline(), "skip=", skip, sizeof skip);
    test_option(test_cmdline(), "fatal=", fatal, sizeof fatal);
    suite_run(fatal[0] ? fatal : only, skip, fatal[0] != '\0', &passed, &failed);
    exit_qemu(failed ? 1 : 0);
    return 0;
}
