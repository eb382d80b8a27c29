/* Decoding segment-register loads (arch/segload.h). */
#include "arch/segload.h"

#define MAX_INSN 15                     /* the CPU's limit on one instruction */

static bool legacy_prefix(uint8_t b)
{
    return b == 0x66 || b == 0x67 || b == 0xF2 || b == 0xF3 || b == 0x26 || b == 0x2E ||
           b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65;
}

/* Bytes of ModRM, SIB and displacement starting at code[i]; 0 if cut off. */
static unsigned modrm_length(const uint8_t *code, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    unsigned mod = code[i] >> 6, rm = code[i] & 7, len = 1;
    if (mod == 3)
        return len;
    if (rm == 4) {
        if (i + 1 >= n)
            return 0;
        if (mod == 0 && (code[i + 1] & 7) == 5)
            len += 4;                   /* SIB without base: disp32 */
        len++;
    } else if (mod == 0 && rm == 5) {
        len += 4;                       /* RIP-relative */
    }
    len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
    return i + len <= n ? len : 0;
}

unsigned segload_length(const uint8_t *code, size_t n, unsigned *pop)
{
    size_t i = 0;
    bool opsize16 = false;
    if (n > MAX_INSN)
        n = MAX_INSN;
    while (i < n && legacy_prefix(code[i]))
        opsize16 |= code[i++] == 0x66;
    if (i < n && (code[i] & 0xF0) == 0x40)
        i++;                            /* REX */
    if (i >= n)
        return 0;
    *pop = 0;
    if (code[i] == 0x8E) {
        unsigned sreg = i + 1 < n ? (code[i + 1] >> 3) & 7 : 1;
        if (sreg == 1 || sreg > 5)      /* CS, or no segment register */
            return 0;
        unsigned m = modrm_length(code, n, i + 1);
        return m ? (unsigned)(i + 1 + m) : 0;
    }
    if (code[i] == 0x0F && i + 1 < n && (code[i + 1] == 0xA1 || code[i + 1] == 0xA9)) {
        *pop = opsize16 ? 2 : 8;
        return (unsigned)(i + 2);
    }
    return 0;
}
