/* SPDX-License-Identifier: MIT */
/*
 * The verb table, linked into both programs, and the dispatcher over it. A verb is one row
 * here and one file, cmd-<verb>.c.
 *
 * Each program links only its own verbs' files (lab/cli/meson.build): kdumplab the ones that
 * read dumps, kdumplab-lab the ones that need libvirt/libguestfs, so `kdumplab` starts without
 * loading them (tests/host/light-start.sh). The table refers to every entry point weakly: in
 * the program that does not link a verb's file, its .run is NULL, and kdumplab executes
 * kdumplab-lab for a .lab verb (main.c). The cmd-*.c files must stay objects of the programs,
 * not members of an archive: a weak reference does not pull a member out of one.
 */
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli.h"
#include "config.h"

#pragma weak cmd_run
#pragma weak cmd_images
#pragma weak cmd_validate
#pragma weak cmd_doctor
#pragma weak cmd_scenarios

static const struct kl_verb verbs[] = {
	{ .name = "run",
	  .summary = "run one cell or the cells of a plan",
	  .usage =
		  "run [PLAN] [--kernel SPEC] [--memory SIZE] [--vcpus N] [--crashkernel SIZE] [--scenario NAME[:KEY=VALUE]...] [--connect URI]... [--output DIR]",
	  .run = cmd_run,
	  .lab = true },
	{ .name = "images",
	  .summary = "prepare (and cache) what guests boot",
	  .usage = "images --kernel SPEC [--cache DIR]",
	  .run = cmd_images,
	  .lab = true },
	{ .name = "validate",
	  .summary = "check a dump file",
	  .usage =
		  "validate DUMP [--facts FILE] [--manifest FILE] [--cpus N] [--expect-panic REGEX] [--vmlinux FILE] [--json] | DUMP --dmesg",
	  .run = cmd_validate },
	{ .name = "scenarios",
	  .summary = "list the crash scenarios, and which can run on a kernel",
	  .usage = "scenarios [--kernel SPEC] [--cache DIR]",
	  .run = cmd_scenarios,
	  .lab = true },
	{ .name = "doctor",
	  .summary = "check this host: KVM, libvirt, libguestfs, disk, cache",
	  .usage = "doctor [--connect URI] [--cache DIR]",
	  .run = cmd_doctor,
	  .lab = true },
};

/* Whether program p runs verb v: itself, or by executing kdumplab-lab. */
static bool runs(const struct cli_program *p, const struct kl_verb *v)
{
	return v->run || (v->lab && p->exec_lab);
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

static int unknown_verb(const struct cli_program *p, const char *verb)
{
	char names[256] = "";
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (runs(p, &verbs[i]))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? ", " : "", verbs[i].name);
	fprintf(stderr, "%s: unknown verb \"%s\"; expected one of %s (see kdumplab --help)\n",
		p->name, verb, names);
	return 2;
}

int cli_main(const struct cli_program *p, int argc, char **argv)
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
	const struct kl_verb *v = NULL;
	for (size_t i = 0; i < ELEMENTSOF(verbs) && !v; i++)
		if (streq(argv[1], verbs[i].name) && runs(p, &verbs[i]))
			v = &verbs[i];
	if (!v)
		return unknown_verb(p, argv[1]);

	_cleanup_error_ struct kl_error *e = NULL;
	int r = v->run ? v->run(argc - 1, argv + 1, &e) : p->exec_lab(argv, &e);
	if (r < 0) {
		cli_note("kdumplab %s: %s", v->name, e && e->msg ? e->msg : strerror(-r));
		return e ? e->exit_code : 1;
	}
	return r;
}
