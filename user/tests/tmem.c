/* Tools for tests of address spaces: agents, probes, pages (tmem.h). */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>
#include "tmem.h"




L4_Word_t default_window(void)
{
    return L4_MapGrantItems(L4_FpageLog2(WIN, WIN_LOG2)).raw;
}

L4_Word_t fp(L4_Word_t base, int log2, L4_Word_t rwx)
{
    return L4_FpageLog2(base, log2).raw | rwx;
}

L4_Word_t map_w0(L4_Word_t snd_base) { return (snd_base & ~0x3FFUL) | 0x8; }
L4_Word_t grant_w0(L4_Word_t snd_base) { return (snd_base & ~0x3FFUL) | 0xA; }

/* ---- pages from sigma0 --------------------------------------------------- */

/* 2^log2 bytes of memory from sigma0, page i tagged seed + i. */
L4_Fpage_t pages(int log2, L4_Word_t seed)
{
    L4_Fpage_t f = tsup_sigma0_any(log2);
    if (!L4_IsNilFpage(f))
        for (L4_Word_t i = 0; i < 1UL << (log2 - 12); i++)
            *(volatile L4_Word_t *)(L4_Address(f) + i * 4096) = seed + i;
    return f;
}

L4_Word_t word_at(L4_Word_t a) { return *(volatile L4_Word_t *)a; }

/* ---- agents --------------------------------------------------------------- */

enum { CMD_NOP = 0x4D00, CMD_SEND, CMD_UNMAP };

struct agent ag[4];

static void agent_fn(L4_Word_t i)
{
    struct agent *a = &ag[i];
    L4_ThreadId_t from;
    for (;;) {
        L4_Accept((L4_Acceptor_t){ .raw = a->acceptor });
        L4_MsgTag_t tag = L4_Wait(&from);
        L4_Word_t *mr = __L4_Utcb(), label = L4_Label(tag);
        if (L4_IpcFailed(tag) || label < CMD_NOP || label > CMD_UNMAP) {
            a->rcv_tag = tag.raw;
            a->rcv_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
            a->rcv_w1 = mr[1];
            a->rcv_w2 = mr[2];
            a->rcv_count++;
            continue;
        }
        L4_Word_t r1 = 0, r2 = 0;
        if (label == CMD_NOP) {
            r1 = mr[1] ^ 0x5A5A5A5AUL;
        } else if (label == CMD_SEND) {         /* MR1, MR2: the item; MR3: to whom */
            L4_ThreadId_t to = { .raw = mr[3] };
            L4_Word_t w0 = mr[1], w1 = mr[2];
            mr[0] = 2 << 6;
            mr[1] = w0;
            mr[2] = w1;
            L4_MsgTag_t t = L4_Send_Timeout(to, L4_TimePeriod(2000000));
            r1 = t.raw;
            r2 = L4_IpcFailed(t) ? L4_ErrorCode() : 0;
        } else {                                /* MR1: fpage, MR2: control */
            L4_Word_t control = mr[2];
            mr[0] = mr[1];
            L4_Unmap(control);
            r1 = mr[0];
        }
        mr[0] = 2;
        mr[1] = r1;
        mr[2] = r2;
        L4_Reply(from);
    }
}

static void agent_reset(unsigned i, L4_Word_t acceptor)
{
    ag[i].acceptor = acceptor;
    ag[i].rcv_count = ag[i].rcv_tag = ag[i].rcv_err = ag[i].rcv_w1 = ag[i].rcv_w2 = 0;
}

/* An agent in a new space. */
L4_ThreadId_t agent_new(unsigned i, L4_Word_t acceptor)
{
    agent_reset(i, acceptor);
    L4_ThreadId_t t = tsup_space(agent_fn, i);
    tsup_wait_blocked(t);
    return t;
}

/* An agent in the root task's space. */
L4_ThreadId_t agent_here(unsigned i, L4_Word_t acceptor)
{
    agent_reset(i, acceptor);
    L4_ThreadId_t t = tsup_thread(agent_fn, i);
    tsup_wait_blocked(t);
    return t;
}

L4_Word_t cmd_r2;
/* A command; returns the agent's MR1 (~0 if the call failed). */
L4_Word_t cmd(L4_ThreadId_t a, L4_Word_t c, L4_Word_t x, L4_Word_t y, L4_Word_t z)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = c << 16 | 3;
    mr[1] = x;
    mr[2] = y;
    mr[3] = z;
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t t = L4_Call_Timeouts(a, L4_TimePeriod(2000000), L4_TimePeriod(2000000));
    if (L4_IpcFailed(t) || L4_UntypedWords(t) != 2) {
        cmd_r2 = ~0UL;
        return ~0UL;
    }
    cmd_r2 = mr[2];
    return mr[1];
}

/* Does the agent answer (and are its message registers its own)? */
int alive(L4_ThreadId_t a)
{
    return cmd(a, CMD_NOP, 0x1234567UL, 0, 0) == (0x1234567UL ^ 0x5A5A5A5AUL);
}

/* Let agent a send a map/grant item to `to`; 1 if its send succeeded. */
int agent_send(L4_ThreadId_t a, L4_Word_t w0, L4_Word_t w1, L4_ThreadId_t to)
{
    L4_Word_t tag = cmd(a, CMD_SEND, w0, w1, to.raw);
    return tag != ~0UL && !(tag & 0x8000) && cmd_r2 == 0;
}

/* Agent a calls Unmap on one fpage; returns MR0 afterwards. */
L4_Word_t agent_unmap(L4_ThreadId_t a, L4_Word_t fpage, L4_Word_t control)
{
    return cmd(a, CMD_UNMAP, fpage, control, 0);
}

L4_Word_t give_err;
/* The root thread sends one map/grant item to `to`; 1 on success. */
int give(L4_ThreadId_t to, L4_Word_t w0, L4_Word_t w1)
{
    L4_Word_t *mr = __L4_Utcb();
    mr[0] = 2 << 6;
    mr[1] = w0;
    mr[2] = w1;
    L4_MsgTag_t t = L4_Send_Timeout(to, L4_TimePeriod(2000000));
    give_err = L4_IpcFailed(t) ? L4_ErrorCode() : 0;
    return L4_IpcSucceeded(t);
}

/* ---- probes ------------------------------------------------------------------ */

/* The word at a in the space of `in`; NOPE if the probe faulted there. */
L4_Word_t peek(L4_ThreadId_t in, L4_Word_t a)
{
    tsup_pr.addr[0] = a;
    tsup_pr.op[0] = TSUP_PROBE_READ;
    if (tsup_probe_run(in, 1) == 1)
        return tsup_pr.val[0];
    if (tsup_pr.fault_tag == ~0UL)
        return STUCK;
    return tsup_pr.fault_addr == a && tsup_pr.fault_tag == FAULT_TAG_R ? NOPE : ELSEWHERE;
}

/* Write v at a in the space of `in`: 1 if done, 0 if the write faulted
 * there (a write fault, spec 6.2), -1 otherwise. */
int poke(L4_ThreadId_t in, L4_Word_t a, L4_Word_t v)
{
    tsup_pr.addr[0] = a;
    tsup_pr.op[0] = TSUP_PROBE_WRITE;
    tsup_pr.val[0] = v;
    if (tsup_probe_run(in, 1) == 1)
        return 1;
    return tsup_pr.fault_addr == a && tsup_pr.fault_tag == FAULT_TAG_W ? 0 : -1;
}

/* Read I/O port `port` in the space of `in`: 1 if done, 0 if that raised
 * an I/O fault for the port (spec 6.3), -1 otherwise. */
int port_read(L4_ThreadId_t in, unsigned port)
{
    tsup_pr.addr[0] = port;
    tsup_pr.op[0] = TSUP_PROBE_PORT;
    if (tsup_probe_run(in, 1) == 1)
        return 1;
    return tsup_pr.fault_tag == IOFAULT_TAG && tsup_pr.fault_addr == L4_IoFpage(port, 1).raw ? 0 : -1;
}

/* Read the first word of n consecutive pages from `a`; how many read
 * before a fault; values in tsup_pr.val. */
unsigned peek_pages(L4_ThreadId_t in, L4_Word_t a, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        tsup_pr.addr[i] = a + i * 4096UL;
        tsup_pr.op[i] = TSUP_PROBE_READ;
    }
    return tsup_probe_run(in, n);
}

const L4_ThreadId_t root_space = { .raw = 0 };
