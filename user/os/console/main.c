/* The console server: a user-level driver for the 16550 UART on COM1
 * (receive by interrupt, transmit through a buffer), line editing, and
 * output from many tasks multiplexed so that lines never mix
 * (console.h). The root server restarts it if it ends; what it had not
 * printed yet survives in the pages it keeps (kept.h). */
#include <pecan/abi.h>
#include <l4/ipc.h>
#include <l4/utcb.h>
#include <os/os.h>
#include "console.h"

static void receive(void)
{
    int c;
    while ((c = uart_getc()) >= 0)
        if (input_raw())
            input_byte((char)c);
        else
            editor_key((unsigned char)c);
}

int app_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    uart_start();
    os_register("console");
    receive();                              /* typed while there was no console */
    L4_ThreadId_t irq = L4_GlobalId(UART_IRQ, 1), from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t *mr = __L4_Utcb();
        int reply = 1;
        L4_Word_t label = L4_Label(tag);
        if (L4_IpcFailed(tag)) {
            reply = 0;
        } else if (from.raw == irq.raw) {
            receive();
            mr[0] = 0;
            L4_Reply(irq);                  /* acknowledge: unmask the line */
            /* A byte that came while the line was masked raised the UART's
             * interrupt then, and the I/O APIC ignores an edge on a masked
             * line: no interrupt would come for it, nor for any after it. */
            receive();
            reply = 0;
        } else if (label == OS_WRITE) {
            size_t n = os_msg_bytes(L4_UntypedWords(tag), 3, mr[2]);
            if (mr[1] & OS_STREAM_RAW)      /* a terminal's own output: now, as it is */
                uart_put_raw((const char *)&mr[3], n);
            else
                output_write(from.raw, (const char *)&mr[3], n);
            mr[0] = 1;
            mr[1] = n;
        } else if (label == OS_READ) {
            input_read(from, mr[2], (mr[1] & OS_STREAM_RAW) != 0);   /* (bit 63: not an int) */
            reply = 0;                      /* answered when a line is there */
        } else if (label == OS_FOREGROUND) {
            input_foreground(mr[1]);
            mr[0] = 0;
        } else if (label == OS_CLOSE) {
            /* the end of the raw reader MR2 names (naming none: nobody's) */
            if ((mr[1] & OS_STREAM_RAW) && L4_UntypedWords(tag) > 1)
                input_close_raw((L4_ThreadId_t){ .raw = mr[2] });
            mr[0] = 0;
        } else if (label >= OS_REQUEST) {
            mr[0] = MSGTAG(OS_EINVAL, 0, 0);
        } else {
            reply = 0;                      /* not a request: an answer */
        }
        if (reply)
            tag = L4_ReplyWait(from, &from);
        else
            tag = L4_Wait(&from);
    }
}
