/* SPDX-License-Identifier: MIT */
/*
 * A run of a plan: images prepared once per kernel, the connections opened, KVM probed once,
 * the plan's cells that the journal does not already hold submitted to a scheduler (scheduler.h),
 * each typed result journaled as it comes and the reports (report/) rebuilt after each.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/paths.h"
#include "plan/plan.h"
#include "plan/result.h"

struct kl_run_options {
	const struct kl_plan *plan;
	const char *out_dir;
	const char *cache_dir;
	const char *state_dir;
	const char *const *uris; /* NULL-terminated; NULL or empty = the embedded driver */
	unsigned jobs;		 /* cells at once per connection (default 1) */
	bool rerun;		 /* ignore the journal: run every cell again */
	bool keep_disks;
	bool force_tcg; /* skip the KVM probe */
	double deadline_scale;
	unsigned retries; /* more attempts for a cell whose first kernel stalls (kl_cell_retryable) */
	volatile sig_atomic_t *interrupted;
	/* Progress for the CLI; all optional. */
	void (*notice)(void *userdata, const char *msg);
	void (*cell_phase)(void *userdata, const char *cell, const char *phase);
	void (*cell_done)(void *userdata, const struct kl_cell_result *cell, bool resumed);
	void *userdata;
};

struct kl_run_summary {
	unsigned cells, pass, fail, error, unexpected, resumed;
	bool interrupted;
};

int kl_run(const struct kl_run_options *o, struct kl_run_summary *ret_summary,
	   struct kl_error **err);

struct kl_images;
/*
 * The images a cell of kernel (with a user's module, or NULL) boots: the lab's guest programs,
 * the kernel modules every scenario loads, the crash module. `kdumplab run`, `images`,
 * `scenarios` and `doctor` all prepare them here, so they share one cache entry.
 */
int kl_run_images_prepare(const char *cache_dir, const char *kernel, const char *user_module,
			  void (*progress)(void *userdata, const char *msg), void *userdata,
			  struct kl_images **ret, struct kl_error **err);
