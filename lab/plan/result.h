/* SPDX-License-Identifier: MIT */
/*
 * What a cell ended as, typed: struct kl_cell_result, with its outcome (outcome.h), phase
 * seconds, the validation's checks as structs and the earlier attempts. lab/run fills it,
 * lab/report renders it, the journal (journal.c, result-json.c) stores and reads it back.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "outcome.h"
#include "plan.h"
#include "vmcore/vmcore.h"

/* ---- the validation of the dump, as the cell kept it ---- */

struct kl_result_check {
	char *id;
	enum kl_severity severity;
	enum kl_check_status status;
	char *message; /* already safe text (vmcore/checks.c) */
};

struct kl_result_validation {
	bool ok;
	unsigned passed, failed, warnings, skipped;
	uint64_t file_size;
	unsigned loads, cpus;
	bool wrong_crash;
	char *layout; /* NULL: absent */
	bool has_log_records;
	int64_t log_records;
	char *osrelease, *crashtime; /* escaped dump bytes; NULL: absent */
	struct kl_result_check *checks;
	size_t n_checks;
};
#define KL_RESULT_CHECKS_MAX 4096

/* A typed copy of v (escaping what came from the dump as kl_validation_to_json does); NULL on
 * ENOMEM. */
struct kl_result_validation *kl_result_validation_new(const struct kl_validation *v);
void kl_result_validation_free(struct kl_result_validation *v);

/* ---- one cell's result ---- */

#define KL_DECISIVE_MAX 12
#define KL_ATTEMPTS_MAX 16

/* An earlier attempt of a cell that was run again (see kl_cell_retryable). */
struct kl_attempt {
	unsigned n;
	struct kl_outcome ended;
	char *detail;
	double total_seconds;
	char *decisive[KL_DECISIVE_MAX];
	size_t n_decisive;
	char *dir; /* cells/<id>.attempt-<n>, NULL when it could not be kept */
};

struct kl_cell_result {
	struct kl_cell_spec spec;
	enum kl_verdict verdict;
	enum kl_cause cause;		 /* KL_CAUSE_NONE on pass */
	enum kl_phase phase;		 /* the phase the cell ended in (a timeout's phase too) */
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
	struct kl_result_validation *validation; /* NULL: the dump was not validated */
	/* Set by the scheduler: how often the cell ran, the earlier attempts, and what resume
	 * compares besides the plan's values (kl_images.id and the lab's version). */
	unsigned attempts;
	struct kl_attempt *earlier;
	size_t n_earlier;
	char *images_id, *lab_version;
};

/* A result for spec with nothing decided yet (verdict pass, cause none); NULL on ENOMEM. */
struct kl_cell_result *kl_cell_result_new(const struct kl_cell_spec *spec);
void kl_cell_result_free(struct kl_cell_result *r);
static inline void kl_cell_result_freep(struct kl_cell_result **r)
{
	kl_cell_result_free(*r);
}
/* {verdict, cause, phase} of r. */
struct kl_outcome kl_cell_result_outcome(const struct kl_cell_result *r);
/* Appends an earlier attempt made from a (consumed: its strings are moved) result a. */
int kl_cell_result_add_attempt(struct kl_cell_result *r, unsigned n, struct kl_cell_result *a,
			       const char *dir);

/* How many cells ended how (run summaries, results.json's "summary"). */
struct kl_tally {
	unsigned cells, pass, fail, error, unexpected;
};
void kl_tally_add(struct kl_tally *t, const struct kl_cell_result *r);

/* ---- results.json's and cell.json's object of one cell (result-json.c) ---- */

struct json_object;
/* The object of one cell, keys in results.json's order; NULL on ENOMEM. */
struct json_object *kl_cell_result_to_json(const struct kl_cell_result *r);
/* Read one back (cell.json): -EBADMSG naming the first key that is missing or of the wrong
 * type or value; counts bounded (KL_DECISIVE_MAX, KL_ATTEMPTS_MAX, KL_RESULT_CHECKS_MAX). */
int kl_cell_result_from_json(struct json_object *o, struct kl_cell_result **ret,
			     struct kl_error **err);
