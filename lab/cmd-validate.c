/* SPDX-License-Identifier: MIT */
/* kdumplab validate: check a dump file on its own, with the same checks a run uses. */
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>

#include "cli.h"
#include "facts.h"
#include "manifest.h"
#include "vmcore/vmcore.h"

int cmd_validate(int argc, char **argv, struct kl_error **err)
{
	static const struct option options[] = {
		{ "facts", required_argument, NULL, 'f' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *facts_path = NULL, *manifest_path = NULL;
	bool json = false;
	int cpus = 0, c, r;

	optind = 1;
	opterr = 0; /* we report unknown options ourselves, once */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			facts_path = optarg;
			break;
		case 'm':
			manifest_path = optarg;
			break;
		case 'c': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 4096)
				return kl_error_usage(
					err, 0, "--cpus \"%s\": expected a number from 1 to 4096",
					optarg);
			cpus = (int)v;
			break;
		}
		case 'j':
			json = true;
			break;
		case 'h':
			printf("kdumplab validate DUMP [--facts FILE] [--manifest FILE] [--cpus N] [--json]\n"
			       "exit 0: valid; 1: invalid (failed checks listed); 2: usage or I/O error\n");
			return 0;
		default:
			return kl_error_usage(
				err, 0, "unknown option \"%s\" (see kdumplab validate --help)",
				argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return kl_error_usage(err, 0, "expected exactly one DUMP file argument");
	const char *dump = argv[optind];

	struct kl_facts *facts = NULL;
	struct kl_manifest *m = NULL;
	struct kl_validation *v = NULL;
	if (facts_path && (r = kl_facts_read_json(facts_path, &facts, err)) < 0) {
		(*err)->exit_code = 2;
		return r;
	}
	if (manifest_path && (r = kl_manifest_read(manifest_path, &m, err)) < 0) {
		kl_facts_free(facts);
		(*err)->exit_code = 2;
		return r;
	}
	struct kl_validate_input in = { .facts = facts, .expected_cpus = cpus, .manifest = m };
	r = kl_vmcore_validate(dump, &in, &v, err);
	kl_facts_free(facts);
	kl_manifest_free(m);
	if (r < 0) {
		(*err)->exit_code = 2;
		return r;
	}
	if (json) {
		struct json_object *o = kl_validation_to_json(v);
		printf("%s\n",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		for (size_t i = 0; i < v->n_results; i++) {
			const struct kl_check_result *cr = &v->results[i];
			printf("%-8s %-28s %s\n", kl_check_status_name(cr->status), cr->id,
			       cr->message ? cr->message : "");
		}
		printf("%s: %u passed, %u failed, %u warnings, %u skipped\n",
		       kl_validation_ok(v) ? "valid" : "INVALID", v->n_passed, v->n_failed,
		       v->n_warnings, v->n_skipped);
	}
	bool ok = kl_validation_ok(v);
	kl_validation_free(v);
	return ok ? 0 : 1;
}
