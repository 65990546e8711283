/* SPDX-License-Identifier: MIT */
/*
 * What every Check test program does with its suite: run it with the environment's settings
 * (meson sets CK_TAP_LOG_FILE_NAME=-, CK_VERBOSITY=silent: TAP on stdout; the valgrind setup
 * CK_FORK=no) and exit 1 when a test failed.
 */
#pragma once

#include <check.h>

static inline int kl_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* A suite NAME of one test case "all" with tests[0..n) and a per-test timeout (0: Check's). */
static inline int kl_check_main(const char *name, double timeout, const TTest *const *tests,
				size_t n)
{
	Suite *s = suite_create(name);
	TCase *t = tcase_create("all");
	if (timeout > 0)
		tcase_set_timeout(t, timeout);
	for (size_t i = 0; i < n; i++)
		tcase_add_test(t, tests[i]);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
