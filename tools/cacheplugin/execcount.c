/* A QEMU TCG plugin (QEMU 7.2, plugin API version 1) that counts the
 * instructions each stretch of kernel code executes over a whole run:
 * for every translated block that starts at or above kernel=ADDR
 * (default 0xffffffff80000000, the kernel image; Pecan's system-call stub
 * page above it is user code and left out), how often it ran. Used by
 * tools/hotcode.py to tell the kernel functions on the benchmarks' paths
 * from the rest (docs/performance.md, "Kernel size").
 *
 * Output, to the file out=PATH at exit: one line per block,
 *   0xSTART EXECUTIONS INSTRUCTIONS BYTES
 * (a block translated again, after a flush, has a line of its own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

struct block {
    uint64_t start, runs;
    unsigned insns, bytes;
    struct block *next;
};
static struct block *blocks;
static uint64_t kernel_start = 0xffffffff80000000ull;
static const uint64_t stub_page = 0xffffffffffe00000ull;
static char out_path[4096];

static void on_run(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    __atomic_add_fetch(&((struct block *)ud)->runs, 1, __ATOMIC_RELAXED);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (!n)
        return;
    struct qemu_plugin_insn *first = qemu_plugin_tb_get_insn(tb, 0);
    uint64_t start = qemu_plugin_insn_vaddr(first);
    if (start < kernel_start || start >= stub_page)
        return;
    struct block *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    b->start = start;
    b->insns = (unsigned)n;
    struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
    b->bytes = (unsigned)(qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last) - start);
    b->next = __atomic_exchange_n(&blocks, b, __ATOMIC_ACQ_REL);
    qemu_plugin_register_vcpu_insn_exec_cb(first, on_run, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
    (void)id, (void)ud;
    FILE *f = fopen(out_path, "w");
    if (!f) {
        perror(out_path);
        return;
    }
    for (struct block *b = blocks; b; b = b->next)
        fprintf(f, "0x%llx %llu %u %u\n", (unsigned long long)b->start,
                (unsigned long long)b->runs, b->insns, b->bytes);
    fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *end;
        if (!strncmp(argv[i], "out=", 4) && strlen(argv[i] + 4) < sizeof out_path) {
            strcpy(out_path, argv[i] + 4);
        } else if (!strncmp(argv[i], "kernel=", 7)) {
            kernel_start = strtoull(argv[i] + 7, &end, 0);
            if (!argv[i][7] || *end)
                goto bad;
        } else {
            goto bad;
        }
        continue;
    bad:
        fprintf(stderr, "execcount.so: bad argument '%s' (out=PATH, kernel=ADDR)\n", argv[i]);
        return -1;
    }
    if (!out_path[0]) {
        fprintf(stderr, "execcount.so: out=PATH is required\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
