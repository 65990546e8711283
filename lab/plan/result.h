/* SPDX-License-Identifier: MIT */
/*
 * What a cell ended as, typed: verdicts, causes and phases as enums with one name table each,
 * and struct kl_cell_result (the validation's checks as structs). lab/run fills it, lab/report
 * renders it, the journal (journal.c, result-json.c) stores and reads it back; none of them
 * compares strings.
 *
 * A cause is one of the list in README.md ("Verdicts"); timeout(<phase>) is KL_CAUSE_TIMEOUT
 * with the phase it happened in. Adding a cause is one enum value and one row of cause_names[].
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "plan.h"
#include "vmcore/vmcore.h"

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
/* "prepare", "boot", ...; "?" out of range. */
const char *kl_phase_name(enum kl_phase p);
/* -EINVAL for a name not in the table. */
int kl_phase_from_name(const char *s, enum kl_phase *ret);

enum kl_verdict { KL_VERDICT_PASS, KL_VERDICT_FAIL, KL_VERDICT_ERROR, KL_VERDICT_COUNT };
const char *kl_verdict_name(enum kl_verdict v);
int kl_verdict_from_name(const char *s, enum kl_verdict *ret);

enum kl_cause {
	KL_CAUSE_NONE, /* pass */
	KL_CAUSE_NO_RESERVATION,
	KL_CAUSE_LOAD_FAILED,
	KL_CAUSE_LOADER_FAILED,
	KL_CAUSE_TRIGGER_FAILED,
	KL_CAUSE_NO_SYSTEM_BOOT,
	KL_CAUSE_NO_CAPTURE_BOOT,
	KL_CAUSE_CAPTURE_OOM,
	KL_CAUSE_CAPTURE_PANIC,
	KL_CAUSE_SAVER_FAILED,
	KL_CAUSE_DUMP_INCOMPLETE,
	KL_CAUSE_DUMP_INVALID,
	KL_CAUSE_WRONG_CRASH,
	KL_CAUSE_TIMEOUT, /* timeout(<phase>) */
	KL_CAUSE_INFRA,	  /* libvirt/libguestfs/host, not the kernel's fault */
	KL_CAUSE_INTERRUPTED,
	KL_CAUSE_COUNT
};
/* "no-reservation", ..., "timeout" (without its phase); NULL for KL_CAUSE_NONE. */
const char *kl_cause_name(enum kl_cause c);

/* A verdict with its cause: what a cell ended as, or what the plan expects ("expect"). */
struct kl_outcome {
	enum kl_verdict verdict;
	enum kl_cause cause;	     /* KL_CAUSE_NONE exactly when verdict is pass */
	enum kl_phase timeout_phase; /* with KL_CAUSE_TIMEOUT only */
};

/* "pass", "fail/<cause>" or "error/<cause>", cause from the list (timeout(<phase>) with a
 * phase name). -EINVAL (usage) naming the value and what was expected otherwise. */
int kl_outcome_parse(const char *s, struct kl_outcome *ret, struct kl_error **err);
/* The cause as results.json writes it: "no-reservation", "timeout(boot)"; "" for none. */
void kl_cause_format(enum kl_cause c, enum kl_phase timeout_phase, char *buf, size_t len);
/* "pass", "fail/timeout(boot)". */
void kl_outcome_format(const struct kl_outcome *o, char *buf, size_t len);
/* Same verdict and cause (and, for timeouts, the same phase). */
bool kl_outcome_eq(const struct kl_outcome *a, const struct kl_outcome *b);
/* The list of causes for messages: "no-reservation, load-failed, ..., timeout(<phase>), ...". */
const char *kl_causes_help(void);

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
