/* SPDX-License-Identifier: MIT */
/*
 * validate-any DUMP [FACTS [MANIFEST]] | validate-any --dmesg DUMP
 *
 * A test driver for kl_vmcore_validate_any() and the kl_mem backends of every format, until
 * `kdumplab validate` calls them: prints one line per check as the CLI does and exits 0
 * valid, 1 invalid, 2 on I/O or usage errors. --dmesg prints the kernel log as
 * makedumpfile --dump-dmesg does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "guest/facts.h"
#include "guest/manifest.h"
#include "vmcore/format.h"
#include "vmcore/mem.h"
#include "vmcore/printk.h"
#include "vmcore/vmcore.h"

static int dmesg(const char *path, struct kl_error **err)
{
	_cleanup_(kl_mem_freep) struct kl_mem *m = NULL;
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = NULL;
	_cleanup_(kl_printk_log_freep) struct kl_printk_log *log = NULL;
	int r = kl_mem_open(path, &m, &vi, NULL, err);
	if (r < 0)
		return r;
	r = kl_printk_extract(m, vi, &log, err);
	if (r < 0)
		return r;
	for (size_t j = 0; j < log->n_records; j++) {
		_cleanup_free_ char *line = kl_printk_format(&log->records[j]);
		if (!line)
			return kl_error_set(err, ENOMEM, "formatting");
		fputs(line, stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_error_ struct kl_error *err = NULL;
	_cleanup_(kl_facts_freep) struct kl_facts *facts = NULL;
	_cleanup_(kl_manifest_freep) struct kl_manifest *m = NULL;
	_cleanup_(kl_validation_freep) struct kl_validation *v = NULL;

	if (argc == 3 && streq(argv[1], "--dmesg")) {
		if (dmesg(argv[2], &err) == 0)
			return 0;
		fprintf(stderr, "validate-any: %s\n", err && err->msg ? err->msg : "failed");
		return 2;
	}
	if (argc < 2 || argc > 4) {
		fprintf(stderr,
			"usage: validate-any DUMP [FACTS [MANIFEST]] | validate-any --dmesg DUMP\n");
		return 2;
	}
	if ((argc > 2 && kl_facts_read_json(argv[2], &facts, &err) < 0) ||
	    (argc > 3 && kl_manifest_read(argv[3], &m, &err) < 0) ||
	    kl_vmcore_validate_any(argv[1],
				   &(struct kl_validate_input){ .facts = facts, .manifest = m }, &v,
				   &err) < 0) {
		fprintf(stderr, "validate-any: %s\n", err && err->msg ? err->msg : "failed");
		return 2;
	}
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *r = &v->results[i];
		printf("%-8s %-28s %s\n", kl_check_status_name(r->status), r->id,
		       r->message ? r->message : "");
	}
	printf("%s: %u passed, %u failed, %u warnings, %u skipped\n",
	       kl_validation_ok(v) ? "valid" : "INVALID", v->n_passed, v->n_failed, v->n_warnings,
	       v->n_skipped);
	return kl_validation_ok(v) ? 0 : 1;
}
