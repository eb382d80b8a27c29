/* The pipe server: byte streams with a buffer, between tasks.
 *
 * OS_PIPE_CREATE makes a pipe and answers two handles, its read end and
 * its write end. OS_WRITE appends (the writer waits while the buffer is
 * full), OS_READ takes what is there (the reader waits while it is
 * empty, and gets the end of the stream once the write end is closed and
 * the buffer drained). OS_CLOSE closes an end; a pipe with both ends
 * closed is gone. The root server closes the ends a task held when it
 * ends (OS_RELEASE), and the ends it made and never handed on, so no
 * pipe outlives its users however they end.
 *
 * A handle is (generation << 8 | index << 1 | end); every pipe gets a new
 * generation, and every incarnation of this server new ones, so an old
 * handle never reaches a newer pipe. */
#include <pecan/abi.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

#define PIPES 16
#define SIZE 4096
enum { READ_END, WRITE_END };

static struct pipe {
    int used;
    L4_Word_t generation;
    L4_ThreadId_t maker;
    int open[2], handed_on[2];          /* handed on: used by another than its maker */
    char buf[SIZE];
    unsigned head, len;
    L4_ThreadId_t reader, writer;       /* waiting */
    L4_Word_t reader_max;
    L4_Word_t writer_len;
    char writer_data[OS_MSG_BYTES];
} pipes[PIPES];

static L4_Word_t next_generation;

static L4_Word_t handle(struct pipe *p, int end)
{
    return p->generation << 8 | (L4_Word_t)(p - pipes) << 1 | (L4_Word_t)end;
}

/* The pipe a handle names, or NULL if it is gone (or never was). */
static struct pipe *pipe_of(L4_Word_t h)
{
    L4_Word_t i = h >> 1 & 0x7F;
    return i < PIPES && pipes[i].used && pipes[i].generation == h >> 8 ? &pipes[i] : NULL;
}

/* A deferred answer: label, then n words. */
static void answer(L4_ThreadId_t to, int label, unsigned n)
{
    __L4_Utcb()[0] = MSGTAG(label, 0, n);
    L4_Send_Timeout(to, L4_ZeroTime);
}

/* Serve the waiting reader and writer of p as far as possible. */
static void progress(struct pipe *p)
{
    L4_Word_t *mr = __L4_Utcb();
    if (!L4_IsNilThread(p->writer) && !p->open[READ_END]) {
        answer(p->writer, OS_ECLOSED, 0);
        p->writer = L4_nilthread;
    } else if (!L4_IsNilThread(p->writer) && SIZE - p->len >= p->writer_len) {
        unsigned tail = (p->head + p->len) % SIZE;
        L4_Word_t first = p->writer_len < SIZE - tail ? p->writer_len : SIZE - tail;
        memcpy(p->buf + tail, p->writer_data, first);
        memcpy(p->buf, p->writer_data + first, p->writer_len - first);
        p->len += (unsigned)p->writer_len;
        mr[1] = p->writer_len;
        answer(p->writer, OS_OK, 1);
        p->writer = L4_nilthread;
    }
    if (!L4_IsNilThread(p->reader) && (p->len || !p->open[WRITE_END])) {
        L4_Word_t n = p->len < p->reader_max ? p->len : p->reader_max;
        L4_Word_t first = n < SIZE - p->head ? n : SIZE - p->head;
        memcpy((char *)&mr[2], p->buf + p->head, first);
        memcpy((char *)&mr[2] + first, p->buf, n - first);
        p->head = (unsigned)((p->head + n) % SIZE);
        p->len -= (unsigned)n;
        mr[1] = n;
        answer(p->reader, OS_OK, 1 + (unsigned)((n + 7) / 8));
        p->reader = L4_nilthread;
    }
}

static void close_end(struct pipe *p, int end)
{
    p->open[end] = 0;
    L4_ThreadId_t *waiting = end == READ_END ? &p->reader : &p->writer;
    if (!L4_IsNilThread(*waiting)) {
        answer(*waiting, OS_ECLOSED, 0);    /* (fails if that task is gone) */
        *waiting = L4_nilthread;
    }
    progress(p);
    if (!p->open[READ_END] && !p->open[WRITE_END])
        p->used = 0;
}

static void close_handle(L4_Word_t h)
{
    struct pipe *p = pipe_of(h);
    if (p && p->open[h & 1])
        close_end(p, (int)(h & 1));
}

/* A task ended (the root server says so): its stdin and stdout handles
 * here, and the ends it made and did not hand on, close. */
static void release(L4_ThreadId_t task, L4_Word_t in, L4_Word_t out)
{
    close_handle(in);
    close_handle(out);
    for (int i = 0; i < PIPES; i++)
        for (int end = READ_END; end <= WRITE_END; end++)
            if (pipes[i].used && pipes[i].maker.raw == task.raw && pipes[i].open[end] &&
                !pipes[i].handed_on[end])
                close_end(&pipes[i], end);
}

static int create(L4_ThreadId_t from, L4_Word_t *mr)
{
    for (int i = 0; i < PIPES; i++) {
        struct pipe *p = &pipes[i];
        if (p->used)
            continue;
        *p = (struct pipe){ .used = 1, .generation = next_generation++, .maker = from,
                            .open = { 1, 1 } };
        mr[1] = handle(p, READ_END);
        mr[2] = handle(p, WRITE_END);
        return OS_OK;
    }
    return OS_ENOMEM;
}

/* OS_READ or OS_WRITE (of `u` untyped words) on end `end` of p: -1 when
 * the answer comes later. */
static int transfer(struct pipe *p, int end, L4_ThreadId_t from, L4_Word_t *mr, unsigned u)
{
    L4_ThreadId_t *waiting = end == READ_END ? &p->reader : &p->writer;
    if (!p->open[end] || (end == WRITE_END && !p->open[READ_END]))
        return OS_ECLOSED;
    if (!L4_IsNilThread(*waiting) && waiting->raw != from.raw)
        return OS_EBUSY;                    /* one waiter per end (a thread that asks
                                               again has given up its first request) */
    if (from.raw != p->maker.raw)
        p->handed_on[end] = 1;
    *waiting = from;
    if (end == READ_END) {
        p->reader_max = mr[2] < OS_MSG_BYTES ? mr[2] : OS_MSG_BYTES;
    } else {
        p->writer_len = os_msg_bytes(u, 3, mr[2]);
        memcpy(p->writer_data, &mr[3], p->writer_len);
    }
    progress(p);
    progress(p);                            /* (a read made room for a waiting writer) */
    return -1;
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    next_generation = (((struct os_args *)OS_ARGS_VA)->incarnation + 1) << 32;
    os_register("pipe");
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        L4_Word_t label = L4_Label(tag), h = mr[1];
        struct pipe *p = pipe_of(h);
        int r = -1;
        unsigned u = 0;
        if (L4_IpcFailed(tag) || label < OS_REQUEST) {
            r = -1;                         /* not a request: an answer, say */
        } else if (label == OS_RELEASE) {
            if (from.raw == os_root().raw)  /* (a notice: no answer) */
                release((L4_ThreadId_t){ .raw = mr[1] }, mr[2], mr[3]);
        } else if (label == OS_PIPE_CREATE) {
            r = create(from, mr);
            u = 2;
        } else if (label == OS_CLOSE) {
            close_handle(h);
            r = OS_OK;
        } else if (label != OS_READ && label != OS_WRITE) {
            r = OS_EINVAL;
        } else if (!p) {
            r = OS_ECLOSED;
        } else if ((h & 1) != (label == OS_WRITE)) {
            r = OS_EINVAL;                  /* reading the write end, or the other way */
        } else {
            r = transfer(p, (int)(h & 1), from, mr, L4_UntypedWords(tag));
        }
        if (r < 0) {
            tag = L4_Wait(&from);
            continue;
        }
        mr[0] = MSGTAG(r, 0, u);
        tag = L4_ReplyWait(from, &from);
    }
}
