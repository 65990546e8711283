/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "cell.h"
#include "config.h"
#include "images.h"
#include "plan/journal.h"
#include "report/report.h"
#include "run.h"
#include "virt/virt.h"

/* ---- shared state of a run ---- */

struct kernel_images {
	const char *spec;
	struct kl_images *im;
};

struct run {
	const struct kl_run_options *o;
	struct kernel_images *kernels;
	size_t n_kernels;
	struct kl_cell_result **cells; /* in plan order; NULL until done */
	struct kl_cell_result **done;  /* the finished ones, for the reports */
	size_t next;		       /* next plan index to hand out */
	bool kvm;
	pthread_mutex_t lock;
	struct kl_run_summary sum;
	struct kl_error *first_err;
};

static const struct kl_images *images_for(const struct run *rn, const char *spec)
{
	for (size_t i = 0; i < rn->n_kernels; i++)
		if (streq(rn->kernels[i].spec, spec))
			return rn->kernels[i].im;
	return NULL;
}

static void notice(const struct run *rn, const char *fmt, ...) _printf_(2, 3);
static void notice(const struct run *rn, const char *fmt, ...)
{
	if (!rn->o->notice)
		return;
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		rn->o->notice(rn->o->userdata, s);
	va_end(ap);
	free(s);
}

static void image_progress(void *userdata, const char *msg)
{
	notice(userdata, "images: %s", msg);
}

/* Every distinct kernel of the plan, prepared before any cell runs (bad specs fail early). */
static int prepare_kernels(struct run *rn, struct kl_error **err)
{
	const struct kl_plan *p = rn->o->plan;
	_cleanup_free_ char *loader = NULL, *saver = NULL;
	int r = kl_guest_binaries(&loader, &saver, err);
	if (r < 0)
		return r;
	rn->kernels = calloc(p->n_cells, sizeof(*rn->kernels));
	if (!rn->kernels)
		return kl_error_set(err, ENOMEM, "run");
	for (size_t i = 0; i < p->n_cells; i++) {
		if (images_for(rn, p->cells[i].kernel))
			continue;
		struct kl_images_options io = {
			.cache_dir = rn->o->cache_dir,
			.kernel_spec = p->cells[i].kernel,
			.loader_path = loader,
			.saver_path = saver,
			.progress = image_progress,
			.userdata = rn,
		};
		struct kl_images *im = NULL;
		r = kl_images_prepare(&io, &im, err);
		if (r < 0)
			return kl_error_wrap(err, "kernel \"%s\" (cell \"%s\")", p->cells[i].kernel,
					     p->cells[i].id);
		rn->kernels[rn->n_kernels++] = (struct kernel_images){ p->cells[i].kernel, im };
	}
	return 0;
}

static void count(struct kl_run_summary *s, const struct kl_cell_result *c)
{
	struct kl_tally t = { s->cells, s->pass, s->fail, s->error, s->unexpected };
	kl_tally_add(&t, c);
	s->cells = t.cells, s->pass = t.pass, s->fail = t.fail, s->error = t.error;
	s->unexpected = t.unexpected;
}

/* Rebuild the reports from the cells finished so far (caller holds the lock). */
static void write_reports(struct run *rn)
{
	size_t n = 0;
	for (size_t i = 0; i < rn->o->plan->n_cells; i++)
		if (rn->cells[i])
			rn->done[n++] = rn->cells[i];
	struct kl_report rep = { .cells = (const struct kl_cell_result *const *)rn->done,
				 .n_cells = n };
	struct kl_error *e = NULL;
	if (kl_report_write(rn->o->out_dir, &rep, &e) < 0 && !rn->first_err)
		rn->first_err = e;
	else
		kl_error_free(e);
}

static void cell_progress(void *userdata, const char *cell, const char *what)
{
	const struct run *rn = userdata;
	if (rn->o->cell_phase)
		rn->o->cell_phase(rn->o->userdata, cell, what);
}

struct slot {
	struct run *rn;
	struct kl_virt *virt;
	pthread_t thread;
};

/* A first kernel that stalls before our loader speaks (timeout(boot)) says nothing about kdump,
 * and under TCG it is the one failure seen to come and go (QEMU 7.2: a 6.1 guest froze 0.8 s
 * into boot once in a CI run; 140 boots here did not). Such a cell runs again, up to o->retries
 * times, unless the plan expects exactly that timeout; the earlier attempts stay on disk and in the
 * result. */
static bool retryable(const struct kl_cell_result *r)
{
	return r->verdict == KL_VERDICT_FAIL && r->cause == KL_CAUSE_TIMEOUT &&
	       r->phase == KL_PHASE_BOOT && !r->expected;
}

/* Keep attempt n's files as cells/<id>.attempt-<n> and record it (r is consumed) in res. */
static void set_attempt_aside(struct run *rn, const char *id, unsigned n,
			      struct kl_cell_result *res, struct kl_cell_result *r)
{
	_cleanup_free_ char *from = NULL, *to = NULL, *rel = NULL;
	if (asprintf(&from, "%s/cells/%s", rn->o->out_dir, id) < 0 ||
	    asprintf(&rel, "cells/%s.attempt-%u", id, n) < 0 ||
	    asprintf(&to, "%s/%s", rn->o->out_dir, rel) < 0)
		return;
	(void)kl_rm_rf(to); /* left by an earlier, interrupted run */
	bool kept = rename(from, to) == 0 && kl_fsync_parent(to) == 0;
	(void)kl_cell_result_add_attempt(res, n, r, kept ? rel : NULL);
}

/* An earlier run's attempt directories of this cell would be taken for this run's. */
static void rm_attempts(struct run *rn, const char *id)
{
	_cleanup_free_ char *cells = NULL, *prefix = NULL;
	if (asprintf(&cells, "%s/cells", rn->o->out_dir) < 0 ||
	    asprintf(&prefix, "%s.attempt-", id) < 0)
		return;
	_cleanup_closedir_ DIR *d = opendir(cells);
	for (struct dirent *de; d && (de = readdir(d));) {
		_cleanup_free_ char *path = NULL;
		const char *num = de->d_name + strlen(prefix);
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && *num &&
		    strspn(num, "0123456789") == strlen(num) &&
		    asprintf(&path, "%s/%s", cells, de->d_name) >= 0)
			(void)kl_rm_rf(path);
	}
}

/* Run one cell, again while it is retryable; its result with the earlier attempts. */
static struct kl_cell_result *run_one(struct run *rn, struct kl_cell_env *env,
				      const struct kl_cell_spec *spec, bool *interrupted,
				      struct kl_error **err)
{
	_cleanup_(kl_cell_result_freep) struct kl_cell_result *earlier = kl_cell_result_new(spec);
	if (!earlier) {
		kl_error_set(err, ENOMEM, "cell");
		return NULL;
	}
	rm_attempts(rn, spec->id);
	for (unsigned n = 1;; n++) {
		struct kl_cell_result *res = NULL;
		if (kl_cell_run(env, spec, images_for(rn, spec->kernel), &res, err) < 0)
			return NULL;
		*interrupted = res->cause == KL_CAUSE_INTERRUPTED;
		bool again = retryable(res) && n <= rn->o->retries && !*interrupted &&
			     !(rn->o->interrupted && *rn->o->interrupted);
		if (!again) {
			res->attempts = n;
			res->earlier = TAKE_PTR(earlier->earlier);
			res->n_earlier = earlier->n_earlier;
			earlier->n_earlier = 0;
			/* What resume compares besides the plan's values: the kernel and guest
			 * programs actually booted (a spec like debian:bookworm moves on) and the
			 * lab that judged them. */
			const struct kl_images *im = images_for(rn, spec->kernel);
			res->images_id = strdup(im && im->id ? im->id : "");
			res->lab_version = strdup(KL_VERSION);
			return res;
		}
		struct kl_outcome o = kl_cell_result_outcome(res);
		char ended[96];
		kl_outcome_format(&o, ended, sizeof(ended));
		notice(rn, "%s: attempt %u ended %s (%s); running it again", spec->id, n, ended,
		       res->detail ? res->detail : "");
		set_attempt_aside(rn, spec->id, n, earlier, res);
		kl_cell_result_free(res);
	}
}

static void *slot_main(void *arg)
{
	struct slot *sl = arg;
	struct run *rn = sl->rn;
	const struct kl_plan *p = rn->o->plan;

	for (;;) {
		pthread_mutex_lock(&rn->lock);
		size_t i = rn->next++;
		pthread_mutex_unlock(&rn->lock);
		if (i >= p->n_cells || (rn->o->interrupted && *rn->o->interrupted))
			break;
		const struct kl_cell_spec *spec = &p->cells[i];
		struct kl_cell_env env = {
			.virt = sl->virt,
			.out_dir = rn->o->out_dir,
			.state_dir = rn->o->state_dir,
			.kvm = rn->kvm,
			.deadline_scale =
				(rn->o->deadline_scale > 0 ? rn->o->deadline_scale : 1.0) *
				(rn->kvm ? 0.5 : 1.0),
			.interrupted = rn->o->interrupted,
			.keep_disk = rn->o->keep_disks,
			.progress = cell_progress,
			.userdata = rn,
		};
		struct kl_error *e = NULL;
		bool interrupted = false;
		struct kl_cell_result *res = run_one(rn, &env, spec, &interrupted, &e);
		if (!res) {
			pthread_mutex_lock(&rn->lock);
			if (!rn->first_err)
				rn->first_err = e;
			else
				kl_error_free(e);
			pthread_mutex_unlock(&rn->lock);
			break;
		}
		pthread_mutex_lock(&rn->lock);
		/* An interrupted cell is not journaled: resuming runs it again. A journal that
		 * cannot be written (disk full) is the run's error: a resume would redo the cell. */
		if (!interrupted) {
			struct kl_error *je = NULL;
			if (kl_journal_store(rn->o->out_dir, res, &je) < 0 && !rn->first_err)
				rn->first_err = je;
			else
				kl_error_free(je);
		}
		rn->cells[i] = res;
		count(&rn->sum, res);
		write_reports(rn);
		if (rn->o->cell_done)
			rn->o->cell_done(rn->o->userdata, res, false);
		pthread_mutex_unlock(&rn->lock);
	}
	return NULL;
}

/* Cells already in the journal are taken as they are (resume). */
static void take_resumed(struct run *rn)
{
	const struct kl_plan *p = rn->o->plan;
	for (size_t i = 0; i < p->n_cells; i++) {
		const struct kl_images *im = images_for(rn, p->cells[i].kernel);
		struct kl_cell_result *c =
			rn->o->rerun ? NULL
				     : kl_journal_load(rn->o->out_dir, &p->cells[i],
						       im && im->id ? im->id : "", KL_VERSION);
		rn->cells[i] = c;
		if (!c)
			continue;
		count(&rn->sum, c);
		rn->sum.resumed++;
		if (rn->o->cell_done)
			rn->o->cell_done(rn->o->userdata, c, true);
	}
}

static int probe_kvm(struct run *rn, struct kl_virt *v, struct kl_error **err)
{
	if (rn->o->force_tcg) {
		notice(rn, "accel: TCG (--tcg)");
		return 0;
	}
	const struct kl_images *im = rn->kernels[0].im;
	bool kvm = false;
	_cleanup_free_ char *reason = NULL;
	int r = kl_virt_probe_kvm(v, rn->o->cache_dir, im->vmlinuz, im->system_initrd, &kvm,
				  &reason, err);
	if (r < 0)
		return r;
	rn->kvm = kvm;
	if (kvm)
		notice(rn, "accel: KVM");
	else {
		/* One line: QEMU's own words can run long, the first clause says enough. */
		char brief[200];
		snprintf(brief, sizeof(brief), "%s", reason ? reason : "unknown");
		brief[strcspn(brief, "\n")] = '\0';
		notice(rn, "accel: KVM not usable (%s); using TCG", brief);
	}
	return 0;
}

static int run_cells(struct run *rn, struct kl_error **err)
{
	static const char *const embed[] = { NULL, NULL };
	const char *const *uris = rn->o->uris && rn->o->uris[0] ? rn->o->uris : embed;
	size_t n_uris = 0;
	while (n_uris == 0 || uris[n_uris])
		if (!uris[n_uris++])
			break;
	unsigned jobs = rn->o->jobs ? rn->o->jobs : 1;
	size_t n_slots = n_uris * jobs;
	struct slot *slots = calloc(n_slots, sizeof(*slots));
	struct kl_virt **conns = calloc(n_uris, sizeof(*conns));
	int r = 0;

	if (!slots || !conns) {
		free(slots);
		free(conns);
		return kl_error_set(err, ENOMEM, "run");
	}
	for (size_t u = 0; u < n_uris && r >= 0; u++) {
		r = kl_virt_open(uris[u], rn->o->state_dir, &conns[u], err);
		if (r >= 0 && u == 0)
			r = probe_kvm(rn, conns[0], err);
	}
	for (size_t s = 0; s < n_slots && r >= 0; s++) {
		slots[s] = (struct slot){ .rn = rn, .virt = conns[s % n_uris] };
		if (pthread_create(&slots[s].thread, NULL, slot_main, &slots[s]) != 0)
			r = kl_error_set(err, EAGAIN, "cannot start a scheduler thread");
	}
	for (size_t s = 0; s < n_slots; s++)
		if (slots[s].thread)
			pthread_join(slots[s].thread, NULL);
	for (size_t u = 0; u < n_uris; u++)
		kl_virt_close(conns[u]);
	free(slots);
	free(conns);
	return r;
}

int kl_run(const struct kl_run_options *o, struct kl_run_summary *ret_summary,
	   struct kl_error **err)
{
	struct run rn = { .o = o };
	int r;

	pthread_mutex_init(&rn.lock, NULL);
	r = prepare_kernels(&rn, err);
	if (r >= 0)
		r = kl_mkdir_p(o->out_dir, 0755, err);
	if (r >= 0)
		r = kl_mkdir_p(o->state_dir, 0755, err);
	if (r >= 0) {
		notice(&rn, "kdumplab: %zu cell(s) from %s, results in \"%s\"", o->plan->n_cells,
		       o->plan->source, o->out_dir);
		rn.cells = calloc(o->plan->n_cells, sizeof(*rn.cells));
		rn.done = calloc(o->plan->n_cells, sizeof(*rn.done));
		if (!rn.cells || !rn.done)
			r = kl_error_set(err, ENOMEM, "run");
	}
	if (r >= 0) {
		take_resumed(&rn);
		if (rn.sum.resumed)
			notice(&rn, "resuming: %u of %zu cells already done in \"%s\"",
			       rn.sum.resumed, o->plan->n_cells, o->out_dir);
		if (rn.sum.resumed < o->plan->n_cells)
			r = run_cells(&rn, err);
		write_reports(&rn);
	}
	if (r >= 0 && rn.first_err) {
		r = -rn.first_err->code;
		if (err && !*err)
			*err = TAKE_PTR(rn.first_err);
	}
	kl_error_free(rn.first_err);
	rn.sum.interrupted = o->interrupted && *o->interrupted;
	for (size_t i = 0; i < rn.n_kernels; i++)
		kl_images_free(rn.kernels[i].im);
	free(rn.kernels);
	for (size_t i = 0; rn.cells && i < o->plan->n_cells; i++)
		kl_cell_result_free(rn.cells[i]);
	free(rn.cells);
	free(rn.done);
	pthread_mutex_destroy(&rn.lock);
	if (r >= 0 && ret_summary)
		*ret_summary = rn.sum;
	return r;
}
