/* SPDX-License-Identifier: MIT */
/* JUnit XML for CI systems: one testsuite per run, one testcase per cell. */
#include <libxml/xmlwriter.h>
#include <string.h>

#include "report.h"

static const char *get_s(struct json_object *o, const char *k)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

static double get_d(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

/* A cell "fails" in JUnit when its verdict differs from what the plan expected. */
static int write_case(xmlTextWriterPtr w, struct json_object *c)
{
	struct json_object *x;
	bool expected = json_object_object_get_ex(c, "expected", &x) && json_object_get_boolean(x);
	const char *verdict = get_s(c, "verdict"), *cause = get_s(c, "cause");
	char got[160], t[32];

	snprintf(got, sizeof(got), "%s%s%s", verdict ? verdict : "?", cause ? "/" : "",
		 cause ? cause : "");
	snprintf(t, sizeof(t), "%.3f", get_d(c, "total_seconds"));
	xmlTextWriterStartElement(w, BAD_CAST "testcase");
	xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "kdumplab");
	xmlTextWriterWriteAttribute(w, BAD_CAST "name",
				    BAD_CAST(get_s(c, "id") ? get_s(c, "id") : "?"));
	xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST t);
	if (!expected) {
		char msg[512];
		snprintf(msg, sizeof(msg), "expected %s, got %s",
			 get_s(c, "expect") ? get_s(c, "expect") : "pass", got);
		xmlTextWriterStartElement(
			w, BAD_CAST(streq(verdict ? verdict : "", "error") ? "error" : "failure"));
		xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg);
		xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST got);
		const char *d = get_s(c, "detail");
		if (d)
			xmlTextWriterWriteString(w, BAD_CAST d);
		struct json_object *dl;
		if (json_object_object_get_ex(c, "decisive_lines", &dl))
			for (size_t i = 0; i < json_object_array_length(dl); i++) {
				xmlTextWriterWriteString(w, BAD_CAST "\n");
				xmlTextWriterWriteString(w,
							 BAD_CAST json_object_get_string(
								 json_object_array_get_idx(dl, i)));
			}
		xmlTextWriterEndElement(w);
	}
	struct json_object *paths;
	const char *log =
		json_object_object_get_ex(c, "paths", &paths) ? get_s(paths, "console") : NULL;
	if (log) {
		char out[600];
		snprintf(out, sizeof(out), "verdict %s; console log %s", got, log);
		xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST out);
	}
	return xmlTextWriterEndElement(w);
}

int kl_junit_render(struct json_object *cells, char **ret, struct kl_error **err)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	size_t n = json_object_array_length(cells), failures = 0, errors = 0;
	double total = 0;
	char num[32];

	if (!w) {
		xmlBufferFree(buf);
		return kl_error_set(err, ENOMEM, "junit");
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cells, i), *x;
		total += get_d(c, "total_seconds");
		if (json_object_object_get_ex(c, "expected", &x) && json_object_get_boolean(x))
			continue;
		if (streq(get_s(c, "verdict") ? get_s(c, "verdict") : "", "error"))
			errors++;
		else
			failures++;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	xmlTextWriterStartElement(w, BAD_CAST "testsuites");
	xmlTextWriterStartElement(w, BAD_CAST "testsuite");
	xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "kdumplab");
	snprintf(num, sizeof(num), "%zu", n);
	xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST num);
	snprintf(num, sizeof(num), "%zu", failures);
	xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST num);
	snprintf(num, sizeof(num), "%zu", errors);
	xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST num);
	snprintf(num, sizeof(num), "%.3f", total);
	xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST num);
	for (size_t i = 0; i < n; i++)
		write_case(w, json_object_array_get_idx(cells, i));
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	char *s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	if (!s)
		return kl_error_set(err, ENOMEM, "junit");
	*ret = s;
	return 0;
}
