/* SPDX-License-Identifier: MIT */
/*
 * Reports rendered from fixed typed results (tests/unit/plan/result-fixture.h): results.json
 * and junit.xml against golden files in tests/golden/ (KL_UPDATE_GOLDEN=1 rewrites them; review
 * the diff by hand), and what each must hold whatever the golden file says: strict JSON whose
 * summary counts the cells, well-formed XML whose counts match, every format in the table.
 */
#include <check.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "kl-check.h"
#include "report/report.h"
#include "result-fixture.h"

static struct kl_cell_result *cells[3];
static struct kl_report rep;

static void setup(void)
{
	cells[0] = fx_pass();
	cells[1] = fx_no_reservation();
	cells[2] = fx_timeout();
	rep = (struct kl_report){ .cells = (const struct kl_cell_result *const *)cells,
				  .n_cells = 3,
				  .written = "2026-01-02T03:05:00Z" };
}

static void teardown(void)
{
	for (size_t i = 0; i < 3; i++)
		kl_cell_result_free(cells[i]);
}

static void check_golden(const char *name, const char *actual)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("KL_UPDATE_GOLDEN")) {
		ck_assert_int_eq(kl_write_file_atomic(path, actual, strlen(actual), 0644, NULL), 0);
		return;
	}
	_cleanup_free_ char *expected = NULL;
	ck_assert_msg(kl_read_file(path, &expected, NULL, NULL) == 0,
		      "golden file %s missing: run with KL_UPDATE_GOLDEN=1", path);
	ck_assert_str_eq(actual, expected);
}

static int int_at(struct json_object *o, const char *key)
{
	struct json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "%s", key);
	return json_object_get_int(v);
}

START_TEST(results_json_golden)
{
	_cleanup_free_ char *text = NULL;
	ck_assert_int_eq(kl_report_render_json(&rep, &text, NULL), 0);
	check_golden("results.json", text);
	struct json_tokener *tok = json_tokener_new_ex(64);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	ck_assert_ptr_nonnull(root);
	json_tokener_free(tok);
	struct json_object *sum, *arr;
	ck_assert(json_object_object_get_ex(root, "summary", &sum));
	ck_assert_int_eq(int_at(sum, "cells"), 3);
	ck_assert_int_eq(int_at(sum, "pass"), 1);
	ck_assert_int_eq(int_at(sum, "fail"), 2);
	ck_assert_int_eq(int_at(sum, "error"), 0);
	ck_assert_int_eq(int_at(sum, "unexpected"), 1);
	ck_assert(json_object_object_get_ex(root, "cells", &arr));
	ck_assert_uint_eq(json_object_array_length(arr), 3);
	/* Each cell reads back as the typed result it was rendered from. */
	for (size_t i = 0; i < 3; i++) {
		struct kl_cell_result *back = NULL;
		ck_assert_int_eq(
			kl_cell_result_from_json(json_object_array_get_idx(arr, i), &back, NULL),
			0);
		ck_assert_str_eq(back->spec.id, cells[i]->spec.id);
		struct kl_outcome a = kl_cell_result_outcome(back),
				  b = kl_cell_result_outcome(cells[i]);
		ck_assert(kl_outcome_eq(&a, &b));
		kl_cell_result_free(back);
	}
	json_object_put(root);
}
END_TEST

static const char *attr(xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	snprintf(buf, len, "%s", v ? (const char *)v : "");
	xmlFree(v);
	return buf;
}

START_TEST(junit_xml_golden)
{
	_cleanup_free_ char *text = NULL;
	char b[256];
	ck_assert_int_eq(kl_report_render_junit(&rep, &text, NULL), 0);
	check_golden("junit.xml", text);
	xmlDoc *doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	xmlNode *suite = xmlDocGetRootElement(doc)->children;
	while (suite && suite->type != XML_ELEMENT_NODE)
		suite = suite->next;
	ck_assert_str_eq(attr(suite, "tests", b, sizeof(b)), "3");
	ck_assert_str_eq(attr(suite, "failures", b, sizeof(b)), "1");
	ck_assert_str_eq(attr(suite, "errors", b, sizeof(b)), "0");
	/* 21.125 + 2.0625 + 60.5 */
	ck_assert_str_eq(attr(suite, "time", b, sizeof(b)), "83.688");
	size_t n = 0, failures = 0;
	for (xmlNode *c = suite->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		ck_assert_str_eq((const char *)c->name, "testcase");
		ck_assert_str_eq(attr(c, "name", b, sizeof(b)), cells[n]->spec.id);
		for (xmlNode *f = c->children; f; f = f->next)
			if (f->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(f->name, BAD_CAST "failure")) {
				failures++;
				ck_assert_str_eq(attr(f, "type", b, sizeof(b)),
						 "fail/timeout(boot)");
				ck_assert_str_eq(attr(f, "message", b, sizeof(b)),
						 "expected pass, got fail/timeout(boot)");
			}
		n++;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(failures, 1);
	xmlFreeDoc(doc);
}
END_TEST

/* The table: every format has a name, a file and a renderer; kl_report_write writes them all,
 * each what its renderer renders. */
START_TEST(formats_table_writes_every_file)
{
	char dir[] = "/tmp/kl-report-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(kl_report_write(dir, &rep, NULL), 0);
	size_t n = 0;
	for (const struct kl_report_format *f = kl_report_formats; f->name; f++, n++) {
		ck_assert_ptr_nonnull(f->file);
		ck_assert_ptr_nonnull(f->render);
		char path[256];
		_cleanup_free_ char *want = NULL, *got = NULL;
		snprintf(path, sizeof(path), "%s/%s", dir, f->file);
		ck_assert_int_eq(f->render(&rep, &want, NULL), 0);
		ck_assert_int_eq(kl_read_file(path, &got, NULL, NULL), 0);
		ck_assert_str_eq(got, want);
	}
	ck_assert_uint_eq(n, 2);
	/* No cells yet (the run's first write): still both files, with zero counts. */
	struct kl_report empty = { .cells = NULL, .n_cells = 0, .written = rep.written };
	_cleanup_free_ char *j = NULL, *x = NULL;
	ck_assert_int_eq(kl_report_render_json(&empty, &j, NULL), 0);
	ck_assert_ptr_nonnull(strstr(j, "\"cells\":0"));
	ck_assert_int_eq(kl_report_render_junit(&empty, &x, NULL), 0);
	ck_assert_ptr_nonnull(strstr(x, "tests=\"0\""));
	ck_assert_int_eq(kl_rm_rf(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	const TTest *const tests[] = { results_json_golden, junit_xml_golden,
				       formats_table_writes_every_file };
	kl_check_add(s, "report", 0, setup, teardown, tests, KL_CHECK_N(tests));
	return kl_check_run(s);
}
