/* SPDX-License-Identifier: MIT */
/* The journal: a stored cell is resumed only for the same parameters, images and lab, and
 * reads back as the typed result that was stored. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "kl-check.h"
#include "plan/journal.h"
#include "result-fixture.h"

static char dir[] = "/tmp/kdumplab-journal.XXXXXX";

static struct kl_cell_spec spec(void)
{
	return (struct kl_cell_spec){ .id = (char *)"a",
				      .kernel = (char *)"debian:bookworm",
				      .memory = 1ULL << 30,
				      .vcpus = 2,
				      .crashkernel = 192ULL << 20,
				      .scenario = (char *)"sysrq",
				      .expect = (char *)"pass" };
}

static void store(const struct kl_cell_spec *s, const char *images_id, const char *version)
{
	struct kl_cell_result *r = kl_cell_result_new(s);
	ck_assert_ptr_nonnull(r);
	r->verdict = KL_VERDICT_PASS;
	r->phase = KL_PHASE_VERDICT;
	r->expected = true;
	r->attempts = 1;
	r->images_id = strdup(images_id);
	r->lab_version = strdup(version);
	char cells[64];
	snprintf(cells, sizeof(cells), "%s/cells/%s", dir, s->id);
	ck_assert_int_eq(kl_mkdir_p(cells, 0755, NULL), 0);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_journal_store(dir, r, &e), 0);
	kl_cell_result_free(r);
}

static bool resumes(const struct kl_cell_spec *s, const char *images_id, const char *version)
{
	struct kl_cell_result *r = kl_journal_load(dir, s, images_id, version);
	bool ok = r != NULL;
	if (r) {
		ck_assert_str_eq(r->spec.id, s->id);
		ck_assert_int_eq(r->spec.memory, s->memory);
	}
	kl_cell_result_free(r);
	return ok;
}

static void str_eq(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* Every field of two results, typed. */
static void result_eq(const struct kl_cell_result *a, const struct kl_cell_result *b)
{
	str_eq(a->spec.id, b->spec.id);
	str_eq(a->spec.kernel, b->spec.kernel);
	ck_assert_uint_eq(a->spec.memory, b->spec.memory);
	ck_assert_uint_eq(a->spec.vcpus, b->spec.vcpus);
	ck_assert_uint_eq(a->spec.crashkernel, b->spec.crashkernel);
	str_eq(a->spec.scenario, b->spec.scenario);
	str_eq(a->spec.expect, b->spec.expect);
	str_eq(a->spec.capture_append, b->spec.capture_append);
	ck_assert_int_eq(a->verdict, b->verdict);
	ck_assert_int_eq(a->cause, b->cause);
	ck_assert_int_eq(a->phase, b->phase);
	str_eq(a->detail, b->detail);
	ck_assert_uint_eq(a->n_decisive, b->n_decisive);
	for (size_t i = 0; i < a->n_decisive; i++)
		str_eq(a->decisive[i], b->decisive[i]);
	ck_assert_int_eq(a->expected, b->expected);
	for (int p = 0; p < KL_PHASE_VERDICT; p++)
		ck_assert_double_eq(a->seconds[p], b->seconds[p]);
	ck_assert_double_eq(a->total_seconds, b->total_seconds);
	ck_assert_int_eq(a->kvm, b->kvm);
	str_eq(a->release, b->release);
	str_eq(a->started, b->started);
	ck_assert_uint_eq(a->dump_bytes, b->dump_bytes);
	ck_assert_uint_eq(a->dump_allocated, b->dump_allocated);
	str_eq(a->pull_method, b->pull_method);
	ck_assert_uint_eq(a->pull_extents, b->pull_extents);
	str_eq(a->pull_block_map_rejected, b->pull_block_map_rejected);
	ck_assert_double_eq(a->pull_launch_seconds, b->pull_launch_seconds);
	ck_assert_double_eq(a->pull_transfer_seconds, b->pull_transfer_seconds);
	ck_assert_double_eq(a->pull_launch_wait_seconds, b->pull_launch_wait_seconds);
	str_eq(a->dir, b->dir);
	str_eq(a->console_log, b->console_log);
	str_eq(a->system_log, b->system_log);
	str_eq(a->capture_log, b->capture_log);
	str_eq(a->facts_json, b->facts_json);
	str_eq(a->dump, b->dump);
	str_eq(a->manifest, b->manifest);
	ck_assert_int_eq(!a->validation, !b->validation);
	if (a->validation) {
		const struct kl_result_validation *x = a->validation, *y = b->validation;
		ck_assert_int_eq(x->ok, y->ok);
		ck_assert_uint_eq(x->passed, y->passed);
		ck_assert_uint_eq(x->failed, y->failed);
		ck_assert_uint_eq(x->warnings, y->warnings);
		ck_assert_uint_eq(x->skipped, y->skipped);
		ck_assert_uint_eq(x->file_size, y->file_size);
		ck_assert_uint_eq(x->loads, y->loads);
		ck_assert_uint_eq(x->cpus, y->cpus);
		ck_assert_int_eq(x->wrong_crash, y->wrong_crash);
		str_eq(x->layout, y->layout);
		ck_assert_int_eq(x->has_log_records, y->has_log_records);
		ck_assert_int_eq(x->log_records, y->log_records);
		str_eq(x->osrelease, y->osrelease);
		str_eq(x->crashtime, y->crashtime);
		ck_assert_uint_eq(x->n_checks, y->n_checks);
		for (size_t i = 0; i < x->n_checks; i++) {
			str_eq(x->checks[i].id, y->checks[i].id);
			ck_assert_int_eq(x->checks[i].severity, y->checks[i].severity);
			ck_assert_int_eq(x->checks[i].status, y->checks[i].status);
			str_eq(x->checks[i].message, y->checks[i].message);
		}
	}
	ck_assert_uint_eq(a->attempts, b->attempts);
	ck_assert_uint_eq(a->n_earlier, b->n_earlier);
	for (size_t i = 0; i < a->n_earlier; i++) {
		const struct kl_attempt *x = &a->earlier[i], *y = &b->earlier[i];
		ck_assert_uint_eq(x->n, y->n);
		ck_assert(kl_outcome_eq(&x->ended, &y->ended));
		str_eq(x->detail, y->detail);
		ck_assert_double_eq(x->total_seconds, y->total_seconds);
		ck_assert_uint_eq(x->n_decisive, y->n_decisive);
		for (size_t k = 0; k < x->n_decisive; k++)
			str_eq(x->decisive[k], y->decisive[k]);
		str_eq(x->dir, y->dir);
	}
	str_eq(a->images_id, b->images_id);
	str_eq(a->lab_version, b->lab_version);
}

static char *slurp_cell(const char *id)
{
	char path[256];
	char *text = NULL;
	snprintf(path, sizeof(path), "%s/cells/%s/cell.json", dir, id);
	ck_assert_int_eq(kl_read_file(path, &text, NULL, NULL), 0);
	return text;
}

/* Write a typed result, read it back: the same result, and cell.json written again from it is
 * the same bytes (a resumed cell's results.json entry is what the first run wrote). */
START_TEST(journal_round_trip)
{
	struct kl_cell_result *(*make[])(void) = { fx_pass, fx_no_reservation, fx_timeout };
	for (size_t i = 0; i < sizeof(make) / sizeof(make[0]); i++) {
		struct kl_cell_result *r = make[i]();
		char cells[256];
		snprintf(cells, sizeof(cells), "%s/cells/%s", dir, r->spec.id);
		ck_assert_int_eq(kl_mkdir_p(cells, 0755, NULL), 0);
		ck_assert_int_eq(kl_journal_store(dir, r, NULL), 0);
		_cleanup_free_ char *first = slurp_cell(r->spec.id);
		struct kl_cell_result *back =
			kl_journal_load(dir, &r->spec, r->images_id, r->lab_version);
		ck_assert_msg(back, "%s not resumed", r->spec.id);
		result_eq(r, back);
		ck_assert_int_eq(kl_journal_store(dir, back, NULL), 0);
		_cleanup_free_ char *second = slurp_cell(r->spec.id);
		ck_assert_str_eq(first, second);
		kl_cell_result_free(back);
		kl_cell_result_free(r);
	}
}
END_TEST

/* A cell.json that does not read back as a whole result is run again, not half-resumed. */
START_TEST(journal_damaged_result_is_not_resumed)
{
	struct kl_cell_result *r = fx_timeout();
	char cells[256], path[300];
	snprintf(cells, sizeof(cells), "%s/cells/%s", dir, r->spec.id);
	snprintf(path, sizeof(path), "%s/cell.json", cells);
	ck_assert_int_eq(kl_mkdir_p(cells, 0755, NULL), 0);
	ck_assert_int_eq(kl_journal_store(dir, r, NULL), 0);
	_cleanup_free_ char *good = slurp_cell(r->spec.id);
	static const char *const edits[][2] = {
		{ "\"timeout(boot)\"", "\"timeout(nap)\"" },  /* unknown phase */
		{ "\"timeout(boot)\"", "\"timeout(load)\"" }, /* not the phase it ended in */
		{ "\"verdict\":\"fail\"", "\"verdict\":\"meh\"" },
		{ "\"ended\":\"fail/timeout(boot)\"", "\"ended\":\"fail/no-dump\"" },
		{ "\"total_seconds\"", "\"total_secs\"" },
		{ "\"decisive_lines\":[", "\"decisive_lines\":[ 7, " },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *at = strstr(good, edits[i][0]);
		ck_assert_ptr_nonnull(at);
		char *bad = NULL;
		ck_assert_int_ge(asprintf(&bad, "%.*s%s%s", (int)(at - good), good, edits[i][1],
					  at + strlen(edits[i][0])),
				 0);
		ck_assert_int_eq(kl_write_file_atomic(path, bad, strlen(bad), 0644, NULL), 0);
		struct kl_cell_result *back =
			kl_journal_load(dir, &r->spec, r->images_id, r->lab_version);
		ck_assert_msg(!back, "resumed with %s", edits[i][1]);
		free(bad);
	}
	/* More decisive lines than a result holds. */
	_cleanup_free_ char *many = NULL;
	char *at = strstr(good, "\"decisive_lines\":[");
	ck_assert_int_ge(
		asprintf(
			&many, "%.*s\"decisive_lines\":[ %s%s", (int)(at - good), good,
			"\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",",
			at + strlen("\"decisive_lines\":[")),
		0);
	ck_assert_int_eq(kl_write_file_atomic(path, many, strlen(many), 0644, NULL), 0);
	ck_assert_ptr_null(kl_journal_load(dir, &r->spec, r->images_id, r->lab_version));
	kl_cell_result_free(r);

	/* A check of a severity or status that is not in the tables. */
	r = fx_pass();
	snprintf(cells, sizeof(cells), "%s/cells/%s", dir, r->spec.id);
	snprintf(path, sizeof(path), "%s/cell.json", cells);
	ck_assert_int_eq(kl_mkdir_p(cells, 0755, NULL), 0);
	static const char *const checks[][2] = {
		{ "\"severity\":\"warning\"", "\"severity\":\"fatal\"" },
		{ "\"status\":\"skipped\"", "\"status\":\"maybe\"" },
		{ "\"id\":\"elf.ident\"", "\"id\":7" },
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		ck_assert_int_eq(kl_journal_store(dir, r, NULL), 0);
		_cleanup_free_ char *text = slurp_cell(r->spec.id), *bad = NULL;
		char *hit = strstr(text, checks[i][0]);
		ck_assert_ptr_nonnull(hit);
		ck_assert_int_ge(asprintf(&bad, "%.*s%s%s", (int)(hit - text), text, checks[i][1],
					  hit + strlen(checks[i][0])),
				 0);
		ck_assert_int_eq(kl_write_file_atomic(path, bad, strlen(bad), 0644, NULL), 0);
		ck_assert_msg(!kl_journal_load(dir, &r->spec, r->images_id, r->lab_version),
			      "resumed with %s", checks[i][1]);
	}
	kl_cell_result_free(r);
}
END_TEST

/* Found by fuzz-journal: numbers the writer cannot have written (a uint key beyond UINT_MAX)
 * are refused naming the key; the largest numbers it can write (a 2^64-1 file size) read back
 * and are written again the same. */
START_TEST(journal_numbers_at_their_bounds)
{
	struct kl_cell_result *r = fx_pass();
	r->validation->file_size = UINT64_MAX;
	struct json_object *o = kl_cell_result_to_json(r);
	ck_assert_ptr_nonnull(o);
	struct kl_cell_result *back = NULL;
	ck_assert_int_eq(kl_cell_result_from_json(o, &back, NULL), 0);
	ck_assert_uint_eq(back->validation->file_size, UINT64_MAX);
	struct json_object *again = kl_cell_result_to_json(back);
	ck_assert_str_eq(json_object_to_json_string(o), json_object_to_json_string(again));
	json_object_put(again);
	kl_cell_result_free(back);

	json_object_object_add(o, "vcpus", json_object_new_int64(1LL << 40));
	struct kl_error *err = NULL;
	back = NULL;
	ck_assert_int_eq(kl_cell_result_from_json(o, &back, &err), -EBADMSG);
	ck_assert_ptr_null(back);
	ck_assert_msg(strstr(err->msg, "\"vcpus\""), "%s", err->msg);
	kl_error_free(err);
	json_object_put(o);
	kl_cell_result_free(r);
}
END_TEST

START_TEST(journal_resume_matches_images_and_lab)
{
	struct kl_cell_spec s = spec();
	store(&s, "img1", "0.1.0");
	ck_assert(resumes(&s, "img1", "0.1.0"));
	/* debian:bookworm resolved to another kernel build, or a new loader/saver: run again. */
	ck_assert(!resumes(&s, "img2", "0.1.0"));
	/* another lab judged it: run again. */
	ck_assert(!resumes(&s, "img1", "0.2.0"));
	struct kl_cell_spec t = s;
	t.memory = 2ULL << 30;
	ck_assert(!resumes(&t, "img1", "0.1.0"));
	t = s;
	t.capture_append = (char *)"nr_cpus=2";
	ck_assert(!resumes(&t, "img1", "0.1.0"));
}
END_TEST

START_TEST(journal_store_error_is_reported)
{
	struct kl_cell_spec s = spec();
	s.id = (char *)"missing-dir"; /* cells/missing-dir does not exist */
	struct kl_cell_result *r = kl_cell_result_new(&s);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_lt(kl_journal_store(dir, r, &e), 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->msg, "missing-dir"));
	kl_cell_result_free(r);
}
END_TEST

START_TEST(journal_garbage_is_not_resumed)
{
	struct kl_cell_spec s = spec();
	s.id = (char *)"g";
	char path[128];
	snprintf(path, sizeof(path), "%s/cells/g", dir);
	ck_assert_int_eq(kl_mkdir_p(path, 0755, NULL), 0);
	strcat(path, "/cell.json");
	static const char *const bad[] = { "", "[]", "{\"id\": 7}", "\xff\xfe", "{\"id\":\"g\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(kl_write_file_atomic(path, bad[i], strlen(bad[i]), 0644, NULL), 0);
		ck_assert(!resumes(&s, "img1", "0.1.0"));
	}
}
END_TEST

int main(void)
{
	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	Suite *s = suite_create("journal");
	TCase *t = tcase_create("journal");
	tcase_add_test(t, journal_resume_matches_images_and_lab);
	tcase_add_test(t, journal_store_error_is_reported);
	tcase_add_test(t, journal_garbage_is_not_resumed);
	tcase_add_test(t, journal_round_trip);
	tcase_add_test(t, journal_damaged_result_is_not_resumed);
	tcase_add_test(t, journal_numbers_at_their_bounds);
	suite_add_tcase(s, t);
	int failed = kl_check_run(s);
	kl_rm_rf(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
