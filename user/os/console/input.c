/* Typed lines and the tasks that read them.
 *
 * Finished lines wait in a queue until read; a read gets at most one
 * line (or its first `max` bytes; the rest comes with the next read).
 * One reader waits at a time: a new reader takes the place of the one
 * before, which gets OS_EBUSY (a reader that is gone, killed in its read,
 * simply does not get it), and a line that cannot be handed over stays
 * for the next. Ctrl-C ends the foreground group and gives the waiting
 * reader OS_EINTR (the shell then prompts again).
 *
 * Two kinds of end of input: Ctrl-D ends a line reader's read, OS_CLOSE
 * of the raw stream one named raw reader's (the Unix server's session
 * client: its program ended). The second is kept apart and for that
 * reader only: it may come before the reader's first read, or when
 * nobody reads (a client that left without waiting), and must then reach
 * neither the shell's next line read nor the next session's client. */
#include <pecan/abi.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "console.h"

#define QUEUE (2 * LINE_MAX)

static char queue[QUEUE];                   /* a ring of bytes: lines with their '\n' */
static size_t head, used;
static int line_start = 1;                  /* the queue's first byte starts a line */
static int ended;                           /* Ctrl-D: the next line read, queue empty, gets 0 */
static L4_ThreadId_t closed;                /* OS_CLOSE raw: this raw reader's next read likewise */
static L4_ThreadId_t reader;
static L4_Word_t reader_max;
static L4_Word_t foreground;
static int raw;                             /* the reader takes bytes as typed */

/* A deferred answer to the reader; false if it is gone. */
static int answer(int label, unsigned words)
{
    __L4_Utcb()[0] = MSGTAG(label, 0, words);
    int ok = L4_IpcSucceeded(L4_Send_Timeout(reader, L4_ZeroTime));
    reader = L4_nilthread;
    return ok;
}

/* The queued bytes up to the end of the first line, at most max. */
static size_t first_line(size_t max)
{
    size_t n = 0;
    while (n < used && n < max && queue[(head + n++) % QUEUE] != '\n')
        ;
    return n;
}

/* Does the waiting reader's input end once the queue is empty? */
static int at_end(void)
{
    return raw ? reader.raw == closed.raw : ended;
}

static void serve(void)
{
    if (L4_IsNilThread(reader) || (!used && !at_end()))
        return;
    L4_Word_t *mr = __L4_Utcb();
    size_t n = raw ? (used < reader_max ? used : reader_max) : first_line(reader_max);
    for (size_t i = 0; i < n; i++)
        ((char *)&mr[2])[i] = queue[(head + i) % QUEUE];
    mr[1] = n;
    if (!answer(OS_OK, 1 + (unsigned)((n + 7) / 8)))
        return;                             /* the line stays for the next reader */
    if (!n && raw)
        closed = L4_nilthread;              /* an end ends one read */
    else if (!n)
        ended = 0;
    line_start = n && queue[(head + n - 1) % QUEUE] == '\n';
    head = (head + n) % QUEUE;
    used -= n;
}

int input_submit(const char *line, size_t n)
{
    if (QUEUE - used < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        queue[(head + used + i) % QUEUE] = line[i];
    used += n;
    serve();
    return 1;
}

void input_end(void)
{
    ended = 1;
    serve();
}

void input_close_raw(L4_ThreadId_t of)
{
    closed = of;
    serve();
}

void input_interrupt(void)
{
    if (foreground) {
        __L4_Utcb()[1] = foreground;
        os_call(os_root(), OS_KILL_GROUP, 1);
        foreground = 0;
    }
    if (!L4_IsNilThread(reader))
        answer(OS_EINTR, 0);
}

int input_raw(void)
{
    return raw;
}

void input_byte(char c)
{
    if (used < QUEUE)
        queue[(head + used++) % QUEUE] = c;
    serve();
}

void input_read(L4_ThreadId_t from, L4_Word_t max, int raw_read)
{
    if (raw_read != raw) {                  /* another kind of reader: forget the other's bytes */
        raw = raw_read;
        head = used = 0;
        ended = 0;
        line_start = 1;
    }
    if (raw) {
        if (!L4_IsNilThread(reader) && reader.raw != from.raw)
            answer(OS_EBUSY, 0);
        reader = from;
        reader_max = max < OS_MSG_BYTES ? max : OS_MSG_BYTES;
        serve();
        return;
    }
    /* show every unfinished line first: the prompt among them; and a
     * line typed ahead again after it, as if typed there */
    editor_hide();
    if (output_flush_all() && used && line_start) {
        size_t n = first_line(QUEUE);
        for (size_t i = 0; i < n; i++)
            uart_put(&queue[(head + i) % QUEUE], 1);
    }
    editor_show();
    if (!L4_IsNilThread(reader) && reader.raw != from.raw)
        answer(OS_EBUSY, 0);
    reader = from;
    reader_max = max < OS_MSG_BYTES ? max : OS_MSG_BYTES;
    serve();
}

void input_foreground(L4_Word_t group)
{
    foreground = group;
}
