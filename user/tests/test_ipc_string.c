/* String transfers between two new address spaces, the scenarios of
 * l4test's ipc-string (spec 13; semantics in 2.6, 5.3 and 5.8): simple
 * strings, substrings, compound strings, several strings, scatter, gather
 * and both at once; then the message cuts (overflow, code 4) with the
 * offset reached, seen by both partners in their own phase.
 *
 * The sender S and the receiver R each run in a space of their own
 * (tsup_space); both touch their buffers before the IPC, so no page fault
 * happens during the copy. Every case runs twice: once with R already
 * waiting when S sends, once with S queued on R before R receives.
 *
 * Data placement is checked byte for byte against an image of the whole
 * receive area computed here from the rules of xfer.c (the receiver's
 * buffer items are one sequence; each send string starts at a fresh item
 * and flows on into the following ones while it lasts, the rest of the
 * item it ends in stays unused; the cut comes when the items run out);
 * untouched bytes must keep their 0xFF. */
#include <string.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/utcb.h>
#include "testlib.h"
#include "tsupport.h"

#define PAGE 4096
#define AREA (2 * PAGE)

/* String item header word (spec 2.6). */
#define STR_C        0x1UL              /* another item follows */
#define STR_COMPOUND 0x200UL            /* c: the string continues */
#define STR_HDR(len, nsub) ((L4_Word_t)(len) << 10 | (L4_Word_t)((nsub) - 1) << 4)

static uint8_t src[AREA] __attribute__((aligned(PAGE)));
static uint8_t dst[AREA] __attribute__((aligned(PAGE)));
static uint8_t want[AREA];

/* A string (send string or receive buffer) as a list of items; each item
 * has `n` substrings of `len` bytes at the offsets `off` (into src for a
 * send string, into dst for a buffer). Items after the first are the
 * compound continuations. */
struct item {
    unsigned len, n, off[8];
};
struct string {
    unsigned n;
    struct item it[4];
};

/* The message S sends (MR0.., `snd_words` words) and R's buffer
 * registers (BR0.., `br_words` words). */
static L4_Word_t snd_mr[64], rcv_br[34];
static unsigned snd_words, br_words, snd_u;

/* What each side saw. */
static volatile struct {
    L4_Word_t tag, err, from, mr[64];
    int ready;
} rv;
static volatile struct {
    L4_Word_t tag, err;
    int ready;
} sv;
static volatile int go;                 /* sender-first order: R may receive */
static int sender_first;

/* Write the words of string s at w[k..]; `more`: another string (buffer)
 * follows it. Returns the next index. */
static unsigned put_string(L4_Word_t *w, unsigned k, const struct string *s, const uint8_t *base,
                           int more)
{
    for (unsigned i = 0; i < s->n; i++) {
        const struct item *it = &s->it[i];
        int last = i + 1 == s->n;
        w[k++] = STR_HDR(it->len, it->n) | (last ? 0 : STR_COMPOUND) | (!last || more ? STR_C : 0);
        for (unsigned j = 0; j < it->n; j++)
            w[k++] = (L4_Word_t)(base + it->off[j]);
    }
    return k;
}

/* S's message: `u` untyped words, then the strings. */
static void set_message(L4_Word_t label, unsigned u, const struct string *s, unsigned n)
{
    unsigned k = 1;
    for (unsigned i = 0; i < u; i++)
        snd_mr[k++] = 0xC0FFEE00UL + i;
    for (unsigned i = 0; i < n; i++)
        k = put_string(snd_mr, k, &s[i], src, i + 1 < n);
    snd_mr[0] = label << 16 | (L4_Word_t)(k - 1 - u) << 6 | u;
    snd_words = k;
    snd_u = u;
}

/* R's acceptor and buffers. */
static void set_buffers(L4_Word_t acceptor, const struct string *b, unsigned n)
{
    unsigned k = 1;
    rcv_br[0] = acceptor;
    for (unsigned i = 0; i < n; i++)
        k = put_string(rcv_br, k, &b[i], dst, i + 1 < n);
    br_words = k;
}

static unsigned flatten(const struct string *s, unsigned *off, unsigned *len)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->n; i++)
        for (unsigned j = 0; j < s->it[i].n; j++) {
            off[n] = s->it[i].off[j];
            len[n++] = s->it[i].len;
        }
    return n;
}

/* The expected effect of sending strings s[0..ns) into buffers b[0..nb):
 * the buffers' items as one sequence; each string starts at a fresh item,
 * fills substrings in order, on into the next items; the next string
 * starts at the item after the one it ended in. Returns the bytes copied
 * (where a cut happens, if the items run out). */
static unsigned expect_transfer(const struct string *s, unsigned ns, const struct string *b,
                                unsigned nb)
{
    const struct item *it[16];
    unsigned ni = 0, cur = 0, copied = 0;
    for (unsigned i = 0; i < nb; i++)
        for (unsigned j = 0; j < b[i].n; j++)
            it[ni++] = &b[i].it[j];
    for (unsigned k = 0; k < ns && cur < ni; k++) {
        unsigned so[64], sl[64], nsub = flatten(&s[k], so, sl);
        unsigned item = cur, sub = 0, pos = 0;
        for (unsigned si = 0; si < nsub; si++)
            for (unsigned sp = 0; sp < sl[si]; sp++) {
                while (sub == it[item]->n || pos == it[item]->len) {
                    if (sub < it[item]->n) {
                        sub++;                          /* next substring */
                    } else if (++item == ni) {
                        return copied;                  /* no item left: cut */
                    } else {
                        sub = 0;
                    }
                    pos = 0;
                }
                want[it[item]->off[sub] + pos++] = src[so[si] + sp];
                copied++;
            }
        cur = item + 1;
    }
    return copied;
}

static void prepare(void)
{
    for (unsigned i = 0; i < AREA; i++)    /* never 0xFF */
        src[i] = (uint8_t)(1 + (i * 131 + (i >> 8) * 17) % 253);
    memset(want, 0xFF, sizeof want);
    memset(snd_mr, 0, sizeof snd_mr);
    memset(rcv_br, 0, sizeof rcv_br);
}

/* ---- the two threads ------------------------------------------------- */

/* Both sides' xfer timeouts are zero: a page fault during the copy would
 * end it at once (spec 5.4) instead of going unnoticed. */
#define NO_FAULTS L4_Timeouts(L4_ZeroTime, L4_ZeroTime)

static void receiver(L4_Word_t unused)
{
    (void)unused;
    rv.ready = 0;                                   /* (maps the page of rv) */
    L4_Set_XferTimeouts(NO_FAULTS);
    for (unsigned i = 0; i < AREA; i += PAGE) {     /* map the buffers, writable */
        volatile uint8_t *p = &dst[i];
        *p = *p;
    }
    while (sender_first && !go)
        tsup_sleep_ms(1);
    unsigned n = br_words;
    L4_Word_t br[34];
    for (unsigned i = 0; i < n; i++)
        br[i] = rcv_br[i];
    for (unsigned i = 0; i < n; i++)
        L4_LoadBR((int)i, br[i]);
    rv.ready = 1;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    L4_Word_t err = L4_ErrorCode();
    L4_Word_t mr[64];
    for (unsigned i = 0; i < 64; i++)
        mr[i] = __L4_Utcb()[i];
    L4_LoadBR(0, 0);
    rv.tag = tag.raw;
    rv.err = err;
    rv.from = from.raw;
    for (unsigned i = 0; i < 64; i++)
        rv.mr[i] = mr[i];
}

static void sender(L4_Word_t to)
{
    L4_Set_XferTimeouts(NO_FAULTS);
    for (unsigned i = 0; i < AREA; i += PAGE)       /* map the source */
        (void)*(volatile uint8_t *)&src[i];
    unsigned n = snd_words;
    L4_Word_t mr[64];
    for (unsigned i = 0; i < n; i++)
        mr[i] = snd_mr[i];
    sv.ready = 1;
    for (unsigned i = 0; i < n; i++)
        __L4_Utcb()[i] = mr[i];
    L4_MsgTag_t tag = L4_Send((L4_ThreadId_t){ .raw = to });
    L4_Word_t err = L4_ErrorCode();
    sv.tag = tag.raw;
    sv.err = err;
}

/* ---- running and checking ---------------------------------------------- */

static const char *order(void)
{
    return sender_first ? "sender queued first" : "receiver waiting first";
}

#define CHK(c)                                                               \
    do {                                                                     \
        if (!(c))                                                            \
            test_fail(__FILE__, __LINE__, "(%s) expected %s", order(), #c);  \
    } while (0)

#define CHK_EQ(actual, expected)                                             \
    do {                                                                     \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);         \
        if (a_ != e_)                                                        \
            test_fail(__FILE__, __LINE__, "(%s) %s: expected 0x%lx (%ld), got 0x%lx (%ld)", \
                      order(), #actual, e_, (long)e_, a_, (long)a_);         \
    } while (0)

static int wait_flag(volatile int *f)
{
    for (int i = 0; i < 2000 && !*f; i++)
        tsup_sleep_ms(1);
    return *f;
}

static L4_ThreadId_t snd_id;

/* One transfer from S to R in the current order. */
static void run_once(void)
{
    memset(dst, 0xFF, sizeof dst);
    memset((void *)&rv, 0, sizeof rv);
    memset((void *)&sv, 0, sizeof sv);
    go = 0;
    L4_ThreadId_t r = tsup_space(receiver, 0), s = L4_nilthread;
    int started = 1;
    if (!sender_first) {
        started = wait_flag(&rv.ready) && tsup_wait_blocked(r);
        if (started)
            s = tsup_space(sender, r.raw);
    } else {
        s = tsup_space(sender, r.raw);
        started = wait_flag(&sv.ready) && tsup_wait_blocked(s);
        go = 1;
    }
    snd_id = s;
    int finished = started && tsup_join(r, 3000) && tsup_join(s, 3000);
    int r_done = tsup_done(r), s_done = s.raw && tsup_done(s);
    if (s.raw)
        tsup_kill(s);
    tsup_kill(r);
    if (!finished)
        test_fail(__FILE__, __LINE__, "(%s) expected both sides to finish: %s, R %s, S %s",
                  order(), started ? "started" : "not started", r_done ? "done" : "not done",
                  s_done ? "done" : "not done");
}

static void check_data(void)
{
    for (unsigned i = 0; i < AREA; i++)
        if (dst[i] != want[i])
            test_fail(__FILE__, __LINE__,
                      "(%s) receive area byte 0x%x: expected 0x%02x, got 0x%02x", order(), i,
                      want[i], dst[i]);
}

/* What every transfer must show, error or not. */
static void check_common(void)
{
    unsigned t = L4_TypedWords((L4_MsgTag_t){ .raw = snd_mr[0] });
    L4_MsgTag_t rtag = { .raw = rv.tag };
    CHK_EQ(L4_UntypedWords(rtag), snd_u);
    CHK_EQ(L4_TypedWords(rtag), t);                         /* the sender's typed count */
    CHK_EQ(L4_Label(rtag), L4_Label((L4_MsgTag_t){ .raw = snd_mr[0] }));
    CHK((rv.mr[snd_u + 1] & 0x8) == 0);                     /* a string item */
    CHK_EQ(rv.mr[snd_u + 1], snd_mr[snd_u + 1]);            /* the sender's item word */
    for (unsigned i = 1; i <= snd_u; i++)
        CHK_EQ(rv.mr[i], snd_mr[i]);
}

static void check_success(void)
{
    CHK(L4_IpcSucceeded((L4_MsgTag_t){ .raw = sv.tag }));
    CHK(L4_IpcSucceeded((L4_MsgTag_t){ .raw = rv.tag }));
    CHK_EQ(rv.tag, snd_mr[0]);
    CHK_EQ(rv.from, snd_id.raw);                            /* another space: global */
    check_common();
    for (unsigned i = 1; i < snd_words; i++)                /* all item words */
        CHK_EQ(rv.mr[i], snd_mr[i]);
    check_data();
}

/* Message overflow (code 4) after `offset` bytes, on both sides. */
static void check_overflow(unsigned offset)
{
    CHK(L4_IpcFailed((L4_MsgTag_t){ .raw = sv.tag }));
    CHK_EQ(sv.err, (L4_Word_t)offset << 4 | 4 << 1 | 0);   /* send phase */
    CHK(L4_IpcFailed((L4_MsgTag_t){ .raw = rv.tag }));
    CHK_EQ(rv.err, (L4_Word_t)offset << 4 | 4 << 1 | 1);   /* receive phase */
    CHK_EQ(rv.tag, snd_mr[0] | 0x8000);                     /* the sender's tag plus e */
    check_common();
    check_data();
}

/* Run the prepared case in both orders; overflow < 0: must succeed. */
static void run_case(int overflow)
{
    for (sender_first = 0; sender_first < 2; sender_first++) {
        run_once();
        if (overflow < 0)
            check_success();
        else
            check_overflow((unsigned)overflow);
    }
    sender_first = 0;
}

/* ---- successful transfers ---------------------------------------------- */

TEST(ipc_string, simple_string)
{
    prepare();
    struct string s = { 1, { { 256, 1, { 0x10 } } } };
    struct string b = { 1, { { 256, 1, { 0x100 } } } };
    set_message(0x51, 2, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 256);
    run_case(-1);
}

TEST(ipc_string, substrings)
{
    prepare();
    /* 4 x 64 bytes, gathered from spread-out places, into 4 x 64 others */
    struct string s = { 1, { { 64, 4, { 0x0, 0x200, 0x400, 0x600 } } } };
    struct string b = { 1, { { 64, 4, { 0x300, 0x100, 0x800, 0x40 } } } };
    set_message(0x52, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 256);
    run_case(-1);
}

TEST(ipc_string, compound_strings)
{
    prepare();
    /* a 3-item compound string (40 + 2 x 24 + 100) into a 3-item
     * compound buffer (60 + 3 x 32 + 32) with other boundaries */
    struct string s = { 3, { { 40, 1, { 0x10 } },
                             { 24, 2, { 0x100, 0x180 } },
                             { 100, 1, { 0x300 } } } };
    struct string b = { 3, { { 60, 1, { 0x0 } },
                             { 32, 3, { 0x200, 0x300, 0x400 } },
                             { 32, 1, { 0x600 } } } };
    set_message(0x53, 1, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 188);
    run_case(-1);
}

TEST(ipc_string, multiple_strings)
{
    prepare();
    /* three strings into three buffers, each buffer larger than its
     * string: the rest of each buffer stays unused */
    struct string s[3] = {
        { 1, { { 100, 1, { 0x0 } } } },
        { 1, { { 30, 2, { 0x200, 0x280 } } } },
        { 2, { { 50, 1, { 0x400 } }, { 20, 1, { 0x500 } } } },
    };
    struct string b[3] = {
        { 1, { { 128, 1, { 0x0 } } } },
        { 2, { { 40, 1, { 0x200 } }, { 40, 1, { 0x300 } } } },
        { 1, { { 32, 3, { 0x400, 0x500, 0x600 } } } },
    };
    set_message(0x54, 2, s, 3);
    set_buffers(1, b, 3);
    EXPECT_EQ(expect_transfer(s, 3, b, 3), 100 + 60 + 70);
    run_case(-1);
}

TEST(ipc_string, scatter_into_substrings)
{
    prepare();
    /* one simple 256-byte string over 4 x 64-byte substrings */
    struct string s = { 1, { { 256, 1, { 0x20 } } } };
    struct string b = { 1, { { 64, 4, { 0x600, 0x400, 0x200, 0x0 } } } };
    set_message(0x55, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 256);
    run_case(-1);
}

TEST(ipc_string, scatter_into_compound)
{
    prepare();
    /* one simple 256-byte string over a compound buffer with substrings:
     * 2 x 32 + 3 x 48 + 48 */
    struct string s = { 1, { { 256, 1, { 0x40 } } } };
    struct string b = { 3, { { 32, 2, { 0x0, 0x100 } },
                             { 48, 3, { 0x200, 0x300, 0x400 } },
                             { 48, 1, { 0x500 } } } };
    set_message(0x56, 1, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 256);
    run_case(-1);
}

TEST(ipc_string, gather_into_one_buffer)
{
    prepare();
    /* a compound string with substrings (3 x 20 + 2 x 50 + 96) into one
     * simple buffer of 256 bytes */
    struct string s = { 3, { { 20, 3, { 0x0, 0x100, 0x200 } },
                             { 50, 2, { 0x300, 0x400 } },
                             { 96, 1, { 0x500 } } } };
    struct string b = { 1, { { 256, 1, { 0x80 } } } };
    set_message(0x57, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 256);
    run_case(-1);
}

TEST(ipc_string, complex_scatter_gather)
{
    prepare();
    /* two compound strings with substrings into two compound buffers with
     * substrings, no boundaries in common; pieces cross page boundaries */
    struct string s[2] = {
        { 2, { { 16, 3, { 0x1000, 0x1100, 0x1200 } }, { 100, 1, { 0x80 } } } },    /* 148 */
        { 2, { { 64, 2, { 0xFE0, 0x1300 } }, { 10, 5, { 0x10, 0x30, 0x50, 0x70, 0x1400 } } } },
    };                                                                              /* 178 */
    struct string b[2] = {
        { 3, { { 50, 2, { 0x10, 0x100 } },
               { 7, 4, { 0x200, 0x210, 0x220, 0x230 } },
               { 100, 1, { 0x700 } } } },                                           /* 228 */
        { 2, { { 89, 1, { 0xFD0 } }, { 89, 1, { 0x1800 } } } },                     /* 178 */
    };
    set_message(0x58, 3, s, 2);
    set_buffers(1, b, 2);
    EXPECT_EQ(expect_transfer(s, 2, b, 2), 148 + 178);
    run_case(-1);
}

/* ---- cuts and their limits --------------------------------------------- */

TEST(ipc_string, buffer_longer_than_string)
{
    prepare();
    struct string s = { 1, { { 252, 1, { 0x0 } } } };
    struct string b = { 1, { { 256, 1, { 0x100 } } } };
    set_message(0x61, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 252);            /* the last 4 bytes stay 0xFF */
    run_case(-1);
}

TEST(ipc_string, strings_not_accepted)
{
    prepare();
    struct string s = { 1, { { 256, 1, { 0x0 } } } };
    struct string b = { 1, { { 256, 1, { 0x0 } } } };
    set_message(0x62, 1, &s, 1);
    set_buffers(0, &b, 1);                          /* buffers there, but s = 0 */
    run_case(0);                                    /* nothing copied */
}

TEST(ipc_string, two_strings_one_buffer)
{
    prepare();
    struct string s[2] = { { 1, { { 128, 1, { 0x0 } } } }, { 1, { { 128, 1, { 0x200 } } } } };
    struct string b = { 1, { { 512, 1, { 0x100 } } } };
    set_message(0x63, 0, s, 2);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(s, 2, &b, 1), 128);   /* the first one arrives */
    run_case(128);
}

TEST(ipc_string, buffer_too_short)
{
    prepare();
    struct string s = { 1, { { 256, 1, { 0x0 } } } };
    struct string b = { 1, { { 252, 1, { 0x100 } } } };
    set_message(0x64, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 252);
    run_case(252);
}

TEST(ipc_string, complex_cut)
{
    prepare();
    /* string 1 (2 x 30 + 40 = 100) fits buffer 1 (2 x 64); string 2
     * (4 x 64 = 256) fills buffer 2 (100 + 2 x 26 = 152) and goes on into
     * buffer 3 (64), and is cut after 100 + 152 + 64 = 316 bytes; string 3
     * is never reached */
    struct string s[3] = {
        { 2, { { 30, 2, { 0x10, 0x50 } }, { 40, 1, { 0x200 } } } },
        { 1, { { 64, 4, { 0x300, 0x400, 0x500, 0x600 } } } },
        { 1, { { 16, 1, { 0x700 } } } },
    };
    struct string b[3] = {
        { 1, { { 64, 2, { 0x0, 0x80 } } } },
        { 2, { { 100, 1, { 0x400 } }, { 26, 2, { 0x600, 0x700 } } } },
        { 1, { { 64, 1, { 0x900 } } } },
    };
    set_message(0x65, 2, s, 3);
    set_buffers(1, b, 3);
    EXPECT_EQ(expect_transfer(s, 3, b, 3), 316);
    run_case(316);
}

/* ---- strings across several buffer items (issue 11) ---------------------- */

/* A compound send string with substrings (3 items of 4 x 21 = 252 bytes)
 * into two buffer items linked by C (2 x 48, then 4 x 40): it fills the
 * first and goes on into the second; nothing is cut. */
TEST(ipc_string, compound_string_across_two_buffers)
{
    prepare();
    struct string s = { 3, { { 21, 4, { 0x0, 0x40, 0x80, 0xC0 } },
                             { 21, 4, { 0x100, 0x140, 0x180, 0x1C0 } },
                             { 21, 4, { 0x200, 0x240, 0x280, 0x2C0 } } } };
    struct string b[2] = { { 1, { { 48, 2, { 0x0, 0x30 } } } },
                           { 1, { { 40, 4, { 0x100, 0x140, 0x180, 0x1C0 } } } } };
    set_message(0x71, 1, &s, 1);
    set_buffers(1, b, 2);
    EXPECT_EQ(expect_transfer(&s, 1, b, 2), 252);
    run_case(-1);
}

/* The same into one compound buffer of the same two items (linked by c). */
TEST(ipc_string, compound_string_across_a_compound_buffer)
{
    prepare();
    struct string s = { 3, { { 21, 4, { 0x0, 0x40, 0x80, 0xC0 } },
                             { 21, 4, { 0x100, 0x140, 0x180, 0x1C0 } },
                             { 21, 4, { 0x200, 0x240, 0x280, 0x2C0 } } } };
    struct string b = { 2, { { 48, 2, { 0x0, 0x30 } }, { 40, 4, { 0x100, 0x140, 0x180, 0x1C0 } } } };
    set_message(0x72, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 252);
    run_case(-1);
}

/* A simple string exactly filling two buffers (100 + 156). */
TEST(ipc_string, simple_string_exactly_fills_two_buffers)
{
    prepare();
    struct string s = { 1, { { 256, 1, { 0x30 } } } };
    struct string b[2] = { { 1, { { 100, 1, { 0x0 } } } }, { 1, { { 78, 2, { 0x200, 0x300 } } } } };
    set_message(0x73, 0, &s, 1);
    set_buffers(1, b, 2);
    EXPECT_EQ(expect_transfer(&s, 1, b, 2), 256);
    run_case(-1);
}

/* Cut in the middle of a send substring: 256 bytes, buffers of 2 x 50 and
 * 100, so the cut comes 200 bytes into the string's only substring. */
TEST(ipc_string, cut_in_the_middle_of_a_substring)
{
    prepare();
    struct string s = { 1, { { 256, 1, { 0x0 } } } };
    struct string b[2] = { { 1, { { 50, 2, { 0x0, 0x100 } } } }, { 1, { { 100, 1, { 0x200 } } } } };
    set_message(0x74, 0, &s, 1);
    set_buffers(1, b, 2);
    EXPECT_EQ(expect_transfer(&s, 1, b, 2), 200);
    run_case(200);
}

/* Cut on a boundary: a compound string of 128 + 128 into one 128-byte
 * buffer: the first item fits exactly, the second finds no room. */
TEST(ipc_string, cut_on_a_boundary)
{
    prepare();
    struct string s = { 2, { { 128, 1, { 0x0 } }, { 128, 1, { 0x400 } } } };
    struct string b = { 1, { { 128, 1, { 0x100 } } } };
    set_message(0x75, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_transfer(&s, 1, &b, 1), 128);
    run_case(128);
}

/* The next send string starts at a fresh buffer item: string 1 (100
 * bytes) fills item 1 (64) and spills into item 2, whose rest stays
 * unused; string 2 (30 bytes) goes to item 3. */
TEST(ipc_string, next_string_starts_at_a_fresh_buffer_item)
{
    prepare();
    struct string s[2] = { { 1, { { 100, 1, { 0x0 } } } }, { 1, { { 30, 1, { 0x200 } } } } };
    struct string b[3] = { { 1, { { 64, 1, { 0x0 } } } },
                           { 1, { { 64, 1, { 0x100 } } } },
                           { 1, { { 64, 1, { 0x200 } } } } };
    set_message(0x76, 0, s, 2);
    set_buffers(1, b, 3);
    EXPECT_EQ(expect_transfer(s, 2, b, 3), 130);
    EXPECT_EQ(want[0x100 + 36], 0xFF);          /* item 2 after string 1: unused */
    run_case(-1);
}
