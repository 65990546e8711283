/* SPDX-License-Identifier: MIT */
/*
 * One cell: one crash cycle, as a state machine.
 *
 *   prepare → boot → load → trigger → capture → save → poweroff → pull → validate → verdict
 *
 * Each guest phase ends on a console record (common/protocol.h) or a kernel banner, and has a
 * deadline scaled for TCG/KVM. A cell always ends with a verdict: pass, or fail/error with a
 * cause (plan/outcome.h), decided by the classifier (classify.h) with the console lines that
 * decided it.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "plan/plan.h"
#include "plan/result.h"

struct kl_images;
struct kl_virt;

/* What every cell of a run shares. */
struct kl_cell_env {
	struct kl_virt *virt;
	const char *out_dir;   /* results; cells in <out_dir>/cells/<id> */
	const char *state_dir; /* dump disks (deleted after the pull) */
	bool kvm;
	double deadline_scale; /* 1.0 under TCG */
	volatile sig_atomic_t *interrupted;
	bool keep_disk;
	/* Progress for the CLI (the library never prints). */
	void (*progress)(void *userdata, const char *cell, const char *what);
	void *userdata;
};

/*
 * Run one cell with images already prepared. Returns 0 with *ret_result for every verdict
 * (infrastructure failures are verdict error/infra); < 0 only when no result could be built.
 */
int kl_cell_run(const struct kl_cell_env *env, const struct kl_cell_spec *spec,
		const struct kl_images *im, struct kl_cell_result **ret_result,
		struct kl_error **err);

/* The first kernel's command line for a cell (golden-tested). */
int kl_cell_cmdline(const struct kl_cell_spec *spec, char **ret, struct kl_error **err);
