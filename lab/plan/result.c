/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "result.h"
#include "vmcore/printk.h"

/* ---- validation ---- */

void kl_result_validation_free(struct kl_result_validation *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_checks; i++) {
		free(v->checks[i].id);
		free(v->checks[i].message);
	}
	free(v->checks);
	free(v->layout);
	free(v->osrelease);
	free(v->crashtime);
	free(v);
}

static int dup_or_null(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return s && !*dst ? -ENOMEM : 0;
}

struct kl_result_validation *kl_result_validation_new(const struct kl_validation *v)
{
	struct kl_result_validation *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	*t = (struct kl_result_validation){
		.ok = kl_validation_ok(v),
		.passed = v->n_passed,
		.failed = v->n_failed,
		.warnings = v->n_warnings,
		.skipped = v->n_skipped,
		.file_size = v->file_size,
		.loads = v->n_load,
		.cpus = (unsigned)v->n_prstatus,
		.wrong_crash = v->wrong_crash,
		.has_log_records = v->log != NULL,
		.log_records = v->log ? (int64_t)v->log->n_records : 0,
	};
	/* VMCOREINFO values are the dump's bytes: escaped like messages (base/text.h). */
	t->osrelease = kl_text_escape(kl_vmcoreinfo_get(v->vmcoreinfo, "OSRELEASE"), false);
	t->crashtime = kl_text_escape(kl_vmcoreinfo_get(v->vmcoreinfo, "CRASHTIME"), false);
	t->checks = v->n_results ? calloc(v->n_results, sizeof(*t->checks)) : NULL;
	if (dup_or_null(&t->layout, v->layout) < 0 || (v->n_results && !t->checks)) {
		kl_result_validation_free(t);
		return NULL;
	}
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *x = &v->results[i];
		struct kl_result_check *c = &t->checks[t->n_checks++];
		c->severity = x->severity;
		c->status = x->status;
		if (dup_or_null(&c->id, x->id) < 0 ||
		    dup_or_null(&c->message, x->message ? x->message : "") < 0) {
			kl_result_validation_free(t);
			return NULL;
		}
	}
	return t;
}

/* ---- the cell result ---- */

struct kl_cell_result *kl_cell_result_new(const struct kl_cell_spec *spec)
{
	struct kl_cell_result *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (kl_cell_spec_copy(&r->spec, spec) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void attempt_clear(struct kl_attempt *a)
{
	free(a->detail);
	for (size_t i = 0; i < a->n_decisive; i++)
		free(a->decisive[i]);
	free(a->dir);
}

void kl_cell_result_free(struct kl_cell_result *r)
{
	if (!r)
		return;
	kl_cell_spec_clear(&r->spec);
	free(r->detail);
	for (size_t i = 0; i < r->n_decisive; i++)
		free(r->decisive[i]);
	free(r->release);
	free(r->started);
	free(r->dir);
	free(r->console_log);
	free(r->system_log);
	free(r->capture_log);
	free(r->facts_json);
	free(r->dump);
	free(r->manifest);
	kl_result_validation_free(r->validation);
	free(r->pull_method);
	free(r->pull_block_map_rejected);
	for (size_t i = 0; i < r->n_earlier; i++)
		attempt_clear(&r->earlier[i]);
	free(r->earlier);
	free(r->images_id);
	free(r->lab_version);
	free(r);
}

struct kl_outcome kl_cell_result_outcome(const struct kl_cell_result *r)
{
	return (struct kl_outcome){ r->verdict, r->cause, r->phase };
}

void kl_tally_add(struct kl_tally *t, const struct kl_cell_result *r)
{
	t->cells++;
	if (r->verdict == KL_VERDICT_PASS)
		t->pass++;
	else if (r->verdict == KL_VERDICT_FAIL)
		t->fail++;
	else
		t->error++;
	if (!r->expected)
		t->unexpected++;
}

int kl_cell_result_add_attempt(struct kl_cell_result *r, unsigned n, struct kl_cell_result *a,
			       const char *dir)
{
	if (r->n_earlier >= KL_ATTEMPTS_MAX)
		return -E2BIG;
	struct kl_attempt *e = reallocarray(r->earlier, r->n_earlier + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	r->earlier = e;
	e = &r->earlier[r->n_earlier];
	*e = (struct kl_attempt){
		.n = n,
		.ended = kl_cell_result_outcome(a),
		.detail = TAKE_PTR(a->detail),
		.total_seconds = a->total_seconds,
		.n_decisive = a->n_decisive,
	};
	memcpy(e->decisive, a->decisive, sizeof(e->decisive));
	a->n_decisive = 0;
	if (dup_or_null(&e->dir, dir) < 0) {
		attempt_clear(e);
		return -ENOMEM;
	}
	r->n_earlier++;
	return 0;
}
