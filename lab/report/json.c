/* SPDX-License-Identifier: MIT */
/* results.json: the run's version and time, a summary, and every cell's object. */
#include <json-c/json.h>
#include <string.h>

#include "config.h"

#include "report.h"

static struct json_object *summary(const struct kl_report *rep)
{
	struct kl_tally t = { 0 };
	for (size_t i = 0; i < rep->n_cells; i++)
		kl_tally_add(&t, rep->cells[i]);
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "cells", json_object_new_int((int)t.cells));
	json_object_object_add(s, "pass", json_object_new_int((int)t.pass));
	json_object_object_add(s, "fail", json_object_new_int((int)t.fail));
	json_object_object_add(s, "error", json_object_new_int((int)t.error));
	json_object_object_add(s, "unexpected", json_object_new_int((int)t.unexpected));
	return s;
}

int kl_report_render_json(const struct kl_report *rep, char **ret, struct kl_error **err)
{
	struct json_object *root = json_object_new_object(), *cells = json_object_new_array();
	json_object_object_add(root, "kdumplab_version", json_object_new_string(KL_VERSION));
	json_object_object_add(root, "written", json_object_new_string(rep->written));
	json_object_object_add(root, "summary", summary(rep));
	for (size_t i = 0; i < rep->n_cells; i++)
		json_object_array_add(cells, kl_cell_result_to_json(rep->cells[i]));
	json_object_object_add(root, "cells", cells);
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *s = text ? strdup(text) : NULL;
	json_object_put(root);
	if (!s)
		return kl_error_set(err, ENOMEM, "results.json");
	*ret = s;
	return 0;
}
