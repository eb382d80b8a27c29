/* The line editor: what is typed is echoed into the current line, which
 * Enter hands to the readers (input.c).
 *
 *   printable bytes, Tab, UTF-8     inserted at the cursor
 *   Backspace / Delete key          erase the character before / at the cursor
 *   Left, Right, Home, End          move the cursor (also Ctrl-A, Ctrl-E)
 *   Up, Down                        the lines entered before (history)
 *   Ctrl-U                          erase the line
 *   Ctrl-C                          end the foreground group (input.c)
 *   Ctrl-D                          at the start of an empty line: end of input
 *
 * Keys send escape sequences (ESC [ A for Up, ESC [ 3 ~ for Delete, ...);
 * a lone ESC does nothing. A key that cannot be taken (a full line, no
 * room for another typed-ahead line, an unknown control key) rings the
 * terminal's bell instead of vanishing without a sound.
 *
 * The cursor moves with Backspace characters and by printing; a Tab is
 * shown as spaces up to the next multiple of 8 columns; a UTF-8
 * character takes one column. */
#include <string.h>
#include "console.h"

#define HISTORY 16

static char line[LINE_MAX];
static size_t len, cur;                     /* bytes; the cursor is before line[cur] */
static size_t shown;                        /* where the terminal's cursor is */
static unsigned start_col;                  /* the terminal column of line[0] */

static char history[HISTORY][LINE_MAX];
static size_t history_len[HISTORY];
static unsigned history_count, browsing;    /* browsing: 0 = the line being typed */
static char draft[LINE_MAX];                /* that line, while browsing */
static size_t draft_len;

static void bell(void)
{
    uart_put("\a", 1);
}

static int continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* The terminal column of the character at byte position pos. */
static unsigned column_at(size_t pos)
{
    unsigned col = start_col;
    for (size_t i = 0; i < pos; i++)
        col = line[i] == '\t' ? (col / 8 + 1) * 8 : col + !continuation(line[i]);
    return col;
}

/* Print line[from..to) as it shows (Tabs as spaces). */
static void print(size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (line[i] != '\t') {
            uart_put(&line[i], 1);
            continue;
        }
        for (unsigned n = 8 - column_at(i) % 8; n; n--)
            uart_put(" ", 1);
    }
}

/* Move the terminal's cursor to byte position pos. */
static void move_to(size_t pos)
{
    if (pos > shown)
        print(shown, pos);
    else
        for (unsigned n = column_at(shown) - column_at(pos); n; n--)
            uart_put("\b", 1);
    shown = pos;
}

/* The line changed from byte position `from` on (the terminal's cursor
 * is not past it), and it used to end at column old_end: show it again
 * from there, the cursor at cur. */
static void redraw(size_t from, unsigned old_end)
{
    move_to(from);
    print(from, len);
    shown = len;
    unsigned end = column_at(len);
    for (unsigned n = old_end > end ? old_end - end : 0, i = 0; i < 2 * n; i++)
        uart_put(i < n ? " " : "\b", 1);    /* clear what is left of the old end */
    move_to(cur);
}

/* (The cursor moves while the old text is there: its columns count.) */
static void replace_line(const char *text, size_t n)
{
    unsigned old_end = column_at(len);
    move_to(0);
    memcpy(line, text, n);
    len = cur = n;
    redraw(0, old_end);
}

/* Insert one character (n bytes: UTF-8) at the cursor. */
static void insert(const char *c, size_t n)
{
    if (len + n > LINE_MAX - 1) {           /* (room for the '\n') */
        bell();
        return;
    }
    if (!len)
        start_col = uart_column();
    unsigned old_end = column_at(len);
    memmove(line + cur + n, line + cur, len - cur);
    memcpy(line + cur, c, n);
    len += n;
    cur += n;
    redraw(cur - n, old_end);
}

/* The byte position of the character before / after position pos. */
static size_t before(size_t pos)
{
    while (pos > 0 && continuation(line[--pos]))
        ;
    return pos;
}

static size_t after(size_t pos)
{
    while (pos < len && continuation(line[++pos]))
        ;
    return pos;
}

static void erase(size_t from, size_t to)
{
    unsigned old_end = column_at(len);
    move_to(from);
    memmove(line + from, line + to, len - to);
    len -= to - from;
    cur = from;
    redraw(from, old_end);
}

static void browse(int older)
{
    unsigned want = older ? browsing + 1 : browsing - 1;
    if ((older && want > history_count) || (!older && !browsing)) {
        bell();
        return;
    }
    if (!browsing) {
        memcpy(draft, line, len);
        draft_len = len;
    }
    browsing = want;
    if (!browsing)
        replace_line(draft, draft_len);
    else
        replace_line(history[(history_count - browsing) % HISTORY],
                     history_len[(history_count - browsing) % HISTORY]);
}

static void enter(void)
{
    move_to(len);
    line[len] = '\n';
    if (!input_submit(line, len + 1)) {     /* no room: the line stays */
        bell();
        move_to(cur);
        return;
    }
    uart_put("\n", 1);
    size_t last = (history_count + HISTORY - 1) % HISTORY;
    if (len && (!history_count || history_len[last] != len || memcmp(history[last], line, len))) {
        memcpy(history[history_count % HISTORY], line, len);
        history_len[history_count % HISTORY] = len;
        history_count++;
    }
    len = cur = shown = 0;
    browsing = 0;
}

void editor_hide(void)
{
    if (!len)
        return;
    unsigned end = column_at(len), n = column_at(shown) - start_col;
    for (unsigned i = 0; i < n; i++)
        uart_put("\b", 1);
    for (unsigned i = 0; i < 2 * (end - start_col); i++)
        uart_put(i < end - start_col ? " " : "\b", 1);
    shown = 0;
}

void editor_show(void)
{
    if (!len)
        return;
    start_col = uart_column();
    print(0, len);
    shown = len;
    move_to(cur);
}

/* A key from an escape sequence: ESC [ <number> <final> or ESC O <final>. */
static void key(unsigned number, char final)
{
    if (final == 'A')
        browse(1);
    else if (final == 'B')
        browse(0);
    else if (final == 'C' && cur < len)
        move_to(cur = after(cur));
    else if (final == 'D' && cur > 0)
        move_to(cur = before(cur));
    else if (final == 'H' || (final == '~' && (number == 1 || number == 7)))
        move_to(cur = 0);
    else if (final == 'F' || (final == '~' && (number == 4 || number == 8)))
        move_to(cur = len);
    else if (final == '~' && number == 3 && cur < len)
        erase(cur, after(cur));
    else
        bell();
}

static void control(unsigned char c)
{
    switch (c) {
    case '\r':
    case '\n':
        enter();
        break;
    case 0x7F:
    case 0x08:                              /* Backspace */
        if (cur > 0)
            erase(before(cur), cur);
        break;
    case 0x01:                              /* Ctrl-A */
        move_to(cur = 0);
        break;
    case 0x05:                              /* Ctrl-E */
        move_to(cur = len);
        break;
    case 0x15:                              /* Ctrl-U */
        cur = len;
        erase(0, len);
        break;
    case 0x03:                              /* Ctrl-C */
        move_to(len);
        uart_put("^C\n", 3);
        len = cur = shown = 0;
        browsing = 0;
        input_interrupt();
        break;
    case 0x04:                              /* Ctrl-D */
        if (len)
            bell();
        else
            input_end();
        break;
    default:
        bell();
    }
}

/* The bytes of a UTF-8 character so far: echoed whole, once complete. */
static char utf8[4];
static unsigned utf8_have, utf8_want;

/* Insert what there is of an unfinished character (not UTF-8 after all). */
static void utf8_flush(void)
{
    if (utf8_have)
        insert(utf8, utf8_have);
    utf8_have = utf8_want = 0;
}

static void utf8_byte(unsigned char c)
{
    if (!continuation((char)c)) {           /* a first byte: 110x 1110 11110 */
        utf8_flush();
        utf8_want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    } else if (!utf8_want) {
        utf8_want = 1;                      /* (a stray one: as it is) */
    }
    utf8[utf8_have++] = (char)c;
    if (utf8_have == utf8_want)
        utf8_flush();
}

void editor_key(unsigned char c)
{
    static enum { PLAIN, ESCAPE, SEQUENCE } state;
    static unsigned number;
    if (state == ESCAPE && (c == '[' || c == 'O')) {
        state = SEQUENCE;
        number = 0;
        return;
    }
    if (state == SEQUENCE) {
        if (c >= '0' && c <= '9') {
            number = number * 10 + (c - '0');
        } else if (c >= 0x40 && c <= 0x7E) {   /* the final byte */
            state = PLAIN;
            key(number, (char)c);
        } else if (c != ';') {
            state = PLAIN;                  /* not a sequence we know */
        }
        return;
    }
    state = PLAIN;
    if (c >= 0x80) {
        utf8_byte(c);
        return;
    }
    utf8_flush();
    if (c == 0x1B)
        state = ESCAPE;
    else if ((c >= ' ' && c != 0x7F) || c == '\t')
        insert((const char *)&c, 1);
    else
        control(c);
}
