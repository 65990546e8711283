/* SPDX-License-Identifier: MIT */
/*
 * What every Check test program does with its suite: run it with the environment's settings
 * (meson sets CK_TAP_LOG_FILE_NAME=-, CK_VERBOSITY=silent: TAP on stdout; the valgrind setup
 * CK_FORK=no) and exit 1 when a test failed.
 */
#pragma once

#include <check.h>
#include <stdio.h>

static inline int kl_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* Add test case `name` to s: tests[0..n), each run between setup and teardown (NULL: none,
 * Check's checked fixtures), with a per-test timeout (0: Check's). */
static inline void kl_check_add(Suite *s, const char *name, double timeout, SFun setup,
				SFun teardown, const TTest *const *tests, size_t n)
{
	TCase *t = tcase_create(name);
	if (timeout > 0)
		tcase_set_timeout(t, timeout);
	if (setup || teardown)
		tcase_add_checked_fixture(t, setup, teardown);
	for (size_t i = 0; i < n; i++)
		tcase_add_test(t, tests[i]);
	suite_add_tcase(s, t);
}

/* Run a suite NAME of one test case "all": tests[0..n) with a per-test timeout. */
static inline int kl_check_main(const char *name, double timeout, const TTest *const *tests,
				size_t n)
{
	Suite *s = suite_create(name);
	kl_check_add(s, "all", timeout, NULL, NULL, tests, n);
	return kl_check_run(s);
}

#define KL_CHECK_N(a) (sizeof(a) / sizeof((a)[0]))

/* All of f's bytes (NUL-terminated, malloc'ed; its length in *ret_len when not NULL). */
static inline char *kl_check_read_all(FILE *f, size_t *ret_len)
{
	char *buf = NULL, tmp[65536];
	size_t len = 0, n;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		fwrite(tmp, 1, n, m);
	fclose(m);
	if (ret_len)
		*ret_len = len;
	return buf;
}
