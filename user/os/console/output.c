/* Output from many tasks: each writer's bytes are collected until its
 * line is complete and then printed in one piece, so lines never mix.
 * Unfinished lines (a prompt, the last words of a program that ended)
 * are printed when someone waits for input. They live in the kept pages
 * (kept.h), so a new incarnation still prints them. */
#include "console.h"
#include "kept.h"

static unsigned victim;                     /* (round robin when all are taken) */

static void flush(struct writer *w)
{
    uart_put(w->line, w->len);
    w->len = 0;
}

static struct writer *writer_of(L4_Word_t id)
{
    struct kept *k = KEPT;
    struct writer *free = NULL;
    for (unsigned i = 0; i < WRITERS; i++) {
        struct writer *w = &k->writers[i];
        if (w->len > WRITER_LINE)           /* (a predecessor's damage) */
            w->len = 0;
        if (w->len && w->id == id)
            return w;
        if (!w->len && !free)
            free = w;
    }
    if (!free) {                            /* all taken: print one to make room */
        free = &k->writers[victim++ % WRITERS];
        editor_hide();
        flush(free);
        editor_show();
    }
    free->id = id;
    return free;
}

void output_write(L4_Word_t writer, const char *s, size_t n)
{
    struct writer *w = writer_of(writer);
    for (size_t i = 0; i < n; i++) {
        w->line[w->len++] = s[i];
        if (s[i] == '\n' || w->len == WRITER_LINE) {
            editor_hide();                  /* (what is being typed goes after it) */
            flush(w);
            editor_show();
        }
    }
}

int output_flush_all(void)
{
    struct kept *k = KEPT;
    int any = 0;
    for (unsigned i = 0; i < WRITERS; i++)
        if (k->writers[i].len) {
            flush(&k->writers[i]);
            any = 1;
        }
    return any;
}
