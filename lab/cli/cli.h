/* SPDX-License-Identifier: MIT */
/* The CLI verbs: thin wrappers (parse, build a context, call one library function, report once). */
#pragma once

#include <stdbool.h>

#include "base/error.h"

struct kl_verb {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv, struct kl_error **err);
	bool lab; /* runs in kdumplab-lab (needs libvirt/libguestfs) */
};

int cmd_run(int argc, char **argv, struct kl_error **err);
int cmd_images(int argc, char **argv, struct kl_error **err);
int cmd_doctor(int argc, char **argv, struct kl_error **err);
int cmd_validate(int argc, char **argv, struct kl_error **err);

/* Print a line on stderr, as the CLI's only voice for progress. */
void cli_note(const char *fmt, ...) _printf_(1, 2);
