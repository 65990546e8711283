/* SPDX-License-Identifier: MIT */
/*
 * The CLI: one verb table (verbs.c) for both programs, one file per verb (cmd-<verb>.c: parse,
 * build a context, call one library function, report once).
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

struct kl_verb {
	const char *name;
	const char *summary; /* one line for `kdumplab --help` */
	const char *usage;   /* the synopsis, without "kdumplab " */
	/* cmd-<name>.c's entry point, in the program that links that file; NULL in the other. */
	int (*run)(int argc, char **argv, struct kl_error **err);
	bool lab; /* runs in kdumplab-lab (needs libvirt/libguestfs): kdumplab executes it */
};

/*
 * One program of the CLI. kdumplab links only the verbs that read dumps and executes
 * kdumplab-lab for the .lab verbs (exec_lab, which returns only on failure); kdumplab-lab
 * links the others and has no exec_lab.
 */
struct cli_program {
	const char *name;
	int (*exec_lab)(char **argv, struct kl_error **err);
};

/* Dispatch argv[1] through the verb table (--help, --version, unknown verbs); the exit status. */
int cli_main(const struct cli_program *p, int argc, char **argv);

int cmd_run(int argc, char **argv, struct kl_error **err);
int cmd_images(int argc, char **argv, struct kl_error **err);
int cmd_doctor(int argc, char **argv, struct kl_error **err);
int cmd_scenarios(int argc, char **argv, struct kl_error **err);
int cmd_validate(int argc, char **argv, struct kl_error **err);

/* Print a line on stderr, as the CLI's only voice for progress. */
void cli_note(const char *fmt, ...) _printf_(1, 2);
