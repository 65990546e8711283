/* SPDX-License-Identifier: MIT */
/*
 * validate-json DUMP [FACTS]: kl_vmcore_validate_any() on a dump of any format, the result as
 * `kdumplab validate --json` prints it; exit 0 valid, 1 invalid, 2 on I/O or usage errors.
 * corrupt.py uses it for the kdump-compressed cases while the CLI reads only ELF dumps.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "facts.h"
#include "format.h"
#include "vmcore.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: validate-json DUMP [FACTS]\n");
		return 2;
	}
	_cleanup_error_ struct kl_error *err = NULL;
	struct kl_facts *facts = NULL;
	if (argc == 3 && kl_facts_read_json(argv[2], &facts, &err) < 0) {
		fprintf(stderr, "validate-json: %s\n", err->msg);
		return 2;
	}
	struct kl_validate_input in = { .facts = facts };
	struct kl_validation *v = NULL;
	int r = kl_vmcore_validate_any(argv[1], &in, &v, &err);
	kl_facts_free(facts);
	if (r < 0) {
		fprintf(stderr, "validate-json: %s\n", err->msg);
		return 2;
	}
	struct json_object *j = kl_validation_to_json(v);
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	bool ok = kl_validation_ok(v);
	kl_validation_free(v);
	return ok ? 0 : 1;
}
