/* SPDX-License-Identifier: MIT */
#include "kl-check.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "fault.h"
#include "plan/journal.h"
#include "plan/keys.h"
#include "plan/outcome.h"
#include "plan/plan.h"

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

/* cpu=each is one cell per vCPU, ids suffixed -cpuN, in a cell and in a matrix. */
START_TEST(plan_scenario_cpu_each_expands)
{
	struct kl_plan *p =
		parse_ok("[cell s]\nmemory = 1G\nvcpus = 3\nscenario = sysrq:cpu=each\n"
			 "[matrix m]\nmemory = 1G, 2G\nvcpus = 2\nscenario = sysrq:cpu=each\n");
	ck_assert_uint_eq(p->n_cells, 3 + 4);
	ck_assert_str_eq(p->cells[0].id, "s-cpu0");
	ck_assert_str_eq(p->cells[0].scenario, "sysrq:cpu=0");
	ck_assert_str_eq(p->cells[2].id, "s-cpu2");
	ck_assert_str_eq(p->cells[2].scenario, "sysrq:cpu=2");
	ck_assert_str_eq(p->cells[4].id, "m-1G-cpu1");
	ck_assert_str_eq(p->cells[4].scenario, "sysrq:cpu=1");
	kl_plan_free(p);
}
END_TEST

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
		  "scenario \"sysrq init=/bin/sh\": the name has ' ' at 5" },
		{ "[cell a]\nmemory = 1G\nscenario = bogus\n", "t.plan:1",
		  "unknown scenario \"bogus\"; expected one of sysrq, none, nmi" },
		{ "[cell a]\nmemory = 1G\nvcpus = 2\nscenario = sysrq:cpu=2\n", "t.plan:1",
		  "cpu=2; expected a CPU from 0 to 1, or each" },
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

/* The fault key (common/fault.c): each fault provokes an outcome of the list, --help names
 * every fault, and an unknown one is refused at parse time with the list. */
START_TEST(plan_fault)
{
	const struct kl_cell_key *k = kl_cell_key_find("fault");
	ck_assert_ptr_nonnull(k);
	for (size_t i = 0; i < KL_FAULT_COUNT; i++) {
		struct kl_outcome o;
		ck_assert_int_eq(kl_faults[i].id, (int)i);
		ck_assert_ptr_eq(kl_fault_find(kl_faults[i].name), &kl_faults[i]);
		ck_assert_msg(kl_outcome_parse(kl_faults[i].provokes, &o, NULL) == 0 &&
				      o.verdict == KL_VERDICT_FAIL,
			      "%s provokes \"%s\"", kl_faults[i].name, kl_faults[i].provokes);
		ck_assert_msg(strstr(k->help, kl_faults[i].name), "--help lacks %s",
			      kl_faults[i].name);
	}
	struct kl_plan *p = parse_ok("[cell a]\nmemory = 1G\nfault = wrong-crash\n[cell b]\n"
				     "memory = 1G\n");
	ck_assert_str_eq(p->cells[0].fault, "wrong-crash");
	ck_assert_ptr_null(p->cells[1].fault);
	kl_plan_free(p);
	char *m = parse_err("[cell a]\nmemory = 1G\nfault = sysrq\n");
	ck_assert_msg(strstr(m, "t.plan:3") || strstr(m, "t.plan:1"), "%s", m);
	ck_assert_msg(strstr(m, "unknown fault \"sysrq\"; expected one of trigger-noop, "
				"trigger-hang, capture-silent, saver-halfway, saver-no-marker, "
				"saver-corrupt, wrong-crash"),
		      "%s", m);
	free(m);
}
END_TEST

/*
 * The cell key table (lab/plan/keys.c). Every key needs a sample here: a value that parses,
 * another value (the journal must tell them apart), and a value its bounds refuse, so a key
 * added to the table without one fails this test.
 */
#define USER_KO "/tmp/kdumplab-test-plan-user.ko"
static const struct {
	const char *name, *good, *other, *bad;
	const char *context; /* other keys the key needs in a plan (cross-key checks) */
} key_samples[] = {
	/* kernel specs are checked when the run prepares them (images/kernel-spec.c; errors in
	 * tests/host/cli-errors.sh), not when a plan is read */
	{ "kernel", "local:/x/vmlinuz", "debian:trixie", NULL },
	{ "memory", "2G", "1536M", "1X" },
	{ "vcpus", "4", "8", "0" },
	{ "crashkernel", "256M", "128M", "100K" },
	{ "scenario", "none", "sysrq", "nope" },
	{ "expect", "fail/no-reservation", "pass", "maybe" },
	{ "capture_append", "nr_cpus=1", "irqpoll", "a\tb" },
	{ "module", USER_KO, "/tmp/other.ko", "/nonexistent/x.ko",
	  "scenario = module\nexpect_panic = BUG\n" },
	{ "expect_panic", "kernel BUG at", "Oops", "(" },
	{ "fault", "trigger-hang", "saver-corrupt", "crash-harder" },
};

static size_t key_sample(const struct kl_cell_key *k)
{
	for (size_t i = 0; i < sizeof(key_samples) / sizeof(key_samples[0]); i++)
		if (streq(key_samples[i].name, k->name))
			return i;
	ck_abort_msg("cell key \"%s\" has no sample in key_samples[] (test-plan.c)", k->name);
	return 0;
}

/* "[cell a]\nmemory = 1G\n<key> = <value>\n" (memory given once). */
static void key_plan(char *buf, size_t len, const struct kl_cell_key *k, const char *value)
{
	const char *ctx = key_samples[key_sample(k)].context;
	FILE *f = fopen(USER_KO, "w"); /* the module sample's readable FILE.ko */
	ck_assert_ptr_nonnull(f);
	fclose(f);
	if (streq(k->name, "memory"))
		snprintf(buf, len, "[cell a]\nmemory = %s\n", value);
	else
		snprintf(buf, len, "[cell a]\nmemory = 1G\n%s%s = %s\n", ctx ? ctx : "", k->name,
			 value);
}

START_TEST(cell_keys_table_is_consistent)
{
	size_t resolved = 0;
	ck_assert_uint_le(kl_cell_keys_count, KL_CELL_KEYS_MAX);
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		ck_assert_msg(k->name && k->option && k->json && k->metavar && k->help,
			      "key %zu lacks a name, option, JSON key, metavar or help", i);
		ck_assert_ptr_eq(kl_cell_key_find(k->name), k);
		ck_assert_uint_eq(strspn(k->option, "abcdefghijklmnopqrstuvwxyz-"),
				  strlen(k->option));
		for (size_t j = 0; j < i; j++) {
			const struct kl_cell_key *o = &kl_cell_keys[j];
			ck_assert_msg(!streq(o->option, k->option) && !streq(o->json, k->json) &&
					      o->offset != k->offset,
				      "keys %s and %s share an option, JSON key or field", o->name,
				      k->name);
		}
		if (k->type == KL_KEY_UINT)
			ck_assert_uint_le(k->min, k->max);
		resolved += k->json_resolved != NULL;
		/* defaults parse (a plan's and kdumplab run's) */
		struct kl_cell_spec c = { 0 };
		_cleanup_error_ struct kl_error *e = NULL;
		if (k->dflt)
			ck_assert_int_eq(kl_cell_key_set(k, &c, k->dflt, KL_KEY_FROM_PLAN, &e), 0);
		if (k->option_dflt)
			ck_assert_int_eq(
				kl_cell_key_set(k, &c, k->option_dflt, KL_KEY_FROM_OPTION, &e), 0);
		ck_assert_msg(!(k->required && k->dflt), "%s: required with a default", k->name);
		kl_cell_spec_clear(&c);
	}
	ck_assert_uint_eq(resolved, 1); /* the kernel's release */
	char names[512];
	ck_assert_str_eq(kl_cell_key_names(names, sizeof(names)),
			 "kernel, memory, vcpus, crashkernel, scenario, expect, capture_append, "
			 "module, expect_panic, fault");
}
END_TEST

START_TEST(cell_keys_parse_good_refuse_bad)
{
	char text[512];
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		size_t s = key_sample(k);
		/* a plan value */
		key_plan(text, sizeof(text), k, key_samples[s].good);
		struct kl_plan *p = parse_ok(text);
		struct kl_cell_spec want = { 0 };
		ck_assert_int_eq(
			kl_cell_key_set(k, &want, key_samples[s].good, KL_KEY_FROM_OPTION, NULL),
			0);
		if (k->type == KL_KEY_STRING)
			ck_assert_str_eq(kl_cell_key_string(k, &p->cells[0]),
					 kl_cell_key_string(k, &want));
		else
			ck_assert_int_eq(memcmp((char *)&p->cells[0] + k->offset,
						(char *)&want + k->offset,
						k->type == KL_KEY_SIZE ? sizeof(uint64_t)
								       : sizeof(unsigned)),
					 0);
		kl_cell_spec_clear(&want);
		kl_plan_free(p);
		if (!key_samples[s].bad)
			continue;
		/* a bad plan value: refused with file:line, naming the key */
		key_plan(text, sizeof(text), k, key_samples[s].bad);
		char *m = parse_err(text);
		ck_assert_msg(strstr(m, "t.plan:") && strstr(m, k->name),
			      "%s = %s: message \"%s\" lacks t.plan: or the key", k->name,
			      key_samples[s].bad, m);
		free(m);
		/* the same value as kdumplab run --OPTION: refused when set or when checked */
		struct kl_cell_spec c = { .id = (char *)"a", .memory = 1ULL << 30, .vcpus = 2 };
		_cleanup_error_ struct kl_error *e = NULL;
		int r = kl_cell_key_set(k, &c, key_samples[s].bad, KL_KEY_FROM_OPTION, &e);
		if (r == 0)
			r = kl_cell_spec_check(&c, &e);
		ck_assert_int_lt(r, 0);
		ck_assert_int_eq(e->exit_code, 2);
		ck_assert_msg(strstr(e->msg, k->name) || strstr(e->msg, k->option), "--%s %s: %s",
			      k->option, key_samples[s].bad, e->msg);
		char **str = k->type == KL_KEY_STRING ? (char **)((char *)&c + k->offset) : NULL;
		if (str)
			free(*str);
	}
}
END_TEST

static struct kl_cell_spec sample_cell(void)
{
	struct kl_cell_spec c = { 0 };
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_ptr_nonnull(c.id = strdup("a"));
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		ck_assert_int_eq(kl_cell_key_set(k, &c, key_samples[key_sample(k)].good,
						 KL_KEY_FROM_PLAN, &e),
				 0);
	}
	return c;
}

/* What a run writes (results.json, cell.json) and a rerun reads back resumes the cell; a
 * cell that differs in any one key does not. */
START_TEST(cell_keys_json_roundtrip_and_resume)
{
	char dir[] = "/tmp/kdumplab-keys.XXXXXX", cells[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cells, sizeof(cells), "%s/cells/a", dir);
	ck_assert_int_eq(kl_mkdir_p(cells, 0755, NULL), 0);
	struct kl_cell_spec c = sample_cell();
	struct kl_cell_result *r = kl_cell_result_new(&c);
	ck_assert_ptr_nonnull(r);
	r->phase = KL_PHASE_VERDICT;
	r->release = strdup("6.1.0-test");
	r->attempts = 1;
	r->images_id = strdup("img");
	r->lab_version = strdup("v");
	ck_assert_int_eq(kl_journal_store(dir, r, NULL), 0);
	kl_cell_result_free(r);

	struct kl_cell_result *back = kl_journal_load(dir, &c, "img", "v");
	ck_assert_msg(back, "a stored cell with the same keys is not resumed");
	/* Read back through the table: every key's value, and the release. */
	struct json_object *o = json_object_new_object();
	kl_cell_keys_json(o, &back->spec, back->release);
	ck_assert(kl_cell_keys_match(o, &c));
	ck_assert_str_eq(back->release, "6.1.0-test");
	json_object_put(o);
	kl_cell_result_free(back);
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		struct kl_cell_spec d;
		ck_assert_int_eq(kl_cell_spec_copy(&d, &c), 0);
		ck_assert_int_eq(kl_cell_key_set(k, &d, key_samples[key_sample(k)].other,
						 KL_KEY_FROM_PLAN, NULL),
				 0);
		back = kl_journal_load(dir, &d, "img", "v");
		ck_assert_msg((back != NULL) == (k->resume == KL_RESUME_IGNORE),
			      "%s changed from %s to %s: resumed %d", k->name,
			      key_samples[key_sample(k)].good, key_samples[key_sample(k)].other,
			      back != NULL);
		kl_cell_result_free(back);
		kl_cell_spec_clear(&d);
	}
	kl_cell_spec_clear(&c);
	kl_rm_rf(dir);
}
END_TEST

/* results.json and cell.json: the spec part, byte for byte as before the table (key order,
 * sizes with their _h twins, release after kernel, expect last, null for an unset string). */
START_TEST(cell_keys_json_golden)
{
	struct kl_cell_spec c = sample_cell();
	struct json_object *o = json_object_new_object();
	kl_cell_keys_json(o, &c, "6.1.0-test");
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE),
			 "{\"id\":\"a\",\"kernel\":\"local:/x/vmlinuz\",\"release\":\"6.1.0-test\","
			 "\"memory\":2147483648,\"memory_h\":\"2G\",\"vcpus\":4,"
			 "\"crashkernel\":268435456,\"crashkernel_h\":\"256M\","
			 "\"scenario\":\"none\",\"capture_append\":\"nr_cpus=1\","
			 "\"module\":\"" USER_KO "\",\"expect_panic\":\"kernel BUG at\","
			 "\"fault\":\"trigger-hang\",\"expect\":\"fail/no-reservation\"}");
	json_object_put(o);
	free(c.capture_append);
	free(c.module);
	free(c.expect_panic);
	free(c.fault);
	c.capture_append = c.module = c.expect_panic = c.fault = NULL;
	o = json_object_new_object();
	kl_cell_keys_json(o, &c, NULL);
	ck_assert_str_eq(
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE),
		"{\"id\":\"a\",\"kernel\":\"local:/x/vmlinuz\",\"release\":null,"
		"\"memory\":2147483648,\"memory_h\":\"2G\",\"vcpus\":4,"
		"\"crashkernel\":268435456,\"crashkernel_h\":\"256M\","
		"\"scenario\":\"none\",\"capture_append\":null,\"module\":null,"
		"\"expect_panic\":null,\"fault\":null,\"expect\":\"fail/no-reservation\"}");
	ck_assert(kl_cell_keys_match(o, &c));
	json_object_put(o);
	kl_cell_spec_clear(&c);
}
END_TEST

/* Copies own their strings and fill the defaults; clearing frees them all (ASan/valgrind). */
START_TEST(cell_spec_copy_defaults)
{
	struct kl_cell_spec src = { .id = (char *)"a", .memory = 1ULL << 30, .vcpus = 2 }, d;
	ck_assert_int_eq(kl_cell_spec_copy(&d, &src), 0);
	ck_assert_str_eq(d.kernel, KL_DEFAULT_KERNEL);
	ck_assert_str_eq(d.scenario, KL_DEFAULT_SCENARIO);
	ck_assert_str_eq(d.expect, "pass");
	ck_assert_ptr_null(d.capture_append);
	ck_assert_ptr_ne(d.id, src.id);
	ck_assert_uint_eq(d.memory, src.memory);
	kl_cell_spec_clear(&d);
	ck_assert_ptr_null(d.id);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { plan_capture_append,
				       plan_fault,
				       plan_cells_and_defaults,
				       plan_matrix_expands,
				       plan_matrix_4096_cells,
				       plan_scenario_cpu_each_expands,
				       plan_errors_name_line_and_value,
				       plan_file_missing,
				       plan_matrix_id_bounded,
				       plan_smoke_ships_and_parses,
				       cell_keys_table_is_consistent,
				       cell_keys_parse_good_refuse_bad,
				       cell_keys_json_roundtrip_and_resume,
				       cell_keys_json_golden,
				       cell_spec_copy_defaults };
	return kl_check_main("plan", 0, tests, KL_CHECK_N(tests));
}
