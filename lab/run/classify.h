/* SPDX-License-Identifier: MIT */
/*
 * The verdict classifier: what the console lines of a cell say (struct kl_watch, fed one line
 * at a time), and the verdict and cause they decide when the guest ends, stalls, loses its
 * connection or is interrupted; then what the pull and the validation decide. cell.c drives a
 * domain and calls these; tests/unit/run/ feeds them recorded console transcripts.
 *
 * Every decision goes into a struct kl_cell_result: the first one stands, and it carries the
 * console lines that decided it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "guest/console.h"
#include "plan/result.h"

struct kl_pull_result;
struct kl_validation;

#define KL_WATCH_TAIL 16 /* console lines kept for failures decided by silence */

/* What the console told us. */
struct kl_watch {
	enum kl_phase phase; /* the guest phase the console reached (boot, load, ... poweroff) */
	bool saw_loader, saw_loaded, saw_trigger, saw_capture_banner, saw_saver, saw_done;
	char *loader_error, *loader_error_step, *loader_error_detail;
	char *saver_error, *saver_error_step;
	char *capture_panic, *capture_oom;
	char *fault; /* the first `fault` record: a guest program failed on purpose (fault.h) */
	uint64_t vmcore_size; /* the saver's `vmcore size=` */
	char *tail[KL_WATCH_TAIL];
	size_t n_tail, tail_pos;
};

/* A watch of a guest that was just started (phase boot). */
void kl_watch_init(struct kl_watch *w);
void kl_watch_clear(struct kl_watch *w);
/* One console line; true when it moved the guest to another phase (w->phase). */
bool kl_watch_line(struct kl_watch *w, const struct kl_console_line *l);

/* Decide r's verdict unless one was decided already (the first decision stands); phase is the
 * one the cell is in. */
void kl_verdict_set(struct kl_cell_result *r, enum kl_phase phase, enum kl_verdict v,
		    enum kl_cause cause, const char *fmt, ...) _printf_(5, 6);
/* Add text to r's decisive lines, one entry per line (at most KL_DECISIVE_MAX in all). */
void kl_verdict_add_lines(struct kl_cell_result *r, const char *text);

/* The guest ended (timed_out: was stopped at the deadline of w->phase, deadline seconds)
 * before the saver said `done`: decide why from what the console said. */
void kl_classify_guest_end(const struct kl_watch *w, bool timed_out, double deadline,
			   struct kl_cell_result *r);
/* A cell that did not pass, in which a guest program committed a fault on purpose: the fault's
 * console line joins r's decisive lines (once), so the verdict shows what was injected. */
void kl_classify_fault(const struct kl_watch *w, struct kl_cell_result *r);
/* The libvirt connection dropped in phase: error/infra (never retried, unlike timeout(boot)). */
void kl_classify_connection_lost(const struct kl_watch *w, const char *uri, enum kl_phase phase,
				 struct kl_cell_result *r);
/* A signal stopped the cell in phase: error/interrupted. */
void kl_classify_interrupted(const struct kl_watch *w, enum kl_phase phase,
			     struct kl_cell_result *r);
/* The dump disk after a pull: false with the verdict decided (dump-incomplete, or dump-invalid
 * for a dump larger than its disk), true when there is a dump to validate. */
bool kl_classify_pull(const struct kl_pull_result *pr, struct kl_cell_result *r);
/* A validation that did not pass: wrong-crash when only crash.* checks failed on a sound
 * dump, else dump-invalid; nothing for a valid dump. */
void kl_classify_validation(const struct kl_validation *v, struct kl_cell_result *r);
