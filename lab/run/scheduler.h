/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: cells on N slots (jobs per connection) over M libvirt connections, separate
 * from any plan. Submit cell specs, and each one's typed result (plan/result.h) comes back
 * through a callback, run again first while the retry rule says so (kl_cell_retryable).
 * `kdumplab run` drives it from a plan (run.c); other drivers (tune, compare) submit cells as
 * they decide them.
 *
 *   kl_sched_new(conf) → kl_sched_submit(spec)... → kl_sched_drain() → kl_sched_free()
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "plan/plan.h"
#include "plan/result.h"

struct kl_images;
struct kl_virt;

/* The images prepared for one kernel spec (and user module) of the cells to come. */
struct kl_sched_kernel {
	const char *spec;   /* kl_cell_spec.kernel */
	const char *module; /* kl_cell_spec.module: a user's module in the image, or NULL */
	const struct kl_images *im;
};

/* The images of cell c's kernel and module among n, or NULL. */
const struct kl_images *kl_sched_images_for(const struct kl_sched_kernel *k, size_t n,
					    const struct kl_cell_spec *c);

struct kl_sched_conf {
	struct kl_virt *const *connections; /* open; the scheduler does not close them */
	size_t n_connections;
	unsigned jobs; /* cells at once per connection (0: 1) */
	const struct kl_sched_kernel *kernels;
	size_t n_kernels;
	bool kvm;	       /* the accelerator probed: KVM (deadlines halved) or TCG */
	const char *out_dir;   /* cells in <out_dir>/cells/<id> */
	const char *state_dir; /* dump disks */
	double deadline_scale; /* --timeout-scale (0: 1.0) */
	bool keep_disks;
	unsigned retries; /* more attempts for a retryable cell */
	volatile sig_atomic_t *interrupted;
	/* Called from the slots' threads, one call at a time. on_result owns r. */
	void (*on_result)(void *userdata, const struct kl_cell_spec *spec,
			  struct kl_cell_result *r);
	void (*on_phase)(void *userdata, const char *cell, const char *phase);
	void (*on_notice)(void *userdata, const char *msg);
	void *userdata;
};

struct kl_sched;

/* Start the slots (they wait for cells). */
int kl_sched_new(const struct kl_sched_conf *conf, struct kl_sched **ret, struct kl_error **err);
/* Queue a cell (run in submission order). spec must stay valid until kl_sched_drain returns;
 * on_result gets it back. -EINVAL after kl_sched_drain. */
int kl_sched_submit(struct kl_sched *s, const struct kl_cell_spec *spec, struct kl_error **err);
/* Run every queued cell (a slot stops taking cells once *interrupted is set, or when a cell
 * could not even get a result), then stop the slots. The first such error, or 0. */
int kl_sched_drain(struct kl_sched *s, struct kl_error **err);
void kl_sched_free(struct kl_sched *s);

/*
 * The retry rule: a cell runs again when its first kernel stalled before our loader spoke
 * (fail/timeout(boot)) and the plan did not expect exactly that.
 */
bool kl_cell_retryable(const struct kl_cell_result *r);
