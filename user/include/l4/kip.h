/* The Kernel Interface Page (spec 8) and the KernelInterface call (4.3). */
#pragma once
#include <l4/types.h>

typedef struct {
    L4_Word_t magic;                 /* 'L' '4' 0xE6 'K' */
    L4_Word_t api_version, api_flags, kernel_desc_ptr;
    L4_Word_t kdebug[4];
    L4_Word_t sigma0[4], sigma1[4], root[4];   /* SP, IP, low, high */
    L4_Word_t reserved0;
    L4_Word_t memory_info;           /* n in bits 0-31, offset in bits 32-63 */
    L4_Word_t kdebug_config[2];
    L4_Word_t main_mem[2], reserved_mem[4], dedicated_mem[10];
    L4_Word_t reserved1[2];
    L4_Word_t utcb_info, kip_area_info;
    L4_Word_t reserved2[2];
    L4_Word_t boot_info, proc_desc_ptr, clock_info, thread_info, page_info, processor_info;
    L4_Word_t space_control, thread_control, processor_control, memory_control;
    L4_Word_t ipc, lipc, unmap, exchange_registers, system_clock, thread_switch, schedule;
} L4_KernelInterfacePage_t;

/* KernelInterface: `lock; nop`, emulated by the kernel. Returns the KIP
 * base and the API version, API flags and kernel id words. */
static inline void *L4_KernelInterface(L4_Word_t *api_version, L4_Word_t *api_flags,
                                       L4_Word_t *kernel_id)
{
    void *kip;
    L4_Word_t v, f, id;
    __asm__ volatile("lock; nop" : "=a"(kip), "=c"(v), "=d"(f), "=S"(id));
    if (api_version) *api_version = v;
    if (api_flags) *api_flags = f;
    if (kernel_id) *kernel_id = id;
    return kip;
}

static inline void *L4_GetKernelInterface(void)
{
    return L4_KernelInterface(0, 0, 0);
}

/* ThreadInfo fields. */
static inline L4_Word_t L4_ThreadIdBits(const L4_KernelInterfacePage_t *k) { return k->thread_info & 0xFF; }
static inline L4_Word_t L4_ThreadIdSystemBase(const L4_KernelInterfacePage_t *k) { return (k->thread_info >> 8) & 0xFFF; }
static inline L4_Word_t L4_ThreadIdUserBase(const L4_KernelInterfacePage_t *k) { return (k->thread_info >> 20) & 0xFFF; }
/* UtcbInfo: bits 0-9 m, 10-15 a: a UTCB is m * 2^a bytes */
static inline L4_Word_t L4_UtcbSize(const L4_KernelInterfacePage_t *k) { return (k->utcb_info & 0x3FF) << (k->utcb_info >> 10 & 0x3F); }

/* Processors (spec 8.1 ProcessorInfo, 8.3): how many, and each one's
 * descriptor (2^s bytes each, s in ProcessorInfo bits 60-63) with its
 * external (bus) and internal (core) frequency in kHz. */
typedef struct {
    L4_Word_t external_freq, internal_freq, reserved[2];
} L4_ProcDesc_t;

static inline L4_Word_t L4_NumProcessors(const L4_KernelInterfacePage_t *k)
{
    return (k->processor_info & 0xFFFF) + 1;
}
static inline const L4_ProcDesc_t *L4_ProcDesc(const L4_KernelInterfacePage_t *k, L4_Word_t cpu)
{
    return (const L4_ProcDesc_t *)((const char *)k + k->proc_desc_ptr +
                                   (cpu << (k->processor_info >> 60)));
}
static inline L4_Word_t L4_ProcDescExternalFreq(const L4_ProcDesc_t *p) { return p->external_freq; }
static inline L4_Word_t L4_ProcDescInternalFreq(const L4_ProcDesc_t *p) { return p->internal_freq; }

/* Memory descriptors (spec 8.2). */
typedef struct {
    L4_Word_t x, y;
} L4_MemoryDesc_t;

static inline L4_Word_t L4_NumMemoryDescriptors(const L4_KernelInterfacePage_t *k)
{
    return k->memory_info & 0xFFFFFFFF;
}
static inline const L4_MemoryDesc_t *L4_MemoryDesc(const L4_KernelInterfacePage_t *k, L4_Word_t n)
{
    return (const L4_MemoryDesc_t *)((const char *)k + (k->memory_info >> 32)) + n;
}
static inline L4_Word_t L4_MemoryDescType(const L4_MemoryDesc_t *m)
{
    L4_Word_t t = m->x & 0xF;
    return t >= 0xE ? t + ((m->x >> 4) & 0xF) * 16 : t;
}
static inline int L4_IsMemoryDescVirtual(const L4_MemoryDesc_t *m) { return (m->x >> 9) & 1; }
static inline L4_Word_t L4_MemoryDescLow(const L4_MemoryDesc_t *m) { return m->x & ~0x3FFUL; }
static inline L4_Word_t L4_MemoryDescHigh(const L4_MemoryDesc_t *m) { return m->y | 0x3FF; }

#define L4_UndefinedMemoryType    0
#define L4_ConventionalMemoryType 1
#define L4_ReservedMemoryType     2
#define L4_DedicatedMemoryType    3
#define L4_SharedMemoryType       4
#define L4_BootLoaderSpecificMemoryType 0xE
#define L4_ArchitectureSpecificMemoryType 0xF
