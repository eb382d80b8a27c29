/* The ABI's bit formats (common/include/pecan): their encoders and
 * decoders against words worked out by hand from the spec's diagrams
 * (spec 2), and libl4's views of the same words (the bitfields the X.2
 * API defines, its functions) against them too. A field one bit off
 * fails here. */
#define CHECK_SUITE "abi"
#include "check.h"
#include <l4/ipc.h>
#include <l4/message.h>
#include "pecan/ipcerror.h"
#include "pecan/msgtag.h"
#include "pecan/protocol.h"
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
