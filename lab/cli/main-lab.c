/* SPDX-License-Identifier: MIT */
/*
 * kdumplab-lab: the verbs that drive VMs or build images. `kdumplab run|doctor|images ...`
 * executes it with its own arguments (see main.c); it can also be run directly.
 */
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
			"kdumplab-lab: expected a verb: run, doctor or images (use kdumplab)\n");
		return 2;
	}
	int (*verb)(int, char **, struct kl_error **) = streq(argv[1], "run")	   ? cmd_run
							: streq(argv[1], "doctor") ? cmd_doctor
							: streq(argv[1], "images") ? cmd_images
										   : NULL;
	if (!verb) {
		fprintf(stderr,
			"kdumplab-lab: unknown verb \"%s\"; expected run, doctor or images\n",
			argv[1]);
		return 2;
	}
	_cleanup_error_ struct kl_error *e = NULL;
	int r = verb(argc - 1, argv + 1, &e);
	if (r < 0) {
		cli_note("kdumplab %s: %s", argv[1], e && e->msg ? e->msg : strerror(-r));
		return e ? e->exit_code : 1;
	}
	return r;
}
