/* SPDX-License-Identifier: MIT */
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "journal.h"
#include "keys.h"

static bool same(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
	       streq(json_object_get_string(v), want);
}

static bool matches(struct json_object *o, const struct kl_cell_spec *s)
{
	return same(o, "id", s->id) && kl_cell_keys_match(o, s);
}

struct kl_cell_result *kl_journal_load(const char *out_dir, const struct kl_cell_spec *s,
				       const char *images_id, const char *lab_version)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct stat st;
	if (asprintf(&path, "%s/cells/%s/cell.json", out_dir, s->id) < 0)
		return NULL;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > KL_JOURNAL_MAX)
		return NULL;
	if (kl_read_file(path, &text, NULL, NULL) < 0)
		return NULL;
	struct json_object *o = json_tokener_parse(text);
	struct kl_cell_result *r = NULL;
	if (o && json_object_is_type(o, json_type_object) && matches(o, s) &&
	    same(o, "images_id", images_id) && same(o, "lab_version", lab_version) &&
	    kl_cell_result_from_json(o, &r, NULL) < 0)
		r = NULL;
	json_object_put(o);
	return r;
}

int kl_journal_store(const char *out_dir, const struct kl_cell_result *r, struct kl_error **err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/cells/%s/cell.json", out_dir, r->spec.id) < 0)
		return kl_error_set(err, ENOMEM, "journal");
	struct json_object *cell = kl_cell_result_to_json(r);
	if (!cell)
		return kl_error_set(err, ENOMEM, "journal");
	const char *t = json_object_to_json_string_ext(
		cell, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = kl_write_file_atomic(path, t, strlen(t), 0644, err);
	json_object_put(cell);
	return ret;
}
