/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a cell's journal entry (cell.json, lab/plan/result-json.c), which a resumed
 * run reads back from its output directory. It carries guest text and may have been damaged or
 * edited, so kl_cell_result_from_json is a parser of untrusted bytes: any input that json-c
 * parses must be refused with a message or read into a typed result whose counts are bounded,
 * and that result written and read again must give the same JSON (the journal round-trips).
 * No input may crash, hang, leak or allocate without bound. Built only with -Dfuzz=true and
 * clang.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return 0;
	struct json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!o)
		return 0;
	struct kl_cell_result *r = NULL;
	struct kl_error *err = NULL;
	if (kl_cell_result_from_json(o, &r, &err) < 0) {
		if (!err || !err->msg)
			abort();
		kl_error_free(err);
		json_object_put(o);
		return 0;
	}
	if (r->n_decisive > KL_DECISIVE_MAX)
		abort();
	struct json_object *w = kl_cell_result_to_json(r);
	struct kl_cell_result *r2 = NULL;
	if (!w || kl_cell_result_from_json(w, &r2, NULL) < 0)
		abort();
	struct json_object *w2 = kl_cell_result_to_json(r2);
	if (!w2 || strcmp(text(w), text(w2)) != 0)
		abort();
	json_object_put(w2);
	json_object_put(w);
	kl_cell_result_free(r2);
	kl_cell_result_free(r);
	json_object_put(o);
	return 0;
}
