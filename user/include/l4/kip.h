/* The Kernel Interface Page (spec 8) and the KernelInterface call (4.3). */
#pragma once
#include <l4/types.h>
#include <pecan/kip.h>

typedef struct {
    L4_Word_t magic;                 /* 'L' '4' 0xE6 'K' */
    L4_Word_t api_version, api_flags, kernel_desc_ptr;
    L4_Word_t kdebug[4];
    L4_Word_t sigma0[4], sigma1[4], root[4];   /* SP, IP, low, high */
    L4_Word_t reserved0;
    L4_Word_t memory_info;           /* (pecan/kip.h draws the packed words) */
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
static inline L4_Word_t L4_ThreadIdBits(const L4_KernelInterfacePage_t *k)
{
    return THREAD_INFO_T(k->thread_info);
}
static inline L4_Word_t L4_ThreadIdSystemBase(const L4_KernelInterfacePage_t *k)
{
    return THREAD_INFO_SYSTEM_BASE(k->thread_info);
}
static inline L4_Word_t L4_ThreadIdUserBase(const L4_KernelInterfacePage_t *k)
{
    return THREAD_INFO_USER_BASE(k->thread_info);
}
static inline L4_Word_t L4_UtcbSize(const L4_KernelInterfacePage_t *k)
{
    return UTCB_INFO_SIZE(k->utcb_info);
}

/* Memory descriptors (spec 8.2). */
typedef struct {
    L4_Word_t x, y;
} L4_MemoryDesc_t;

static inline L4_Word_t L4_NumMemoryDescriptors(const L4_KernelInterfacePage_t *k)
{
    return MEMORY_INFO_COUNT(k->memory_info);
}
static inline const L4_MemoryDesc_t *L4_MemoryDesc(const L4_KernelInterfacePage_t *k, L4_Word_t n)
{
    return (const L4_MemoryDesc_t *)((const char *)k + MEMORY_INFO_OFFSET(k->memory_info)) + n;
}
static inline L4_Word_t L4_MemoryDescType(const L4_MemoryDesc_t *m)
{
    L4_Word_t t = MEMDESC_TYPE(m->x);
    return t >= MEMDESC_BOOTLOADER ? t + MEMDESC_SUBTYPE(m->x) * 16 : t;
}
static inline int L4_IsMemoryDescVirtual(const L4_MemoryDesc_t *m) { return MEMDESC_IS_VIRTUAL(m->x); }
static inline L4_Word_t L4_MemoryDescLow(const L4_MemoryDesc_t *m) { return m->x & MEMDESC_ADDR_MASK; }
static inline L4_Word_t L4_MemoryDescHigh(const L4_MemoryDesc_t *m) { return m->y | ~MEMDESC_ADDR_MASK; }

#define L4_UndefinedMemoryType    MEMDESC_UNDEFINED
#define L4_ConventionalMemoryType MEMDESC_CONVENTIONAL
#define L4_ReservedMemoryType     MEMDESC_RESERVED
#define L4_DedicatedMemoryType    MEMDESC_DEDICATED
#define L4_SharedMemoryType       MEMDESC_SHARED
#define L4_BootLoaderSpecificMemoryType MEMDESC_BOOTLOADER
#define L4_ArchitectureSpecificMemoryType MEMDESC_ARCH
