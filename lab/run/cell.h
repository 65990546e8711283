/* SPDX-License-Identifier: MIT */
/*
 * One cell: one crash cycle, as a state machine.
 *
 *   prepare → boot → load → trigger → capture → save → poweroff → pull → validate → verdict
 *
 * Each guest phase ends on a console record (common/protocol.h) or a kernel banner, and has a
 * deadline scaled for TCG/KVM. A cell always ends with a verdict: pass, or fail/error with a
 * cause from the taxonomy below and the console lines that decided it.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "plan/plan.h"

enum kl_phase {
	KL_PHASE_PREPARE,
	KL_PHASE_BOOT,	   /* domain start → loader's `start` */
	KL_PHASE_LOAD,	   /* loader start → `loaded` (reservation checked, kexec_file_load) */
	KL_PHASE_TRIGGER,  /* `loaded` → the capture kernel's banner */
	KL_PHASE_CAPTURE,  /* capture banner → saver's `start` */
	KL_PHASE_SAVE,	   /* saver start → `done` */
	KL_PHASE_POWEROFF, /* `done` → the domain has ended */
	KL_PHASE_PULL,	   /* libguestfs fetches dump + manifest */
	KL_PHASE_VALIDATE,
	KL_PHASE_VERDICT,
	KL_PHASE_COUNT
};
const char *kl_phase_name(enum kl_phase p);

enum kl_verdict { KL_VERDICT_PASS, KL_VERDICT_FAIL, KL_VERDICT_ERROR };
const char *kl_verdict_name(enum kl_verdict v);

/* Verdict causes (DESIGN.md): no-reservation, load-failed, loader-failed, trigger-failed,
 * no-capture-boot, capture-oom, capture-panic, saver-failed, dump-incomplete, dump-invalid,
 * wrong-crash, timeout(<phase>), infra, interrupted. */

#define KL_DECISIVE_MAX 12

struct kl_cell_result {
	struct kl_cell_spec spec;
	enum kl_verdict verdict;
	char *cause;			 /* NULL on pass */
	enum kl_phase phase;		 /* the phase the cell ended in */
	char *detail;			 /* one human sentence */
	char *decisive[KL_DECISIVE_MAX]; /* console lines that decided it */
	size_t n_decisive;
	bool expected; /* verdict/cause equals spec.expect */
	double seconds[KL_PHASE_COUNT];
	double total_seconds;
	bool kvm;
	char *release; /* kernel release booted */
	char *started; /* ISO 8601 UTC */
	uint64_t dump_bytes, dump_allocated;
	/* How the dump came off the disk (lab/virt/pull.h): method, runs, appliance launch. */
	char *pull_method;
	size_t pull_extents;
	char *pull_block_map_rejected; /* why the saver's block map was not used */
	double pull_launch_seconds, pull_transfer_seconds;
	double pull_launch_wait_seconds; /* of the launch, what was left when the guest ended */
	/* Paths relative to the output directory. */
	char *dir, *console_log, *system_log, *capture_log, *facts_json, *dump, *manifest;
	char *validation_json; /* serialized validation object, or NULL */
};
void kl_cell_result_free(struct kl_cell_result *r);

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
