/* IPC (spec 5): send, receive, call, reply-and-wait, message registers,
 * timeouts, error codes, between threads of one space and of two. */
#include <l4/ipc.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

/* A server: answers each call with label + 1 and the words reversed. */
static void echo_server(L4_Word_t rounds)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (L4_Word_t i = 0;; i++) {
        L4_Word_t *mr = __L4_Utcb();
        unsigned u = L4_UntypedWords(tag);
        L4_Word_t w[64];
        for (unsigned j = 0; j < u; j++)
            w[j] = mr[u - j];
        tsup_load(L4_Label(tag) + 1, u, w);
        if (i + 1 == rounds) {
            L4_Reply(from);
            return;
        }
        tag = L4_ReplyWait(from, &from);
    }
}

static void rpc(L4_ThreadId_t server, unsigned u)
{
    L4_Word_t w[63];
    for (unsigned j = 0; j < u; j++)
        w[j] = 0x1000 + j;
    tsup_load(0x42, u, w);
    L4_MsgTag_t tag = L4_Call(server);
    EXPECT(L4_IpcSucceeded(tag));
    EXPECT_EQ(L4_Label(tag), 0x43);
    EXPECT_EQ(L4_UntypedWords(tag), u);
    for (unsigned j = 0; j < u; j++)
        EXPECT_EQ(__L4_Utcb()[1 + j], 0x1000 + u - 1 - j);
}

TEST(ipc, rpc_same_space)
{
    L4_ThreadId_t server = tsup_thread(echo_server, 3);
    rpc(server, 0);
    rpc(server, 7);
    rpc(server, 63);
    EXPECT(tsup_join(server, 100));
    tsup_kill(server);
}

TEST(ipc, rpc_other_space)
{
    L4_ThreadId_t server = tsup_space(echo_server, 3);
    rpc(server, 0);
    rpc(server, 8);
    rpc(server, 63);
    EXPECT(tsup_join(server, 100));
    tsup_kill(server);
}
