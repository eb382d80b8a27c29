/* Lazy FPU/SSE switching. The registers belong to one thread at a time,
 * the owner; CR0.TS is set whenever another thread runs, so its first
 * FPU or SSE instruction raises #NM, and only then is the owner's state
 * saved (fxsave) and the runner's restored. Threads that never touch the
 * FPU never pay for it. The kernel itself uses no FPU/SSE registers. */
#include "arch/fpu.h"
#include "arch/cpu.h"
#include "sched.h"
#include "account.h"
#include "slab.h"
#include "space.h"

#define MXCSR_DEFAULT 0x1F80            /* all exceptions masked */
#define FCW_DEFAULT   0x037F            /* x87: all exceptions masked, 64-bit precision */
#define FXSAVE_FCW    0                 /* offsets in the fxsave image */
#define FXSAVE_MXCSR  24

/* The fxsave image: 512 bytes, 16-byte aligned (slab objects of 512 are). */
struct fpu_state {
    uint8_t image[512];
};

static struct slab states = SLAB_INIT(struct fpu_state);




bool fpu_trap(void)
{
    struct tcb *t = current;
    clear_ts();
    if (fpu_owner == t)
        return true;
    if (!t->fpu_state) {
        if (!(t->fpu_state = kmem_object(&t->space->kmem, &states))) {
            set_ts();
            return false;               /* out of kernel memory */
        }
        /* A first use starts from the state after reset, all registers
         * zero: nothing of the previous owner's shows through (fninit
         * leaves the XMM registers and the x87 contents as they were). */
        *(uint16_t *)&t->fpu_state->image[FXSAVE_FCW] = FCW_DEFAULT;
        *(uint32_t *)&t->fpu_state->image[FXSAVE_MXCSR] = MXCSR_DEFAULT;
    }
    if (fpu_owner)
        __asm__ volatile("fxsave64 %0" : "=m"(*fpu_owner->fpu_state));
    __asm__ volatile("fxrstor64 %0" : : "m"(*t->fpu_state));
    fpu_owner = t;
    return true;
}

size_t fpu_kmem(const struct tcb *t)
{
    return t->fpu_state ? states.size : 0;
}

void fpu_save(struct tcb *t)
{
    if (fpu_owner != t)
        return;
    clear_ts();                         /* (fxsave raises #NM with TS set) */
    __asm__ volatile("fxsave64 %0" : "=m"(*t->fpu_state));
    fpu_owner = NULL;
    set_ts();
}

void fpu_release(struct tcb *t)
{
    if (fpu_owner == t) {
        fpu_owner = NULL;
        set_ts();
    }
    if (t->fpu_state)
        kmem_object_free(&t->space->kmem, &states, t->fpu_state);
    t->fpu_state = NULL;
}
