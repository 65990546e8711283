/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/size.h"
#include "plan/plan.h"
#include "run/cell.h"

START_TEST(size_parse_units)
{
	static const struct {
		const char *in;
		uint64_t out;
	} ok[] = {
		{ "1G", 1ULL << 30 },	   { "192M", 192ULL << 20 }, { "512MiB", 512ULL << 20 },
		{ "1024", 1024ULL << 20 }, { "4096k", 4ULL << 20 },  { "0", 0 },
		{ "2gb", 2ULL << 30 },	   { "100B", 100 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 1;
		struct kl_error *e = NULL;
		ck_assert_int_eq(kl_size_parse(ok[i].in, "--memory", &v, &e), 0);
		ck_assert_uint_eq(v, ok[i].out);
		ck_assert_ptr_null(e);
	}
}
END_TEST

START_TEST(size_parse_bad)
{
	const char *bad[] = { "", "G", "-1G", "1Q", "1.5G", "99999999999999999999", "17179869184T" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_int_lt(kl_size_parse(bad[i], "--memory", &v, &e), 0);
		ck_assert_uint_eq(v, 7); /* untouched on failure */
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->exit_code, 2);
		ck_assert_ptr_nonnull(strstr(e->msg, "--memory"));
		if (*bad[i])
			ck_assert_msg(strstr(e->msg, bad[i]), "message \"%s\" names the value",
				      e->msg);
	}
}
END_TEST

START_TEST(size_format_roundtrip)
{
	char b[32];
	kl_size_format(192ULL << 20, b, sizeof(b));
	ck_assert_str_eq(b, "192M");
	kl_size_format(1ULL << 30, b, sizeof(b));
	ck_assert_str_eq(b, "1G");
	kl_size_format(1536ULL << 20, b, sizeof(b));
	ck_assert_str_eq(b, "1536M");
	kl_size_format(0, b, sizeof(b));
	ck_assert_str_eq(b, "0B");
}
END_TEST

static struct kl_plan *parse_ok(const char *text)
{
	struct kl_plan *p = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	int r = kl_plan_parse_string(text, "t.plan", &p, &e);
	ck_assert_msg(r == 0, "parse failed: %s", e ? e->msg : "?");
	return p;
}

static char *parse_err(const char *text)
{
	struct kl_plan *p = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_lt(kl_plan_parse_string(text, "t.plan", &p, &e), 0);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->exit_code, 2);
	char *m = strdup(e->msg);
	kl_error_free(e);
	return m;
}

START_TEST(plan_cells_and_defaults)
{
	struct kl_plan *p = parse_ok("# smoke\n"
				     "[defaults]\n"
				     "kernel = debian:trixie\n"
				     "vcpus = 2\n"
				     "\n"
				     "[cell a]\n"
				     "memory = 1G   # one gig\n"
				     "crashkernel = 192M\n"
				     "[cell b]\n"
				     "memory = 2G\n"
				     "kernel = local:/x/vmlinuz\n"
				     "expect = fail/no-reservation\n");
	ck_assert_uint_eq(p->n_cells, 2);
	ck_assert_str_eq(p->cells[0].id, "a");
	ck_assert_str_eq(p->cells[0].kernel, "debian:trixie");
	ck_assert_uint_eq(p->cells[0].memory, 1ULL << 30);
	ck_assert_uint_eq(p->cells[0].crashkernel, 192ULL << 20);
	ck_assert_uint_eq(p->cells[0].vcpus, 2);
	ck_assert_str_eq(p->cells[0].scenario, "sysrq");
	ck_assert_str_eq(p->cells[0].expect, "pass");
	ck_assert_str_eq(p->cells[1].kernel, "local:/x/vmlinuz");
	ck_assert_uint_eq(p->cells[1].crashkernel, 0);
	ck_assert_str_eq(p->cells[1].expect, "fail/no-reservation");
	kl_plan_free(p);
}
END_TEST

START_TEST(plan_matrix_expands)
{
	struct kl_plan *p =
		parse_ok("[matrix grid]\nmemory = 1G, 2G\ncrashkernel = 128M,192M, 256M\n");
	ck_assert_uint_eq(p->n_cells, 6);
	ck_assert_str_eq(p->cells[0].id, "grid-1G-128M");
	ck_assert_str_eq(p->cells[1].id, "grid-2G-128M");
	ck_assert_str_eq(p->cells[5].id, "grid-2G-256M");
	ck_assert_uint_eq(p->cells[5].memory, 2ULL << 30);
	ck_assert_uint_eq(p->cells[5].crashkernel, 256ULL << 20);
	kl_plan_free(p);
}
END_TEST

/*
 * The largest plan: a 64 x 64 matrix (1.3 KiB of text) expands to 4096 cells, every one kept
 * whole and in order across the array's doublings (tests/fuzz/crashes/plan/oom-matrix-4096:
 * growing by one cell at a time, the copies made ASan's RSS pass 64 MiB), and a cell more is
 * refused by name.
 */
static char *matrix_text(size_t n_memory, bool extra_cell)
{
	char *t = malloc(4096);
	size_t o = (size_t)sprintf(t, "[matrix g]\nmemory = ");
	for (size_t i = 0; i < n_memory; i++)
		o += (size_t)sprintf(t + o, "%s%zuM", i ? "," : "", 128 + i);
	o += (size_t)sprintf(t + o, "\ncrashkernel = ");
	for (size_t i = 0; i < 64; i++)
		o += (size_t)sprintf(t + o, "%s%zuM", i ? "," : "", i);
	sprintf(t + o, "\n%s", extra_cell ? "[cell one-more]\nmemory = 1G\n" : "");
	return t;
}

START_TEST(plan_matrix_4096_cells)
{
	char *text = matrix_text(64, false);
	struct kl_plan *p = parse_ok(text);
	ck_assert_uint_eq(p->n_cells, 4096);
	for (size_t i = 0; i < p->n_cells; i++) {
		char id[64];
		snprintf(id, sizeof(id), "g-%zuM-%zuM", 128 + i % 64, i / 64);
		ck_assert_str_eq(p->cells[i].id, id);
		ck_assert_uint_eq(p->cells[i].memory, (uint64_t)(128 + i % 64) << 20);
		ck_assert_uint_eq(p->cells[i].crashkernel, (uint64_t)(i / 64) << 20);
		ck_assert_str_eq(p->cells[i].scenario, KL_DEFAULT_SCENARIO);
	}
	kl_plan_free(p);
	free(text);

	text = matrix_text(64, true);
	char *m = parse_err(text);
	ck_assert_msg(strstr(m, "more than 4096 cells"), "%s", m);
	free(m);
	free(text);
}
END_TEST

START_TEST(plan_errors_name_line_and_value)
{
	static const struct {
		const char *text, *want1, *want2;
	} cases[] = {
		{ "[cell a]\nmemroy = 1G\n", "t.plan:2", "\"memroy\"" },
		{ "[cell a]\nmemory = 1G\ncrashkernel = 2G\n", "t.plan:1", "crashkernel \"2G\"" },
		{ "[cell a]\nmemory = 0\n", "t.plan:1", "memory \"0B\"" },
		{ "[cel a]\nmemory = 1G\n", "t.plan:1", "\"[cel]\"" },
		{ "memory = 1G\n", "t.plan:1", "outside a section" },
		{ "[cell a]\nmemory = 1G, 2G\n", "t.plan:2", "only in [matrix" },
		{ "[cell a]\nmemory = 1G\n[cell a]\nmemory = 2G\n", "duplicate", "\"a\"" },
		{ "# nothing\n", "no cells", "t.plan" },
		{ "[cell a]\nmemory = 1X\n", "unknown unit", "\"1X\"" },
		{ "[cell a]\nmemory = 1G\nvcpus = 0\n", "vcpus", "\"0\"" },
		{ "[cell a]\nmemory = 1G\nexpect = maybe\n", "expect", "\"maybe\"" },
		{ "[cell a b]\nmemory = 1G\n", "name", "\"a b\"" },
		/* hostile names and values (issue 6): caught at parse time, with file:line */
		{ "[cell ..]\nmemory = 1G\n", "t.plan:1", "\"..\"" },
		{ "[cell .]\nmemory = 1G\n", "t.plan:1", "\".\"" },
		{ "[cell .hidden]\nmemory = 1G\n", "t.plan:1", "\".hidden\"" },
		{ "[cell -x]\nmemory = 1G\n", "t.plan:1", "\"-x\"" },
		{ "[cell a.attempt-1]\nmemory = 1G\n", "t.plan:1", ".attempt-" },
		{ "[matrix a]\nmemory = 1G\ncrashkernel = 0, 128M\nexpect = pass\n[cell a-0B.attempt-2]\n",
		  "t.plan:5", ".attempt-" },
		{ "[cell a]\nmemory = 1G\nscenario = sysrq init=/bin/sh\n", "t.plan:1",
		  "unknown scenario \"sysrq init=/bin/sh\"; expected one of sysrq" },
		{ "[cell a]\nmemory = 134217729B\n", "t.plan:1", "4 KiB pages" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = parse_err(cases[i].text);
		ck_assert_msg(strstr(m, cases[i].want1) && strstr(m, cases[i].want2),
			      "case %zu: message \"%s\" lacks \"%s\"/\"%s\"", i, m, cases[i].want1,
			      cases[i].want2);
		free(m);
	}
}
END_TEST

START_TEST(plan_matrix_id_bounded)
{
	/* 60 + 1 + 63 + 1 + 4 bytes: past KL_CELL_ID_MAX, refused at parse time, not at run time. */
	char text[512], name[61], kernel[64];
	memset(name, 'n', 60);
	name[60] = '\0';
	memset(kernel, 'k', 63);
	kernel[63] = '\0';
	snprintf(
		text, sizeof(text),
		"[matrix %s]\nkernel = local:%s, local:/%s\nmemory = 1G\ncrashkernel = 128M, 192M\n",
		name, kernel, kernel);
	char *m = parse_err(text);
	ck_assert_msg(strstr(m, "t.plan:1") && strstr(m, "expected 1 to 128"), "message \"%s\"", m);
	free(m);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_cell_id_check("a-1G-128M", &e), 0);
	ck_assert_int_lt(kl_cell_id_check("", &e), 0);
}
END_TEST

START_TEST(plan_file_missing)
{
	struct kl_plan *p = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_plan_parse_file("/nonexistent/x.plan", &p, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, "\"/nonexistent/x.plan\""));
	ck_assert_int_eq(e->exit_code, 2);
}
END_TEST

START_TEST(plan_smoke_ships_and_parses)
{
	struct kl_plan *p = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_plan_parse_file(SMOKE_PLAN, &p, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_uint_ge(p->n_cells, 2);
	kl_plan_free(p);
}
END_TEST

/* The first kernel's command line is part of the protocol with the loader: pin it. */
START_TEST(cell_cmdline_golden)
{
	struct kl_cell_spec c = { .id = (char *)"a",
				  .kernel = (char *)"debian:bookworm",
				  .memory = 1ULL << 30,
				  .vcpus = 2,
				  .crashkernel = 192ULL << 20,
				  .scenario = (char *)"sysrq",
				  .expect = (char *)"pass" };
	char *s = NULL;
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_str_eq(s, "console=ttyS0,115200 panic=-1 printk.devkmsg=on crashkernel=192M "
			    "kdumplab.scenario=sysrq kdumplab.disk=kdumplab-dump");
	free(s);
	c.crashkernel = 0; /* no reservation: no crashkernel= at all */
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_ptr_null(strstr(s, "crashkernel"));
	free(s);
	/* capture_append travels encoded (one token) for the loader to add, decoded, at the end */
	c.capture_append = (char *)"rdinit=/no such nr_cpus=1 100%";
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_str_eq(s,
			 "console=ttyS0,115200 panic=-1 printk.devkmsg=on kdumplab.scenario=sysrq "
			 "kdumplab.disk=kdumplab-dump "
			 "kdumplab.capture_append=rdinit=/no%20such%20nr_cpus=1%20100%25");
	free(s);
}
END_TEST

START_TEST(plan_capture_append)
{
	struct kl_plan *p =
		parse_ok("[cell a]\nmemory = 1G\ncapture_append = rdinit=/nope  nr_cpus=1\n"
			 "[cell b]\nmemory = 1G\n");
	ck_assert_str_eq(p->cells[0].capture_append, "rdinit=/nope  nr_cpus=1");
	ck_assert_ptr_null(p->cells[1].capture_append);
	kl_plan_free(p);
	char long_[400];
	memset(long_, 'x', sizeof(long_) - 1);
	long_[sizeof(long_) - 1] = 0;
	char text[512];
	snprintf(text, sizeof(text), "[cell a]\nmemory = 1G\ncapture_append = %s\n", long_);
	char *m = parse_err(text);
	ck_assert_msg(strstr(m, "capture_append is 399 bytes; expected 1 to 256"), "%s", m);
	free(m);
	m = parse_err("[cell a]\nmemory = 1G\ncapture_append = a\tb\n");
	ck_assert_msg(strstr(m, "byte 0x09"), "%s", m);
	free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan");
	TCase *t = tcase_create("all");
	tcase_add_test(t, size_parse_units);
	tcase_add_test(t, plan_capture_append);
	tcase_add_test(t, size_parse_bad);
	tcase_add_test(t, size_format_roundtrip);
	tcase_add_test(t, plan_cells_and_defaults);
	tcase_add_test(t, plan_matrix_expands);
	tcase_add_test(t, plan_matrix_4096_cells);
	tcase_add_test(t, plan_errors_name_line_and_value);
	tcase_add_test(t, plan_file_missing);
	tcase_add_test(t, plan_matrix_id_bounded);
	tcase_add_test(t, plan_smoke_ships_and_parses);
	tcase_add_test(t, cell_cmdline_golden);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
