/* SMEP and SMAP (arch/smap.h): the kernel never executes user pages, and
 * touches user memory only inside explicit stac/clac windows. And UMIP:
 * sgdt, sidt, sldt, smsw and str raise #GP in user mode instead of
 * telling kernel addresses. */
#include "arch/smap.h"
#include "section.h"
#include "arch/cpu.h"
#include "kmem.h"
#include "types.h"

#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)
#define CR4_UMIP (1UL << 11)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

/* A patch site: the address of a 3-byte nop, and the last byte of the
 * instruction it becomes (0F 01 xx). */
struct smap_site {
    uint8_t *at;
    uint8_t last;
} __attribute__((packed));
extern const struct smap_site _smap_sites[], _smap_sites_end[];

__boot struct cpu_protection smap_smep_enable(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    struct cpu_protection p = { false, false, false };
    if (r[0] >= 7) {
        cpuid(7, 0, r);
        p.smep = r[1] & CPUID7_EBX_SMEP;
        p.smap = r[1] & CPUID7_EBX_SMAP;
        p.umip = r[2] & CPUID7_ECX_UMIP;
    }
    if (p.smap)                             /* (the code is read-only where it runs: */
        for (const struct smap_site *s = _smap_sites; s < _smap_sites_end; s++) {
            uint8_t *at = phys_to_virt(virt_to_phys(s->at));    /* written through the */
            at[1] = 0x01;                                       /* direct map; write_cr4 */
            at[2] = s->last;                                    /* below serialises) */
        }
    write_cr4(read_cr4() | (p.smep ? CR4_SMEP : 0) | (p.smap ? CR4_SMAP : 0) |
              (p.umip ? CR4_UMIP : 0));
    return p;
}
