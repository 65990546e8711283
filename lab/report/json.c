/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "config.h"

#include "base/fs.h"
#include "plan/keys.h"
#include "report.h"

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *kl_cell_result_json(const struct kl_cell_result *r)
{
	struct json_object *o = json_object_new_object();
	const struct kl_cell_spec *s = &r->spec;

	kl_cell_keys_json(o, s, r->release);
	json_object_object_add(o, "verdict", json_object_new_string(kl_verdict_name(r->verdict)));
	json_object_object_add(o, "cause", str_or_null(r->cause));
	json_object_object_add(o, "phase", json_object_new_string(kl_phase_name(r->phase)));
	json_object_object_add(o, "detail", str_or_null(r->detail));
	json_object_object_add(o, "expected", json_object_new_boolean(r->expected));
	struct json_object *dl = json_object_new_array();
	for (size_t i = 0; i < r->n_decisive; i++)
		if (r->decisive[i])
			json_object_array_add(dl, json_object_new_string(r->decisive[i]));
	json_object_object_add(o, "decisive_lines", dl);
	json_object_object_add(o, "accel", json_object_new_string(r->kvm ? "kvm" : "tcg"));
	json_object_object_add(o, "started", str_or_null(r->started));
	struct json_object *sec = json_object_new_object();
	for (int p = 0; p < KL_PHASE_COUNT; p++)
		if (p != KL_PHASE_VERDICT)
			json_object_object_add(sec, kl_phase_name(p),
					       json_object_new_double(r->seconds[p]));
	json_object_object_add(o, "seconds", sec);
	json_object_object_add(o, "total_seconds", json_object_new_double(r->total_seconds));
	json_object_object_add(o, "dump_bytes", json_object_new_uint64(r->dump_bytes));
	json_object_object_add(o, "dump_allocated_bytes",
			       json_object_new_uint64(r->dump_allocated));
	struct json_object *pull = json_object_new_object();
	json_object_object_add(pull, "method", str_or_null(r->pull_method));
	json_object_object_add(pull, "extents", json_object_new_uint64(r->pull_extents));
	json_object_object_add(pull, "block_map_rejected", str_or_null(r->pull_block_map_rejected));
	json_object_object_add(pull, "launch_seconds",
			       json_object_new_double(r->pull_launch_seconds));
	json_object_object_add(pull, "transfer_seconds",
			       json_object_new_double(r->pull_transfer_seconds));
	json_object_object_add(pull, "launch_wait_seconds",
			       json_object_new_double(r->pull_launch_wait_seconds));
	json_object_object_add(o, "pull", pull);
	struct json_object *paths = json_object_new_object();
	json_object_object_add(paths, "dir", str_or_null(r->dir));
	json_object_object_add(paths, "console", str_or_null(r->console_log));
	json_object_object_add(paths, "system", str_or_null(r->system_log));
	json_object_object_add(paths, "capture", str_or_null(r->capture_log));
	json_object_object_add(paths, "facts", str_or_null(r->facts_json));
	json_object_object_add(paths, "dump", str_or_null(r->dump));
	json_object_object_add(paths, "manifest", str_or_null(r->manifest));
	json_object_object_add(o, "paths", paths);
	struct json_object *v = r->validation_json ? json_tokener_parse(r->validation_json) : NULL;
	json_object_object_add(o, "validation", v);
	return o;
}

static struct json_object *summary(struct json_object *cells)
{
	int n[3] = { 0 }, unexpected = 0;
	size_t len = json_object_array_length(cells);
	for (size_t i = 0; i < len; i++) {
		struct json_object *c = json_object_array_get_idx(cells, i), *v, *x;
		const char *vs = json_object_object_get_ex(c, "verdict", &v)
					 ? json_object_get_string(v)
					 : "";
		n[streq(vs, "pass") ? 0 : streq(vs, "fail") ? 1 : 2]++;
		if (!json_object_object_get_ex(c, "expected", &x) || !json_object_get_boolean(x))
			unexpected++;
	}
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "cells", json_object_new_int((int)len));
	json_object_object_add(s, "pass", json_object_new_int(n[0]));
	json_object_object_add(s, "fail", json_object_new_int(n[1]));
	json_object_object_add(s, "error", json_object_new_int(n[2]));
	json_object_object_add(s, "unexpected", json_object_new_int(unexpected));
	return s;
}

int kl_report_write(const char *dir, struct json_object *cells, struct kl_error **err)
{
	_cleanup_free_ char *rp = NULL, *jp = NULL, *junit = NULL;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	int r;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "kdumplab_version", json_object_new_string(KL_VERSION));
	json_object_object_add(root, "written", json_object_new_string(when));
	json_object_object_add(root, "summary", summary(cells));
	json_object_object_add(root, "cells", json_object_get(cells));
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (asprintf(&rp, "%s/results.json", dir) < 0 || asprintf(&jp, "%s/junit.xml", dir) < 0) {
		json_object_put(root);
		return kl_error_set(err, ENOMEM, "report");
	}
	r = kl_write_file_atomic(rp, text, strlen(text), 0644, err);
	json_object_put(root);
	if (r < 0)
		return r;
	r = kl_junit_render(cells, &junit, err);
	if (r < 0)
		return r;
	return kl_write_file_atomic(jp, junit, strlen(junit), 0644, err);
}
