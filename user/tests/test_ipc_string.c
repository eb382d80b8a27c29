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
 * receive area computed here from the spec's rules (each send string goes
 * into one receive buffer, in order; the rest of a buffer stays unused);
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

/* The expected effect of copying send string s into buffer b: its bytes
 * in order over the buffer's substrings in order, as far as both go.
 * Returns the number of bytes copied. */
static unsigned expect_copy(const struct string *s, const struct string *b)
{
    unsigned so[64], sl[64], bo[64], bl[64];
    unsigned ns = flatten(s, so, sl), nb = flatten(b, bo, bl);
    unsigned si = 0, sp = 0, bi = 0, bp = 0, n = 0;
    while (si < ns && bi < nb) {
        want[bo[bi] + bp] = src[so[si] + sp];
        n++;
        if (++sp == sl[si]) {
            si++;
            sp = 0;
        }
        if (++bp == bl[bi]) {
            bi++;
            bp = 0;
        }
    }
    return n;
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
    EXPECT_EQ(expect_copy(&s, &b), 256);
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
    EXPECT_EQ(expect_copy(&s, &b), 256);
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
    EXPECT_EQ(expect_copy(&s, &b), 188);
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
    EXPECT_EQ(expect_copy(&s[0], &b[0]), 100);
    EXPECT_EQ(expect_copy(&s[1], &b[1]), 60);
    EXPECT_EQ(expect_copy(&s[2], &b[2]), 70);
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
    EXPECT_EQ(expect_copy(&s, &b), 256);
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
    EXPECT_EQ(expect_copy(&s, &b), 256);
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
    EXPECT_EQ(expect_copy(&s, &b), 256);
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
    EXPECT_EQ(expect_copy(&s[0], &b[0]), 148);
    EXPECT_EQ(expect_copy(&s[1], &b[1]), 178);
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
    EXPECT_EQ(expect_copy(&s, &b), 252);            /* the last 4 bytes stay 0xFF */
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
    EXPECT_EQ(expect_copy(&s[0], &b), 128);         /* the first one arrives */
    run_case(128);
}

TEST(ipc_string, buffer_too_short)
{
    prepare();
    struct string s = { 1, { { 256, 1, { 0x0 } } } };
    struct string b = { 1, { { 252, 1, { 0x100 } } } };
    set_message(0x64, 0, &s, 1);
    set_buffers(1, &b, 1);
    EXPECT_EQ(expect_copy(&s, &b), 252);
    run_case(252);
}

TEST(ipc_string, complex_cut)
{
    prepare();
    /* string 1 (2 x 30 + 40 = 100) fits buffer 1 (2 x 64); string 2
     * (4 x 64 = 256) meets buffer 2 (100 + 2 x 26 = 152) and is cut after
     * 100 + 152 = 252 bytes; string 3 and buffer 3 are never reached */
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
    EXPECT_EQ(expect_copy(&s[0], &b[0]), 100);
    EXPECT_EQ(expect_copy(&s[1], &b[1]), 152);
    run_case(252);
}
