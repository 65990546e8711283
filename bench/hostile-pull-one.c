/* SPDX-License-Identifier: MIT */
/*
 * bench/hostile-pull's pulling process: one kl_pull of a dump disk, its outcome on stdout as
 * one line of key=value. Built only for the benchmark.
 * usage: hostile-pull-one DISK OUT_DIR KERNEL MODULES DEADLINE_S [download]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "virt/pull.h"

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s DISK OUT_DIR KERNEL MODULES DEADLINE_S [download]\n",
			argv[0]);
		return 2;
	}
	struct kl_pull_options o = {
		.disk_path = argv[1],
		.out_dir = argv[2],
		.appliance_kernel = argv[3],
		.appliance_modules = argv[4],
		.force_tcg = true,
		.deadline_seconds = atof(argv[5]),
		.force_download = argc > 6 && strcmp(argv[6], "download") == 0,
	};
	struct kl_pull_result *r = NULL;
	struct kl_error *e = NULL;
	int rc = kl_pull(&o, &r, &e);
	/* This process's own peak (the appliance's QEMU is a child: not counted here). */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("rss_kib=%ld ", ru.ru_maxrss);
	if (rc < 0) {
		printf("outcome=error(%s) detail=%s\n", rc == -110 ? "ETIMEDOUT" : "other",
		       e && e->msg ? e->msg : "?");
		kl_error_free(e);
		return 1;
	}
	const char *outcome = r->dump_refused	      ? "refused"
			      : r->block_map_rejected ? "map-rejected"
			      : r->dump_path	      ? "pulled"
						      : "no-dump";
	printf("outcome=%s method=%s size=%llu why=%s\n", outcome, r->method,
	       (unsigned long long)r->dump_size,
	       r->dump_refused	       ? r->dump_refused
	       : r->block_map_rejected ? r->block_map_rejected
				       : "-");
	kl_pull_result_free(r);
	return 0;
}
