/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>

#include "config.h"

#include "base/fs.h"
#include "report.h"

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
