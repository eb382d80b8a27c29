/* The Kernel Interface Page (spec 8): one page, read-only in every space. */
#pragma once
#include "arch/smp.h"
#include "types.h"
#include "pecan/kip.h"

/* Boot-loader descriptor subtypes (as kickstart uses them). */
enum {
    BOOTLOADER_INIT_TABLE = 1,
    BOOTLOADER_INIT_SERVER = 2,
    BOOTLOADER_MODULE = 3,
};

/* KIP word offsets (bytes). */
#define KIP_API_VERSION   0x008
#define KIP_API_FLAGS     0x010
#define KIP_KERNEL_DESC   0x018
#define KIP_SIGMA0        0x040   /* SP, IP, low, high */
#define KIP_ROOT          0x080
#define KIP_MEMORY_INFO   0x0A8
#define KIP_RESERVED_MEM0 0x0D0
#define KIP_UTCB_INFO     0x150
#define KIP_KIP_AREA_INFO 0x158
#define KIP_BOOT_INFO     0x170
#define KIP_PROC_DESC     0x178
#define KIP_CLOCK_INFO    0x180
#define KIP_THREAD_INFO   0x188
#define KIP_PAGE_INFO     0x190
#define KIP_PROC_INFO     0x198
#define KIP_SYSCALLS      0x1A0   /* SpaceControl ... Schedule, 11 words */
#define KIP_PROC_DESC_ARRAY 0x240
#define KIP_KDESC_OFFSET  (KIP_PROC_DESC_ARRAY + 32 * MAX_CPUS)   /* as Pistachio's */

#define API_VERSION_X2    0x84050000UL
#define API_FLAGS_LE64    0x4UL

/* Fill every field that does not depend on boot data. */
void kip_init(void);

/* Append a memory descriptor for [low, high). */
void kip_add_memory(unsigned type, unsigned subtype, bool virt, word_t low, word_t high);

void kip_set_word(unsigned offset, word_t value);
word_t kip_word(unsigned offset);
paddr_t kip_phys(void);

/* Thread-number layout (ThreadInfo). */
#define NUM_IRQ_THREADS 16
#define SYSTEM_BASE     NUM_IRQ_THREADS
#define USER_BASE       (SYSTEM_BASE + 32)
