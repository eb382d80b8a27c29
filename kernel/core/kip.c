/* The Kernel Interface Page: built once at boot (spec 8). */
#include "kip.h"
#include "section.h"
#include "arch/mp.h"
#include "arch/timer.h"
#include "config.h"
#include "kmem.h"
#include "print.h"
#include "syscall.h"

static word_t kip[PAGE_SIZE / 8] __attribute__((aligned(4096), section(".data.page_aligned")));
static unsigned mem_first, mem_count;

#define W(off) kip[(off) / 8]

/* Build date from __DATE__ ("Nov 22 2026") in the descriptor's layout:
 * bits 0-4 day, 5-8 month, 9-15 year - 2000. */
__boot static word_t build_date(void)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *d = __DATE__;
    unsigned m = 0;
    while (m < 12 && !(months[3 * m] == d[0] && months[3 * m + 1] == d[1] &&
                       months[3 * m + 2] == d[2]))
        m++;
    unsigned day = (d[4] == ' ' ? 0 : d[4] - '0') * 10 + (d[5] - '0');
    unsigned year = (d[9] - '0') * 10 + (d[10] - '0');
    return day | (m + 1) << 5 | year << 9;
}

__boot static unsigned put_string(unsigned off, const char *s)
{
    char *p = (char *)kip + off;
    do
        *p++ = *s;
    while (*s++);
    return (unsigned)(p - (char *)kip);
}

__boot void kip_init(void)
{
    W(0) = 0x4BE6344CUL;                     /* 'L' '4' 0xE6 'K', bytes 4-7 zero */
    W(KIP_API_VERSION) = API_VERSION_X2;
    W(KIP_API_FLAGS) = API_FLAGS_LE64;
    W(KIP_KERNEL_DESC) = KIP_KDESC_OFFSET;
    W(KIP_UTCB_INFO) = UTCB_INFO(1, 10, 12);      /* 1 KB UTCBs, 4 KB areas at least */
    W(KIP_KIP_AREA_INFO) = 12;
    W(KIP_PROC_DESC) = KIP_PROC_DESC_ARRAY;
    W(KIP_CLOCK_INFO) = 1 | (1000000 / TIMER_HZ) << 16;   /* read / schedule precision µs */
    W(KIP_THREAD_INFO) = THREAD_INFO(THREAD_BITS, SYSTEM_BASE, USER_BASE);
    W(KIP_PAGE_INFO) = (1UL << 12 | 1UL << 21) | 7;       /* 4 KB and 2 MB, rwx */
    W(KIP_PROC_INFO) = (mp_cpus - 1) | 5UL << 60;         /* 32-byte descriptors */
    for (unsigned i = 0; i < SYS_COUNT; i++)
        W(KIP_SYSCALLS + 8 * i) = syscall_stub_address(i);

    for (unsigned c = 0; c < mp_cpus; c++)
        W(KIP_PROC_DESC_ARRAY + 32 * c + 8) = tsc_khz();  /* internal frequency */

    /* Kernel descriptor: id, generation date, version, supplier, strings. */
    unsigned kd = KIP_KDESC_OFFSET;
    W(kd) = 0x50UL << 24 | 1 << 16;                       /* Pecan: id 0x50, subid 1 */
    W(kd + 8) = build_date();
    W(kd + 16) = 0 << 24 | 1 << 16;                       /* version 0.1 */
    W(kd + 24) = 'P' | 'e' << 8 | 'c' << 16 | 'n' << 24;
    unsigned end = put_string(kd + 32, "Pecan L4 X.2 microkernel (x86-64), built " __DATE__);
    end = put_string(end, "");                           /* no features */
    mem_first = ALIGN_UP(end, 16);
    mem_count = 0;
    W(KIP_MEMORY_INFO) = MEMORY_INFO(mem_first, 0);
}

__boot void kip_add_memory(unsigned type, unsigned subtype, bool virt, word_t low, word_t high)
{
    unsigned off = mem_first + 16 * mem_count;
    if (off + 16 > PAGE_SIZE)
        panic("KIP memory descriptor array is full (%u entries)", mem_count);
    W(off) = MEMDESC_WORD0(low, virt, type, subtype);
    W(off + 8) = (high - 1) & MEMDESC_ADDR_MASK;
    mem_count++;
    W(KIP_MEMORY_INFO) = MEMORY_INFO(mem_first, mem_count);
}

__boot void kip_set_word(unsigned offset, word_t value)
{
    W(offset) = value;
}

word_t kip_word(unsigned offset)
{
    return W(offset);
}

paddr_t kip_phys(void)
{
    return virt_to_phys(kip);
}
