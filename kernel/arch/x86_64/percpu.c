/* The processors' own pages (arch/percpu.h): the boot processor's frames
 * here in the image; the others' from the kernel pool, mapped at the
 * same address by their own page tables (smp.c, paging_cpu_root). */
#include "arch/percpu.h"
#include <stddef.h>

struct cpu_pages cpu_pages;

/* The fast paths' words in the line of TSS.RSP0, by name for C and
 * assembly alike. */
#define STR_(x) #x
#define STR(x) STR_(x)
__asm__(".globl current, fpu_owner, tcb_area_base\n"
        ".set current, cpu_pages + " STR(CPU_CURRENT) "\n"
        ".set fpu_owner, cpu_pages + " STR(CPU_FPU_OWNER) "\n"
        ".set tcb_area_base, cpu_pages + " STR(CPU_TCB_AREA_BASE) "\n");

_Static_assert(offsetof(struct cpu_local, user_rsp) == CPU_USER_RSP, "cpu layout");
_Static_assert(offsetof(struct cpu_local, x2_entry) == CPU_X2_ENTRY, "cpu layout");
_Static_assert(offsetof(struct cpu_local, unix_entry) == CPU_UNIX_ENTRY, "cpu layout");
_Static_assert(offsetof(struct cpu_local, unix_abi_loaded) == CPU_UNIX_ABI_LOADED, "cpu layout");
_Static_assert(offsetof(struct cpu_local, index) == CPU_INDEX, "cpu layout");
_Static_assert(offsetof(struct cpu_local, fast_recv) == CPU_FAST_RECV, "cpu layout");
_Static_assert(offsetof(struct cpu_local, lockless) == CPU_LOCKLESS, "cpu layout");
_Static_assert(sizeof(struct cpu_local) <= CPU_AP_GDT, "cpu_local before an AP's GDT");
_Static_assert(offsetof(struct cpu_pages, user) == CPU_USER_PAGE, "cpu layout");
_Static_assert(offsetof(struct cpu_pages, request) == CPU_REQUEST &&
               CPU_REQUEST + sizeof(struct cpu_request) <= CPU_CURRENT,
               "the request before the fast paths' line");
_Static_assert(CPU_CURRENT / 64 == (TSS_RSP0_OFFSET + 7) / 64 && CPU_CURRENT % 8 == 0,
               "the fast paths' words and TSS.RSP0 share a cache line");
