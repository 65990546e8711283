/* SPDX-License-Identifier: MIT */
/*
 * What a cell can end as: verdicts, causes and phases as enums, one name table each, and an
 * outcome (verdict + cause) parsed from and formatted as the text results.json and plans use
 * ("pass", "fail/no-reservation", "fail/timeout(boot)"). The classifier decides outcomes, a
 * plan's `expect` is one, and reports render them; none compares strings.
 *
 * A cause is one of the list in README.md ("Verdicts"); timeout(<phase>) is KL_CAUSE_TIMEOUT
 * with the phase it happened in. Adding a cause is one enum value and one row of cause_names[].
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

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
	KL_CAUSE_UNAVAILABLE, /* the scenario cannot run on this kernel (config, module, probe) */
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
