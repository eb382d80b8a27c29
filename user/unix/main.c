/* The Unix server's main loop (docs/unix.md): one thread receives every
 * message - the system calls, starts, interrupts, exceptions and page
 * faults of the Linux threads it runs, and the requests of the console
 * session's client - handles it to the end, and sends the answer due
 * together with the next receive. A receive timeout wakes it for the
 * next deadline (sleeps, timeouts of waiting calls, alarms). */
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "fs.h"
#include "mm.h"
#include "proc.h"
#include "session.h"
#include "signal.h"
#include "kthread.h"
#include "syscall.h"
#include "tty.h"

#define POOL_PAGES 8192                     /* 32 MB for processes and files */

extern const char unix_image[], unix_image_end[];
void time_init(uint64_t epoch_seconds_now);
uint64_t alarms_next(void);
void alarms_fire(uint64_t now);
void fs_make_devices(void);

/* ---- the CMOS clock (ports 0x70, 0x71: the services table gives them) ---- */

static unsigned cmos(unsigned reg)
{
    outb(0x70, (unsigned char)reg);
    unsigned v = inb(0x71);
    return (v & 0xF) + (v >> 4) * 10;       /* BCD */
}

static uint64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)(era * 146097 + (int)doe - 719468);
}

static uint64_t cmos_epoch(void)
{
    while (outb(0x70, 0x0A), inb(0x71) & 0x80)     /* an update in progress */
        ;
    uint64_t days = days_from_civil(2000 + (int)cmos(9), cmos(8), cmos(7));
    return days * 86400 + cmos(4) * 3600 + cmos(2) * 60 + cmos(0);
}

/* ---- the messages ------------------------------------------------------------------ */

static void exception(struct thread *t, unsigned vector)
{
    static const struct { int sig, code; } of[32] = {
        [0] = { SIGFPE, FPE_INTDIV }, [1] = { SIGTRAP, TRAP_TRACE }, [3] = { SIGTRAP, SI_KERNEL },
        [4] = { SIGSEGV, SI_KERNEL }, [5] = { SIGSEGV, SI_KERNEL }, [6] = { SIGILL, ILL_ILLOPN },
        [13] = { SIGSEGV, SI_KERNEL }, [16] = { SIGFPE, FPE_FLTINV }, [17] = { SIGBUS, BUS_ADRALN },
        [19] = { SIGFPE, FPE_FLTINV },
    };
    int sig = vector < 32 && of[vector].sig ? of[vector].sig : SIGSEGV;
    if (signal_fault(t, sig, vector < 32 ? of[vector].code : SI_KERNEL, 0))
        thread_resume(t);
}

/* A message of one of our Linux threads; its answer, if due now, is
 * loaded and addressed to *reply. */
static void thread_message(struct thread *t, L4_MsgTag_t tag, L4_ThreadId_t *reply)
{
    L4_Word_t *mr = __L4_Utcb(), label = L4_Label(tag);
    if (L4_Protocol(tag) == L4_PAGEFAULT_PROTOCOL) {
        uint64_t addr = mr[1];
#ifdef UNIX_TRACE
        uint64_t ip = mr[2];
#endif
        int r = t->proc->mm ? mm_fault(t->proc->mm, addr, label & L4_FullyAccessible) : -EFAULT;
#ifdef UNIX_TRACE
        ulog("%d: fault %lx (%lx) at %lx: %d", t->tid, addr, label & L4_FullyAccessible, ip, r);
#endif
        if (!r) {
            *reply = t->id;
            return;
        }
        /* The signal goes with the interrupt message the thread sends
         * before it runs on (at the faulting instruction). */
        if (!signal_fault(t, r == -ENOMEM ? SIGBUS : SIGSEGV,
                          r == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, addr))
            return;
        kthread_interrupt(t->id);
        mr[0] = 0;
        *reply = t->id;
        return;
    }
    if (label != UNIX_LABEL || L4_UntypedWords(tag) != UNIX_MSG_WORDS) {
        ulog("%s (pid %d): a message we do not know (label %lx): ended", t->proc->comm,
             t->proc->pid, label);
        proc_exit(t->proc, SIGSYS);
        return;
    }
    if (mr[UNIX_MR_WHY] == UNIX_START) {    /* (its registers are ours: t->r) */
        syscall_handling(t);
        if (t->state == T_STARTING)
            syscall_answer_start(t);
        syscall_take_reply(reply);
        return;
    }
    memcpy(&t->r[1], &mr[1], UNIX_MSG_WORDS * sizeof mr[0]);   /* (one rep movsq) */
#ifdef UNIX_TRACE
    if (t->r[UNIX_MR_WHY] != UNIX_SYSCALL)
        ulog("%d: message %lx at %lx", t->tid, t->r[UNIX_MR_WHY], t->r[UNIX_MR_RIP]);
#endif
    syscall_handling(t);
    switch (t->r[UNIX_MR_WHY]) {
    case UNIX_SYSCALL:
        syscall_dispatch(t);
        break;
    case UNIX_INTERRUPT:
        thread_resume(t);
        break;
    default:
        exception(t, (unsigned)t->r[UNIX_MR_WHY]);
    }
    syscall_take_reply(reply);
}

/* The next deadline (sleeps, timeouts of waiting calls, alarms), 0 if none. */
static uint64_t next_deadline(void)
{
    uint64_t next = timers_next(), a = alarms_next();
    return a && (!next || a < next) ? a : next;
}

/* How long the next receive may wait: until the deadline `next` (0:
 * none, and the clock is not read). */
static L4_Time_t receive_timeout(uint64_t next)
{
    if (!next)
        return L4_Never;
    uint64_t now = now_us(), us = next > now ? next - now : 0;
    return us ? L4_TimePeriod(us < 1000000000 ? us : 1000000000) : L4_ZeroTime;
}

int app_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    void *pool = os_sbrk(POOL_PAGES * 4096UL + 4096);
    if (!pool) {
        ulog("no memory for the page pool");
        return 1;
    }
    pool_init(((uint64_t)pool + 4095) & ~4095UL, POOL_PAGES);
    time_init(cmos_epoch());
    kthread_init();
    syscalls_init();
    tty_init();
    fs_init();
    if (!fs_load_cpio(unix_image, (uint64_t)(unix_image_end - unix_image))) {
        ulog("the file-system image is malformed");
        return 1;
    }
    fs_make_devices();
    if (os_register("unix") != OS_OK) {
        ulog("cannot register the name \"unix\"");
        return 1;
    }
    L4_ThreadId_t from, reply = L4_nilthread;
    uint64_t next = 0;
    for (;;) {
        L4_MsgTag_t tag = L4_Ipc(reply, L4_anythread,
                                 L4_Timeouts(L4_ZeroTime, receive_timeout(next)), &from);
        reply = L4_nilthread;
        if (tag.raw == UNIX_TAG && syscall_quick(from)) {
            reply = from;                   /* it changed nothing: only a */
            if (!next)                      /* deadline can be due now */
                continue;
        } else if (L4_IpcSucceeded(tag)) {
            struct thread *t = thread_of(from);
            L4_Word_t label = L4_Label(tag);
            if (t) {
                thread_message(t, tag, &reply);
            } else if (label >= OS_REQUEST) {
                int r = session_request(from, tag);
                if (r >= 0) {
                    __L4_Utcb()[0] = MSGTAG(r, 0, 0);
                    reply = from;
                }
            }
        }
        /* deadlines: their answers are IPCs of their own, so the one in
         * our message registers goes first */
        next = next_deadline();
        uint64_t now = next ? now_us() : 0;
        if (next && next <= now) {
            if (!L4_IsNilThread(reply))
                L4_Send_Timeout(reply, L4_ZeroTime);
            reply = L4_nilthread;
            timers_fire(now);
            alarms_fire(now);
            next = next_deadline();
        }
        proc_bury_dead();
    }
}
