/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * unit_support.h: what every unit test program shares: an APR pool per
 * test (a checked fixture) and a main() that runs one suite.
 */

#ifndef UNIT_SUPPORT_H
#define UNIT_SUPPORT_H

#include <check.h>
#include <apr_pools.h>

/* The current test's pool, made by unit_setup and destroyed after it. */
extern apr_pool_t *pool;

void unit_setup(void);
void unit_teardown(void);

/* Initialize APR, run `s` and return the process exit status. */
int unit_run(Suite *s);

#endif /* UNIT_SUPPORT_H */
