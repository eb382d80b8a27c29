/* What the console keeps in the pages the root server hands from one
 * incarnation to the next (OS_KEEP_VA): output not yet sent and the
 * writers' unfinished lines, so that a crash or kill loses none of it. */
#pragma once
#include <l4/types.h>
#include <os/proto.h>

#define KEPT_MAGIC 0x636f6e736f6c6501UL     /* "console", version 1 */
#define TX_SIZE 8192
#define WRITERS 16
#define WRITER_LINE 256

struct kept {
    L4_Word_t magic;
    unsigned tx_head, tx_len;
    char tx[TX_SIZE];
    struct writer {
        L4_Word_t id;                       /* the writing thread */
        unsigned len;                       /* 0: free */
        char line[WRITER_LINE];
    } writers[WRITERS];
};

#define KEPT ((struct kept *)OS_KEEP_VA)
/* (the root server's table of services gives the console 4 pages) */
_Static_assert(sizeof(struct kept) <= 4 * 4096, "the console's kept pages are too few");
