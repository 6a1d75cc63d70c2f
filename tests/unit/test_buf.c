/* hc_buf: appends, printf, CSV quoting. */
#include <string.h>

#include "hc_check.h"
#include "hindcast/buf.h"

START_TEST(appends_and_printf)
{
    hc_buf b = HC_BUF_INIT;
    ck_assert_int_eq(hc_buf_puts(&b, "ab"), 0);
    ck_assert_int_eq(hc_buf_putc(&b, 'c'), 0);
    ck_assert_int_eq(hc_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    ck_assert_str_eq(b.data, "abc-42-x");
    ck_assert_uint_eq(b.len, 8);
    hc_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    for (int i = 0; i < 10000; i++)
        hc_buf_putc(&b, 'z');
    ck_assert_uint_eq(b.len, 10000);
    ck_assert_int_eq(b.data[9999], 'z');
    ck_assert_int_eq(b.data[10000], '\0');
    hc_buf_free(&b);
}
END_TEST

static const char *csv(const char *s)
{
    static hc_buf b = HC_BUF_INIT;
    hc_buf_reset(&b);
    hc_buf_put_csv_field(&b, s, strlen(s));
    return b.data ? b.data : "";
}

START_TEST(csv_quoting_only_when_needed)
{
    ck_assert_str_eq(csv("client_1"), "client_1");
    ck_assert_str_eq(csv(""), "");
    ck_assert_str_eq(csv("a,b"), "\"a,b\"");
    ck_assert_str_eq(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
    ck_assert_str_eq(csv("line\nbreak"), "\"line\nbreak\"");
    ck_assert_str_eq(csv("cr\r"), "\"cr\r\"");
    ck_assert_str_eq(csv("sp ace;semi"), "sp ace;semi");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, appends_and_printf);
    tcase_add_test(tc, csv_quoting_only_when_needed);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)
