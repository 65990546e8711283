/* SPDX-License-Identifier: MIT */
/*
 * One cell's result as JSON: the object results.json lists and cell.json (the journal) holds,
 * and the way back, so a resumed cell is a typed result again. Keys keep results.json's order.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "result.h"

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *decisive_json(char *const *lines, size_t n)
{
	struct json_object *dl = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (lines[i])
			json_object_array_add(dl, json_object_new_string(lines[i]));
	return dl;
}

/* The same shape as kl_validation_to_json (vmcore/checks.c): "checks" first. */
static struct json_object *validation_json(const struct kl_result_validation *v)
{
	if (!v)
		return NULL;
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object_object_add(o, "checks", a);
	json_object_object_add(o, "ok", json_object_new_boolean(v->ok));
	json_object_object_add(o, "passed", json_object_new_int64(v->passed));
	json_object_object_add(o, "failed", json_object_new_int64(v->failed));
	json_object_object_add(o, "warnings", json_object_new_int64(v->warnings));
	json_object_object_add(o, "skipped", json_object_new_int64(v->skipped));
	json_object_object_add(o, "file_size", json_object_new_uint64(v->file_size));
	json_object_object_add(o, "loads", json_object_new_int64(v->loads));
	json_object_object_add(o, "cpus", json_object_new_int64(v->cpus));
	json_object_object_add(o, "wrong_crash", json_object_new_boolean(v->wrong_crash));
	if (v->layout)
		json_object_object_add(o, "layout", json_object_new_string(v->layout));
	if (v->has_log_records)
		json_object_object_add(o, "log_records", json_object_new_int64(v->log_records));
	if (v->osrelease)
		json_object_object_add(o, "osrelease", json_object_new_string(v->osrelease));
	if (v->crashtime)
		json_object_object_add(o, "crashtime", json_object_new_string(v->crashtime));
	for (size_t i = 0; i < v->n_checks; i++) {
		const struct kl_result_check *c = &v->checks[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_string(c->id));
		json_object_object_add(e, "severity",
				       json_object_new_string(kl_severity_name(c->severity)));
		json_object_object_add(e, "status",
				       json_object_new_string(kl_check_status_name(c->status)));
		json_object_object_add(e, "message", json_object_new_string(c->message));
		json_object_array_add(a, e);
	}
	return o;
}

static struct json_object *attempt_json(const struct kl_attempt *a)
{
	struct json_object *o = json_object_new_object();
	char what[96];
	kl_outcome_format(&a->ended, what, sizeof(what));
	json_object_object_add(o, "attempt", json_object_new_int64(a->n));
	json_object_object_add(o, "ended", json_object_new_string(what));
	json_object_object_add(o, "detail", json_object_new_string(a->detail ? a->detail : ""));
	json_object_object_add(o, "total_seconds", json_object_new_double(a->total_seconds));
	json_object_object_add(o, "decisive_lines", decisive_json(a->decisive, a->n_decisive));
	json_object_object_add(o, "dir", str_or_null(a->dir));
	return o;
}

struct json_object *kl_cell_result_to_json(const struct kl_cell_result *r)
{
	struct json_object *o = json_object_new_object();
	char cause[64];

	/* The plan's keys of the cell (keys.c's table) and the release booted. */
	kl_cell_keys_json(o, &r->spec, r->release);
	kl_cause_format(r->cause, r->phase, cause, sizeof(cause));
	json_object_object_add(o, "verdict", json_object_new_string(kl_verdict_name(r->verdict)));
	json_object_object_add(o, "cause", r->cause ? json_object_new_string(cause) : NULL);
	json_object_object_add(o, "phase", json_object_new_string(kl_phase_name(r->phase)));
	json_object_object_add(o, "detail", str_or_null(r->detail));
	json_object_object_add(o, "expected", json_object_new_boolean(r->expected));
	json_object_object_add(o, "decisive_lines", decisive_json(r->decisive, r->n_decisive));
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
	json_object_object_add(o, "validation", validation_json(r->validation));
	/* What the scheduler added: the attempts, and what resume compares. */
	if (r->attempts) {
		json_object_object_add(o, "attempts", json_object_new_int64(r->attempts));
		struct json_object *earlier = json_object_new_array();
		for (size_t i = 0; i < r->n_earlier; i++)
			json_object_array_add(earlier, attempt_json(&r->earlier[i]));
		json_object_object_add(o, "earlier_attempts", earlier);
		json_object_object_add(o, "images_id",
				       json_object_new_string(r->images_id ? r->images_id : ""));
		json_object_object_add(
			o, "lab_version",
			json_object_new_string(r->lab_version ? r->lab_version : ""));
	}
	return o;
}

/* ---- reading one back ---- */

struct reader {
	struct json_object *o;
	const char *bad; /* the first key that did not fit */
};

static struct json_object *get(struct reader *rd, struct json_object *o, const char *key,
			       json_type type)
{
	struct json_object *v;
	if (json_object_object_get_ex(o, key, &v) && v && json_object_is_type(v, type))
		return v;
	if (!rd->bad)
		rd->bad = key;
	return NULL;
}

static char *get_str(struct reader *rd, struct json_object *o, const char *key, bool nullable)
{
	struct json_object *v;
	if (nullable && json_object_object_get_ex(o, key, &v) && !v)
		return NULL;
	v = get(rd, o, key, json_type_string);
	char *s = v ? strdup(json_object_get_string(v)) : NULL;
	if (v && !s && !rd->bad)
		rd->bad = "(out of memory)";
	return s;
}

static uint64_t get_u64(struct reader *rd, struct json_object *o, const char *key)
{
	struct json_object *v = get(rd, o, key, json_type_int);
	if (v && json_object_get_int64(v) < 0 && !rd->bad)
		rd->bad = key;
	return v ? json_object_get_uint64(v) : 0;
}

/* An unsigned int field: a larger number is not what the writer wrote (rd->bad = key). */
static unsigned get_uint(struct reader *rd, struct json_object *o, const char *key)
{
	uint64_t v = get_u64(rd, o, key);
	if (v > UINT_MAX && !rd->bad)
		rd->bad = key;
	return v > UINT_MAX ? 0 : (unsigned)v;
}

static double get_double(struct reader *rd, struct json_object *o, const char *key)
{
	struct json_object *v;
	/* json-c reads 0 written as a double as "0.0", but a hand-edited file may say 0. */
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		return (double)json_object_get_int64(v);
	v = get(rd, o, key, json_type_double);
	return v ? json_object_get_double(v) : 0;
}

static bool get_bool(struct reader *rd, struct json_object *o, const char *key)
{
	struct json_object *v = get(rd, o, key, json_type_boolean);
	return v && json_object_get_boolean(v);
}

static size_t get_lines(struct reader *rd, struct json_object *o, const char *key, char **lines)
{
	struct json_object *a = get(rd, o, key, json_type_array);
	size_t n = a ? json_object_array_length(a) : 0, k = 0;
	if (n > KL_DECISIVE_MAX && !rd->bad)
		rd->bad = key;
	for (size_t i = 0; i < n && i < KL_DECISIVE_MAX; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		if (!json_object_is_type(s, json_type_string)) {
			if (!rd->bad)
				rd->bad = key;
			break;
		}
		lines[k++] = strdup(json_object_get_string(s));
	}
	return k;
}

static void get_outcome(struct reader *rd, const char *text, const char *key,
			struct kl_outcome *ret)
{
	if (text && kl_outcome_parse(text, ret, NULL) >= 0)
		return;
	if (!rd->bad)
		rd->bad = key;
}

/* The plan's keys of the cell, walking keys.c's table as kl_cell_keys_json writes them, and
 * the release booted. A string key with neither a default nor required may be null. */
static void spec_from_json(struct reader *rd, struct json_object *o, struct kl_cell_result *r)
{
	struct kl_cell_spec *s = &r->spec;
	s->id = get_str(rd, o, "id", false);
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		char *field = (char *)s + k->offset;
		if (k->type == KL_KEY_STRING)
			*(char **)field = get_str(rd, o, k->json, !k->required && !k->dflt);
		else if (k->type == KL_KEY_SIZE)
			*(uint64_t *)field = get_u64(rd, o, k->json);
		else
			*(unsigned *)field = get_uint(rd, o, k->json);
		if (k->json_resolved)
			r->release = get_str(rd, o, k->json_resolved, true);
	}
}

/* The index of s in a name table (name(0..n-1)); -1, and rd->bad = key, when it is not one. */
static int name_index(struct reader *rd, const char *s, const char *(*name)(int), int n,
		      const char *key)
{
	for (int i = 0; s && i < n; i++)
		if (streq(s, name(i)))
			return i;
	if (!rd->bad)
		rd->bad = key;
	return -1;
}

static const char *severity_name(int i)
{
	return kl_severity_name((enum kl_severity)i);
}

static const char *status_name(int i)
{
	return kl_check_status_name((enum kl_check_status)i);
}

static struct kl_result_validation *validation_from(struct reader *rd, struct json_object *o)
{
	struct json_object *v;
	if (json_object_object_get_ex(o, "validation", &v) && !v)
		return NULL;
	v = get(rd, o, "validation", json_type_object);
	if (!v)
		return NULL;
	struct kl_result_validation *t = calloc(1, sizeof(*t));
	struct json_object *a = get(rd, v, "checks", json_type_array), *x;
	if (!t)
		return NULL;
	t->ok = get_bool(rd, v, "ok");
	t->passed = get_uint(rd, v, "passed");
	t->failed = get_uint(rd, v, "failed");
	t->warnings = get_uint(rd, v, "warnings");
	t->skipped = get_uint(rd, v, "skipped");
	t->file_size = get_u64(rd, v, "file_size");
	t->loads = get_uint(rd, v, "loads");
	t->cpus = get_uint(rd, v, "cpus");
	t->wrong_crash = get_bool(rd, v, "wrong_crash");
	if (json_object_object_get_ex(v, "layout", &x))
		t->layout = get_str(rd, v, "layout", false);
	if (json_object_object_get_ex(v, "log_records", &x)) {
		t->has_log_records = true;
		uint64_t n = get_u64(rd, v, "log_records");
		if (n > INT64_MAX && !rd->bad)
			rd->bad = "log_records";
		t->log_records = n > INT64_MAX ? 0 : (int64_t)n;
	}
	if (json_object_object_get_ex(v, "osrelease", &x))
		t->osrelease = get_str(rd, v, "osrelease", false);
	if (json_object_object_get_ex(v, "crashtime", &x))
		t->crashtime = get_str(rd, v, "crashtime", false);
	size_t n = a ? json_object_array_length(a) : 0;
	if (n > KL_RESULT_CHECKS_MAX) {
		rd->bad = rd->bad ? rd->bad : "checks";
		return t;
	}
	t->checks = n ? calloc(n, sizeof(*t->checks)) : NULL;
	for (size_t i = 0; i < n && t->checks && !rd->bad; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct kl_result_check *c = &t->checks[t->n_checks++];
		if (!json_object_is_type(e, json_type_object)) {
			rd->bad = "checks";
			break;
		}
		c->id = get_str(rd, e, "id", false);
		_cleanup_free_ char *sev = get_str(rd, e, "severity", false),
				    *st = get_str(rd, e, "status", false);
		c->severity = (enum kl_severity)name_index(rd, sev, severity_name,
							   KL_SEVERITY_WARNING + 1, "severity");
		c->status = (enum kl_check_status)name_index(rd, st, status_name,
							     KL_CHECK_SKIPPED + 1, "status");
		c->message = get_str(rd, e, "message", false);
	}
	return t;
}

static void attempts_from(struct reader *rd, struct json_object *o, struct kl_cell_result *r)
{
	struct json_object *a = get(rd, o, "earlier_attempts", json_type_array);
	size_t n = a ? json_object_array_length(a) : 0;
	if (n > KL_ATTEMPTS_MAX) {
		rd->bad = rd->bad ? rd->bad : "earlier_attempts";
		return;
	}
	r->earlier = n ? calloc(n, sizeof(*r->earlier)) : NULL;
	for (size_t i = 0; i < n && r->earlier && !rd->bad; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct kl_attempt *t = &r->earlier[r->n_earlier++];
		if (!json_object_is_type(e, json_type_object)) {
			rd->bad = "earlier_attempts";
			break;
		}
		t->n = get_uint(rd, e, "attempt");
		_cleanup_free_ char *ended = get_str(rd, e, "ended", false);
		get_outcome(rd, ended, "ended", &t->ended);
		t->detail = get_str(rd, e, "detail", false);
		t->total_seconds = get_double(rd, e, "total_seconds");
		t->n_decisive = get_lines(rd, e, "decisive_lines", t->decisive);
		t->dir = get_str(rd, e, "dir", true);
	}
}

/* verdict, cause and phase agree with each other: a pass has no cause, a timeout names the
 * phase the cell ended in. */
static void outcome_from(struct reader *rd, struct json_object *o, struct kl_cell_result *r)
{
	_cleanup_free_ char *v = get_str(rd, o, "verdict", false),
			    *cause = get_str(rd, o, "cause", true),
			    *phase = get_str(rd, o, "phase", false), *text = NULL;
	if (kl_verdict_from_name(v, &r->verdict) < 0 && !rd->bad)
		rd->bad = "verdict";
	if (kl_phase_from_name(phase, &r->phase) < 0 && !rd->bad)
		rd->bad = "phase";
	if (rd->bad || (r->verdict == KL_VERDICT_PASS && !cause))
		return;
	struct kl_outcome out;
	if (asprintf(&text, "%s/%s", v, cause ? cause : "") < 0 ||
	    kl_outcome_parse(text, &out, NULL) < 0 ||
	    (out.cause == KL_CAUSE_TIMEOUT && out.timeout_phase != r->phase)) {
		rd->bad = "cause";
		return;
	}
	r->cause = out.cause;
}

int kl_cell_result_from_json(struct json_object *o, struct kl_cell_result **ret,
			     struct kl_error **err)
{
	struct reader rd = { .o = o };
	struct kl_cell_result *r = calloc(1, sizeof(*r));
	struct json_object *x;

	if (!r)
		return kl_error_set(err, ENOMEM, "cell result");
	if (!json_object_is_type(o, json_type_object))
		rd.bad = "(the cell object)";
	else {
		spec_from_json(&rd, o, r);
		outcome_from(&rd, o, r);
		r->detail = get_str(&rd, o, "detail", true);
		r->expected = get_bool(&rd, o, "expected");
		r->n_decisive = get_lines(&rd, o, "decisive_lines", r->decisive);
		_cleanup_free_ char *accel = get_str(&rd, o, "accel", false);
		r->kvm = accel && streq(accel, "kvm");
		r->started = get_str(&rd, o, "started", true);
		struct json_object *sec = get(&rd, o, "seconds", json_type_object);
		for (int p = 0; sec && p < KL_PHASE_COUNT; p++)
			if (p != KL_PHASE_VERDICT)
				r->seconds[p] = get_double(&rd, sec, kl_phase_name(p));
		r->total_seconds = get_double(&rd, o, "total_seconds");
		r->dump_bytes = get_u64(&rd, o, "dump_bytes");
		r->dump_allocated = get_u64(&rd, o, "dump_allocated_bytes");
		struct json_object *pull = get(&rd, o, "pull", json_type_object);
		if (pull) {
			r->pull_method = get_str(&rd, pull, "method", true);
			r->pull_extents = get_u64(&rd, pull, "extents");
			r->pull_block_map_rejected = get_str(&rd, pull, "block_map_rejected", true);
			r->pull_launch_seconds = get_double(&rd, pull, "launch_seconds");
			r->pull_transfer_seconds = get_double(&rd, pull, "transfer_seconds");
			r->pull_launch_wait_seconds = get_double(&rd, pull, "launch_wait_seconds");
		}
		struct json_object *paths = get(&rd, o, "paths", json_type_object);
		if (paths) {
			r->dir = get_str(&rd, paths, "dir", true);
			r->console_log = get_str(&rd, paths, "console", true);
			r->system_log = get_str(&rd, paths, "system", true);
			r->capture_log = get_str(&rd, paths, "capture", true);
			r->facts_json = get_str(&rd, paths, "facts", true);
			r->dump = get_str(&rd, paths, "dump", true);
			r->manifest = get_str(&rd, paths, "manifest", true);
		}
		r->validation = validation_from(&rd, o);
		if (json_object_object_get_ex(o, "attempts", &x)) {
			r->attempts = get_uint(&rd, o, "attempts");
			attempts_from(&rd, o, r);
			r->images_id = get_str(&rd, o, "images_id", false);
			r->lab_version = get_str(&rd, o, "lab_version", false);
		}
	}
	if (rd.bad) {
		int e = kl_error_set(
			err, EBADMSG,
			"cell result: key \"%s\" is missing or not what results.json writes",
			rd.bad);
		kl_cell_result_free(r);
		return e;
	}
	*ret = r;
	return 0;
}
