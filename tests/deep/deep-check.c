/* SPDX-License-Identifier: MIT */
/*
 * deep-check DUMP VMLINUX [TIMEOUT_S]: run the deep check (lab/vmcore/deep.h) and print its
 * result as JSON. Exit 0: crash opened the dump and found the panic; 1: it did not (the JSON's
 * "error" quotes crash); 2: it could not run. For tests and by hand, until the CLI has it.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmcore/deep.h"

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: deep-check DUMP VMLINUX [TIMEOUT_S]\n");
		return 2;
	}
	struct kl_deep_options o = { .timeout_s = argc == 4 ? (unsigned)atoi(argv[3]) : 0 };
	_cleanup_error_ struct kl_error *err = NULL;
	_cleanup_(kl_deep_result_freep) struct kl_deep_result *r = NULL;
	if (kl_deep_check_opts(argv[1], argv[2], &o, &r, &err) < 0) {
		fprintf(stderr, "deep-check: %s\n", err->msg);
		return 2;
	}
	struct json_object *j = kl_deep_result_to_json(r);
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	return r->ok ? 0 : 1;
}
