/* The console server: a user-level driver for the 16550 UART on COM1
 * (receive by interrupt, transmit through a buffer), line editing, and
 * output from many tasks multiplexed so that lines never mix.
 *
 * Input: typed characters are echoed into the current line; Backspace
 * erases one, Ctrl-U the line, Enter hands the line to the task waiting
 * in OS_READ (or keeps it for the next one), Ctrl-C ends the foreground
 * task (OS_FOREGROUND), Ctrl-D at the start of a line ends the input.
 * Output: OS_WRITE data is collected per writing thread and printed a
 * whole line at a time. */
#include <sys/io.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>

#define COM1 0x3F8
#define IRQ  4

/* ---- transmit ----------------------------------------------------------- */
static char txbuf[8192];
static unsigned tx_head, tx_len;

static void tx_drain(void)
{
    while (tx_len && (inb(COM1 + 5) & 0x20)) {      /* THR empty */
        outb(COM1, (unsigned char)txbuf[tx_head]);
        tx_head = (tx_head + 1) % sizeof txbuf;
        tx_len--;
    }
}

static void tx_put(char c)
{
    if (c == '\n')
        tx_put('\r');
    while (tx_len == sizeof txbuf)                  /* full: wait for the UART */
        tx_drain();
    txbuf[(tx_head + tx_len) % sizeof txbuf] = c;
    tx_len++;
}

static void tx_str(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tx_put(s[i]);
    tx_drain();
}

/* ---- output multiplexing: a partial line per writer -------------------- */
#define WRITERS 16
static struct {
    L4_Word_t handle;
    size_t len;
    char line[256];
} out[WRITERS];

static void write_from(L4_Word_t handle, const char *s, size_t n)
{
    int w = -1;
    for (int i = 0; i < WRITERS && w < 0; i++)
        if (out[i].len && out[i].handle == handle)
            w = i;
    for (int i = 0; i < WRITERS && w < 0; i++)
        if (!out[i].len)
            w = i;
    if (w < 0) {                                    /* too many: no buffering */
        tx_str(s, n);
        return;
    }
    out[w].handle = handle;
    for (size_t i = 0; i < n; i++) {
        out[w].line[out[w].len++] = s[i];
        if (s[i] == '\n' || out[w].len == sizeof out[w].line) {
            tx_str(out[w].line, out[w].len);
            out[w].len = 0;
        }
    }
}

/* Show what a writer has of an unfinished line (a prompt, before the
 * writer waits for input). */
static void flush_writer(L4_Word_t handle)
{
    for (int i = 0; i < WRITERS; i++)
        if (out[i].len && out[i].handle == handle) {
            tx_str(out[i].line, out[i].len);
            out[i].len = 0;
        }
}

/* ---- input: line editing ------------------------------------------------ */
static char edit[256];
static size_t edit_len;
static char ready[8][256];                          /* finished lines, oldest first */
static size_t ready_len[8];
static unsigned nready;
static int input_ended;
static L4_ThreadId_t reader;                        /* blocked in OS_READ */
static L4_Word_t reader_max;
static L4_Word_t foreground;                        /* task Ctrl-C ends */

static void answer_reader(void)
{
    if (L4_IsNilThread(reader) || (!nready && !input_ended))
        return;
    L4_Word_t *mr = __L4_Utcb();
    size_t n = 0;
    if (nready) {
        n = ready_len[0] < reader_max ? ready_len[0] : reader_max;
        memcpy(&mr[2], ready[0], n);
        nready--;
        memmove(ready[0], ready[1], nready * sizeof ready[0]);
        memmove(ready_len, ready_len + 1, nready * sizeof ready_len[0]);
    } else {
        input_ended = 0;                            /* Ctrl-D ends one read */
    }
    mr[0] = 1 + (n + 7) / 8;
    mr[1] = n;
    L4_Send_Timeout(reader, L4_ZeroTime);
    reader = L4_nilthread;
}

static void typed(char c)
{
    switch (c) {
    case '\r':
    case '\n':
        tx_str("\n", 1);
        if (nready < 8) {
            memcpy(ready[nready], edit, edit_len);
            ready[nready][edit_len] = '\n';
            ready_len[nready++] = edit_len + 1;
        }
        edit_len = 0;
        answer_reader();
        break;
    case 0x7F:
    case 0x08:                                      /* Backspace */
        if (edit_len) {
            edit_len--;
            tx_str("\b \b", 3);
        }
        break;
    case 0x15:                                      /* Ctrl-U */
        while (edit_len) {
            edit_len--;
            tx_str("\b \b", 3);
        }
        break;
    case 0x03:                                      /* Ctrl-C */
        tx_str("^C\n", 3);
        edit_len = 0;
        if (foreground) {
            os_kill((L4_ThreadId_t){ .raw = foreground });
            foreground = 0;
        }
        break;
    case 0x04:                                      /* Ctrl-D */
        if (!edit_len) {
            input_ended = 1;
            answer_reader();
        }
        break;
    default:
        if (c >= ' ' && edit_len < sizeof edit - 1) {
            edit[edit_len++] = c;
            tx_str(&c, 1);
        }
    }
}

static void uart_interrupt(void)
{
    while (inb(COM1 + 5) & 1)                       /* LSR: data ready */
        typed((char)inb(COM1));
    tx_drain();
}

static void uart_init(void)
{
    outb(COM1 + 1, 0x00);                           /* IER off while setting up */
    outb(COM1 + 2, 0x07);                           /* FIFO on, cleared */
    outb(COM1 + 4, 0x0B);                           /* DTR, RTS, OUT2 (the IRQ line) */
    while (inb(COM1 + 5) & 1)
        (void)inb(COM1);
    outb(COM1 + 1, 0x01);                           /* receive interrupt */
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    uart_init();
    __L4_Utcb()[1] = IRQ;
    if (L4_Label(os_call(os_root(), OS_ATTACH_IRQ, 1)) != OS_OK)
        tx_str("console: cannot attach the UART interrupt\n", 42);
    os_register("console");
    L4_ThreadId_t irq = L4_GlobalId(IRQ, 1), from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        int reply = 1;
        L4_Word_t label = L4_Label(tag);
        if (L4_IpcFailed(tag)) {
            reply = 0;
        } else if (from.raw == irq.raw) {
            uart_interrupt();
            mr[0] = 0;                              /* acknowledge: unmask the line */
        } else if (label == OS_WRITE) {
            size_t n = mr[2] < OS_MSG_BYTES ? mr[2] : OS_MSG_BYTES;
            write_from(from.raw, (const char *)&mr[3], n);  /* lines per writer */
            mr[0] = 1;
            mr[1] = n;
        } else if (label == OS_READ) {
            flush_writer(from.raw);
            if (!L4_IsNilThread(reader)) {          /* one reader at a time */
                mr[0] = (L4_Word_t)OS_EBUSY << 16;
            } else {
                reader = from;
                reader_max = mr[2];
                answer_reader();
                reply = 0;                          /* answered when a line is there */
            }
        } else if (label == OS_FOREGROUND) {
            foreground = mr[1];
            mr[0] = 0;
        } else if (label == OS_CLOSE) {
            mr[0] = 0;
        } else if (label >= OS_REQUEST) {
            mr[0] = (L4_Word_t)OS_EINVAL << 16;
        } else {
            reply = 0;                              /* not a request: an answer */
        }
        if (reply)
            tag = L4_ReplyWait(from, &from);
        else
            tag = L4_Wait(&from);
    }
}
