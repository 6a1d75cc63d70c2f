/* Placeholder: replaced when the module lands. */
#include "hc_check.h"

START_TEST(placeholder) { ck_assert_int_eq(1, 1); }
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("writer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, placeholder);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)
