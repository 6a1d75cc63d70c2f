/* Shared main() for Check unit-test programs: TAP output when run by meson. */
#ifndef HC_CHECK_H
#define HC_CHECK_H

#include <check.h>
#include <stdlib.h>

#define HC_CHECK_MAIN(make_suite)                                              \
    int main(void)                                                             \
    {                                                                          \
        SRunner *runner = srunner_create(make_suite());                        \
        srunner_run_all(runner, CK_ENV);                                       \
        int failed = srunner_ntests_failed(runner);                            \
        srunner_free(runner);                                                  \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                      \
    }

#endif
