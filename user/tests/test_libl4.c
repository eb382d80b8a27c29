/* libl4 (user/include/l4): the pure encodings against bit patterns worked
 * out by hand from the spec, and the system-call bindings' register
 * contracts (spec 4.5-4.14) against a fake stub instead of the kernel. */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/syscalls.h>
#include <l4/thread.h>
#include <l4/types.h>
#include <l4/utcb.h>
#include "testlib.h"

/* ---- The fake stub ---------------------------------------------------------
 * Records every register on entry into libl4_fake_in, then loads every
 * register but RSP from libl4_fake_out, as a stub may clobber them all. */
enum { RAX, RBX, RCX, RDX, RSI, RDI, RBP, R8, R9, R10, R11, R12, R13, R14, R15, NREGS };
uint64_t libl4_fake_in[NREGS], libl4_fake_out[NREGS], libl4_fake_calls;
void libl4_fake_stub(void);

#define FAKE_REG(i, r)                                                         \
    "mov %" r ", libl4_fake_in+8*" #i "(%rip)\n"
#define FAKE_OUT(i, r)                                                         \
    "mov libl4_fake_out+8*" #i "(%rip), %" r "\n"
__asm__(".text\n"
        "libl4_fake_stub:\n"
        FAKE_REG(0, "rax") FAKE_REG(1, "rbx") FAKE_REG(2, "rcx") FAKE_REG(3, "rdx")
        FAKE_REG(4, "rsi") FAKE_REG(5, "rdi") FAKE_REG(6, "rbp") FAKE_REG(7, "r8")
        FAKE_REG(8, "r9") FAKE_REG(9, "r10") FAKE_REG(10, "r11") FAKE_REG(11, "r12")
        FAKE_REG(12, "r13") FAKE_REG(13, "r14") FAKE_REG(14, "r15")
        "incq libl4_fake_calls(%rip)\n"
        FAKE_OUT(0, "rax") FAKE_OUT(1, "rbx") FAKE_OUT(2, "rcx") FAKE_OUT(3, "rdx")
        FAKE_OUT(4, "rsi") FAKE_OUT(5, "rdi") FAKE_OUT(6, "rbp") FAKE_OUT(7, "r8")
        FAKE_OUT(8, "r9") FAKE_OUT(9, "r10") FAKE_OUT(10, "r11") FAKE_OUT(11, "r12")
        FAKE_OUT(12, "r13") FAKE_OUT(13, "r14") FAKE_OUT(14, "r15")
        "ret\n");

/* Junk in every output register; RDI keeps the own UTCB pointer, which the
 * Ipc, Unmap and MemoryControl contracts return. */
static void fake_reset(void)
{
    for (int i = 0; i < NREGS; i++) {
        libl4_fake_in[i] = 0;
        libl4_fake_out[i] = 0xBAD00 + i;
    }
    libl4_fake_out[RDI] = (uint64_t)__L4_Utcb();
    libl4_fake_calls = 0;
}

/* Run `stmt` with stub pointer `ptr` aimed at the fake (restored before any
 * EXPECT can leave the test). */
#define WITH_FAKE(ptr, stmt)                                                   \
    do {                                                                       \
        void *saved_ = (ptr);                                                  \
        (ptr) = (void *)libl4_fake_stub;                                       \
        stmt;                                                                  \
        (ptr) = saved_;                                                        \
    } while (0)

#define TID(no) L4_GlobalId(no, 1)

/* ---- Data formats (spec 2) ------------------------------------------------ */

TEST(libl4, thread_ids)
{
    EXPECT_EQ(L4_GlobalId(0x12, 1).raw, 0x0000001200000001UL);
    EXPECT_EQ(L4_GlobalId(3, 1).raw, 0x300000001UL);               /* IRQ 3's thread */
    EXPECT_EQ(L4_GlobalId(5, 0x100000002UL).raw, 0x500000002UL);   /* version: 32 bits */
    EXPECT_EQ(L4_nilthread.raw, 0);
    EXPECT_EQ(L4_anythread.raw, 0xFFFFFFFFFFFFFFFFUL);
    EXPECT_EQ(L4_anylocalthread.raw, 0xFFFFFFFFFFFFFFC0UL);

    L4_ThreadId_t g = L4_GlobalId(0x40022, 7), l = { .raw = 0xBF000200 };
    EXPECT_EQ(L4_ThreadNo(g), 0x40022);
    EXPECT_EQ(L4_Version(g), 7);
    EXPECT_EQ(g.global.X.thread_no, 0x40022);
    EXPECT_EQ(g.global.X.version, 7);
    EXPECT_EQ(g.X.thread_no, 0x40022);
    EXPECT_EQ(l.local.X.local_id, 0xBF000200 >> 6);
    EXPECT(L4_IsGlobalId(g) && !L4_IsLocalId(g));
    EXPECT(L4_IsLocalId(l) && !L4_IsGlobalId(l));
    EXPECT(L4_IsLocalId(L4_anylocalthread) && L4_IsGlobalId(L4_anythread));
    EXPECT(L4_IsNilThread(L4_nilthread) && !L4_IsNilThread(g));
    EXPECT(L4_IsThreadEqual(g, L4_GlobalId(0x40022, 7)));
    EXPECT(L4_IsThreadNotEqual(g, L4_GlobalId(0x40022, 8)));
}

TEST(libl4, msgtag)
{
    L4_MsgTag_t t = L4_MsgTagAddLabel(L4_Niltag, 0x1234);
    t.X.u = 3;
    t.X.t = 2;
    EXPECT_EQ(t.raw, 0x12340083);
    EXPECT_EQ(L4_Label(t), 0x1234);
    EXPECT_EQ(L4_UntypedWords(t), 3);
    EXPECT_EQ(L4_TypedWords(t), 2);

    /* Adding a label keeps u, t and the flags, and replaces the old label. */
    L4_MsgTag_t f = { .raw = 0x55550000F0C3UL };
    EXPECT_EQ(L4_MsgTagAddLabel(f, 0xFFFFFFFFFFA0UL).raw, 0xFFFFFFFFFFA0F0C3UL);
    L4_MsgTagAddLabelTo(&f, 0x9);
    EXPECT_EQ(f.raw, 0x9F0C3);
    L4_Set_Label(&f, 0xA);
    EXPECT_EQ(f.raw, 0xAF0C3);

    L4_MsgTag_t e = { .raw = 0x8000 }, p = { .raw = 0x1000 }, r = { .raw = 0x2000 },
                x = { .raw = 0x4000 }, prx = { .raw = 0x7000 };
    EXPECT(L4_IpcFailed(e) && !L4_IpcSucceeded(e));
    EXPECT(L4_IpcSucceeded(prx) && !L4_IpcFailed(prx));
    EXPECT(L4_IpcPropagated(p) && !L4_IpcPropagated(r) && !L4_IpcPropagated(e));
    EXPECT(L4_IpcRedirected(r) && !L4_IpcRedirected(x));
    EXPECT(L4_IpcXcpu(x) && !L4_IpcXcpu(p));
    L4_MsgTag_t s = { .raw = 0x20002 };
    L4_Set_Propagation(&s);
    EXPECT_EQ(s.raw, 0x21002);
    EXPECT(L4_IsMsgTagEqual(s, (L4_MsgTag_t){ .raw = 0x21002 }));
    EXPECT(L4_IsMsgTagNotEqual(s, L4_Niltag));
    EXPECT_EQ(L4_Niltag.raw, 0);

    L4_Set_MsgTag((L4_MsgTag_t){ .raw = 0x42 });
    EXPECT_EQ(__L4_Utcb()[0], 0x42);
    EXPECT_EQ(L4_MsgTag().raw, 0x42);
}

TEST(libl4, protocol_labels)
{
    /* Kernel and sigma0 messages as the spec's table 2.2 shows them. */
    L4_MsgTag_t pf = { .raw = 0xFFFFFFFFFFE40002UL };
    EXPECT_EQ(L4_Label(pf), 0xFFFFFFFFFFE4UL);
    EXPECT_EQ(L4_Protocol(pf), L4_PAGEFAULT_PROTOCOL);
    EXPECT_EQ(L4_UntypedWords(pf), 2);
    EXPECT_EQ(L4_Protocol((L4_MsgTag_t){ .raw = 0xFFFFFFFFFFF00000UL }), L4_INTERRUPT_PROTOCOL);
    EXPECT_EQ(L4_Protocol((L4_MsgTag_t){ .raw = 0xFFFFFFFFFFD00002UL }), L4_PREEMPTION_PROTOCOL);
    EXPECT_EQ(L4_Protocol((L4_MsgTag_t){ .raw = 0xFFFFFFFFFFB00013UL }), L4_EXCEPTION_PROTOCOL);
    EXPECT_EQ(L4_Protocol((L4_MsgTag_t){ .raw = 0xFFFFFFFFFFA00002UL }), L4_SIGMA0_PROTOCOL);
    EXPECT_EQ(L4_Protocol((L4_MsgTag_t){ .raw = 0xFFFFFFFFFF860002UL }), L4_IO_PAGEFAULT_PROTOCOL);
    EXPECT_EQ(L4_Protocol((L4_MsgTag_t){ .raw = 0xFFFFFFFFC1700003UL }), L4_SIGMA0_EXT_PROTOCOL);
    EXPECT_NE(L4_Protocol((L4_MsgTag_t){ .raw = 0x00000000FFA00002UL }), L4_SIGMA0_PROTOCOL);
    EXPECT_EQ(L4_ProtocolLabel(L4_SIGMA0_PROTOCOL), 0xFFFFFFFFFFA0UL);
    EXPECT_EQ(L4_ProtocolLabel(L4_SIGMA0_EXT_PROTOCOL), 0xFFFFFFFFC170UL);
    EXPECT_EQ(L4_MsgTagAddLabel(L4_Niltag, L4_ProtocolLabel(L4_SIGMA0_PROTOCOL)).raw | 2,
              0xFFFFFFFFFFA00002UL);
}

TEST(libl4, fpages)
{
    EXPECT_EQ(L4_Readable, 4);
    EXPECT_EQ(L4_Writable, 2);
    EXPECT_EQ(L4_eXecutable, 1);
    EXPECT_EQ(L4_ReadWriteOnly, 6);
    EXPECT_EQ(L4_ReadeXecOnly, 5);
    EXPECT_EQ(L4_FullyAccessible, 7);
    EXPECT_EQ(L4_Nilpage.raw, 0);
    EXPECT_EQ(L4_CompleteAddressSpace.raw, 0x10);
    EXPECT(L4_IsNilFpage(L4_Nilpage) && !L4_IsNilFpage(L4_CompleteAddressSpace));

    L4_Fpage_t f = L4_FpageLog2(0x200000, 21);
    EXPECT_EQ(f.raw, 0x200150);
    EXPECT_EQ(L4_FpageAddRights(f, L4_FullyAccessible).raw, 0x200157);
    EXPECT_EQ(L4_Fpage(0x1000, 0x1000).raw, 0x10C0);
    /* 0x3000 bytes round down to 2^13; the address aligns down to 8 KB. */
    EXPECT_EQ(L4_Fpage(0x5000, 0x3000).raw, 0x50D0);
    EXPECT_EQ(L4_Address(L4_Fpage(0x5000, 0x3000)), 0x4000);
    /* sigma0's "any page" request keeps base bits 10-63 (spec 10.2). */
    EXPECT_EQ(L4_FpageLog2(~0UL, 12).raw, 0xFFFFFFFFFFFFFCC0UL);

    L4_Fpage_t g = L4_FpageLog2(0x12345678, 12);
    EXPECT_EQ(g.raw, 0x123454C0);
    EXPECT_EQ(L4_Address(g), 0x12345000);
    EXPECT_EQ(L4_Size(g), 0x1000);
    EXPECT_EQ(L4_SizeLog2(g), 12);
    EXPECT_EQ(L4_Size(L4_Nilpage), 0);

    L4_Set_Rights(&g, L4_ReadWriteOnly);
    EXPECT_EQ(g.raw, 0x123454C6);
    EXPECT_EQ(L4_Rights(g), 6);
    EXPECT_EQ(g.X.rwx, 6);
    EXPECT_EQ(g.X.s, 12);
    EXPECT_EQ(g.X.b, 0x123454C0UL >> 10);
    EXPECT_EQ(L4_FpageRemoveRights(g, L4_Writable).raw, 0x123454C4);
    L4_FpageRemoveRightsFrom(&g, L4_Readable);
    EXPECT_EQ(g.raw, 0x123454C2);
    L4_FpageAddRightsTo(&g, L4_eXecutable);
    EXPECT_EQ(g.raw, 0x123454C3);
}

TEST(libl4, io_fpages)
{
    /* marker 2 in bits 4-9, log2 in 10-15, port in 16-31 (spec 2.4) */
    L4_Fpage_t com1 = L4_IoFpageLog2(0x3F8, 3);
    EXPECT_EQ(com1.raw, 0x03F80C20);
    EXPECT(L4_IsIoFpage(com1));
    EXPECT_EQ(L4_IoFpagePort(com1), 0x3F8);
    EXPECT_EQ(L4_IoFpageSizeLog2(com1), 3);
    EXPECT_EQ(L4_IoFpageSize(com1), 8);
    EXPECT_EQ(L4_IoFpage(0x60, 16).raw, 0x00601020);
    EXPECT_EQ(L4_CompleteIoSpace.raw, 0x4020);
    EXPECT(!L4_IsIoFpage(L4_FpageLog2(0x1000, 12)));
}

TEST(libl4, map_grant_items)
{
    L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x400000, 12), L4_FullyAccessible);
    L4_MapItem_t m = L4_MapItem(f, 0x400123);
    EXPECT_EQ(m.raw[0], 0x400008);
    EXPECT_EQ(m.raw[1], 0x4000C7);
    EXPECT_EQ(m.X.type, 4);
    EXPECT(L4_IsMapItem(m) && !L4_IsGrantItem(m));
    EXPECT_EQ(L4_MapItemSndBase(m), 0x400000);
    EXPECT_EQ(L4_MapItemSndFpage(m).raw, 0x4000C7);

    L4_GrantItem_t g = L4_GrantItem(f, 0x400123);
    EXPECT_EQ(g.raw[0], 0x40000A);
    EXPECT_EQ(g.raw[1], 0x4000C7);
    EXPECT_EQ(g.X.type, 5);
    EXPECT(L4_IsGrantItem(g) && !L4_IsMapItem(g));
    EXPECT_EQ(L4_GrantItemSndBase(g), 0x400000);
    EXPECT_EQ(L4_GrantItemSndFpage(g).raw, 0x4000C7);

    /* sigma0's "no memory" answer (spec 2.5): MR1 = 0x8, MR2 = 0. */
    L4_MapItem_t none = L4_MapItem(L4_Nilpage, 0);
    EXPECT_EQ(none.raw[0], 0x8);
    EXPECT_EQ(none.raw[1], 0);
}

TEST(libl4, string_items)
{
    L4_StringItem_t s = L4_StringItem(256, (void *)0x1000);
    EXPECT_EQ(s.raw[0], 0x40000);                       /* length 256 in bits 10-63 */
    EXPECT_EQ(s.raw[1], 0x1000);
    EXPECT(L4_IsStringItem(&s) && !L4_CompoundString(&s));
    EXPECT_EQ(L4_Substrings(&s), 1);
    EXPECT_EQ((L4_Word_t)L4_Substring(&s, 1), 0x1000);
    EXPECT_EQ(s.X.string_length, 256);
    L4_MapItem_t m = L4_MapItem(L4_Nilpage, 0);
    EXPECT(!L4_IsStringItem((L4_StringItem_t *)&m));

    /* Four substrings of 64 bytes: j = 3 in bits 4-8. */
    L4_Word_t w[8] = { 0 };
    L4_StringItem_t *sub = (L4_StringItem_t *)w;
    *sub = L4_StringItem(64, (void *)0xA000);
    L4_AddSubstringAddressTo(sub, (void *)0xB000);
    L4_AddSubstringAddressTo(sub, (void *)0xC000);
    L4_AddSubstringAddressTo(sub, (void *)0xD000);
    EXPECT_EQ(w[0], 0x10030);
    EXPECT_EQ(w[1], 0xA000);
    EXPECT_EQ(w[4], 0xD000);
    EXPECT_EQ(w[5], 0);
    EXPECT_EQ(L4_Substrings(sub), 4);
    EXPECT_EQ((L4_Word_t)L4_Substring(sub, 4), 0xD000);

    /* A compound string: c (bit 9) and C (bit 0) link the parts. */
    L4_Word_t c[8] = { 0 };
    L4_StringItem_t *cs = (L4_StringItem_t *)c;
    L4_StringItem_t p2 = L4_StringItem(200, (void *)0x2000), p3 = L4_StringItem(300, (void *)0x3000);
    *cs = L4_StringItem(100, (void *)0x1000);
    L4_AddSubstringTo(cs, &p2);
    L4_AddSubstringTo(cs, &p3);
    EXPECT_EQ(c[0], 0x19201);
    EXPECT_EQ(c[1], 0x1000);
    EXPECT_EQ(c[2], 0x32201);
    EXPECT_EQ(c[3], 0x2000);
    EXPECT_EQ(c[4], 0x4B000);
    EXPECT_EQ(c[5], 0x3000);
    EXPECT_EQ(c[6], 0);
    EXPECT(L4_CompoundString(cs));
}

TEST(libl4, acceptors)
{
    EXPECT_EQ(L4_UntypedWordsAcceptor.raw, 0);
    EXPECT_EQ(L4_StringItemsAcceptor.raw, 1);
    EXPECT_EQ(L4_MapGrantItems(L4_CompleteAddressSpace).raw, 0x10);
    L4_Fpage_t win = L4_FpageAddRights(L4_FpageLog2(0x800000, 23), L4_FullyAccessible);
    EXPECT_EQ(L4_MapGrantItems(win).raw, 0x800170);

    L4_Acceptor_t both = L4_AddAcceptor(L4_StringItemsAcceptor, L4_MapGrantItems(L4_CompleteAddressSpace));
    EXPECT_EQ(both.raw, 0x11);
    EXPECT(L4_HasStringItems(both) && L4_HasMapGrantItems(both));
    EXPECT_EQ(L4_RcvWindow(both).raw, 0x10);
    EXPECT_EQ(L4_AddAcceptor(both, L4_MapGrantItems(win)).raw, 0x800171);
    EXPECT_EQ(L4_RemoveAcceptor(both, L4_StringItemsAcceptor).raw, 0x10);
    EXPECT_EQ(L4_RemoveAcceptor(both, L4_MapGrantItems(L4_CompleteAddressSpace)).raw, 0x1);
    L4_Acceptor_t a = L4_StringItemsAcceptor;
    L4_AddAcceptorTo(&a, L4_MapGrantItems(win));
    EXPECT_EQ(a.raw, 0x800171);
    L4_RemoveAcceptorFrom(&a, L4_StringItemsAcceptor);
    EXPECT_EQ(a.raw, 0x800170);
    EXPECT(!L4_HasStringItems(L4_UntypedWordsAcceptor) && !L4_HasMapGrantItems(L4_StringItemsAcceptor));

    /* BR0 lives at MR0 - 0x80. */
    L4_Word_t *u = __L4_Utcb(), saved = u[-16], seen;
    L4_Accept(both);
    seen = *(L4_Word_t *)((char *)u - 0x80);
    L4_Acceptor_t back = L4_Accepted();
    u[-16] = saved;
    EXPECT_EQ(seen, 0x11);
    EXPECT_EQ(back.raw, 0x11);
}

TEST(libl4, receive_buffers)
{
    L4_MsgBuffer_t b;
    L4_MsgBufferClear(&b);
    L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(128, (void *)0xA000));
    L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(252, (void *)0xB000));
    EXPECT_EQ(b.words, 4);
    EXPECT_EQ(b.raw[0], 0x20001);                      /* 128 << 10, C: more follow */
    EXPECT_EQ(b.raw[1], 0xA000);
    EXPECT_EQ(b.raw[2], 0x3F000);                      /* 252 << 10, last */
    EXPECT_EQ(b.raw[3], 0xB000);

    /* A compound buffer of two parts after them. */
    L4_Word_t c[4] = { 0 };
    L4_StringItem_t p2 = L4_StringItem(64, (void *)0xD000);
    *(L4_StringItem_t *)c = L4_StringItem(32, (void *)0xC000);
    L4_AddSubstringTo((L4_StringItem_t *)c, &p2);
    L4_MsgBufferAppendRcvString(&b, (L4_StringItem_t *)c);
    EXPECT_EQ(b.words, 8);
    EXPECT_EQ(b.raw[2], 0x3F001);
    EXPECT_EQ(b.raw[4], 0x8201);                       /* 32 << 10, c, C */
    EXPECT_EQ(b.raw[5], 0xC000);
    EXPECT_EQ(b.raw[6], 0x10000);                      /* 64 << 10, last */
    EXPECT_EQ(b.raw[7], 0xD000);

    /* BR1.. from MR0 - 0x88 downwards; BR0 gets the acceptor. */
    L4_Word_t *u = __L4_Utcb(), saved = u[-16], br[9];
    L4_AcceptStrings(L4_StringItemsAcceptor, &b);
    for (int i = 0; i < 9; i++)
        br[i] = *(L4_Word_t *)((char *)u - 0x80 - 8 * i);
    u[-16] = saved;
    EXPECT_EQ(br[0], 1);
    for (int i = 0; i < 8; i++)
        EXPECT_EQ(br[1 + i], b.raw[i]);
}

TEST(libl4, time_values)
{
    EXPECT_EQ(L4_Never.raw, 0);
    EXPECT_EQ(L4_ZeroTime.raw, 0x0400);
    EXPECT_EQ(L4_TimePeriod(1000).raw, 0x03E8);         /* spec 2.8 examples */
    EXPECT_EQ(L4_TimePeriod(1000000).raw, 0x2BD0);
    EXPECT_EQ(L4_TimePeriod(10000).raw, 0x1271);        /* 625 * 2^4: default slice */
    EXPECT_EQ(L4_TimePeriod(0).raw, 0x0400);
    EXPECT_EQ(L4_TimePeriod(1).raw, 0x0001);
    EXPECT_EQ(L4_TimePeriod(1023).raw, 0x03FF);
    EXPECT_EQ(L4_TimePeriod(1024).raw, 0x0600);         /* 512 * 2^1 */
    EXPECT_EQ(L4_TimePeriod(1023UL << 31).raw, 0x7FFF);
    EXPECT_EQ(L4_TimePeriod(1024UL << 31).raw, 0);      /* too long: never */
    L4_Time_t s = L4_TimePeriod(1000000);
    EXPECT_EQ(s.period.e, 10);
    EXPECT_EQ(s.period.m, 976);
    EXPECT(L4_IsTimePeriod(s) && !L4_IsTimePoint(s));
    EXPECT(L4_IsTimePoint((L4_Time_t){ .raw = 0x8000 }));
    EXPECT(L4_IsTimeEqual(L4_TimePeriod(0), L4_ZeroTime));

    EXPECT_EQ(L4_Timeouts(L4_Never, L4_Never), 0);
    EXPECT_EQ(L4_Timeouts(L4_ZeroTime, L4_Never), 0x04000000);
    EXPECT_EQ(L4_Timeouts(L4_TimePeriod(1000), L4_TimePeriod(1000000)), 0x03E82BD0);
    EXPECT_EQ(L4_TimeControl(L4_TimePeriod(10000), L4_Never), 0x12710000);
}

TEST(libl4, error_codes)
{
    EXPECT_EQ(L4_ErrTimeout, 1);
    EXPECT_EQ(L4_ErrNonExist, 2);
    EXPECT_EQ(L4_ErrCanceled, 3);
    EXPECT_EQ(L4_ErrMsgOverflow, 4);
    EXPECT_EQ(L4_ErrXferTimeoutInvoker, 5);
    EXPECT_EQ(L4_ErrXferTimeoutPartner, 6);
    EXPECT_EQ(L4_ErrAborted, 7);
    /* overflow after 128 bytes on the receive side = 0x809 (spec 2.9.1) */
    EXPECT_EQ(L4_IpcErrorCode(0x809), L4_ErrMsgOverflow);
    EXPECT(L4_IpcErrorInReceive(0x809));
    EXPECT_EQ(L4_IpcErrorOffset(0x809), 128);
    EXPECT_EQ(L4_IpcErrorCode(0x7), L4_ErrCanceled);     /* receive-phase cancel */
    EXPECT(L4_IpcErrorInReceive(0x7));
    EXPECT_EQ(L4_IpcErrorCode(0x2), L4_ErrTimeout);      /* send timeout */
    EXPECT(!L4_IpcErrorInReceive(0x2));
    EXPECT_EQ(L4_IpcErrorOffset(0x2), 0);

    EXPECT_EQ(L4_ErrOk, 0);
    EXPECT_EQ(L4_ErrNoPrivilege, 1);
    EXPECT_EQ(L4_ErrInvalidThread, 2);
    EXPECT_EQ(L4_ErrInvalidSpace, 3);
    EXPECT_EQ(L4_ErrInvalidScheduler, 4);
    EXPECT_EQ(L4_ErrInvalidParam, 5);
    EXPECT_EQ(L4_ErrUtcbArea, 6);
    EXPECT_EQ(L4_ErrKipArea, 7);
    EXPECT_EQ(L4_ErrNoMem, 8);
}

/* Byte offsets relative to MR0 (spec 3.2). */
static L4_Word_t *tcr(int byte_offset)
{
    return (L4_Word_t *)((char *)__L4_Utcb() + byte_offset);
}

TEST(libl4, utcb_registers)
{
    L4_Word_t *u = __L4_Utcb(), w[3] = { 0x31, 0x32, 0x33 }, r[3];
    L4_LoadMR(5, 0x55);
    EXPECT_EQ(*tcr(0x28), 0x55);
    L4_StoreMR(5, &r[0]);
    EXPECT_EQ(r[0], 0x55);
    L4_LoadMRs(61, 3, w);
    EXPECT_EQ(*tcr(0x1F8), 0x33);                        /* MR63 */
    L4_StoreMRs(61, 3, r);
    EXPECT_EQ(r[0], 0x31);
    EXPECT_EQ(r[2], 0x33);

    /* BRs and the TCRs the kernel reads: save them all, write, read back
     * raw, restore, and only then check. */
    static const int offs[] = { -0x80, -0x98, -0x180, -0x40, -0x68, -0x30, -0x60, -0x58, -0x50 };
    enum { N = sizeof offs / sizeof offs[0] };
    L4_Word_t saved[N], seen[N + 6];
    for (int i = 0; i < N; i++)
        saved[i] = *tcr(offs[i]);

    L4_LoadBR(0, 0xB0);
    L4_LoadBR(3, 0xB3);
    L4_LoadBR(32, 0xB32);
    L4_Set_XferTimeouts(L4_Timeouts(L4_TimePeriod(1000), L4_ZeroTime));
    L4_Set_UserDefinedHandle(0x4444);
    L4_Set_VirtualSender(TID(0x77));
    L4_Set_Pager(TID(0x88));
    L4_Set_ExceptionHandler(TID(0x99));
    *tcr(-0x50) = 0;
    L4_Bool_t was_disabled = L4_DisablePreemption();
    L4_Set_CopFlag(1);
    for (int i = 0; i < N; i++)
        seen[i] = *tcr(offs[i]);
    L4_StoreBR(3, &seen[N]);
    seen[N + 1] = L4_XferTimeouts();
    seen[N + 2] = L4_UserDefinedHandle() ^ L4_ActualSender().raw ^ L4_VirtualSender().raw;
    seen[N + 3] = L4_Pager().raw ^ L4_ExceptionHandler().raw;
    seen[N + 4] = L4_EnablePreemption();
    seen[N + 5] = *tcr(-0x50);
    for (int i = 0; i < N; i++)
        *tcr(offs[i]) = saved[i];

    EXPECT_EQ(seen[0], 0xB0);
    EXPECT_EQ(seen[1], 0xB3);
    EXPECT_EQ(seen[2], 0xB32);
    EXPECT_EQ(seen[3], 0x03E80400);
    EXPECT_EQ(seen[4], 0x4444);
    EXPECT_EQ(seen[5], TID(0x77).raw);
    EXPECT_EQ(seen[6], TID(0x88).raw);
    EXPECT_EQ(seen[7], TID(0x99).raw);
    EXPECT_EQ(seen[8], 0x240);                           /* d = bit 6, cop flag 1 = bit 9 */
    EXPECT_EQ(was_disabled, 0);
    EXPECT_EQ(seen[N], 0xB3);
    EXPECT_EQ(seen[N + 1], 0x03E80400);
    EXPECT_EQ(seen[N + 2], 0x4444);
    EXPECT_EQ(seen[N + 3], TID(0x88).raw ^ TID(0x99).raw);
    EXPECT_EQ(seen[N + 4], 1);
    EXPECT_EQ(seen[N + 5], 0x200);

    /* Kernel-written TCRs read from their offsets. */
    EXPECT_EQ(L4_MyGlobalId().raw, *tcr(-0x78));
    EXPECT_EQ(L4_Myself().raw, *tcr(-0x78));
    EXPECT_EQ(L4_MyLocalId().raw, (L4_Word_t)u);
    EXPECT_EQ(L4_ProcessorNo(), *tcr(-0x70));
    L4_Word_t saved_ec = *tcr(-0x48), saved_ir = *tcr(-0x38), ec, ir;
    *tcr(-0x48) = 0x809;
    *tcr(-0x38) = TID(0x66).raw;
    ec = L4_ErrorCode();
    ir = L4_IntendedReceiver().raw;
    *tcr(-0x48) = saved_ec;
    *tcr(-0x38) = saved_ir;
    EXPECT_EQ(ec, 0x809);
    EXPECT_EQ(ir, TID(0x66).raw);
}

TEST(libl4, msg_builder)
{
    L4_Msg_t m;
    L4_MapItem_t item = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(0x400000, 12), 7), 0x400000), got;
    L4_MsgClear(&m);
    EXPECT_EQ(m.tag.raw, 0);
    L4_Set_MsgLabel(&m, 0x77);
    L4_MsgAppendWord(&m, 0x11);
    L4_MsgAppendWord(&m, 0x22);
    L4_MsgAppendMapItem(&m, item);
    EXPECT_EQ(m.raw[0], 0x770082);
    EXPECT_EQ(m.raw[1], 0x11);
    EXPECT_EQ(m.raw[2], 0x22);
    EXPECT_EQ(m.raw[3], 0x400008);
    EXPECT_EQ(m.raw[4], 0x4000C7);

    /* An untyped word appended later goes before the typed words. */
    L4_MsgAppendWord(&m, 0x33);
    EXPECT_EQ(m.raw[0], 0x770083);
    EXPECT_EQ(m.raw[3], 0x33);
    EXPECT_EQ(m.raw[4], 0x400008);
    EXPECT_EQ(m.raw[5], 0x4000C7);
    EXPECT_EQ(L4_MsgWord(&m, 2), 0x33);
    EXPECT_EQ(L4_MsgGetMapItem(&m, 0, &got), 2);
    EXPECT_EQ(got.raw[0], 0x400008);
    EXPECT_EQ(got.raw[1], 0x4000C7);
    EXPECT_EQ(L4_MsgLabel(&m), 0x77);
    EXPECT_EQ(L4_MsgMsgTag(&m).raw, 0x770083);

    L4_MsgAppendGrantItem(&m, L4_GrantItem(L4_FpageLog2(0x800000, 12), 0x800000));
    L4_MsgAppendSimpleStringItem(&m, L4_StringItem(16, (void *)0x9000));
    EXPECT_EQ(m.raw[0], 0x770183);                       /* t = 6 */
    EXPECT_EQ(m.raw[6], 0x80000A);
    EXPECT_EQ(m.raw[8], 0x4000);
    EXPECT_EQ(m.raw[9], 0x9000);
    L4_StringItem_t str;
    EXPECT_EQ(L4_MsgGetStringItem(&m, 4, &str), 2);
    EXPECT_EQ(str.raw[0], 0x4000);

    /* MsgLoad fills MR0..MR9; MsgStore reads them back under a tag. */
    L4_Word_t *u = __L4_Utcb();
    u[10] = 0xDEAD;
    L4_MsgLoad(&m);
    EXPECT_EQ(u[0], 0x770183);
    EXPECT_EQ(u[9], 0x9000);
    EXPECT_EQ(u[10], 0xDEAD);
    L4_Msg_t n;
    L4_MsgStore(L4_MsgTag(), &n);
    for (int i = 0; i < 10; i++)
        EXPECT_EQ(n.raw[i], m.raw[i]);

    /* MsgPut/MsgGet with arrays. */
    L4_Word_t words[2] = { 0xA1, 0xA2 }, out[2] = { 0 }, items[2] = { 0 };
    L4_MsgPut(&n, 0x5, 2, words, 2, item.raw);
    EXPECT_EQ(n.raw[0], 0x50082);
    EXPECT_EQ(n.raw[2], 0xA2);
    EXPECT_EQ(n.raw[3], 0x400008);
    L4_MsgGet(&n, out, items);
    EXPECT_EQ(out[1], 0xA2);
    EXPECT_EQ(items[1], 0x4000C7);
    L4_MsgPutWord(&n, 0, 0xB1);
    L4_Word_t w;
    L4_MsgGetWord(&n, 0, &w);
    EXPECT_EQ(w, 0xB1);
    L4_MsgPutMapItem(&n, 0, L4_MapItem(L4_Nilpage, 0));
    EXPECT_EQ(n.raw[3], 0x8);
    EXPECT_EQ(n.raw[4], 0);
}

/* ---- Register contracts of the bindings (spec 4) -------------------------- */

TEST(libl4, ipc_registers)
{
    L4_Word_t *u = __L4_Utcb();
    for (int i = 0; i < 9; i++)
        u[i] = 0x100 + i;
    fake_reset();
    libl4_fake_out[R9] = 0xABCD0007;
    L4_Word_t mr_out[8] = { 0, libl4_fake_out[RAX] = 0x201, libl4_fake_out[RBX] = 0x202,
                            libl4_fake_out[R10] = 0x203, libl4_fake_out[R12] = 0x204,
                            libl4_fake_out[R13] = 0x205, libl4_fake_out[R14] = 0x206,
                            libl4_fake_out[R15] = 0x207 };
    libl4_fake_out[RSI] = TID(0x55).raw;
    L4_ThreadId_t from = { .raw = 1 };
    L4_MsgTag_t t;
    WITH_FAKE(__L4_Ipc, t = L4_Ipc(TID(0x44), L4_anythread, 0x12345678, &from));
    EXPECT_EQ(libl4_fake_calls, 1);
    EXPECT_EQ(libl4_fake_in[RSI], TID(0x44).raw);
    EXPECT_EQ(libl4_fake_in[RDX], ~0UL);
    EXPECT_EQ(libl4_fake_in[R8], 0x12345678);
    EXPECT_EQ(libl4_fake_in[R9], 0x100);
    EXPECT_EQ(libl4_fake_in[RAX], 0x101);
    EXPECT_EQ(libl4_fake_in[RBX], 0x102);
    EXPECT_EQ(libl4_fake_in[R10], 0x103);
    EXPECT_EQ(libl4_fake_in[R12], 0x104);
    EXPECT_EQ(libl4_fake_in[R13], 0x105);
    EXPECT_EQ(libl4_fake_in[R14], 0x106);
    EXPECT_EQ(libl4_fake_in[R15], 0x107);
    EXPECT_EQ(libl4_fake_in[RDI], (L4_Word_t)u);
    EXPECT_EQ(t.raw, 0xABCD0007);
    EXPECT_EQ(u[0], 0xABCD0007);
    for (int i = 1; i < 8; i++)
        EXPECT_EQ(u[i], mr_out[i]);
    EXPECT_EQ(u[8], 0x108);                              /* MR8+ are the kernel's */
    EXPECT_EQ(from.raw, TID(0x55).raw);

    /* No receive phase: *from stays as it was. */
    fake_reset();
    from.raw = 1;
    WITH_FAKE(__L4_Ipc, L4_Ipc(TID(0x44), L4_nilthread, 0, &from));
    EXPECT_EQ(from.raw, 1);

    /* Lipc: the same contract through the Lipc stub. */
    fake_reset();
    u[3] = 0x333;
    libl4_fake_out[RSI] = 0xBF000600;
    WITH_FAKE(__L4_Lipc, t = L4_Lipc((L4_ThreadId_t){ .raw = 0xBF000A00 }, L4_anylocalthread,
                                     0x40, &from));
    EXPECT_EQ(libl4_fake_calls, 1);
    EXPECT_EQ(libl4_fake_in[RSI], 0xBF000A00);
    EXPECT_EQ(libl4_fake_in[RDX], 0xFFFFFFFFFFFFFFC0UL);
    EXPECT_EQ(libl4_fake_in[R10], 0x333);
    EXPECT_EQ(from.raw, 0xBF000600);
}

/* One IPC wrapper through the fake; checks To, FromSpecifier, timeouts. */
#define CHECK_IPC(stub, call, to, fromspec, timeouts)                          \
    do {                                                                       \
        fake_reset();                                                          \
        WITH_FAKE(stub, call);                                                 \
        EXPECT_EQ(libl4_fake_calls, 1);                                        \
        EXPECT_EQ(libl4_fake_in[RSI], (to));                                   \
        EXPECT_EQ(libl4_fake_in[RDX], (fromspec));                             \
        EXPECT_EQ(libl4_fake_in[R8], (timeouts));                              \
    } while (0)

TEST(libl4, ipc_wrappers)
{
    L4_ThreadId_t t = TID(0x44), f;
    L4_Word_t T = t.raw, any = ~0UL, anyl = ~0UL << 6, one_ms = L4_TimePeriod(1000).raw;
    CHECK_IPC(__L4_Ipc, L4_Call(t), T, T, 0);
    CHECK_IPC(__L4_Ipc, L4_Call_Timeouts(t, L4_ZeroTime, L4_TimePeriod(1000)), T, T, 0x040003E8);
    CHECK_IPC(__L4_Ipc, L4_Send(t), T, 0, 0);
    CHECK_IPC(__L4_Ipc, L4_Send_Timeout(t, L4_TimePeriod(1000)), T, 0, one_ms << 16);
    CHECK_IPC(__L4_Ipc, L4_Send_Nonblocking(t), T, 0, 0x04000000);
    CHECK_IPC(__L4_Ipc, L4_Reply(t), T, 0, 0x04000000);
    CHECK_IPC(__L4_Ipc, L4_Receive(t), 0, T, 0);
    CHECK_IPC(__L4_Ipc, L4_Receive_Timeout(t, L4_TimePeriod(1000)), 0, T, one_ms);
    CHECK_IPC(__L4_Ipc, L4_Receive_Nonblocking(t), 0, T, 0x0400);
    CHECK_IPC(__L4_Ipc, L4_Wait(&f), 0, any, 0);
    EXPECT_EQ(f.raw, libl4_fake_out[RSI]);
    CHECK_IPC(__L4_Ipc, L4_Wait_Timeout(L4_TimePeriod(1000), &f), 0, any, one_ms);
    CHECK_IPC(__L4_Ipc, L4_ReplyWait(t, &f), T, any, 0x04000000);
    CHECK_IPC(__L4_Ipc, L4_ReplyWait_Timeout(t, L4_TimePeriod(1000), &f), T, any, 0x040003E8);
    CHECK_IPC(__L4_Ipc, L4_Sleep(L4_TimePeriod(1000)), 0, L4_MyGlobalId().raw, one_ms);
    CHECK_IPC(__L4_Lipc, L4_Lcall(t), T, T, 0);
    CHECK_IPC(__L4_Lipc, L4_LreplyWait(t, &f), T, anyl, 0x04000000);
}

TEST(libl4, exchange_registers_registers)
{
    L4_Word_t oc, osp, oip, ofl, oh;
    L4_ThreadId_t op, r;
    fake_reset();
    for (int i = 0; i < NREGS; i++)
        libl4_fake_out[i] = 0x1000 * (i + 1);
    WITH_FAKE(__L4_ExchangeRegisters,
              r = L4_ExchangeRegisters(TID(0x50), 0x1FF, 0xA1, 0xA2, 0xA3, 0xA4, TID(0x51), &oc,
                                       &osp, &oip, &ofl, &oh, &op));
    EXPECT_EQ(libl4_fake_in[RAX], TID(0x50).raw);
    EXPECT_EQ(libl4_fake_in[RSI], 0x1FF);
    EXPECT_EQ(libl4_fake_in[RDX], 0xA1);
    EXPECT_EQ(libl4_fake_in[R8], 0xA2);
    EXPECT_EQ(libl4_fake_in[R9], 0xA3);
    EXPECT_EQ(libl4_fake_in[R10], 0xA4);
    EXPECT_EQ(libl4_fake_in[RDI], TID(0x51).raw);
    EXPECT_EQ(r.raw, libl4_fake_out[RAX]);
    EXPECT_EQ(oc, libl4_fake_out[RSI]);
    EXPECT_EQ(osp, libl4_fake_out[RDX]);
    EXPECT_EQ(oip, libl4_fake_out[R8]);
    EXPECT_EQ(ofl, libl4_fake_out[R9]);
    EXPECT_EQ(oh, libl4_fake_out[R10]);
    EXPECT_EQ(op.raw, libl4_fake_out[RDI]);
}

/* One ExchangeRegisters wrapper: the control word it sends. */
#define CHECK_EXREG(call, control)                                             \
    do {                                                                       \
        fake_reset();                                                          \
        WITH_FAKE(__L4_ExchangeRegisters, call);                               \
        EXPECT_EQ(libl4_fake_calls, 1);                                        \
        EXPECT_EQ(libl4_fake_in[RAX], TID(0x50).raw);                          \
        EXPECT_EQ(libl4_fake_in[RSI], (control));                              \
    } while (0)

TEST(libl4, thread_wrappers)
{
    L4_ThreadId_t t = TID(0x50), r;
    L4_Word_t sp, ip, fl;
    CHECK_EXREG(L4_Start(t), 0x106);
    CHECK_EXREG(L4_Start_SpIp(t, 0x7000, 0x1234), 0x11E);
    EXPECT_EQ(libl4_fake_in[RDX], 0x7000);
    EXPECT_EQ(libl4_fake_in[R8], 0x1234);
    CHECK_EXREG(L4_Start_SpIpFlags(t, 0x7000, 0x1234, 0x202), 0x13E);
    EXPECT_EQ(libl4_fake_in[R9], 0x202);
    CHECK_EXREG(L4_Stop(t), 0x101);
    CHECK_EXREG(L4_AbortReceive_and_stop(t), 0x103);
    CHECK_EXREG(L4_AbortSend_and_stop(t), 0x105);
    CHECK_EXREG(L4_AbortIpc_and_stop(t), 0x107);
    CHECK_EXREG(L4_Stop_SpIpFlags(t, &sp, &ip, &fl), 0x301);
    EXPECT_EQ(sp, libl4_fake_out[RDX]);
    EXPECT_EQ(ip, libl4_fake_out[R8]);
    EXPECT_EQ(fl, libl4_fake_out[R9]);
    CHECK_EXREG(L4_Set_PagerOf(t, TID(0x51)), 0x80);
    EXPECT_EQ(libl4_fake_in[RDI], TID(0x51).raw);
    CHECK_EXREG(L4_Set_UserDefinedHandleOf(t, 0x99), 0x40);
    EXPECT_EQ(libl4_fake_in[R10], 0x99);
    CHECK_EXREG(r = L4_PagerOf(t), 0x200);
    EXPECT_EQ(r.raw, libl4_fake_out[RDI]);
    CHECK_EXREG(sp = L4_UserDefinedHandleOf(t), 0x200);
    EXPECT_EQ(sp, libl4_fake_out[R10]);
    CHECK_EXREG(r = L4_LocalIdOf(t), 0);
    EXPECT_EQ(r.raw, libl4_fake_out[RAX]);

    /* GlobalIdOf asks the kernel only for a local id. */
    fake_reset();
    libl4_fake_out[RAX] = TID(0x52).raw;
    WITH_FAKE(__L4_ExchangeRegisters, r = L4_GlobalIdOf((L4_ThreadId_t){ .raw = 0xBF000600 }));
    EXPECT_EQ(libl4_fake_calls, 1);
    EXPECT_EQ(libl4_fake_in[RAX], 0xBF000600);
    EXPECT_EQ(libl4_fake_in[RSI], 0);
    EXPECT_EQ(r.raw, TID(0x52).raw);
    fake_reset();
    WITH_FAKE(__L4_ExchangeRegisters, r = L4_GlobalIdOf(t));
    EXPECT_EQ(libl4_fake_calls, 0);
    EXPECT_EQ(r.raw, t.raw);
}

TEST(libl4, thread_control_registers)
{
    L4_Word_t r;
    fake_reset();
    libl4_fake_out[RAX] = 1;
    WITH_FAKE(__L4_ThreadControl, r = L4_ThreadControl(TID(0x60), TID(0x61), TID(0x62), TID(0x63),
                                                         (void *)0xBF000400));
    EXPECT_EQ(r, 1);
    EXPECT_EQ(libl4_fake_in[RDI], TID(0x60).raw);
    EXPECT_EQ(libl4_fake_in[R8], TID(0x61).raw);
    EXPECT_EQ(libl4_fake_in[RDX], TID(0x62).raw);
    EXPECT_EQ(libl4_fake_in[RSI], TID(0x63).raw);
    EXPECT_EQ(libl4_fake_in[R9], 0xBF000400);

    /* Interrupt association (spec 4.7): ThreadControl(irq, irq, nil, h, ~0). */
    L4_ThreadId_t irq = L4_GlobalId(3, 1);
    fake_reset();
    libl4_fake_out[RAX] = 0;
    WITH_FAKE(__L4_ThreadControl, r = L4_AssociateInterrupt(irq, TID(0x63)));
    EXPECT_EQ(r, 0);
    EXPECT_EQ(libl4_fake_in[RDI], 0x300000001UL);
    EXPECT_EQ(libl4_fake_in[R8], 0x300000001UL);
    EXPECT_EQ(libl4_fake_in[RDX], 0);
    EXPECT_EQ(libl4_fake_in[RSI], TID(0x63).raw);
    EXPECT_EQ(libl4_fake_in[R9], ~0UL);
    fake_reset();
    WITH_FAKE(__L4_ThreadControl, L4_DeassociateInterrupt(irq));
    EXPECT_EQ(libl4_fake_in[RSI], 0x300000001UL);
    EXPECT_EQ(libl4_fake_in[R9], ~0UL);
}

TEST(libl4, space_control_registers)
{
    L4_Word_t r, old;
    fake_reset();
    libl4_fake_out[RAX] = 1;
    libl4_fake_out[RDX] = 0;
    WITH_FAKE(__L4_SpaceControl,
              r = L4_SpaceControl(TID(0x70), 1UL << 63, L4_FpageLog2(0xBFF00000, 12),
                                  L4_FpageLog2(0xBF000000, 18), L4_anythread, &old));
    EXPECT_EQ(r, 1);
    EXPECT_EQ(old, 0);
    EXPECT_EQ(libl4_fake_in[RDI], TID(0x70).raw);
    EXPECT_EQ(libl4_fake_in[RSI], 0x8000000000000000UL);
    EXPECT_EQ(libl4_fake_in[RDX], 0xBFF000C0);
    EXPECT_EQ(libl4_fake_in[R8], 0xBF000120);
    EXPECT_EQ(libl4_fake_in[R9], ~0UL);
}

TEST(libl4, schedule_registers)
{
    L4_Word_t r, old;
    fake_reset();
    libl4_fake_out[RAX] = L4_SCHEDRESULT_WAITING;
    libl4_fake_out[RDX] = 0x12710000;
    WITH_FAKE(__L4_Schedule, r = L4_Schedule(TID(0x40), 0x11, 0x22, 0x33, 0x44, &old));
    EXPECT_EQ(r, 6);
    EXPECT_EQ(old, 0x12710000);
    EXPECT_EQ(libl4_fake_in[RDI], TID(0x40).raw);
    EXPECT_EQ(libl4_fake_in[RDX], 0x11);
    EXPECT_EQ(libl4_fake_in[R8], 0x22);
    EXPECT_EQ(libl4_fake_in[RSI], 0x33);
    EXPECT_EQ(libl4_fake_in[R9], 0x44);

    fake_reset();
    WITH_FAKE(__L4_Schedule, L4_Set_Priority(TID(0x40), 12));
    EXPECT_EQ(libl4_fake_in[RSI], 12);
    EXPECT_EQ(libl4_fake_in[RDX] & libl4_fake_in[R8] & libl4_fake_in[R9], ~0UL);
    fake_reset();
    WITH_FAKE(__L4_Schedule, L4_Set_Timeslice(TID(0x40), L4_TimePeriod(10000), L4_Never));
    EXPECT_EQ(libl4_fake_in[RDX], 0x12710000);
    EXPECT_EQ(libl4_fake_in[RSI] & libl4_fake_in[R8] & libl4_fake_in[R9], ~0UL);
    fake_reset();
    WITH_FAKE(__L4_Schedule, L4_Set_ProcessorNo(TID(0x40), 1));
    EXPECT_EQ(libl4_fake_in[R8], 1);
    fake_reset();
    WITH_FAKE(__L4_Schedule, L4_Set_PreemptionDelay(TID(0x40), 200, 500));
    EXPECT_EQ(libl4_fake_in[R9], 0xC801F4);
    fake_reset();
    libl4_fake_out[RDX] = 0x12710400;
    L4_Time_t slice, quantum;
    WITH_FAKE(__L4_Schedule, L4_Timeslice(TID(0x40), &slice, &quantum));
    EXPECT_EQ(slice.raw, 0x1271);
    EXPECT_EQ(quantum.raw, 0x0400);

    fake_reset();
    WITH_FAKE(__L4_ThreadSwitch, L4_ThreadSwitch(TID(0x41)));
    EXPECT_EQ(libl4_fake_in[RDI], TID(0x41).raw);
    fake_reset();
    libl4_fake_in[RDI] = 1;
    WITH_FAKE(__L4_ThreadSwitch, L4_Yield());
    EXPECT_EQ(libl4_fake_calls, 1);
    EXPECT_EQ(libl4_fake_in[RDI], 0);
}

TEST(libl4, unmap_registers)
{
    L4_Word_t *u = __L4_Utcb();
    L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x2000000, 12), L4_Writable), r;
    fake_reset();
    libl4_fake_out[R9] = 0x2000006;                      /* referenced and written */
    WITH_FAKE(__L4_Unmap, r = L4_Flush(f));
    EXPECT_EQ(libl4_fake_in[RDX], 0x40);
    EXPECT_EQ(libl4_fake_in[R9], 0x20000C2);
    EXPECT_EQ(libl4_fake_in[RDI], (L4_Word_t)u);
    EXPECT_EQ(r.raw, 0x2000006);
    EXPECT(L4_WasReferenced(r) && L4_WasWritten(r) && !L4_WasExecuted(r));

    fake_reset();
    WITH_FAKE(__L4_Unmap, L4_UnmapFpage(f));
    EXPECT_EQ(libl4_fake_in[RDX], 0);
    EXPECT_EQ(libl4_fake_in[R9], 0x20000C2);
    fake_reset();
    WITH_FAKE(__L4_Unmap, L4_GetStatus(f));
    EXPECT_EQ(libl4_fake_in[RDX], 0);
    EXPECT_EQ(libl4_fake_in[R9], 0x20000C0);              /* no rights: query only */

    /* Eight fpages: k = 7, all MR0..MR7 in and out of registers. */
    L4_Fpage_t fs[8];
    for (int i = 0; i < 8; i++)
        fs[i] = L4_FpageLog2(0x1000000 + 0x1000 * i, 12);
    fake_reset();
    static const int regs[8] = { R9, RAX, RBX, R10, R12, R13, R14, R15 };
    for (int i = 0; i < 8; i++)
        libl4_fake_out[regs[i]] = fs[i].raw | 4;
    WITH_FAKE(__L4_Unmap, L4_FlushFpages(8, fs));
    EXPECT_EQ(libl4_fake_in[RDX], 0x47);
    for (int i = 0; i < 8; i++) {
        EXPECT_EQ(libl4_fake_in[regs[i]], 0x10000C0 + 0x1000 * i);
        EXPECT_EQ(fs[i].raw, 0x10000C4 + 0x1000 * i);
    }
}

TEST(libl4, processor_memory_control_registers)
{
    L4_Word_t r;
    fake_reset();
    libl4_fake_out[RAX] = 0;
    WITH_FAKE(__L4_ProcessorControl, r = L4_ProcessorControl(1, 2000, 100, 1200));
    EXPECT_EQ(r, 0);
    EXPECT_EQ(libl4_fake_in[RDI], 1);
    EXPECT_EQ(libl4_fake_in[RSI], 2000);
    EXPECT_EQ(libl4_fake_in[RDX], 100);
    EXPECT_EQ(libl4_fake_in[R8], 1200);

    L4_Word_t *u = __L4_Utcb(), attr[4] = { 0xA0, 0xA1, 0xA2, 0xA3 };
    for (int i = 0; i < 8; i++)
        u[i] = 0x300 + i;
    fake_reset();
    libl4_fake_out[RDX] = 1;
    libl4_fake_out[RCX] = 0x400;
    libl4_fake_out[RAX] = 0x401;
    WITH_FAKE(__L4_MemoryControl, r = L4_MemoryControl(0x3, attr));
    EXPECT_EQ(libl4_fake_calls, 1);
    EXPECT_EQ(r, 1);
    EXPECT_EQ(libl4_fake_in[RDX], 0x3);
    EXPECT_EQ(libl4_fake_in[RCX], 0xA0);
    EXPECT_EQ(libl4_fake_in[RSI], 0xA1);
    EXPECT_EQ(libl4_fake_in[R8], 0xA2);
    EXPECT_EQ(libl4_fake_in[R11], 0xA3);
    EXPECT_EQ(libl4_fake_in[R9], 0x300);
    EXPECT_EQ(libl4_fake_in[RAX], 0x301);
    EXPECT_EQ(libl4_fake_in[RBX], 0x302);
    EXPECT_EQ(libl4_fake_in[R10], 0x303);
    EXPECT_EQ(libl4_fake_in[R15], 0x307);
    EXPECT_EQ(libl4_fake_in[RDI], (L4_Word_t)u);
    EXPECT_EQ(u[0], 0x400);
    EXPECT_EQ(u[1], 0x401);
    EXPECT_EQ(u[2], 0x302);
}

/* ProcessorInfo and the processor descriptors (spec 8.1, 8.3), read from
 * a KIP made here: the count is bits 0-15 plus one, a descriptor's size
 * 2^s with s in bits 60-63, its frequencies at +0 and +8. */
TEST(libl4, kip_processors)
{
    static L4_Word_t page[512];
    L4_KernelInterfacePage_t *k = (L4_KernelInterfacePage_t *)page;
    k->proc_desc_ptr = 0x240;
    k->processor_info = 3 | 5UL << 60;
    page[0x240 / 8 + 3 * 4] = 1111;         /* processor 3: external, internal */
    page[0x240 / 8 + 3 * 4 + 1] = 2222;
    EXPECT_EQ(L4_NumProcessors(k), 4);
    EXPECT_EQ((L4_Word_t)L4_ProcDesc(k, 3), (L4_Word_t)page + 0x240 + 3 * 32);
    EXPECT_EQ(L4_ProcDescExternalFreq(L4_ProcDesc(k, 3)), 1111);
    EXPECT_EQ(L4_ProcDescInternalFreq(L4_ProcDesc(k, 3)), 2222);
    k->processor_info = 0xFFFF | 6UL << 60;  /* 65536 processors, 64-byte descriptors */
    EXPECT_EQ(L4_NumProcessors(k), 0x10000);
    EXPECT_EQ((L4_Word_t)L4_ProcDesc(k, 2), (L4_Word_t)page + 0x240 + 2 * 64);
    const L4_KernelInterfacePage_t *real = L4_GetKernelInterface();
    EXPECT_EQ(L4_NumProcessors(real), (real->processor_info & 0xFFFF) + 1);
    EXPECT_NE(L4_ProcDescInternalFreq(L4_ProcDesc(real, 0)), 0);
}

TEST(libl4, sigma0_requests)
{
    L4_Word_t *u = __L4_Utcb(), saved_br0 = u[-16], br0;
    L4_ThreadId_t s0 = TID(0x30);
    L4_Fpage_t want = L4_FpageAddRights(L4_FpageLog2(0x3000000, 12), L4_ReadWriteOnly), r;

    /* The request (spec 10.2), answered by one map item. */
    fake_reset();
    libl4_fake_out[R9] = 0x80;
    libl4_fake_out[RAX] = 0x3000008;
    libl4_fake_out[RBX] = 0x30000C7;
    WITH_FAKE(__L4_Ipc, r = L4_Sigma0_GetPage(s0, want));
    br0 = u[-16];
    u[-16] = saved_br0;
    EXPECT_EQ(libl4_fake_calls, 1);
    EXPECT_EQ(libl4_fake_in[RSI], s0.raw);
    EXPECT_EQ(libl4_fake_in[RDX], s0.raw);
    EXPECT_EQ(libl4_fake_in[R8], 0);
    EXPECT_EQ(libl4_fake_in[R9], 0xFFFFFFFFFFA00002UL);
    EXPECT_EQ(libl4_fake_in[RAX], 0x30000C6);
    EXPECT_EQ(libl4_fake_in[RBX], 0);
    EXPECT_EQ(br0, 0x10);
    EXPECT_EQ(r.raw, 0x30000C7);

    /* A refusal carries the nil fpage; a failed IPC gives nil too. */
    fake_reset();
    libl4_fake_out[R9] = 0x80;
    libl4_fake_out[RAX] = 0x8;
    libl4_fake_out[RBX] = 0;
    WITH_FAKE(__L4_Ipc, r = L4_Sigma0_GetPage(s0, want));
    u[-16] = saved_br0;
    EXPECT_EQ(r.raw, 0);
    fake_reset();
    libl4_fake_out[R9] = 0x8080;
    libl4_fake_out[RAX] = 0x3000008;
    libl4_fake_out[RBX] = 0x30000C7;
    WITH_FAKE(__L4_Ipc, r = L4_Sigma0_GetPage(s0, want));
    u[-16] = saved_br0;
    EXPECT_EQ(r.raw, 0);

    /* Any 2 MB page into a window; nilthread means the KIP's sigma0. */
    fake_reset();
    libl4_fake_out[R9] = 0x80;
    L4_Fpage_t win = L4_FpageLog2(0x40000000, 30);
    WITH_FAKE(__L4_Ipc, L4_Sigma0_GetAny(L4_nilthread, 21, win));
    br0 = u[-16];
    u[-16] = saved_br0;
    L4_ThreadId_t sigma0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
    EXPECT_EQ(libl4_fake_in[RSI], sigma0.raw);
    EXPECT_EQ(libl4_fake_in[RAX], 0xFFFFFFFFFFFFFD50UL);
    EXPECT_EQ(br0, 0x400001E0);
}
