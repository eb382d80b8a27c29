/* Messages (spec 2.2, 2.5-2.7): tags, the L4_Msg_t builder, map/grant and
 * string items, acceptors and receive buffers. Pure data; no system calls. */
#pragma once
#include <l4/types.h>
#include <l4/utcb.h>

/* ---- Message tag, MR0 (spec 2.2) ------------------------------------------
 *
 *    63                16 15 14 13 12 11     6 5      0
 *   [ label (48 bits)    | e | x | r | p | t     | u      ]
 *
 * u untyped words MR1..MRu, then t typed words; p propagated, r redirected,
 * x cross-processor, e error (details in the ErrorCode TCR).
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t u : 6;
        L4_Word_t t : 6;
        L4_Word_t flags : 4;
        L4_Word_t label : 48;
    } X;
} L4_MsgTag_t;

#define L4_Niltag ((L4_MsgTag_t){ .raw = 0 })

#define __L4_TAG_P 0x1000UL
#define __L4_TAG_R 0x2000UL
#define __L4_TAG_X 0x4000UL
#define __L4_TAG_E 0x8000UL

static inline L4_Word_t L4_Label(L4_MsgTag_t t) { return t.raw >> 16; }
static inline L4_Word_t L4_UntypedWords(L4_MsgTag_t t) { return t.raw & 0x3F; }
static inline L4_Word_t L4_TypedWords(L4_MsgTag_t t) { return (t.raw >> 6) & 0x3F; }
static inline L4_Bool_t L4_IsMsgTagEqual(L4_MsgTag_t a, L4_MsgTag_t b) { return a.raw == b.raw; }
static inline L4_Bool_t L4_IsMsgTagNotEqual(L4_MsgTag_t a, L4_MsgTag_t b) { return a.raw != b.raw; }

/* Replace the label (X.2 calls this "adding" it). */
static inline L4_MsgTag_t L4_MsgTagAddLabel(L4_MsgTag_t t, L4_Word_t label)
{
    return (L4_MsgTag_t){ .raw = (t.raw & 0xFFFF) | label << 16 };
}
static inline void L4_MsgTagAddLabelTo(L4_MsgTag_t *t, L4_Word_t label)
{
    *t = L4_MsgTagAddLabel(*t, label);
}
static inline void L4_Set_Label(L4_MsgTag_t *t, L4_Word_t label) { L4_MsgTagAddLabelTo(t, label); }
static inline void L4_Set_Propagation(L4_MsgTag_t *t) { t->raw |= __L4_TAG_P; }

static inline L4_Bool_t L4_IpcSucceeded(L4_MsgTag_t t) { return !(t.raw & __L4_TAG_E); }
static inline L4_Bool_t L4_IpcFailed(L4_MsgTag_t t) { return (t.raw & __L4_TAG_E) != 0; }
static inline L4_Bool_t L4_IpcPropagated(L4_MsgTag_t t) { return (t.raw & __L4_TAG_P) != 0; }
static inline L4_Bool_t L4_IpcRedirected(L4_MsgTag_t t) { return (t.raw & __L4_TAG_R) != 0; }
static inline L4_Bool_t L4_IpcXcpu(L4_MsgTag_t t) { return (t.raw & __L4_TAG_X) != 0; }

/* The tag in MR0. */
static inline L4_MsgTag_t L4_MsgTag(void) { return (L4_MsgTag_t){ .raw = __L4_Utcb()[0] }; }
static inline void L4_Set_MsgTag(L4_MsgTag_t t) { __L4_Utcb()[0] = t.raw; }

/* Protocols of kernel and sigma0 messages (spec 2.2; pecan/protocol.h
 * draws the format and has the kernel's names for them, which host.abi
 * checks against these): the label is N << 4, its low 4 bits carry details
 * (e.g. the fault access), so receivers compare label >> 4, i.e. MR0
 * bits 20-63 read as a signed number (L4_Protocol), with N. */
#define L4_PAGEFAULT_PROTOCOL     (-2L)
#define L4_INTERRUPT_PROTOCOL     (-1L)
#define L4_PREEMPTION_PROTOCOL    (-3L)
#define L4_EXCEPTION_PROTOCOL     (-5L)
#define L4_SIGMA0_PROTOCOL        (-6L)
#define L4_IO_PAGEFAULT_PROTOCOL  (-8L)
#define L4_SIGMA0_EXT_PROTOCOL    (-1001L)

static inline long L4_Protocol(L4_MsgTag_t t) { return (long)t.raw >> 20; }
/* The 48-bit label that starts protocol N, to be passed to L4_MsgTagAddLabel. */
static inline L4_Word_t L4_ProtocolLabel(long n) { return ((L4_Word_t)n << 4) & 0xFFFFFFFFFFFFUL; }

/* ---- Map and grant items (spec 2.5): two words ----------------------------
 *
 *   word 0:  63               10 9    4 3   1  0      word 1: send fpage
 *           [ send base 10-63   | 0000 | type | C ]      (rwx = rights given)
 *
 * type 100 = map (word 0 low bits 0x8), 101 = grant (0xA).
 */
typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t C : 1;
        L4_Word_t type : 3;
        L4_Word_t zero : 6;
        L4_Word_t snd_base : 54;
        L4_Fpage_t snd_fpage;
    } X;
} L4_MapItem_t;

typedef L4_MapItem_t L4_GrantItem_t;

static inline L4_MapItem_t L4_MapItem(L4_Fpage_t f, L4_Word_t snd_base)
{
    return (L4_MapItem_t){ .raw = { (snd_base & ~0x3FFUL) | 0x8, f.raw } };
}
static inline L4_GrantItem_t L4_GrantItem(L4_Fpage_t f, L4_Word_t snd_base)
{
    return (L4_GrantItem_t){ .raw = { (snd_base & ~0x3FFUL) | 0xA, f.raw } };
}
static inline L4_Bool_t L4_IsMapItem(L4_MapItem_t m) { return (m.raw[0] & 0xE) == 0x8; }
static inline L4_Bool_t L4_IsGrantItem(L4_GrantItem_t g) { return (g.raw[0] & 0xE) == 0xA; }
static inline L4_Fpage_t L4_MapItemSndFpage(L4_MapItem_t m) { return (L4_Fpage_t){ .raw = m.raw[1] }; }
static inline L4_Word_t L4_MapItemSndBase(L4_MapItem_t m) { return m.raw[0] & ~0x3FFUL; }
static inline L4_Fpage_t L4_GrantItemSndFpage(L4_GrantItem_t g) { return (L4_Fpage_t){ .raw = g.raw[1] }; }
static inline L4_Word_t L4_GrantItemSndBase(L4_GrantItem_t g) { return g.raw[0] & ~0x3FFUL; }

/* ---- String items (spec 2.6): header + j+1 substring addresses ------------
 *
 *   header:  63                      10  9   8   4   3   2   1   0
 *           [ length of each substring | c | j     | 0 | hints | C ]
 *
 * j + 1 substrings of `length` bytes each; c: the string continues in the
 * next string item (a compound string); C: another item/buffer follows.
 * L4_StringItem_t holds a simple string; items with more substrings or
 * compound parts live in larger word arrays the caller provides.
 */
typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t C : 1;
        L4_Word_t hints : 2;
        L4_Word_t zero : 1;
        L4_Word_t j : 5;
        L4_Word_t c : 1;
        L4_Word_t string_length : 54;
        void *string_ptr;
    } X;
} L4_StringItem_t;

#define __L4_STR_C 0x1UL
#define __L4_STR_c 0x200UL
/* An item with its substrings and compound parts, as the words it spans. */
#define __L4_STR_W(s)  ((L4_Word_t *)(s))
#define __L4_STR_CW(s) ((const L4_Word_t *)(s))

static inline L4_StringItem_t L4_StringItem(L4_Word_t size, void *address)
{
    return (L4_StringItem_t){ .raw = { size << 10, (L4_Word_t)address } };
}
static inline L4_Bool_t L4_IsStringItem(const L4_StringItem_t *s) { return !(s->raw[0] & 0x8); }
static inline L4_Bool_t L4_CompoundString(const L4_StringItem_t *s) { return (s->raw[0] & __L4_STR_c) != 0; }
static inline L4_Word_t L4_Substrings(const L4_StringItem_t *s) { return ((s->raw[0] >> 4) & 0x1F) + 1; }
/* Address of substring n, counted from 1. */
static inline void *L4_Substring(const L4_StringItem_t *s, L4_Word_t n) { return (void *)__L4_STR_CW(s)[n]; }
/* Words of one item (header and addresses). */
static inline L4_Word_t __L4_StringWords(L4_Word_t header) { return 2 + ((header >> 4) & 0x1F); }

/* Append a substring address to item s (at most 32); the words after s
 * must be free. */
static inline void L4_AddSubstringAddressTo(L4_StringItem_t *s, void *address)
{
    L4_Word_t n = L4_Substrings(s), *w = __L4_STR_W(s);
    if (n < 32) {
        w[0] += 1 << 4;
        w[n + 1] = (L4_Word_t)address;
    }
}
/* Make `sub` (a string item and its compound parts) the continuation of
 * the compound string starting at `dest`; the words after it must be free. */
static inline void L4_AddSubstringTo(L4_StringItem_t *dest, const L4_StringItem_t *sub)
{
    L4_Word_t *w = __L4_STR_W(dest);
    while (*w & __L4_STR_c)
        w += __L4_StringWords(*w);
    *w |= __L4_STR_c | __L4_STR_C;
    w += __L4_StringWords(*w);
    const L4_Word_t *from = __L4_STR_CW(sub);
    L4_Word_t h;
    do {
        h = *from;
        for (L4_Word_t i = 0, n = __L4_StringWords(h); i < n; i++)
            *w++ = *from++;
    } while (h & __L4_STR_c);
}

/* ---- Acceptor, BR0 (spec 2.7) ---------------------------------------------
 *
 *    63                          4 3 2  1  0
 *   [ receive window (fpage 4-63) | 0 0 | c | s ]
 *
 * s: accept string items into the buffers from BR1; window 0: no map or
 * grant items; window 0x1 (raw 0x10): anywhere.
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t s : 1;
        L4_Word_t c : 1;
        L4_Word_t zero : 2;
        L4_Word_t RcvWindow : 60;
    } X;
} L4_Acceptor_t;

#define L4_UntypedWordsAcceptor  ((L4_Acceptor_t){ .raw = 0 })
#define L4_StringItemsAcceptor   ((L4_Acceptor_t){ .raw = 1 })

static inline L4_Acceptor_t L4_MapGrantItems(L4_Fpage_t window)
{
    return (L4_Acceptor_t){ .raw = window.raw & ~0xFUL };
}
/* Strings if either accepts them; r's window if it has one, else l's. */
static inline L4_Acceptor_t L4_AddAcceptor(L4_Acceptor_t l, L4_Acceptor_t r)
{
    L4_Word_t w = r.raw & ~0xFUL ? r.raw & ~0xFUL : l.raw & ~0xFUL;
    return (L4_Acceptor_t){ .raw = w | ((l.raw | r.raw) & 1) };
}
static inline void L4_AddAcceptorTo(L4_Acceptor_t *l, L4_Acceptor_t r) { *l = L4_AddAcceptor(*l, r); }
/* Drop strings if r accepts them, the window if r has one. */
static inline L4_Acceptor_t L4_RemoveAcceptor(L4_Acceptor_t l, L4_Acceptor_t r)
{
    L4_Word_t w = r.raw & ~0xFUL ? 0 : l.raw & ~0xFUL;
    return (L4_Acceptor_t){ .raw = w | (l.raw & ~r.raw & 1) };
}
static inline void L4_RemoveAcceptorFrom(L4_Acceptor_t *l, L4_Acceptor_t r) { *l = L4_RemoveAcceptor(*l, r); }
static inline L4_Bool_t L4_HasStringItems(L4_Acceptor_t a) { return a.raw & 1; }
static inline L4_Bool_t L4_HasMapGrantItems(L4_Acceptor_t a) { return (a.raw & ~0xFUL) != 0; }
static inline L4_Fpage_t L4_RcvWindow(L4_Acceptor_t a) { return (L4_Fpage_t){ .raw = a.raw & ~0xFUL }; }

static inline void L4_Accept(L4_Acceptor_t a) { L4_LoadBR(0, a.raw); }
static inline L4_Acceptor_t L4_Accepted(void)
{
    L4_Acceptor_t a;
    L4_StoreBR(0, &a.raw);
    return a;
}

/* ---- Receive string buffers, BR1..BR32 -------------------------------------
 * Items are appended in order; every item but the last gets C = 1, so the
 * kernel finds the next buffer (or the next part of a compound one). */
typedef struct {
    L4_Word_t raw[__L4_NUM_BRS - 1];
    L4_Word_t words;                      /* BR words in use */
} L4_MsgBuffer_t;

static inline void L4_MsgBufferClear(L4_MsgBuffer_t *b) { b->words = 0; }

/* Append one item chain (an item and its compound parts) of n words. */
static inline void __L4_MsgBufferAppend(L4_MsgBuffer_t *b, const L4_Word_t *w, L4_Word_t n)
{
    if (b->words + n > __L4_NUM_BRS - 1)
        return;
    for (L4_Word_t i = 0; i < b->words; i += __L4_StringWords(b->raw[i]))
        b->raw[i] |= __L4_STR_C;
    for (L4_Word_t i = 0; i < n; i++)
        b->raw[b->words + i] = w[i];
    for (L4_Word_t i = b->words; i < b->words + n; i += __L4_StringWords(b->raw[i]))
        b->raw[i] = i + __L4_StringWords(b->raw[i]) < b->words + n ? b->raw[i] | __L4_STR_C
                                                                    : b->raw[i] & ~__L4_STR_C;
    b->words += n;
}
static inline void L4_MsgBufferAppendSimpleRcvString(L4_MsgBuffer_t *b, L4_StringItem_t s)
{
    s.raw[0] &= ~(__L4_STR_c | 0x1F0UL);          /* a simple string: j = 0, c = 0 */
    __L4_MsgBufferAppend(b, s.raw, 2);
}
/* `s`: a string item with its substrings and compound parts. */
static inline void L4_MsgBufferAppendRcvString(L4_MsgBuffer_t *b, const L4_StringItem_t *s)
{
    const L4_Word_t *w = __L4_STR_CW(s);
    L4_Word_t n = 0;
    while (w[n] & __L4_STR_c)
        n += __L4_StringWords(w[n]);
    __L4_MsgBufferAppend(b, w, n + __L4_StringWords(w[n]));
}
/* BR0 = a, BR1.. = the buffers of b. */
static inline void L4_AcceptStrings(L4_Acceptor_t a, const L4_MsgBuffer_t *b)
{
    L4_LoadBRs(1, (int)b->words, b->raw);
    L4_Accept(a);
}

/* ---- L4_Msg_t: a message composed in memory, then loaded into the MRs ----
 * msg[0] is the tag; untyped words follow, then typed words. */
typedef union {
    L4_Word_t raw[__L4_NUM_MRS];
    L4_Word_t msg[__L4_NUM_MRS];
    L4_MsgTag_t tag;
} L4_Msg_t;

static inline L4_Word_t __L4_MsgWords(const L4_Msg_t *m)
{
    return L4_UntypedWords(m->tag) + L4_TypedWords(m->tag);
}
static inline L4_MsgTag_t L4_MsgMsgTag(const L4_Msg_t *m) { return m->tag; }
static inline void L4_Set_MsgMsgTag(L4_Msg_t *m, L4_MsgTag_t t) { m->tag = t; }
static inline L4_Word_t L4_MsgLabel(const L4_Msg_t *m) { return L4_Label(m->tag); }
static inline void L4_Set_MsgLabel(L4_Msg_t *m, L4_Word_t label) { L4_Set_Label(&m->tag, label); }

static inline void L4_MsgClear(L4_Msg_t *m) { m->raw[0] = 0; }

/* Build from arrays: u untyped words, t typed words. */
static inline void L4_MsgPut(L4_Msg_t *m, L4_Word_t label, int u, const L4_Word_t *untyped,
                             int t, const void *items)
{
    const L4_Word_t *typed = items;
    m->tag.raw = label << 16 | (L4_Word_t)(t & 0x3F) << 6 | (u & 0x3F);
    for (int i = 0; i < u; i++)
        m->raw[1 + i] = untyped[i];
    for (int i = 0; i < t; i++)
        m->raw[1 + u + i] = typed[i];
}
static inline void L4_MsgGet(const L4_Msg_t *m, L4_Word_t *untyped, void *items)
{
    L4_Word_t u = L4_UntypedWords(m->tag), t = L4_TypedWords(m->tag);
    L4_Word_t *typed = items;
    for (L4_Word_t i = 0; i < u; i++)
        untyped[i] = m->raw[1 + i];
    for (L4_Word_t i = 0; i < t; i++)
        typed[i] = m->raw[1 + u + i];
}

/* Untyped word u (from 0) is MR u+1. */
static inline L4_Word_t L4_MsgWord(const L4_Msg_t *m, L4_Word_t u) { return m->raw[1 + u]; }
static inline void L4_MsgGetWord(const L4_Msg_t *m, L4_Word_t u, L4_Word_t *w) { *w = m->raw[1 + u]; }
static inline void L4_MsgPutWord(L4_Msg_t *m, L4_Word_t u, L4_Word_t w) { m->raw[1 + u] = w; }

/* Append an untyped word; typed words move up by one. */
static inline void L4_MsgAppendWord(L4_Msg_t *m, L4_Word_t w)
{
    L4_Word_t u = L4_UntypedWords(m->tag), n = __L4_MsgWords(m);
    if (n + 1 >= __L4_NUM_MRS)
        return;
    for (L4_Word_t i = n + 1; i > u + 1; i--)
        m->raw[i] = m->raw[i - 1];
    m->raw[u + 1] = w;
    m->tag.raw++;
}
/* Append n typed words. */
static inline void __L4_MsgAppendTyped(L4_Msg_t *m, const L4_Word_t *w, L4_Word_t n)
{
    L4_Word_t end = 1 + __L4_MsgWords(m);
    if (end + n > __L4_NUM_MRS)
        return;
    for (L4_Word_t i = 0; i < n; i++)
        m->raw[end + i] = w[i];
    m->tag.raw += n << 6;
}
static inline void L4_MsgAppendMapItem(L4_Msg_t *m, L4_MapItem_t i) { __L4_MsgAppendTyped(m, i.raw, 2); }
static inline void L4_MsgAppendGrantItem(L4_Msg_t *m, L4_GrantItem_t i) { __L4_MsgAppendTyped(m, i.raw, 2); }
static inline void L4_MsgAppendSimpleStringItem(L4_Msg_t *m, L4_StringItem_t s)
{
    __L4_MsgAppendTyped(m, s.raw, 2);
}
/* `s`: a string item with its substrings and compound parts. */
static inline void L4_MsgAppendStringItem(L4_Msg_t *m, const L4_StringItem_t *s)
{
    const L4_Word_t *w = __L4_STR_CW(s);
    L4_Word_t n = 0;
    while (w[n] & __L4_STR_c)
        n += __L4_StringWords(w[n]);
    __L4_MsgAppendTyped(m, w, n + __L4_StringWords(w[n]));
}

/* Typed word t (from 0) is MR u+1+t. The Get functions return the number
 * of words the item occupies. */
static inline void L4_MsgPutMapItem(L4_Msg_t *m, L4_Word_t t, L4_MapItem_t i)
{
    L4_Word_t at = 1 + L4_UntypedWords(m->tag) + t;
    m->raw[at] = i.raw[0];
    m->raw[at + 1] = i.raw[1];
}
static inline void L4_MsgPutGrantItem(L4_Msg_t *m, L4_Word_t t, L4_GrantItem_t i) { L4_MsgPutMapItem(m, t, i); }
static inline L4_Word_t L4_MsgGetMapItem(const L4_Msg_t *m, L4_Word_t t, L4_MapItem_t *i)
{
    L4_Word_t at = 1 + L4_UntypedWords(m->tag) + t;
    i->raw[0] = m->raw[at];
    i->raw[1] = m->raw[at + 1];
    return 2;
}
static inline L4_Word_t L4_MsgGetGrantItem(const L4_Msg_t *m, L4_Word_t t, L4_GrantItem_t *i)
{
    return L4_MsgGetMapItem(m, t, i);
}
/* Copies the whole item chain into the words at s. */
static inline L4_Word_t L4_MsgGetStringItem(const L4_Msg_t *m, L4_Word_t t, L4_StringItem_t *s)
{
    const L4_Word_t *from = &m->raw[1 + L4_UntypedWords(m->tag) + t], *end = &m->raw[__L4_NUM_MRS];
    L4_Word_t n = 0, h, *w = __L4_STR_W(s);
    do {
        h = from[n];
        for (L4_Word_t k = __L4_StringWords(h); k > 0 && from + n < end; k--, n++)
            w[n] = from[n];
    } while ((h & __L4_STR_c) && from + n < end);
    return n;
}

/* MR0..MR(u+t) := the message. */
static inline void L4_MsgLoad(const L4_Msg_t *m)
{
    L4_Word_t n = 1 + __L4_MsgWords(m);
    L4_LoadMRs(0, (int)(n < __L4_NUM_MRS ? n : __L4_NUM_MRS), m->raw);
}
/* The message := tag t and MR1..MR(u+t). */
static inline void L4_MsgStore(L4_MsgTag_t t, L4_Msg_t *m)
{
    m->tag = t;
    L4_Word_t n = __L4_MsgWords(m);
    L4_StoreMRs(1, (int)(n < __L4_NUM_MRS ? n : __L4_NUM_MRS - 1), &m->raw[1]);
}
