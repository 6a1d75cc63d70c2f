/* Shared main() for Check unit-test programs: TAP output when run by meson. */
#ifndef HC_CHECK_H
#define HC_CHECK_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

#define HC_CHECK_MAIN(make_suite)                                              \
    int main(void)                                                             \
    {                                                                          \
        SRunner *runner = srunner_create(make_suite());                        \
        srunner_run_all(runner, CK_ENV);                                       \
        int failed = srunner_ntests_failed(runner);                            \
        srunner_free(runner);                                                  \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                      \
    }

/* mkdir -p: every missing directory of `path` with `mode`; the test fails
 * when the last one can neither be made nor already exists. */
static inline void hc_check_mkdir_p(const char *path, mode_t mode)
{
    char buf[4096];
    int len = snprintf(buf, sizeof buf, "%s", path);
    ck_assert_msg(len >= 0 && (size_t)len < sizeof buf, "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, mode);
            *p = '/';
        }
    }
    ck_assert_msg(mkdir(buf, mode) == 0 || errno == EEXIST, "mkdir %s", buf);
}

#endif
