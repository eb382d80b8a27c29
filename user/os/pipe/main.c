/* The pipe server: byte streams with a buffer, between tasks. OS_PIPE_CREATE
 * makes one; OS_WRITE appends (the writer waits while the buffer is full),
 * OS_READ takes what is there (the reader waits while it is empty), and
 * OS_CLOSE by the writer ends the stream for the reader once drained. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

#define PIPES 8
#define SIZE 4096

static struct pipe {
    int used, closed;
    char buf[SIZE];
    unsigned head, len;
    L4_ThreadId_t reader, writer;       /* waiting */
    L4_Word_t reader_max;
    L4_Word_t writer_len;
    char writer_data[OS_MSG_BYTES];
} pipes[PIPES];

/* The ring buffer, in at most two pieces each way. */
static void ring_copy_in(struct pipe *p, const char *src, L4_Word_t n)
{
    unsigned tail = (p->head + p->len) % SIZE;
    L4_Word_t first = n < SIZE - tail ? n : SIZE - tail;
    memcpy(p->buf + tail, src, first);
    memcpy(p->buf, src + first, n - first);
    p->len += (unsigned)n;
}

static void ring_copy_out(struct pipe *p, char *dst, L4_Word_t n)
{
    L4_Word_t first = n < SIZE - p->head ? n : SIZE - p->head;
    memcpy(dst, p->buf + p->head, first);
    memcpy(dst + first, p->buf, n - first);
    p->head = (unsigned)((p->head + n) % SIZE);
    p->len -= (unsigned)n;
}

/* Serve the waiting reader and writer of p as far as possible. */
static void progress(struct pipe *p)
{
    L4_Word_t *mr = __L4_Utcb();
    if (!L4_IsNilThread(p->writer) && SIZE - p->len >= p->writer_len) {
        ring_copy_in(p, p->writer_data, p->writer_len);
        mr[0] = 1;
        mr[1] = p->writer_len;
        L4_Send_Timeout(p->writer, L4_ZeroTime);
        p->writer = L4_nilthread;
    }
    if (!L4_IsNilThread(p->reader) && (p->len || p->closed)) {
        L4_Word_t n = p->len < p->reader_max ? p->len : p->reader_max;
        ring_copy_out(p, (char *)&mr[2], n);
        mr[0] = 1 + (n + 7) / 8;
        mr[1] = n;
        L4_Send_Timeout(p->reader, L4_ZeroTime);
        p->reader = L4_nilthread;
        if (p->closed && !p->len && !n)
            p->used = 0;                    /* end of stream delivered */
    }
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    os_register("pipe");
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        L4_Word_t label = L4_Label(tag), h = mr[1];
        struct pipe *p = h < PIPES && pipes[h].used ? &pipes[h] : NULL;
        int reply = 1;
        if (L4_IpcFailed(tag) || label < OS_REQUEST) {
            reply = 0;                      /* not a request: an answer, say */
        } else if (label == OS_PIPE_CREATE) {
            mr[0] = (L4_Word_t)OS_ENOMEM << 16;
            for (L4_Word_t i = 0; i < PIPES; i++)
                if (!pipes[i].used) {
                    memset(&pipes[i], 0, sizeof pipes[i]);
                    pipes[i].used = 1;
                    mr[0] = 1;
                    mr[1] = i;
                    break;
                }
        } else if (!p || (label == OS_WRITE && p->closed)) {
            mr[0] = (L4_Word_t)OS_ECLOSED << 16;
        } else if ((label == OS_WRITE && !L4_IsNilThread(p->writer)) ||
                   (label == OS_READ && !L4_IsNilThread(p->reader))) {
            mr[0] = (L4_Word_t)OS_EBUSY << 16;      /* one waiter per end */
        } else if (label == OS_WRITE) {
            p->writer = from;
            p->writer_len = mr[2] < OS_MSG_BYTES ? mr[2] : OS_MSG_BYTES;
            memcpy(p->writer_data, &mr[3], p->writer_len);
            progress(p);
            progress(p);
            reply = 0;
        } else if (label == OS_READ) {
            p->reader = from;
            p->reader_max = mr[2] < OS_MSG_BYTES ? mr[2] : OS_MSG_BYTES;
            progress(p);
            progress(p);                    /* room now: a waiting writer */
            reply = 0;
        } else if (label == OS_CLOSE) {
            p->closed = 1;
            mr[0] = 0;
            L4_Reply(from);                 /* first, then wake a reader */
            progress(p);
            reply = 0;
        } else {
            mr[0] = (L4_Word_t)OS_EINVAL << 16;
        }
        if (reply)
            tag = L4_ReplyWait(from, &from);
        else
            tag = L4_Wait(&from);
    }
}
