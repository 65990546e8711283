/* SPDX-License-Identifier: MIT */
/*
 * The verdict classifier (lab/run/classify.c), one test per cause.
 *
 * Recorded: transcripts/ holds console.log files of real cells (Debian 6.1 cloud kernel under
 * TCG, kdumplab run of scenarios/smoke.plan and scenarios/failures.plan): pass.log
 * (sysrq-1G-192M), no-reservation.log, load-failed.log (reservation-too-small: kexec_file_load
 * EADDRNOTAVAIL), capture-oom.log, capture-panic.log (rdinit=/nonexistent), saver-failed.log
 * (the saver finds no disk). Fed through the console parser as the cell feeds them.
 *
 * Synthetic (no real VM produces these causes today): the recorded pass cut before a record
 * (the guest ending or stalling there: no-system-boot, load-failed by silence, no-capture-boot,
 * saver-failed by silence, timeout(<phase>)); hand-written loader lines (loader-failed,
 * trigger-failed); typed pull and validation results (dump-incomplete, dump-invalid,
 * wrong-crash); a lost connection (infra) and a signal (interrupted).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "guest/console.h"
#include "kl-check.h"
#include "run/classify.h"
#include "virt/pull.h"
#include "vmcore/vmcore.h"

static int on_line(const struct kl_console_line *l, void *userdata)
{
	kl_watch_line(userdata, l);
	return 0;
}

static void feed(struct kl_watch *w, const char *text, size_t len)
{
	struct kl_console *con = kl_console_new();
	ck_assert_ptr_nonnull(con);
	kl_watch_init(w);
	ck_assert_int_eq(kl_console_feed(con, text, len, on_line, w), 0);
	ck_assert_int_eq(kl_console_finish(con, on_line, w), 0);
	kl_console_free(con);
}

static char *transcript(const char *name, size_t *ret_len)
{
	char path[4096];
	char *text = NULL;
	snprintf(path, sizeof(path), "%s/%s", TRANSCRIPTS, name);
	ck_assert_msg(kl_read_file(path, &text, ret_len, NULL) == 0, "%s", path);
	return text;
}

static struct kl_cell_result *new_result(void)
{
	struct kl_cell_spec s = { .id = (char *)"c", .expect = (char *)"pass" };
	struct kl_cell_result *r = kl_cell_result_new(&s);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* The verdict of a guest whose console said text[0..len) and then ended (or, timed_out, was
 * stopped at its phase's 60 s deadline). */
static struct kl_cell_result *guest_end(const char *text, size_t len, bool timed_out)
{
	struct kl_watch w;
	feed(&w, text, len);
	ck_assert(!w.saw_done);
	struct kl_cell_result *r = new_result();
	kl_classify_guest_end(&w, timed_out, 60, r);
	kl_watch_clear(&w);
	return r;
}

static struct kl_cell_result *recorded(const char *name)
{
	size_t len;
	_cleanup_free_ char *text = transcript(name, &len);
	return guest_end(text, len, false);
}

/* The recorded pass up to (without) the first line holding needle after the text after (or
 * from the start): where the guest ended. */
static struct kl_cell_result *pass_cut_after(const char *after, const char *needle, bool timed_out)
{
	size_t len;
	_cleanup_free_ char *text = transcript("pass.log", &len);
	char *from = after ? strstr(text, after) : text;
	ck_assert_msg(from, "%s not in pass.log", after);
	char *at = strstr(from, needle);
	ck_assert_msg(at, "%s not in pass.log", needle);
	while (at > text && at[-1] != '\n')
		at--;
	return guest_end(text, (size_t)(at - text), timed_out);
}

static struct kl_cell_result *pass_cut_before(const char *needle, bool timed_out)
{
	return pass_cut_after(NULL, needle, timed_out);
}

static void assert_outcome(const struct kl_cell_result *r, const char *outcome, enum kl_phase phase,
			   const char *detail)
{
	struct kl_outcome want, got = kl_cell_result_outcome(r);
	char g[96];
	ck_assert_int_eq(kl_outcome_parse(outcome, &want, NULL), 0);
	kl_outcome_format(&got, g, sizeof(g));
	ck_assert_msg(kl_outcome_eq(&got, &want), "got %s, expected %s (%s)", g, outcome,
		      r->detail ? r->detail : "");
	ck_assert_msg(r->phase == phase, "%s: phase %s, expected %s", outcome,
		      kl_phase_name(r->phase), kl_phase_name(phase));
	ck_assert_msg(r->detail && strstr(r->detail, detail), "%s: detail \"%s\", expected \"%s\"",
		      outcome, r->detail ? r->detail : "", detail);
}

static void assert_decisive(const struct kl_cell_result *r, size_t i, const char *needle)
{
	ck_assert_uint_gt(r->n_decisive, i);
	ck_assert_msg(strstr(r->decisive[i], needle), "decisive line %zu \"%s\" lacks \"%s\"", i,
		      r->decisive[i], needle);
}

/* ---- recorded ---- */

START_TEST(recorded_pass_reaches_poweroff)
{
	size_t len;
	_cleanup_free_ char *text = transcript("pass.log", &len);
	struct kl_watch w;
	feed(&w, text, len);
	ck_assert(w.saw_loader && w.saw_loaded && w.saw_trigger && w.saw_capture_banner &&
		  w.saw_saver && w.saw_done);
	ck_assert_int_eq(w.phase, KL_PHASE_POWEROFF);
	ck_assert_uint_eq(w.vmcore_size, 913371136);
	ck_assert_ptr_null(w.loader_error);
	ck_assert_ptr_null(w.saver_error);
	ck_assert_ptr_null(w.capture_panic);
	ck_assert_ptr_null(w.capture_oom);
	kl_watch_clear(&w);
}
END_TEST

/* A real VM ended this way: the cause, the phase, the detail and the first decisive line. */
static const struct {
	const char *log, *outcome;
	enum kl_phase phase;
	const char *detail, *decisive;
} recordings[] = {
	{ "no-reservation.log", "fail/no-reservation", KL_PHASE_LOAD,
	  "the first kernel has no crashkernel reservation (kexec_crash_size=0",
	  "KDUMPLAB phase=error step=reservation errno=12" },
	{ "load-failed.log", "fail/load-failed", KL_PHASE_LOAD,
	  "loading the capture kernel failed at step \"kexec_file_load\" (kernel=",
	  "errname=EADDRNOTAVAIL" },
	{ "capture-oom.log", "fail/capture-oom", KL_PHASE_CAPTURE,
	  "the capture kernel ran out of memory", "invoked oom-killer" },
	{ "capture-panic.log", "fail/capture-panic", KL_PHASE_CAPTURE,
	  "the capture kernel panicked",
	  "Kernel panic - not syncing: VFS: Unable to mount root fs" },
	{ "saver-failed.log", "fail/saver-failed", KL_PHASE_SAVE,
	  "the saver failed at step \"find-disk\"", "errname=ENODEV" },
};

START_TEST(recorded_cause)
{
	struct kl_cell_result *r = recorded(recordings[_i].log);
	assert_outcome(r, recordings[_i].outcome, recordings[_i].phase, recordings[_i].detail);
	ck_assert_uint_eq(r->n_decisive, 1);
	assert_decisive(r, 0, recordings[_i].decisive);
	kl_cell_result_free(r);
}
END_TEST

/* ---- synthetic: the recorded pass, ended or stalled before a record ---- */

/* The guest ended (its domain went away) right before a line of the recorded pass. */
static const struct {
	const char *after, *before, *outcome;
	enum kl_phase phase;
	const char *detail;
} endings[] = {
	{ NULL, "KDUMPLAB phase=start prog=loader", "fail/no-system-boot", KL_PHASE_BOOT,
	  "the domain ended before the loader started" },
	{ NULL, "KDUMPLAB phase=loaded", "fail/load-failed", KL_PHASE_LOAD,
	  "the domain ended before the capture kernel was loaded" },
	/* The capture kernel's banner: the second "Linux version", after the trigger. */
	{ "KDUMPLAB phase=trigger", "Linux version", "fail/no-capture-boot", KL_PHASE_TRIGGER,
	  "the guest ended after the trigger without booting the capture kernel" },
	{ NULL, "KDUMPLAB phase=start prog=saver", "fail/no-capture-boot", KL_PHASE_CAPTURE,
	  "the capture kernel started but never ran the saver" },
	{ NULL, "KDUMPLAB phase=done", "fail/saver-failed", KL_PHASE_SAVE,
	  "the capture environment ended before the saver finished" },
};

START_TEST(ended_early)
{
	struct kl_cell_result *r = pass_cut_after(endings[_i].after, endings[_i].before, false);
	assert_outcome(r, endings[_i].outcome, endings[_i].phase, endings[_i].detail);
	ck_assert_uint_eq(r->n_decisive, 6); /* the last lines */
	kl_cell_result_free(r);
}
END_TEST

/* The last lines before the end are the decisive ones, in order. */
START_TEST(ended_before_loaded_shows_the_last_lines)
{
	struct kl_cell_result *r = pass_cut_before("KDUMPLAB phase=loaded", false);
	assert_decisive(r, 4, "KDUMPLAB phase=reservation");
	assert_decisive(r, 5, "PEFILE: Unsigned PE binary");
	kl_cell_result_free(r);
}
END_TEST

START_TEST(stalled_in_each_phase)
{
	static const struct {
		const char *before, *outcome;
		enum kl_phase phase;
	} cuts[] = {
		{ "KDUMPLAB phase=start prog=loader", "fail/timeout(boot)", KL_PHASE_BOOT },
		{ "KDUMPLAB phase=loaded", "fail/timeout(load)", KL_PHASE_LOAD },
		{ "KDUMPLAB phase=trigger", "fail/timeout(trigger)", KL_PHASE_TRIGGER },
		{ "KDUMPLAB phase=start prog=saver", "fail/timeout(capture)", KL_PHASE_CAPTURE },
		{ "KDUMPLAB phase=saved", "fail/timeout(save)", KL_PHASE_SAVE },
	};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct kl_cell_result *r = pass_cut_before(cuts[i].before, true);
		char detail[96];
		snprintf(detail, sizeof(detail), "no progress in phase \"%s\" within 60 s",
			 kl_phase_name(cuts[i].phase));
		assert_outcome(r, cuts[i].outcome, cuts[i].phase, detail);
		ck_assert_uint_eq(r->n_decisive, 6);
		kl_cell_result_free(r);
	}
	/* The whole pass, stopped after `done`: the domain did not end in time. */
	size_t len;
	_cleanup_free_ char *text = transcript("pass.log", &len);
	struct kl_watch w;
	feed(&w, text, len);
	struct kl_cell_result *r = new_result();
	kl_classify_guest_end(&w, true, 30, r);
	assert_outcome(r, "fail/timeout(poweroff)", KL_PHASE_POWEROFF,
		       "no progress in phase \"poweroff\" within 30 s");
	kl_watch_clear(&w);
	kl_cell_result_free(r);
}
END_TEST

/* A console line that explains the failure wins over the deadline. */
START_TEST(an_explanation_beats_the_deadline)
{
	size_t len;
	_cleanup_free_ char *text = transcript("capture-panic.log", &len);
	struct kl_cell_result *r = guest_end(text, len, true);
	assert_outcome(r, "fail/capture-panic", KL_PHASE_CAPTURE, "panicked");
	kl_cell_result_free(r);
}
END_TEST

/* ---- synthetic: loader lines ---- */

static const char loader_start[] = "[    1.0] Run /init as init process\n"
				   "KDUMPLAB phase=start prog=loader version=0.1.0\n";

START_TEST(synthetic_loader_failed)
{
	char text[512];
	snprintf(text, sizeof(text), "%sKDUMPLAB phase=error step=mount errno=2 errname=ENOENT\n",
		 loader_start);
	struct kl_cell_result *r = guest_end(text, strlen(text), false);
	assert_outcome(r, "error/loader-failed", KL_PHASE_LOAD,
		       "the loader failed at step \"mount\"");
	assert_decisive(r, 0, "step=mount");
	kl_cell_result_free(r);
}
END_TEST

START_TEST(synthetic_trigger_failed)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "%sKDUMPLAB phase=loaded crash_loaded=1\n"
		 "KDUMPLAB phase=trigger scenario=sysrq pid=87 cpu=1 nonce=00 time=1\n"
		 "KDUMPLAB phase=error step=trigger errno=0 errname=OK detail=returned\n",
		 loader_start);
	struct kl_cell_result *r = guest_end(text, strlen(text), false);
	assert_outcome(r, "fail/trigger-failed", KL_PHASE_TRIGGER,
		       "the scenario's trigger returned without a crash");
	kl_cell_result_free(r);
}
END_TEST

/* A scenario the guest kernel cannot run (its probe said why) is error/unavailable. */
START_TEST(synthetic_unavailable)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "%sKDUMPLAB phase=loaded crash_loaded=1\n"
		 "KDUMPLAB phase=error step=unavailable errno=95 errname=EOPNOTSUPP "
		 "detail=no%%20hard-lockup%%20detector\n",
		 loader_start);
	struct kl_cell_result *r = guest_end(text, strlen(text), false);
	assert_outcome(r, "error/unavailable", KL_PHASE_TRIGGER,
		       "the scenario cannot run on this kernel (no hard-lockup detector)");
	assert_decisive(r, 0, "step=unavailable");
	kl_cell_result_free(r);
}
END_TEST

START_TEST(synthetic_crash_loaded_is_load_failed)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "%sKDUMPLAB phase=error step=crash_loaded errno=5 errname=EIO detail=0\n",
		 loader_start);
	struct kl_cell_result *r = guest_end(text, strlen(text), false);
	assert_outcome(r, "fail/load-failed", KL_PHASE_LOAD, "at step \"crash_loaded\" (0)");
	kl_cell_result_free(r);
}
END_TEST

/* A fault's line (common/fault.h) joins the decisive lines of a cell that did not pass, once,
 * after the lines that decided it; a passing cell gets none. */
START_TEST(fault_line_joins_the_decisive_lines)
{
	char text[1024];
	const char *fault = "KDUMPLAB phase=fault name=trigger-hang prog=loader "
			    "provokes=fail/timeout(trigger) detail=sleeps";
	snprintf(text, sizeof(text),
		 "%sKDUMPLAB phase=loaded crash_loaded=1\n"
		 "KDUMPLAB phase=trigger scenario=sysrq pid=87 cpu=1 nonce=00 time=1\n%s\n",
		 loader_start, fault);
	/* the trigger deadline: the tail already holds the fault line, which is not repeated */
	struct kl_cell_result *r = guest_end(text, strlen(text), true);
	assert_outcome(r, "fail/timeout(trigger)", KL_PHASE_TRIGGER, "phase \"trigger\"");
	size_t n = r->n_decisive;
	struct kl_watch w;
	feed(&w, text, strlen(text));
	kl_classify_fault(&w, r);
	ck_assert_uint_eq(r->n_decisive, n);
	ck_assert_str_eq(r->decisive[n - 1], fault);
	kl_cell_result_free(r);
	/* a validation failure: the check's line, then the fault's */
	r = new_result();
	kl_verdict_add_lines(r, "crash.nonce: not found");
	kl_verdict_set(r, KL_PHASE_VALIDATE, KL_VERDICT_FAIL, KL_CAUSE_WRONG_CRASH, "x");
	kl_classify_fault(&w, r);
	ck_assert_uint_eq(r->n_decisive, 2);
	ck_assert_str_eq(r->decisive[1], fault);
	kl_cell_result_free(r);
	/* a pass: nothing */
	r = new_result();
	kl_classify_fault(&w, r);
	ck_assert_uint_eq(r->n_decisive, 0);
	kl_cell_result_free(r);
	kl_watch_clear(&w);
}
END_TEST

/* ---- synthetic: connection, signal ---- */

START_TEST(connection_lost_is_infra)
{
	size_t len;
	_cleanup_free_ char *text = transcript("pass.log", &len);
	struct kl_watch w;
	feed(&w, text, len / 2);
	struct kl_cell_result *r = new_result();
	kl_classify_connection_lost(&w, "qemu+ssh://lab/system", w.phase, r);
	assert_outcome(r, "error/infra", w.phase,
		       "the libvirt connection to \"qemu+ssh://lab/system\" was lost in phase");
	ck_assert_uint_eq(r->n_decisive, 3);
	/* Decided: a later explanation does not replace it. */
	kl_classify_guest_end(&w, true, 60, r);
	ck_assert_int_eq(r->cause, KL_CAUSE_INFRA);
	kl_watch_clear(&w);
	kl_cell_result_free(r);
}
END_TEST

START_TEST(signal_is_interrupted)
{
	struct kl_watch w;
	kl_watch_init(&w);
	struct kl_cell_result *r = new_result();
	kl_classify_interrupted(&w, KL_PHASE_BOOT, r);
	assert_outcome(r, "error/interrupted", KL_PHASE_BOOT,
		       "interrupted by a signal in phase \"boot\"");
	ck_assert_uint_eq(r->n_decisive, 0);
	kl_watch_clear(&w);
	kl_cell_result_free(r);
}
END_TEST

/* ---- synthetic: the dump disk and the validation ---- */

START_TEST(pull_without_a_completed_dump_is_dump_incomplete)
{
	struct kl_pull_result pr = { .manifest = true,
				     .dump = false,
				     .partial_dump = true,
				     .listing = (char *)"vmcore.incomplete 4096\nmanifest 310" };
	struct kl_cell_result *r = new_result();
	ck_assert(!kl_classify_pull(&pr, r));
	assert_outcome(r, "fail/dump-incomplete", KL_PHASE_PULL,
		       "(DONE no, manifest yes, vmcore no, vmcore.incomplete yes)");
	ck_assert_uint_eq(r->n_decisive, 2); /* the listing, one line each */
	assert_decisive(r, 1, "manifest 310");
	kl_cell_result_free(r);
}
END_TEST

START_TEST(pull_of_a_dump_larger_than_its_disk_is_dump_invalid)
{
	struct kl_pull_result pr = { .done_marker = true,
				     .manifest = true,
				     .dump = true,
				     .dump_refused =
					     (char *)"vmcore claims 1 TiB; the disk holds 1 GiB",
				     .listing = (char *)"vmcore 1099511627776" };
	struct kl_cell_result *r = new_result();
	ck_assert(!kl_classify_pull(&pr, r));
	assert_outcome(r, "fail/dump-invalid", KL_PHASE_PULL,
		       "the dump was not pulled: vmcore claims 1 TiB");
	kl_cell_result_free(r);
	/* A completed dump: nothing decided yet. */
	pr.dump_refused = NULL;
	r = new_result();
	ck_assert(kl_classify_pull(&pr, r));
	ck_assert_int_eq(r->cause, KL_CAUSE_NONE);
	ck_assert_ptr_null(r->detail);
	kl_cell_result_free(r);
}
END_TEST

START_TEST(validation_failures)
{
	struct kl_check_result checks[] = {
		{ .id = "elf.type", .status = KL_CHECK_PASSED, .passed = true },
		{ .id = "crash.nonce",
		  .status = KL_CHECK_FAILED,
		  .message = (char *)"nonce absent" },
	};
	struct kl_validation v = {
		.results = checks, .n_results = 2, .n_passed = 1, .n_failed = 1, .wrong_crash = true
	};
	struct kl_cell_result *r = new_result();
	kl_classify_validation(&v, r);
	assert_outcome(r, "fail/wrong-crash", KL_PHASE_VALIDATE,
		       "the dump is not of the crash we injected: crash.nonce: nonce absent");
	assert_decisive(r, 0, "crash.nonce: nonce absent");
	kl_cell_result_free(r);

	checks[0] = (struct kl_check_result){ .id = "elf.type",
					      .status = KL_CHECK_FAILED,
					      .message = (char *)"ET_EXEC" };
	v.n_failed = 2, v.n_passed = 0, v.wrong_crash = false;
	r = new_result();
	kl_classify_validation(&v, r);
	assert_outcome(r, "fail/dump-invalid", KL_PHASE_VALIDATE,
		       "the dump failed validation: elf.type: ET_EXEC");
	kl_cell_result_free(r);

	/* Valid: nothing decided. */
	checks[0].status = checks[1].status = KL_CHECK_PASSED;
	v.n_failed = 0, v.n_passed = 2;
	r = new_result();
	kl_classify_validation(&v, r);
	ck_assert_int_eq(r->cause, KL_CAUSE_NONE);
	ck_assert_uint_eq(r->n_decisive, 0);
	kl_cell_result_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("classify");
	TCase *t = tcase_create("classify");
	tcase_add_test(t, recorded_pass_reaches_poweroff);
	tcase_add_loop_test(t, recorded_cause, 0, sizeof(recordings) / sizeof(recordings[0]));
	tcase_add_loop_test(t, ended_early, 0, sizeof(endings) / sizeof(endings[0]));
	tcase_add_test(t, ended_before_loaded_shows_the_last_lines);
	tcase_add_test(t, stalled_in_each_phase);
	tcase_add_test(t, an_explanation_beats_the_deadline);
	tcase_add_test(t, synthetic_loader_failed);
	tcase_add_test(t, synthetic_trigger_failed);
	tcase_add_test(t, synthetic_unavailable);
	tcase_add_test(t, synthetic_crash_loaded_is_load_failed);
	tcase_add_test(t, fault_line_joins_the_decisive_lines);
	tcase_add_test(t, connection_lost_is_infra);
	tcase_add_test(t, signal_is_interrupted);
	tcase_add_test(t, pull_without_a_completed_dump_is_dump_incomplete);
	tcase_add_test(t, pull_of_a_dump_larger_than_its_disk_is_dump_invalid);
	tcase_add_test(t, validation_failures);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
