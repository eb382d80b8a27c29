/* The intrusive lists of list.h, on objects with two nodes each. */
#define CHECK_SUITE "list"
#include "check.h"
#include "list.h"

struct obj {
    int id;
    struct list_node a, b;
};

/* The ids of `l` (linked by node a), as digits: "123". */
static const char *ids(const struct list *l)
{
    static char buf[32];
    size_t n = 0;
    struct obj *o;
    list_for_each(o, l, a)
        buf[n++] = (char)('0' + o->id);
    buf[n] = '\0';
    return buf;
}

/* The ring backwards from the last node, which must mirror it. */
static const char *ids_backwards(const struct list *l)
{
    static char buf[32];
    size_t n = 0;
    if (l->first) {
        struct obj *p = l->first;
        do {
            p = p->a.prev;
            buf[n++] = (char)('0' + p->id);
        } while (p != l->first);
    }
    buf[n] = '\0';
    return buf;
}

static struct obj o[6];

static void init(void)
{
    memset(o, 0, sizeof o);
    for (int i = 0; i < 6; i++)
        o[i].id = i;
}

CHECK_TEST(empty_list_is_a_zero_word)
{
    struct list l = { 0 };
    init();
    EXPECT(list_empty(&l));
    EXPECT(!list_linked(&o[1], a));
    EXPECT_STR(ids(&l), "");
}

CHECK_TEST(append_keeps_order_both_ways)
{
    struct list l = { 0 };
    init();
    list_append(&l, &o[1], a);
    list_append(&l, &o[2], a);
    list_append(&l, &o[3], a);
    EXPECT_STR(ids(&l), "123");
    EXPECT_STR(ids_backwards(&l), "321");
    EXPECT(list_linked(&o[2], a));
    EXPECT(!list_empty(&l));
}

CHECK_TEST(insert_before_first_makes_it_first)
{
    struct list l = { 0 };
    init();
    list_append(&l, &o[2], a);
    list_insert_before(&l, &o[1], &o[2], a);
    list_insert_before(&l, &o[3], NULL, a);
    list_insert_before(&l, &o[4], &o[3], a);
    EXPECT_STR(ids(&l), "1243");
    EXPECT_STR(ids_backwards(&l), "3421");
}

CHECK_TEST(remove_first_middle_last_and_only)
{
    struct list l = { 0 };
    init();
    for (int i = 1; i <= 4; i++)
        list_append(&l, &o[i], a);
    EXPECT(!list_remove(&l, &o[1], a));
    EXPECT_STR(ids(&l), "234");
    EXPECT(!list_remove(&l, &o[3], a));
    EXPECT_STR(ids(&l), "24");
    EXPECT_STR(ids_backwards(&l), "42");
    EXPECT(!list_remove(&l, &o[4], a));
    EXPECT_STR(ids(&l), "2");
    EXPECT(list_remove(&l, &o[2], a));
    EXPECT(list_empty(&l));
    for (int i = 1; i <= 4; i++)
        EXPECT(!list_linked(&o[i], a));
}

CHECK_TEST(an_object_is_on_two_lists_at_once)
{
    struct list la = { 0 }, lb = { 0 };
    init();
    for (int i = 1; i <= 3; i++) {
        list_append(&la, &o[i], a);
        list_append(&lb, &o[4 - i], b);
    }
    list_remove(&la, &o[2], a);
    EXPECT_STR(ids(&la), "13");
    int n = 0;
    struct obj *p;
    list_for_each(p, &lb, b)
        n = n * 10 + p->id;
    EXPECT_EQ(n, 321);
}

CHECK_TEST(next_ends_after_the_last)
{
    struct list l = { 0 };
    init();
    list_append(&l, &o[1], a);
    list_append(&l, &o[2], a);
    EXPECT(list_next(&l, &o[1], a) == &o[2]);
    EXPECT(list_next(&l, &o[2], a) == NULL);
}
