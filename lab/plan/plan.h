/* SPDX-License-Identifier: MIT */
/*
 * Plans: which cells to run.
 *
 * A plan file is INI-like. `[defaults]` sets keys for every later section, `[cell NAME]` is one
 * cell, `[matrix NAME]` takes comma-separated lists and expands to their cartesian product
 * (cell ids NAME-<memory>-<crashkernel>-..., only the varying keys named). The keys (kernel,
 * memory, vcpus, crashkernel, scenario, expect, capture_append) are the table in keys.c.
 * `#` starts a comment.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* One cell's parameters: id, then one field per row of kl_cell_keys[] (keys.c). */
struct kl_cell_spec {
	char *id;
	char *kernel;	 /* kernel spec, see images/kernel-spec.h */
	uint64_t memory; /* bytes */
	unsigned vcpus;
	uint64_t crashkernel; /* bytes, 0 = no crashkernel= on the command line */
	char *scenario;
	char *expect;	      /* "pass" or "fail/<cause>" */
	char *capture_append; /* extra capture kernel arguments (printable ASCII), or NULL */
	char *module;	      /* scenario "module": the user's .ko, or NULL */
	char *expect_panic;   /* POSIX extended regex replacing the scenario's signature, or NULL */
	char *fault;	      /* a fault the guest programs commit (common/fault.h), or NULL */
};

struct kl_plan {
	char *source; /* file name or "command line" */
	size_t n_cells;
	struct kl_cell_spec *cells;
};

#define KL_DEFAULT_KERNEL     "debian:bookworm"
#define KL_DEFAULT_SCENARIO   "sysrq"
#define KL_CAPTURE_APPEND_MAX 256 /* bytes; the loader decodes it into a 4 KiB buffer */

/* Cell ids name files (cells/ID, disks, domains): bounded, and never "." or "..". */
#define KL_CELL_ID_MAX 128
/* 1 to KL_CELL_ID_MAX of A-Z a-z 0-9 - _ ., starting with a letter or digit, without
 * ".attempt-" (reserved for earlier attempts); -EINVAL (usage error) naming it otherwise. */
int kl_cell_id_check(const char *id, struct kl_error **err);

int kl_plan_parse_file(const char *path, struct kl_plan **ret, struct kl_error **err);
int kl_plan_parse_string(const char *text, const char *source, struct kl_plan **ret,
			 struct kl_error **err);
/* Check one cell's values: its id, a known scenario, memory in whole pages, crashkernel <
 * memory, ... */
int kl_cell_spec_check(const struct kl_cell_spec *c, struct kl_error **err);
/* Add a copy of c to the plan (used for `kdumplab run --memory ...`). */
int kl_plan_add(struct kl_plan *p, const struct kl_cell_spec *c, struct kl_error **err);
struct kl_plan *kl_plan_new(const char *source);
void kl_plan_free(struct kl_plan *p);
void kl_cell_spec_clear(struct kl_cell_spec *c);
int kl_cell_spec_copy(struct kl_cell_spec *dst, const struct kl_cell_spec *src);
