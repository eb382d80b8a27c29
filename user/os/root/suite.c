/* The shell's `test` and `bench`: the in-system test suite and the
 * benchmarks, linked into the root server, run in a thread of the root
 * task's space, the only privileged one (they create threads and spaces). */
#include <pecan/abi.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "root.h"
#include "../../tests/testlib.h"
#include "../../bench/bench.h"

/* Tests that need to be the root task's first thread, as the kernel
 * started it: its boot state, its UTCB slot, sigma0 owning its image to
 * it (to fault back pages it flushed), sigma0 answering the extension
 * protocol to it alone. Tests of the state at boot, which holds once per
 * boot: an interrupt line never attached before (the kernel keeps an
 * interrupt thread once made). The exhaust group, which runs the
 * kernel's memory dry while the system around it needs some too (and
 * the kernel's object caches keep what they grow to, so the free frames
 * would not come back). Sigma0's GetAny tests, which must take new
 * memory each time: sigma0 never takes it back, and the kernel keeps a
 * node for every page sigma0 handed out, so each run would cost some
 * (the other tests use tsup_sigma0_any). The one test that needs a
 * machine with 3 GB. The KDB console tests, which need the harness to
 * type into the kernel's console, not the OS's. And the hostile fuzzer,
 * which counts on nobody else using kernel memory while it measures it
 * (make test and make fuzz run it). */
#define SKIPPED_IN_THE_OS "boot ipc_pf exhaust sigma0.server_images_belong_to_their_servers " \
                          "sigma0.extension_dump_pools_is_answered " \
                          "sigma0.any_64k_page_is_aligned_conventional_and_mapped " \
                          "sigma0.any_4k_page_is_conventional_and_mapped " \
                          "sigma0.unknown_requests_get_no_reply " \
                          "irq.interrupt_thread_exists_after_attachment " \
                          "irq.priority_of_an_interrupt_thread " \
                          "largepage.gigabyte_block_then_one_page_revoked " \
                          "security.kdb_read_char_blocked_sleeps_and_the_system_runs_on " \
                          "security.kdb_reader_deleted_while_waiting " \
                          "security.kdb_print_string_stops_after_256_bytes " \
                          "mp.console_input_wakes_a_reader_on_another_processor hostile"

#define RUNNER_UTCB (0xBF000000UL + 255 * 1024)     /* the last slot of the area */

static L4_ThreadId_t runner, client, server;
static int kind;
static uint8_t stack[32768] __attribute__((aligned(16)));

static void runner_main(void)
{
    unsigned passed = 0, failed = 0;
    if (kind == 0)
        suite_run("", SKIPPED_IN_THE_OS, 0, &passed, &failed);
    else
        failed = bench_run();
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = MSGTAG(OS_SUITE_DONE, 0, 2);
    mr[1] = passed;
    mr[2] = failed;
    L4_Send(server);
    for (;;)
        L4_Sleep(L4_Never);
}

int suite_start(L4_ThreadId_t from, L4_Word_t what)
{
    if (!L4_IsNilThread(runner))
        return OS_EBUSY;
    const L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    L4_ThreadId_t me = L4_MyGlobalId(), s0 = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    runner = L4_GlobalId(L4_ThreadIdUserBase(kip) + 15, 1);
    if (!L4_ThreadControl(runner, me, me, s0, (void *)RUNNER_UTCB)) {
        runner = L4_nilthread;
        return OS_ENOMEM;
    }
    kind = (int)what;
    client = from;
    server = me;
    L4_Set_Priority(runner, 255);
    L4_Word_t name = 0;                     /* what kdb calls it (as libos does) */
    memcpy(&name, kind ? "bench" : "tests", 5);
    L4_Set_UserDefinedHandleOf(runner, name);
    L4_Start_SpIp(runner, (L4_Word_t)stack + sizeof stack - 8, (L4_Word_t)runner_main);
    return -1;                              /* the answer comes with OS_SUITE_DONE */
}

int suite_done(L4_ThreadId_t from, L4_Word_t *mr)
{
    if (L4_IsNilThread(runner) || L4_GlobalIdOf(from).raw != runner.raw)
        return OS_EINVAL;                   /* (our own thread: a local id) */
    L4_Word_t passed = mr[1], failed = mr[2];
    L4_ThreadControl(runner, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0UL);
    runner = L4_nilthread;
    mr[0] = 2;
    mr[1] = passed;
    mr[2] = failed;
    L4_Send_Timeout(client, L4_ZeroTime);
    return -1;
}
