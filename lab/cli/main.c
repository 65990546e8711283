/* SPDX-License-Identifier: MIT */
/*
 * kdumplab: the CLI entry point. Each verb lives in cmd-<verb>.c.
 *
 * Two programs: `kdumplab` itself runs `validate` and links only what reading dumps needs:
 * loading libvirt and libguestfs costs ~8 ms per start here and libarchive's dependencies
 * (libxml2, ICU) ~1 ms more, while makedumpfile prints a whole kernel log in ~1.5 ms. The other
 * verbs (run, doctor, images) are executed from `kdumplab-lab` (main-lab.c) with the same
 * arguments.
 */
#include <stdarg.h>
#include <string.h>

#include "base/fs.h"
#include "base/paths.h"
#include "cli.h"
#include "config.h"

static const struct kl_verb verbs[] = {
	{ .name = "run",
	  .summary = "run one cell or the cells of a plan",
	  .lab = true,
	  .usage =
		  "run [PLAN] [--kernel SPEC] [--memory SIZE] [--vcpus N] [--crashkernel SIZE] [--scenario NAME] [--connect URI]... [--output DIR]" },
	{ .name = "images",
	  .summary = "prepare (and cache) what guests boot",
	  .lab = true,
	  .usage = "images --kernel SPEC [--cache DIR]" },
	{ .name = "validate",
	  .summary = "check a dump file",
	  .run = cmd_validate,
	  .usage =
		  "validate DUMP [--facts FILE] [--manifest FILE] [--cpus N] [--expect-panic REGEX] [--vmlinux FILE] [--json] | DUMP --dmesg" },
	{ .name = "doctor",
	  .summary = "check this host: KVM, libvirt, libguestfs, disk, cache",
	  .lab = true,
	  .usage = "doctor [--connect URI] [--cache DIR]" },
};

/*
 * libguestfs' library constructor calls virInitialize() before kdumplab-lab's main() runs, and
 * libvirt reads its log outputs (LIBVIRT_LOG_OUTPUTS) from the environment only then; without
 * them its embedded driver writes warnings and a version banner to our stderr. So they are set
 * here, before kdumplab-lab is executed (a user's own setting is left alone).
 */
static void route_libvirt_logs(char **argv)
{
	_cleanup_free_ char *state = NULL, *value = NULL;
	if (getenv("LIBVIRT_LOG_OUTPUTS") || kl_default_state_dir(&state, NULL) < 0)
		return;
	if (kl_mkdir_p(state, 0755, NULL) < 0 ||
	    asprintf(&value, "3:file:%s/libvirt.log", state) < 0)
		return;
	setenv("LIBVIRT_LOG_OUTPUTS", value, 1);
}

/* The VM verbs run in kdumplab-lab; returns only on failure. */
static int exec_lab(char **argv, struct kl_error **err)
{
	_cleanup_free_ char *lab = NULL;
	int r = kl_lab_program(&lab, err);
	if (r < 0)
		return r;
	route_libvirt_logs(argv);
	execv(lab, argv);
	return kl_error_set(err, errno, "cannot execute \"%s\"", lab);
}

static void usage(FILE *f)
{
	fprintf(f,
		"kdumplab %s — a crash lab for Linux kdump\n\nUsage: kdumplab VERB [OPTIONS]\n\n",
		KL_VERSION);
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		fprintf(f, "  %-9s %s\n            kdumplab %s\n", verbs[i].name, verbs[i].summary,
			verbs[i].usage);
	fprintf(f, "\nSee README.md for the plan format and examples.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (streq(argv[1], "--version")) {
		printf("kdumplab %s\n", KL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		if (!streq(argv[1], verbs[i].name))
			continue;
		_cleanup_error_ struct kl_error *e = NULL;
		int r = verbs[i].lab ? exec_lab(argv, &e) : verbs[i].run(argc - 1, argv + 1, &e);
		if (r < 0) {
			cli_note("kdumplab %s: %s", verbs[i].name,
				 e && e->msg ? e->msg : strerror(-r));
			return e ? e->exit_code : 1;
		}
		return r;
	}
	fprintf(stderr,
		"kdumplab: unknown verb \"%s\"; expected one of run, images, validate, doctor (see kdumplab --help)\n",
		argv[1]);
	return 2;
}
