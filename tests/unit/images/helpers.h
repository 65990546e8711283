/* SPDX-License-Identifier: MIT */
/* Small helpers for the images unit tests: temporary trees and files. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"

static inline char *t_tmpdir(void)
{
	char *d = strdup("/tmp/kl-images-test.XXXXXX");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static inline char *t_write(const char *dir, const char *rel, const char *content)
{
	char *p = kl_path_join(dir, rel);
	ck_assert_ptr_nonnull(p);
	char *parent = strdup(p);
	*strrchr(parent, '/') = '\0';
	ck_assert_int_eq(kl_mkdir_p(parent, 0755, NULL), 0);
	free(parent);
	FILE *f = fopen(p, "we");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

/* Run a shell command, return its stdout (malloc'ed). */
static inline char *t_sh(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	ck_assert_int_eq(pclose(f), 0);
	return out;
}

static inline int t_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
