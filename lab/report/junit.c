/* SPDX-License-Identifier: MIT */
/* JUnit XML for CI systems: one testsuite per run, one testcase per cell. */
#include <libxml/xmlwriter.h>
#include <string.h>

#include "report.h"

/* A cell "fails" in JUnit when its verdict differs from what the plan expected. */
static int write_case(xmlTextWriterPtr w, const struct kl_cell_result *c)
{
	struct kl_outcome o = kl_cell_result_outcome(c);
	char got[160], t[32];

	kl_outcome_format(&o, got, sizeof(got));
	snprintf(t, sizeof(t), "%.3f", c->total_seconds);
	xmlTextWriterStartElement(w, BAD_CAST "testcase");
	xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "kdumplab");
	xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST(c->spec.id ? c->spec.id : "?"));
	xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST t);
	if (!c->expected) {
		char msg[512];
		snprintf(msg, sizeof(msg), "expected %s, got %s",
			 c->spec.expect ? c->spec.expect : "pass", got);
		xmlTextWriterStartElement(
			w, BAD_CAST(c->verdict == KL_VERDICT_ERROR ? "error" : "failure"));
		xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg);
		xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST got);
		if (c->detail)
			xmlTextWriterWriteString(w, BAD_CAST c->detail);
		for (size_t i = 0; i < c->n_decisive; i++) {
			if (!c->decisive[i])
				continue;
			xmlTextWriterWriteString(w, BAD_CAST "\n");
			xmlTextWriterWriteString(w, BAD_CAST c->decisive[i]);
		}
		xmlTextWriterEndElement(w);
	}
	if (c->console_log) {
		char out[600];
		snprintf(out, sizeof(out), "verdict %s; console log %s", got, c->console_log);
		xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST out);
	}
	return xmlTextWriterEndElement(w);
}

int kl_report_render_junit(const struct kl_report *rep, char **ret, struct kl_error **err)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	size_t n = rep->n_cells, failures = 0, errors = 0;
	double total = 0;
	char num[32];

	if (!w) {
		xmlBufferFree(buf);
		return kl_error_set(err, ENOMEM, "junit");
	}
	for (size_t i = 0; i < n; i++) {
		const struct kl_cell_result *c = rep->cells[i];
		total += c->total_seconds;
		if (c->expected)
			continue;
		if (c->verdict == KL_VERDICT_ERROR)
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
		write_case(w, rep->cells[i]);
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	char *s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	if (!s)
		return kl_error_set(err, ENOMEM, "junit");
	*ret = s;
	return 0;
}
