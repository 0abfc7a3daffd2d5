/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

#include <stdlib.h>

#include <apr_general.h>

#include "unit_support.h"

apr_pool_t *pool;

void unit_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

void unit_teardown(void)
{
    apr_pool_destroy(pool);
    pool = NULL;
}

int unit_run(Suite *s)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    atexit(apr_terminate);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
