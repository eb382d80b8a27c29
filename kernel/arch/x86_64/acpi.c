/* ACPI, as far as the interrupt routing and the processors need it
 * (arch/acpi.h).
 *
 *   RSDP  "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF (or the EBDA);
 *         +16: RSDT physical address (32 bits)
 *   SDT header (36 bytes): signature[4], length u32, ...
 *   RSDT  header, then u32 table addresses
 *   MADT  "APIC": header, u32 local APIC address, u32 flags, entries:
 *         type u8, length u8, ...
 *           0 processor: ACPI id u8, local APIC id u8, flags u32 (bit 0 enabled)
 *           1 I/O APIC: id u8, 0, address u32, GSI base u32
 *           2 override: bus u8, ISA source u8, GSI u32, flags u16
 *             flags: bits 0-1 polarity (3 = active low), 2-3 trigger (3 = level)
 * All of it lies below 4 GB, in the kernel's direct map. */
#include "arch/acpi.h"
#include "section.h"
#include "kmem.h"

__boot static bool sig(const void *p, const char *s, unsigned n)
{
    const char *c = p;
    for (unsigned i = 0; i < n; i++)
        if (c[i] != s[i])
            return false;
    return true;
}

__boot static uint32_t u32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

__boot static const uint8_t *find_rsdp(paddr_t from, paddr_t to)
{
    for (paddr_t a = from; a + 20 <= to; a += 16) {
        const uint8_t *p = phys_to_virt(a);
        uint8_t sum = 0;
        for (int i = 0; i < 20; i++)
            sum += p[i];
        if (sig(p, "RSD PTR ", 8) && sum == 0)
            return p;
    }
    return NULL;
}

/* The MADT, or NULL. */
__boot static const uint8_t *find_madt(void)
{
    paddr_t ebda = (paddr_t)*(const uint16_t *)phys_to_virt(0x40E) << 4;
    const uint8_t *rsdp = ebda ? find_rsdp(ebda, ebda + 1024) : NULL;
    if (!rsdp)
        rsdp = find_rsdp(0xE0000, 0x100000);
    if (!rsdp)
        return NULL;
    const uint8_t *rsdt = phys_to_virt(u32(rsdp + 16));
    if (!sig(rsdt, "RSDT", 4))
        return NULL;
    for (uint32_t off = 36; off + 4 <= u32(rsdt + 4); off += 4) {
        const uint8_t *t = phys_to_virt(u32(rsdt + off));
        if (sig(t, "APIC", 4))
            return t;
    }
    return NULL;
}

/* The MADT's entries: each call the next, NULL after the last. */
__boot static const uint8_t *next_entry(const uint8_t *madt, const uint8_t *e)
{
    e = e ? e + e[1] : madt + 44;
    return e + 2 <= madt + u32(madt + 4) && e[1] ? e : NULL;
}

__boot bool acpi_madt(struct madt_info *out)
{
    *out = (struct madt_info){ 0 };
    for (unsigned i = 0; i < 16; i++)
        out->isa[i].gsi = i;
    const uint8_t *t = find_madt();
    if (!t)
        return false;
    for (const uint8_t *x = NULL; (x = next_entry(t, x));) {
        if (x[0] == 1 && !out->ioapic_base) {
            out->ioapic_base = u32(x + 4);
            out->ioapic_gsi_base = u32(x + 8);
        } else if (x[0] == 2 && x[3] < 16) {
            uint16_t flags = x[8] | x[9] << 8;
            out->isa[x[3]] = (struct isa_irq){ u32(x + 4), ((flags >> 2) & 3) == 3,
                                               (flags & 3) == 3 };
        }
    }
    return out->ioapic_base != 0;
}

__boot unsigned acpi_cpus(uint8_t *apic_ids, unsigned max)
{
    const uint8_t *t = find_madt();
    unsigned n = 0;
    for (const uint8_t *x = NULL; t && (x = next_entry(t, x));)
        if (x[0] == 0 && (u32(x + 4) & 1) && n < max)      /* enabled */
            apic_ids[n++] = x[3];
    return n;
}
