/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "protocol.h"
#include "virt/pull.h"
#include "vmcore/vmcore.h"

void kl_watch_init(struct kl_watch *w)
{
	*w = (struct kl_watch){ .phase = KL_PHASE_BOOT };
}

void kl_watch_clear(struct kl_watch *w)
{
	free(w->loader_error);
	free(w->loader_error_step);
	free(w->loader_error_detail);
	free(w->saver_error);
	free(w->saver_error_step);
	free(w->capture_panic);
	free(w->capture_oom);
	free(w->fault);
	for (size_t i = 0; i < KL_WATCH_TAIL; i++)
		free(w->tail[i]);
	*w = (struct kl_watch){ 0 };
}

static void set_str(char **dst, const char *s)
{
	if (!*dst && s)
		*dst = strdup(s);
}

static bool move_to(struct kl_watch *w, enum kl_phase p)
{
	w->phase = p;
	return true;
}

static bool on_record(struct kl_watch *w, const struct kl_record *rec)
{
	const char *ph = rec->phase;

	if (streq(ph, "start")) {
		const char *prog = kl_record_get(rec, "prog");
		if (prog && streq(prog, "loader") && !w->saw_loader) {
			w->saw_loader = true;
			return move_to(w, KL_PHASE_LOAD);
		} else if (prog && streq(prog, "saver") && !w->saw_saver) {
			w->saw_saver = true;
			return move_to(w, KL_PHASE_SAVE);
		}
	} else if (streq(ph, "loaded") && !w->saw_loaded) {
		w->saw_loaded = true;
		return move_to(w, KL_PHASE_TRIGGER);
	} else if (streq(ph, "trigger")) {
		w->saw_trigger = true;
	} else if (streq(ph, "vmcore")) {
		uint64_t v;
		if (kl_record_get_u64(rec, "size", &v) == 0)
			w->vmcore_size = v;
	} else if (streq(ph, "done") && rec->kernel >= KL_KERNEL_CAPTURE) {
		w->saw_done = true;
		return move_to(w, KL_PHASE_POWEROFF);
	} else if (streq(ph, "fault")) {
		set_str(&w->fault, rec->raw);
	} else if (streq(ph, "error")) {
		const char *step = kl_record_get(rec, "step");
		if (w->saw_saver) {
			set_str(&w->saver_error, rec->raw);
			set_str(&w->saver_error_step, step ? step : "?");
		} else {
			set_str(&w->loader_error, rec->raw);
			set_str(&w->loader_error_step, step ? step : "?");
			set_str(&w->loader_error_detail, kl_record_get(rec, "detail"));
		}
	}
	return false;
}

bool kl_watch_line(struct kl_watch *w, const struct kl_console_line *l)
{
	bool moved = false;

	free(w->tail[w->tail_pos]);
	w->tail[w->tail_pos] = strdup(l->text);
	w->tail_pos = (w->tail_pos + 1) % KL_WATCH_TAIL;
	if (w->n_tail < KL_WATCH_TAIL)
		w->n_tail++;

	if (l->banner && l->kernel == KL_KERNEL_CAPTURE && !w->saw_capture_banner) {
		w->saw_capture_banner = true;
		moved = move_to(w, KL_PHASE_CAPTURE);
	}
	if (l->kernel >= KL_KERNEL_CAPTURE) {
		/* What kills a capture kernel: a panic, or the OOM killer in a tiny reservation. */
		if (strstr(l->text, "Kernel panic - not syncing"))
			set_str(&w->capture_panic, l->text);
		if (strstr(l->text, "Out of memory") || strstr(l->text, "invoked oom-killer") ||
		    strstr(l->text, "oom-kill:"))
			set_str(&w->capture_oom, l->text);
	}
	if (l->record && on_record(w, l->record))
		moved = true;
	return moved;
}

void kl_verdict_set(struct kl_cell_result *r, enum kl_phase phase, enum kl_verdict v,
		    enum kl_cause cause, const char *fmt, ...)
{
	if (r->cause || r->detail)
		return; /* the first decision stands */
	va_list ap;
	va_start(ap, fmt);
	r->verdict = v;
	r->phase = phase;
	r->cause = cause;
	if (vasprintf(&r->detail, fmt, ap) < 0)
		r->detail = NULL;
	va_end(ap);
}

/* One entry per line: a multi-line text (the dump disk's listing) keeps its lines apart. */
void kl_verdict_add_lines(struct kl_cell_result *r, const char *text)
{
	for (const char *p = text; p && *p && r->n_decisive < KL_DECISIVE_MAX;) {
		size_t n = strcspn(p, "\n");
		r->decisive[r->n_decisive++] = strndup(p, n);
		p += n + (p[n] == '\n');
	}
}

/* The last console lines before the end, for failures decided by silence. */
static void add_tail(const struct kl_watch *w, struct kl_cell_result *r, size_t n)
{
	size_t have = w->n_tail < n ? w->n_tail : n;
	for (size_t i = 0; i < have; i++) {
		size_t idx = (w->tail_pos + KL_WATCH_TAIL - have + i) % KL_WATCH_TAIL;
		kl_verdict_add_lines(r, w->tail[idx]);
	}
}

/* The loader said why it stopped: its step names the cause. */
static void loader_failed(const struct kl_watch *w, struct kl_cell_result *r)
{
	const char *ls = w->loader_error_step;
	const char *detail = w->loader_error_detail ? w->loader_error_detail : "no detail";

	kl_verdict_add_lines(r, w->loader_error);
	if (streq(ls, "reservation"))
		kl_verdict_set(r, w->phase, KL_VERDICT_FAIL, KL_CAUSE_NO_RESERVATION,
			       "the first kernel has no crashkernel reservation (%s)", detail);
	else if (streq(ls, "kexec_file_load") || streq(ls, "crash_loaded"))
		kl_verdict_set(r, w->phase, KL_VERDICT_FAIL, KL_CAUSE_LOAD_FAILED,
			       "loading the capture kernel failed at step \"%s\" (%s)", ls, detail);
	else if (streq(ls, "unavailable"))
		kl_verdict_set(r, w->phase, KL_VERDICT_ERROR, KL_CAUSE_UNAVAILABLE,
			       "the scenario cannot run on this kernel (%s)", detail);
	else if (streq(ls, "trigger"))
		kl_verdict_set(r, w->phase, KL_VERDICT_FAIL, KL_CAUSE_TRIGGER_FAILED,
			       "the scenario's trigger returned without a crash");
	else
		kl_verdict_set(r, w->phase, KL_VERDICT_ERROR, KL_CAUSE_LOADER_FAILED,
			       "the loader failed at step \"%s\"", ls);
}

void kl_classify_guest_end(const struct kl_watch *w, bool timed_out, double deadline,
			   struct kl_cell_result *r)
{
	enum kl_phase ph = w->phase;

	if (w->loader_error) {
		loader_failed(w, r);
		return;
	}
	if (w->capture_oom) {
		kl_verdict_add_lines(r, w->capture_oom);
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_CAPTURE_OOM,
			       "the capture kernel ran out of memory");
		return;
	}
	if (w->saver_error) {
		kl_verdict_add_lines(r, w->saver_error);
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_SAVER_FAILED,
			       "the saver failed at step \"%s\"", w->saver_error_step);
		return;
	}
	if (w->capture_panic) {
		kl_verdict_add_lines(r, w->capture_panic);
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_CAPTURE_PANIC,
			       "the capture kernel panicked");
		return;
	}
	add_tail(w, r, 6);
	if (timed_out) {
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_TIMEOUT,
			       "no progress in phase \"%s\" within %.0f s", kl_phase_name(ph),
			       deadline);
		return;
	}
	if (!w->saw_loader)
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_NO_SYSTEM_BOOT,
			       "the domain ended before the loader started");
	else if (!w->saw_loaded)
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_LOAD_FAILED,
			       "the domain ended before the capture kernel was loaded");
	else if (!w->saw_capture_banner)
		kl_verdict_set(
			r, ph, KL_VERDICT_FAIL, KL_CAUSE_NO_CAPTURE_BOOT,
			"the guest ended after the trigger without booting the capture kernel");
	else if (!w->saw_saver)
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_NO_CAPTURE_BOOT,
			       "the capture kernel started but never ran the saver");
	else
		kl_verdict_set(r, ph, KL_VERDICT_FAIL, KL_CAUSE_SAVER_FAILED,
			       "the capture environment ended before the saver finished");
}

void kl_classify_fault(const struct kl_watch *w, struct kl_cell_result *r)
{
	if (!w->fault || (!r->cause && !r->detail))
		return;
	for (size_t i = 0; i < r->n_decisive; i++)
		if (streq(r->decisive[i], w->fault))
			return;
	kl_verdict_add_lines(r, w->fault);
}

void kl_classify_connection_lost(const struct kl_watch *w, const char *uri, enum kl_phase phase,
				 struct kl_cell_result *r)
{
	add_tail(w, r, 3);
	kl_verdict_set(r, phase, KL_VERDICT_ERROR, KL_CAUSE_INFRA,
		       "the libvirt connection to \"%s\" was lost in phase \"%s\"", uri,
		       kl_phase_name(phase));
}

void kl_classify_interrupted(const struct kl_watch *w, enum kl_phase phase,
			     struct kl_cell_result *r)
{
	add_tail(w, r, 3);
	kl_verdict_set(r, phase, KL_VERDICT_ERROR, KL_CAUSE_INTERRUPTED,
		       "interrupted by a signal in phase \"%s\"", kl_phase_name(phase));
}

bool kl_classify_pull(const struct kl_pull_result *pr, struct kl_cell_result *r)
{
	if (!pr->done_marker || !pr->dump || !pr->manifest) {
		kl_verdict_add_lines(r, pr->listing);
		kl_verdict_set(
			r, KL_PHASE_PULL, KL_VERDICT_FAIL, KL_CAUSE_DUMP_INCOMPLETE,
			"the dump disk has no completed dump (DONE %s, manifest %s, vmcore %s, vmcore.incomplete %s)",
			pr->done_marker ? "yes" : "no", pr->manifest ? "yes" : "no",
			pr->dump ? "yes" : "no", pr->partial_dump ? "yes" : "no");
		return false;
	}
	/* A completed dump that claims more bytes than its disk holds is not a dump (nothing of it
	 * was copied): dump-invalid, as a dump that fails validation. */
	if (pr->dump_refused) {
		kl_verdict_add_lines(r, pr->listing);
		kl_verdict_set(r, KL_PHASE_PULL, KL_VERDICT_FAIL, KL_CAUSE_DUMP_INVALID,
			       "the dump was not pulled: %s", pr->dump_refused);
		return false;
	}
	return true;
}

void kl_classify_validation(const struct kl_validation *v, struct kl_cell_result *r)
{
	if (kl_validation_ok(v))
		return;
	/* A sound dump whose only failures are crash.* checks is of another crash than the one
	 * injected: wrong-crash, not dump-invalid. */
	const struct kl_check_result *wc = kl_validation_wrong_crash(v);
	const struct kl_check_result *first = wc ? wc : kl_validation_first_failure(v);
	char line[1024];
	snprintf(line, sizeof(line), "%s: %s", first ? first->id : "?",
		 first && first->message ? first->message : "");
	kl_verdict_add_lines(r, line);
	if (wc)
		kl_verdict_set(r, KL_PHASE_VALIDATE, KL_VERDICT_FAIL, KL_CAUSE_WRONG_CRASH,
			       "the dump is not of the crash we injected: %s", line);
	else
		kl_verdict_set(r, KL_PHASE_VALIDATE, KL_VERDICT_FAIL, KL_CAUSE_DUMP_INVALID,
			       "the dump failed validation: %s", line);
}
