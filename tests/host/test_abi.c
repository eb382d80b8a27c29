/* The ABI's bit formats (common/include/pecan): their encoders and
 * decoders against words worked out by hand from the spec's diagrams
 * (spec 2), and libl4's views of the same words (the bitfields the X.2
 * API defines, its functions) against them too. A field one bit off
 * fails here. */
#define CHECK_SUITE "abi"
#include "check.h"
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include "fpage.h"
#include "threadid.h"
#include "pecan/exreg.h"
#include "pecan/fpage.h"
#include "pecan/ipcerror.h"
#include "pecan/items.h"
#include "pecan/kip.h"
#include "pecan/msgtag.h"
#include "pecan/protocol.h"
#include "pecan/schedule.h"
#include "pecan/spacectl.h"
#include "pecan/threadid.h"
#include "pecan/time.h"
#include "pecan/unix_abi.h"

/* label 0x1234, e and p set, t = 3, u = 5:
 *   0x1234 << 16 | 1001 (e x r p) 000011 (t) 000101 (u) */
#define A_TAG 0x123490C5UL

CHECK_TEST(msgtag_fields)
{
    EXPECT_EQ(MSGTAG(0x1234, 3, 5) | MSGTAG_E | MSGTAG_P, A_TAG);
    EXPECT_EQ(MSGTAG_LABEL(A_TAG), 0x1234);
    EXPECT_EQ(MSGTAG_T(A_TAG), 3);
    EXPECT_EQ(MSGTAG_U(A_TAG), 5);
    EXPECT_EQ(A_TAG & MSGTAG_FLAGS, 0x9000);
    EXPECT_EQ(MSGTAG_P | MSGTAG_R | MSGTAG_X | MSGTAG_E, 0xF000);
    EXPECT_EQ(MSGTAG_FLAGS | MSGTAG_T_MASK | MSGTAG_U_MASK, 0xFFFF);
    EXPECT_EQ(MSGTAG(0xFFFFFFFFFFFFUL, 63, 63), ~0UL & ~MSGTAG_FLAGS);
}

/* The kernel's messages (spec 2.2's table of typical MR0s). */
CHECK_TEST(msgtag_kernel_messages)
{
    EXPECT_EQ(MSGTAG(PROTO_LABEL(PROTO_PAGEFAULT) | 4, 0, 2), 0xFFFFFFFFFFE40002UL);
    EXPECT_EQ(MSGTAG(PROTO_LABEL(PROTO_INTERRUPT), 0, 0), 0xFFFFFFFFFFF00000UL);
    EXPECT_EQ(MSGTAG(PROTO_LABEL(PROTO_EXCEPTION), 0, 19), 0xFFFFFFFFFFB00013UL);
    EXPECT_EQ(MSGTAG(PROTO_LABEL(PROTO_IO_PAGEFAULT) | 6, 0, 2), 0xFFFFFFFFFF860002UL);
    EXPECT_EQ(UNIX_TAG, 0xFFFFFFFFFF900015UL);      /* docs/unix.md */
}

CHECK_TEST(msgtag_libl4)
{
    L4_MsgTag_t t = { .raw = A_TAG };
    EXPECT_EQ(t.X.label, 0x1234);
    EXPECT_EQ(t.X.flags, 0x9);
    EXPECT_EQ(t.X.t, 3);
    EXPECT_EQ(t.X.u, 5);
    EXPECT_EQ(L4_Label(t), 0x1234);
    EXPECT_EQ(L4_TypedWords(t), 3);
    EXPECT_EQ(L4_UntypedWords(t), 5);
    EXPECT(L4_IpcFailed(t) && L4_IpcPropagated(t) && !L4_IpcRedirected(t) && !L4_IpcXcpu(t));
    EXPECT_EQ(L4_MsgTagAddLabel(t, 0xABCD).raw, 0xABCD90C5UL);
    EXPECT_EQ(L4_Protocol(L4_MsgTagAddLabel(L4_Niltag, L4_ProtocolLabel(-6))), -6);

    L4_Msg_t m;
    L4_Word_t words[2] = { 1, 2 };
    L4_MsgPut(&m, 0x77, 2, words, 0, NULL);
    L4_MsgAppendWord(&m, 3);
    EXPECT_EQ(m.raw[0], 0x770003UL);
    L4_MsgAppendMapItem(&m, L4_MapItem(L4_Nilpage, 0));
    EXPECT_EQ(m.raw[0], 0x770083UL);
}

/* spec 2.9.1's examples */
CHECK_TEST(ipc_error_word)
{
    EXPECT_EQ(IPC_ERROR(128, IPC_OVERFLOW, IPC_RECV), 0x809);
    EXPECT_EQ(IPC_ERROR(0, IPC_CANCELED, IPC_RECV), 0x7);
    EXPECT_EQ(IPC_ERROR(0, IPC_TIMEOUT, IPC_SEND), 0x2);
    EXPECT_EQ(IPC_ERROR(0x12345, IPC_ABORTED, IPC_SEND), 0x12345E);
    EXPECT_EQ(IPC_ERROR_CODE(0x809), IPC_OVERFLOW);
    EXPECT_EQ(IPC_ERROR_PHASE(0x809), IPC_RECV);
    EXPECT_EQ(IPC_ERROR_OFFSET(0x809), 128);
    EXPECT_EQ(IPC_ERROR_CODE(0x12345E), 7);
    EXPECT_EQ(IPC_ERROR_PHASE(0x12345E), IPC_SEND);
    EXPECT_EQ(L4_IpcErrorCode(0x809), L4_ErrMsgOverflow);
    EXPECT(L4_IpcErrorInReceive(0x809) && !L4_IpcErrorInReceive(0x2));
    EXPECT_EQ(L4_IpcErrorOffset(0x809), 128);
    EXPECT_EQ(L4_ErrXferTimeoutInvoker, 5);
    EXPECT_EQ(L4_ErrXferTimeoutPartner, 6);
}

/* 0x12345000, 4 KB, rw: 0x12345 << 12 | 001100 (s = 12) << 4 | 0 110 */
#define A_FPAGE 0x123450C6UL
/* ports 0x3F8-0x3FF: 0x3F8 << 16 | 000011 (s = 3) << 10 | 000010 << 4 */
#define A_IO_FPAGE 0x03F80C20UL

CHECK_TEST(fpage_fields)
{
    EXPECT_EQ(FPAGE(0x12345000, 12, FPAGE_R | FPAGE_W), A_FPAGE);
    EXPECT_EQ(FPAGE(0x12345678, 12, 0), 0x123454C0);      /* base bits 10-63 kept */
    EXPECT_EQ(FPAGE_LOG2(A_FPAGE), 12);
    EXPECT_EQ(A_FPAGE & FPAGE_RWX, 6);
    EXPECT_EQ(A_FPAGE & FPAGE_BASE_MASK, 0x12345000);
    EXPECT_EQ(FPAGE(0, 1, 0), FPAGE_COMPLETE);
    EXPECT(!IS_IO_FPAGE(A_FPAGE));
    /* the kernel's accessors: the complete space whatever its rights */
    EXPECT_EQ(fpage_base(FPAGE(0x12345678, 12, 0)), 0x12345000);
    EXPECT_EQ(fpage_size(A_FPAGE), 0x1000);
    EXPECT_EQ(fpage_log2(FPAGE_COMPLETE | 7), 64);
    EXPECT_EQ(fpage_base(FPAGE(0x40300000, 21, 0)), 0x40200000);
}

CHECK_TEST(io_fpage_fields)
{
    EXPECT_EQ(IO_FPAGE(0x3F8, 3), A_IO_FPAGE);
    EXPECT(IS_IO_FPAGE(A_IO_FPAGE));
    EXPECT_EQ(IO_FPAGE_PORT(A_IO_FPAGE | 0xABCD00000000UL), 0x3F8);
    EXPECT_EQ(IO_FPAGE_LOG2(A_IO_FPAGE), 3);
    EXPECT_EQ(L4_CompleteIoSpace.raw, 0x4020);
    EXPECT_EQ(L4_IoFpage(0x3F8, 8).raw, A_IO_FPAGE);
    EXPECT(L4_IsIoFpage(L4_IoFpageLog2(0x60, 0)));
    EXPECT_EQ(L4_IoFpagePort((L4_Fpage_t){ .raw = A_IO_FPAGE }), 0x3F8);
    EXPECT_EQ(L4_IoFpageSize((L4_Fpage_t){ .raw = A_IO_FPAGE }), 8);
}

CHECK_TEST(fpage_libl4)
{
    L4_Fpage_t f = { .raw = A_FPAGE };
    EXPECT_EQ(f.X.rwx, 6);
    EXPECT_EQ(f.X.s, 12);
    EXPECT_EQ(f.X.b, 0x12345000 >> 10);
    EXPECT_EQ(L4_FpageAddRights(L4_Fpage(0x12345000, 4096), L4_ReadWriteOnly).raw, A_FPAGE);
    EXPECT_EQ(L4_Address(f), 0x12345000);
    EXPECT_EQ(L4_Size(f), 4096);
    EXPECT_EQ(L4_Rights(f), L4_Readable | L4_Writable);
    EXPECT_EQ(L4_FpageRemoveRights(f, L4_Writable).raw, 0x123450C4);
    EXPECT_EQ(L4_CompleteAddressSpace.raw, 0x10);
}

/* Unmap: fpages in MR0..MR5 (k = 5), flush (bit 6) */
CHECK_TEST(unmap_control)
{
    EXPECT_EQ(UNMAP_FLUSH | 5, 0x45);
    EXPECT_EQ(UNMAP_K(0x45), 5);
    EXPECT_EQ(L4_UnmapFlush, 0x40);
}

/* A grant item from send base 0x12345678, with C:
 *   0x12345 << 12 | 01 0000 (bits 10-11 of the base, 4-9 zero) | 101 (grant) << 1 | 1 */
#define A_GRANT_ITEM 0x1234540BUL

CHECK_TEST(map_item)
{
    EXPECT_EQ(MAP_ITEM(0x12345678, ITEM_GRANT) | ITEM_MORE, A_GRANT_ITEM);
    EXPECT_EQ(MAP_ITEM(0, ITEM_MAP), 0x8);          /* spec 2.5: | 0x8 map, | 0xA grant */
    EXPECT_EQ(MAP_ITEM(0, ITEM_GRANT), 0xA);
    EXPECT_EQ(ITEM_TYPE(A_GRANT_ITEM), ITEM_GRANT);
    EXPECT_EQ(MAP_ITEM_SND_BASE(A_GRANT_ITEM), 0x12345400);
    EXPECT(A_GRANT_ITEM & ITEM_NOT_STRING);

    L4_GrantItem_t g = L4_GrantItem((L4_Fpage_t){ .raw = A_FPAGE }, 0x12345678);
    EXPECT_EQ(g.raw[0], A_GRANT_ITEM & ~ITEM_MORE);
    EXPECT_EQ(g.raw[1], A_FPAGE);
    EXPECT_EQ(g.X.type, 5);
    EXPECT_EQ(g.X.snd_base, 0x12345400 >> 10);
    EXPECT(L4_IsGrantItem(g) && !L4_IsMapItem(g));
    EXPECT_EQ(L4_GrantItemSndBase(g), 0x12345400);
    L4_MapItem_t m = L4_MapItem(L4_Nilpage, 0);
    EXPECT(L4_IsMapItem(m) && !L4_IsGrantItem(m) && m.raw[0] == 0x8);
}

/* Three substrings of 256 bytes, continued (c) and followed (C):
 *   0x100 << 10 | 1 (c) << 9 | 00010 (j = 2) << 4 | 0 | 00 | 1 */
#define A_STRING_HEADER 0x40221UL

CHECK_TEST(string_item)
{
    EXPECT_EQ(STRING_HEADER(0x100, 2) | STRING_COMPOUND | ITEM_MORE, A_STRING_HEADER);
    EXPECT_EQ(STRING_J(A_STRING_HEADER), 2);
    EXPECT_EQ(STRING_LENGTH(A_STRING_HEADER), 0x100);
    EXPECT_EQ(A_STRING_HEADER & STRING_J_MASK, 2 << 4);
    EXPECT(!(A_STRING_HEADER & ITEM_NOT_STRING));
    EXPECT(ITEM_TYPE(A_STRING_HEADER) < 4);

    L4_Word_t w[8] = { 0 };
    L4_StringItem_t *s = (L4_StringItem_t *)w;
    *s = L4_StringItem(0x100, (void *)0x1000);
    L4_AddSubstringAddressTo(s, (void *)0x2000);
    L4_AddSubstringAddressTo(s, (void *)0x3000);
    EXPECT_EQ(w[0], A_STRING_HEADER & ~(STRING_COMPOUND | ITEM_MORE));
    EXPECT_EQ(s->X.string_length, 0x100);
    EXPECT_EQ(s->X.j, 2);
    EXPECT_EQ(L4_Substrings(s), 3);
    EXPECT(L4_IsStringItem(s) && !L4_CompoundString(s));
    EXPECT_EQ((L4_Word_t)L4_Substring(s, 3), 0x3000);
    L4_StringItem_t more = L4_StringItem(0x80, (void *)0x4000);
    L4_AddSubstringTo(s, &more);
    EXPECT_EQ(w[0], A_STRING_HEADER);
    EXPECT_EQ(w[4], 0x80UL << 10);
    EXPECT_EQ(w[5], 0x4000);
}

/* BR0: the complete address space as window (0x10), strings (1), and the
 * unsupported c bit (2), which is ignored */
CHECK_TEST(acceptor)
{
    EXPECT_EQ(ACCEPT_WINDOW(0x13), FPAGE_COMPLETE);
    EXPECT_EQ(0x13 & ACCEPT_STRINGS, 1);
    L4_Acceptor_t a = L4_AddAcceptor(L4_MapGrantItems(L4_CompleteAddressSpace),
                                     L4_StringItemsAcceptor);
    EXPECT_EQ(a.raw, 0x11);
    EXPECT_EQ(a.X.s, 1);
    EXPECT_EQ(a.X.RcvWindow, 1);
    EXPECT(L4_HasStringItems(a) && L4_HasMapGrantItems(a));
    EXPECT_EQ(L4_RcvWindow(a).raw, 0x10);
    EXPECT_EQ(L4_MapGrantItems((L4_Fpage_t){ .raw = FPAGE(0x40000000, 30, 7) }).raw, 0x400001E0);
    EXPECT_EQ(L4_RemoveAcceptor(a, L4_StringItemsAcceptor).raw, 0x10);
}

/* spec 4.6's examples: L4_Start_SpIp 0x11E = H S I s r; l4test's 0x19E
 * (and p) and 0x9E (p S I s r, no H) */
CHECK_TEST(exreg_control)
{
    EXPECT_EQ(EXREG_SET_HALT | EXREG_SET_IP | EXREG_SET_SP | EXREG_SEND | EXREG_RECV, 0x11E);
    EXPECT_EQ(EXREG_SET_HALT | EXREG_SET_PAGER | EXREG_SET_IP | EXREG_SET_SP | EXREG_SEND |
              EXREG_RECV, 0x19E);
    EXPECT_EQ(EXREG_SET_PAGER | EXREG_SET_IP | EXREG_SET_SP | EXREG_SEND | EXREG_RECV, 0x9E);
    EXPECT_EQ(EXREG_HALT | EXREG_SET_FLAGS | EXREG_SET_HANDLE | EXREG_DELIVER, 0x261);
    EXPECT_EQ(L4_ExReg_Resume | L4_ExReg_AbortIpc | L4_ExReg_SetSp | L4_ExReg_SetIp, 0x11E);
    EXPECT_EQ(L4_ExReg_Stop, 0x101);
    EXPECT_EQ(UNIX_XR_INTERRUPT, 0x10000);
}

/* spec 2.8: 1 ms = 0x03E8 (e = 0, m = 1000), 1 s = 0x2BD0 (976 * 2^10 us:
 * 0 01010 1111010000); the point c = 1, e = 3, m = 5: 1 0011 1 0000000101 */
CHECK_TEST(time_values)
{
    EXPECT_EQ(TIME_PERIOD(0, 1000), 0x03E8);
    EXPECT_EQ(TIME_PERIOD(10, 976), 0x2BD0);
    EXPECT_EQ(TIME_PERIOD_E(0x2BD0), 10);
    EXPECT_EQ(TIME_M(0x2BD0), 976);
    EXPECT(!(0x2BD0 & TIME_POINT));
    EXPECT_EQ(TIME_POINT_E(0x9C05), 3);
    EXPECT_EQ(TIME_POINT_C(0x9C05), 1);
    EXPECT_EQ(TIME_M(0x9C05), 5);
    EXPECT_EQ(TIME_ZERO, TIME_PERIOD(1, 0));

    L4_Time_t p = L4_TimePeriod(1000000), q = { .raw = 0x9C05 };
    EXPECT_EQ(p.raw, 0x2BD0);
    EXPECT_EQ(L4_TimePeriod(1000).raw, 0x03E8);
    EXPECT_EQ(p.period.e, 10);
    EXPECT_EQ(p.period.m, 976);
    EXPECT(L4_IsTimePeriod(p) && L4_IsTimePoint(q));
    EXPECT_EQ(q.point.a, 1);
    EXPECT_EQ(q.point.e, 3);
    EXPECT_EQ(q.point.c, 1);
    EXPECT_EQ(q.point.m, 5);
    EXPECT_EQ(L4_ZeroTime.raw, 0x0400);
    EXPECT_EQ(L4_Never.raw, 0);
}

/* send 1 s, receive zero; bits 32-63 ignored */
CHECK_TEST(timeouts_word)
{
    EXPECT_EQ(TIMEOUTS(0x2BD0, TIME_ZERO), 0x2BD00400);
    EXPECT_EQ(TIMEOUTS_SND(0xDEAD00002BD00400UL), 0x2BD0);
    EXPECT_EQ(TIMEOUTS_RCV(0xDEAD00002BD00400UL), 0x0400);
    EXPECT_EQ(L4_Timeouts(L4_TimePeriod(1000000), L4_ZeroTime), 0x2BD00400);
}

/* thread 0x12345, version 0x67; a local id: a UTCB's MR0 address */
CHECK_TEST(thread_ids)
{
    EXPECT_EQ(TID_GLOBAL(0x12345, 0x100000067UL), 0x0001234500000067UL);
    EXPECT_EQ(TID_NUMBER(0x0001234500000067UL), 0x12345);
    EXPECT_EQ(TID_VERSION(0x0001234500000067UL), 0x67);
    EXPECT_EQ(ANYLOCALTHREAD, 0xFFFFFFFFFFFFFFC0UL);
    EXPECT_EQ(ANYTHREAD, 0xFFFFFFFFFFFFFFFFUL);
    EXPECT(tid_is_local(0x7F0000001200UL) && !tid_is_global(0x7F0000001200UL));
    EXPECT(tid_is_global(0x0001234500000040UL + 1) && tid_is_local(0x0001234500000040UL));
    EXPECT_EQ(tid_make(3, 1), 0x300000001UL);

    L4_ThreadId_t t = L4_GlobalId(0x12345, 0x67);
    EXPECT_EQ(t.raw, 0x0001234500000067UL);
    EXPECT_EQ(t.global.X.thread_no, 0x12345);
    EXPECT_EQ(t.global.X.version, 0x67);
    EXPECT_EQ(L4_ThreadNo(t), 0x12345);
    EXPECT_EQ(L4_Version(t), 0x67);
    EXPECT(L4_IsGlobalId(t) && L4_IsLocalId((L4_ThreadId_t){ .raw = 0x7F0000001200UL }));
    EXPECT_EQ(((L4_ThreadId_t){ .raw = 0x7F0000001200UL }).local.X.local_id, 0x7F0000001200UL >> 6);
    EXPECT_EQ(L4_anylocalthread.raw, 0xFFFFFFFFFFFFFFC0UL);
}

/* slice 1 s, quantum never; sensitive priority 200 (0xC8), 500 us (0x1F4) */
CHECK_TEST(schedule_words)
{
    EXPECT_EQ(SCHED_TIME(0x2BD0, TIME_NEVER), 0x2BD00000);
    EXPECT_EQ(SCHED_TIME_SLICE(0x2BD00400), 0x2BD0);
    EXPECT_EQ(SCHED_TIME_QUANTUM(0x2BD00400), 0x0400);
    EXPECT_EQ(SCHED_PREEMPTION(200, 500), 0xC801F4);
    EXPECT_EQ(SCHED_SENSITIVE_PRIO(0xC801F4), 200);
    EXPECT_EQ(SCHED_MAX_DELAY(0xC801F4), 500);
    EXPECT_EQ(SCHED_PRIO(0x1FF), 0x1FF);
    EXPECT_EQ(SCHED_PROCESSOR(0x10001), 1);
    EXPECT_EQ(L4_TimeControl(L4_TimePeriod(1000000), L4_Never), 0x2BD00000);
}

/* "KM": set the limit to 4096 KB: 0 | 0x4B4D | 1 (L) | 0 (Q) | 0 | 0x1000;
 * old: 100 KB in use, no limit. "UX" on: 0x5558 << 48 | S | U. */
CHECK_TEST(space_control_extensions)
{
    EXPECT_EQ(L4_KmemSetLimit | 4096, 0x4B4D800000001000UL);
    EXPECT_EQ(L4_KmemQuery, 0x4B4D400000000000UL);
    EXPECT_EQ(SC_KMEM_OLD(100UL, SC_KMEM_NONE), 0x00000064FFFFFFFFUL);
    EXPECT_EQ(SC_KMEM_USED(0x00000064FFFFFFFFUL), 100);
    EXPECT_EQ((0x4B4D800000001000UL & SC_EXT_MASK), SC_KMEM);
    EXPECT_EQ(SC_UNIX | SC_UNIX_SET | SC_UNIX_ON, 0x5558800000000001UL);
    /* libl4 spells them out (its headers include no pecan/ header) */
    EXPECT_EQ(L4_KmemQuery, SC_KMEM | SC_KMEM_QUERY);
    EXPECT_EQ(L4_KmemSetLimit, SC_KMEM | SC_KMEM_SET);
    EXPECT_EQ(L4_KmemUnlimited, SC_KMEM_NONE);
    EXPECT_EQ(__L4_UNIX_ABI_SET | __L4_UNIX_ABI_ON, SC_UNIX | SC_UNIX_SET | SC_UNIX_ON);
}

/* libl4's protocol numbers and labels are the kernel's (pecan/protocol.h). */
CHECK_TEST(protocols_libl4)
{
    static const long n[] = { PROTO_INTERRUPT, PROTO_PAGEFAULT, PROTO_PREEMPTION,
                              PROTO_EXCEPTION, PROTO_SIGMA0, PROTO_IO_PAGEFAULT,
                              PROTO_SIGMA0_EXT };
    static const long l4[] = { L4_INTERRUPT_PROTOCOL, L4_PAGEFAULT_PROTOCOL,
                               L4_PREEMPTION_PROTOCOL, L4_EXCEPTION_PROTOCOL,
                               L4_SIGMA0_PROTOCOL, L4_IO_PAGEFAULT_PROTOCOL,
                               L4_SIGMA0_EXT_PROTOCOL };
    for (unsigned i = 0; i < sizeof n / sizeof n[0]; i++) {
        EXPECT_EQ(l4[i], n[i]);
        EXPECT_EQ(L4_ProtocolLabel(n[i]), PROTO_LABEL(n[i]));
    }
}

/* spec 8.1: UtcbInfo 0xC2801 (m = 1, a = 10, s = 12); ThreadInfo t = 18,
 * SystemBase 16, UserBase 48; a module's descriptor (boot-loader type 0xE,
 * subtype 3) for 0x5DA000-0x5DAFFF and a virtual conventional one */
CHECK_TEST(kip_words)
{
    EXPECT_EQ(UTCB_INFO(1, 10, 12), 0xC2801);
    EXPECT_EQ(UTCB_INFO_SIZE(0xC2801), 1024);
    EXPECT_EQ(THREAD_INFO(18, 16, 48), 0x3001012);
    EXPECT_EQ(MEMORY_INFO(0x300, 5), 0x30000000005UL);
    EXPECT_EQ(MEMORY_INFO_OFFSET(0x30000000005UL), 0x300);
    EXPECT_EQ(MEMORY_INFO_COUNT(0x30000000005UL), 5);
    EXPECT_EQ(MEMDESC_WORD0(0x5DA123, 0, MEMDESC_BOOTLOADER, 3), 0x5DA03E);
    EXPECT_EQ(MEMDESC_WORD0(0, 1, MEMDESC_CONVENTIONAL, 0), MEMDESC_VIRTUAL | 1);
    EXPECT(MEMDESC_IS_VIRTUAL(0x201) && !MEMDESC_IS_VIRTUAL(0x5DA03E));
    EXPECT_EQ(MEMDESC_SUBTYPE(0x5DA03E), 3);

    L4_KernelInterfacePage_t k = { .thread_info = 0x3001012, .utcb_info = 0xC2801 };
    EXPECT_EQ(L4_ThreadIdBits(&k), 18);
    EXPECT_EQ(L4_ThreadIdSystemBase(&k), 16);
    EXPECT_EQ(L4_ThreadIdUserBase(&k), 48);
    EXPECT_EQ(L4_UtcbSize(&k), 1024);
    L4_MemoryDesc_t d = { 0x5DA03E, 0x5DAFFF & MEMDESC_ADDR_MASK };
    EXPECT_EQ(L4_MemoryDescType(&d), 0xE + 3 * 16);
    EXPECT_EQ(L4_MemoryDescLow(&d), 0x5DA000);
    EXPECT_EQ(L4_MemoryDescHigh(&d), 0x5DAFFF);
    EXPECT(!L4_IsMemoryDescVirtual(&d));
}
