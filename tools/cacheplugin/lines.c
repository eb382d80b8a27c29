/* A QEMU TCG plugin (QEMU 7.2, plugin API version 1) that counts the
 * distinct 64-byte lines and 4 KB pages one marked stretch of guest code
 * touches: kernel instructions, kernel data, user instructions, user data.
 *
 * QEMU loads the library with `-plugin lines.so[,name=value...]` and
 * resolves the API's functions (qemu_plugin_api.h) against its own
 * executable.
 *
 * The guest marks a stretch with two multi-byte NOPs, `nopl 0x504543nn(%rax)`
 * (nn = 01 begin, 02 end: user/bench/bench.h). With rdtsc=on (the default)
 * the stretch counted is the benchmark's timed one: from the first `rdtsc`
 * after the begin marker (not counted) to the next `rdtsc` (counted), the
 * instructions a TSC difference counts under -icount shift=0; with
 * rdtsc=off, from marker to marker.
 *
 * Who touched a line decides its class: an access made by an instruction
 * that runs in the kernel is kernel data, whatever its address. The
 * instruction's mode comes from its address: kernel at or above
 * kernel=ADDR (default 0xffff800000000000), except in the ranges given as
 * user=START+LEN (default: Pecan's system-call stub page, user code at a
 * kernel address). Addresses are virtual: a line reached through two
 * mappings counts twice, and the page-table walks of the MMU are not seen.
 *
 * Output, through qemu_plugin_outs (QEMU's -d plugin -D FILE): per region
 *   region N instructions=I kernel_insn_lines=.. kernel_data_lines=..
 *          user_insn_lines=.. user_data_lines=.. kernel_pages=.. user_pages=..
 *          lines=.. pages=..
 *   line N kernel|user insn|data 0xLINE R|W|RW|X 0xFIRST_ADDRESS 0xITS_PC
 *   end N
 * and at exit `regions N`, or `error ...` for a marker out of order.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

#define LINE_SHIFT 6
#define PAGE_SHIFT 12

enum class { K_INSN, K_DATA, U_INSN, U_DATA };
static const char *const class_name[] = { "kernel insn", "kernel data", "user insn", "user data" };
enum { ACC_R = 1, ACC_W = 2, ACC_X = 4 };

/* What the translator knew of an instruction, for its callbacks. */
struct insn {
    uint64_t vaddr;
    uint8_t size;
    bool kernel;
};

/* The lines of the open region: an open-addressing set keyed by line and
 * class. A region is one round trip, a few hundred accesses. */
#define SLOTS (1u << 14)
static struct slot {
    uint64_t line;          /* address >> LINE_SHIFT */
    uint64_t first_addr;    /* the first address touched in it ... */
    uint64_t first_pc;      /* ... and the instruction that did */
    uint8_t cls, acc;
    bool used;
} slots[SLOTS];
static unsigned used_slots;
static bool overflow;

static enum { IDLE, ARMED, RECORDING } state;
static bool rdtsc_bounds = true;
static unsigned regions;
static uint64_t region_insns;

static uint64_t kernel_start = 0xffff800000000000ull;
#define MAX_USER_RANGES 8
static struct { uint64_t start, end; } user_ranges[MAX_USER_RANGES] = {
    { 0xffffffffffe00000ull, 0xffffffffffe01000ull },  /* Pecan's system-call stub page */
};
static unsigned n_user_ranges = 1;
static bool user_ranges_given;

static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void outf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    qemu_plugin_outs(buf);
}

static bool runs_in_kernel(uint64_t pc)
{
    if (pc < kernel_start)
        return false;
    for (unsigned i = 0; i < n_user_ranges; i++)
        if (pc >= user_ranges[i].start && pc < user_ranges[i].end)
            return false;
    return true;
}

static void touch_line(uint64_t line, uint64_t addr, enum class cls, unsigned acc, uint64_t pc)
{
    uint64_t h = (line * 0x9e3779b97f4a7c15ull + cls) >> 40;
    for (unsigned i = 0; i < SLOTS; i++) {
        struct slot *s = &slots[(h + i) & (SLOTS - 1)];
        if (!s->used) {
            if (used_slots >= SLOTS / 2) {
                overflow = true;
                return;
            }
            *s = (struct slot){ line, addr, pc, (uint8_t)cls, (uint8_t)acc, true };
            used_slots++;
            return;
        }
        if (s->line == line && s->cls == cls) {
            s->acc |= acc;
            return;
        }
    }
}

/* An access of `size` bytes at `addr` may straddle two lines. */
static void touch(uint64_t addr, unsigned size, enum class cls, unsigned acc, uint64_t pc)
{
    uint64_t first = addr >> LINE_SHIFT, last = (addr + size - 1) >> LINE_SHIFT;
    for (uint64_t l = first; l <= last; l++)
        touch_line(l, l == first ? addr : l << LINE_SHIFT, cls, acc, pc);
}

static int by_class_then_line(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Distinct pages among the (sorted) lines whose class is in `mask`. */
static unsigned count_pages(const struct slot *s, unsigned n, unsigned mask)
{
    uint64_t *pages = malloc(n * sizeof *pages + 1);
    unsigned np = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!(mask & 1u << s[i].cls))
            continue;
        uint64_t p = s[i].line >> (PAGE_SHIFT - LINE_SHIFT);
        unsigned j = 0;
        while (j < np && pages[j] != p)
            j++;
        if (j == np)
            pages[np++] = p;
    }
    free(pages);
    return np;
}

static void end_region(void)
{
    struct slot *s = malloc(used_slots * sizeof *s + 1);
    unsigned n = 0, count[4] = { 0 };
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used) {
            s[n++] = slots[i];
            count[slots[i].cls]++;
        }
    qsort(s, n, sizeof *s, by_class_then_line);
    unsigned all = 0;              /* distinct lines whatever touched them */
    for (unsigned i = 0; i < n; i++) {
        unsigned j = 0;
        while (j < i && s[j].line != s[i].line)
            j++;
        all += j == i;
    }
    regions++;
    outf("region %u instructions=%lu kernel_insn_lines=%u kernel_data_lines=%u "
         "user_insn_lines=%u user_data_lines=%u kernel_pages=%u user_pages=%u "
         "lines=%u pages=%u%s\n",
         regions, (unsigned long)region_insns, count[K_INSN], count[K_DATA], count[U_INSN],
         count[U_DATA], count_pages(s, n, 1u << K_INSN | 1u << K_DATA),
         count_pages(s, n, 1u << U_INSN | 1u << U_DATA), all, count_pages(s, n, 15),
         overflow ? " overflow" : "");
    for (unsigned i = 0; i < n; i++)
        outf("line %u %s 0x%016lx %s%s%s 0x%016lx 0x%016lx\n", regions, class_name[s[i].cls],
             (unsigned long)(s[i].line << LINE_SHIFT), s[i].acc & ACC_R ? "R" : "",
             s[i].acc & ACC_W ? "W" : "", s[i].acc & ACC_X ? "X" : "",
             (unsigned long)s[i].first_addr, (unsigned long)s[i].first_pc);
    outf("end %u\n", regions);
    free(s);
    memset(slots, 0, sizeof slots);
    used_slots = 0;
    overflow = false;
    state = IDLE;
}

static void on_insn(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    if (state != RECORDING)
        return;
    const struct insn *in = ud;
    region_insns++;
    touch(in->vaddr, in->size, in->kernel ? K_INSN : U_INSN, ACC_X, in->vaddr);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
    (void)vcpu;
    if (state != RECORDING)
        return;
    const struct insn *in = ud;
    touch(vaddr, 1u << qemu_plugin_mem_size_shift(info), in->kernel ? K_DATA : U_DATA,
          qemu_plugin_mem_is_store(info) ? ACC_W : ACC_R, in->vaddr);
}

/* rdtsc: with rdtsc=on the bounds of the timed stretch; the opening one
 * is not counted, the closing one is. */
static void on_rdtsc(unsigned int vcpu, void *ud)
{
    if (state == ARMED) {
        state = RECORDING;
        region_insns = 0;
        return;
    }
    on_insn(vcpu, ud);
    if (state == RECORDING && rdtsc_bounds)
        end_region();
}

static void on_begin(unsigned int vcpu, void *ud)
{
    (void)vcpu, (void)ud;
    if (state != IDLE) {
        outf("error: begin marker at 0x%016lx inside region %u\n",
             (unsigned long)((const struct insn *)ud)->vaddr, regions + 1);
        return;
    }
    state = rdtsc_bounds ? ARMED : RECORDING;
    region_insns = 0;
}

static void on_end(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    if (state == RECORDING && !rdtsc_bounds)
        end_region();
    else if (state != IDLE)
        outf("error: end marker at 0x%016lx before the region closed\n",
             (unsigned long)((const struct insn *)ud)->vaddr);
}

static const uint8_t marker[] = { 0x0f, 0x1f, 0x80, 0x00, 0x43, 0x45, 0x50 };

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);
        const uint8_t *code = qemu_plugin_insn_data(qi);
        struct insn *in = malloc(sizeof *in);
        in->vaddr = qemu_plugin_insn_vaddr(qi);
        in->size = (uint8_t)qemu_plugin_insn_size(qi);
        in->kernel = runs_in_kernel(in->vaddr);
        if (in->size == sizeof marker && memcmp(code, marker, 3) == 0 &&
            memcmp(code + 4, marker + 4, 3) == 0 && (code[3] == 1 || code[3] == 2)) {
            qemu_plugin_register_vcpu_insn_exec_cb(qi, code[3] == 1 ? on_begin : on_end,
                                                   QEMU_PLUGIN_CB_NO_REGS, in);
            continue;                   /* the markers themselves are not counted */
        }
        bool rdtsc = in->size == 2 && code[0] == 0x0f && code[1] == 0x31;
        qemu_plugin_register_vcpu_insn_exec_cb(qi, rdtsc ? on_rdtsc : on_insn,
                                               QEMU_PLUGIN_CB_NO_REGS, in);
        qemu_plugin_register_vcpu_mem_cb(qi, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, in);
    }
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
    (void)id, (void)ud;
    if (state != IDLE)
        outf("error: region %u still open at exit\n", regions + 1);
    outf("regions %u\n", regions);
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    *v = strtoull(s, &end, 0);
    return *s && !*end;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = strchr(a, '=');
        if (!v)
            goto bad;
        v++;
        if (!strncmp(a, "kernel=", 7)) {
            if (!parse_u64(v, &kernel_start))
                goto bad;
        } else if (!strncmp(a, "user=", 5)) {
            /* user=START+LEN: user code above kernel= (replaces the default) */
            char start[32];
            const char *plus = strchr(v, '+');
            uint64_t s, l;
            if (!plus || (size_t)(plus - v) >= sizeof start)
                goto bad;
            memcpy(start, v, plus - v);
            start[plus - v] = 0;
            if (!parse_u64(start, &s) || !parse_u64(plus + 1, &l))
                goto bad;
            if (!user_ranges_given)
                n_user_ranges = 0;
            user_ranges_given = true;
            if (n_user_ranges == MAX_USER_RANGES)
                goto bad;
            user_ranges[n_user_ranges].start = s;
            user_ranges[n_user_ranges++].end = s + l;
        } else if (!strncmp(a, "rdtsc=", 6)) {
            if (strcmp(v, "on") && strcmp(v, "off"))
                goto bad;
            rdtsc_bounds = !strcmp(v, "on");
        } else {
            goto bad;
        }
        continue;
    bad:
        fprintf(stderr, "lines.so: bad argument '%s' (kernel=ADDR, user=START+LEN, "
                        "rdtsc=on|off)\n", a);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
