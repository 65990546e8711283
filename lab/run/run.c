/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <json-c/json.h>
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
	struct json_object *cells; /* array, in plan order; NULL entries until done */
	size_t next;		   /* next plan index to hand out */
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

static void count(struct kl_run_summary *s, struct json_object *c)
{
	struct json_object *v, *x;
	const char *vs =
		json_object_object_get_ex(c, "verdict", &v) ? json_object_get_string(v) : "";
	s->cells++;
	if (streq(vs, "pass"))
		s->pass++;
	else if (streq(vs, "fail"))
		s->fail++;
	else
		s->error++;
	if (!json_object_object_get_ex(c, "expected", &x) || !json_object_get_boolean(x))
		s->unexpected++;
}

/* Rebuild results.json/junit.xml from the cells finished so far (caller holds the lock). */
static void write_reports(struct run *rn)
{
	struct json_object *done = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(rn->cells); i++) {
		struct json_object *c = json_object_array_get_idx(rn->cells, i);
		if (c)
			json_object_array_add(done, json_object_get(c));
	}
	struct kl_error *e = NULL;
	if (kl_report_write(rn->o->out_dir, done, &e) < 0 && !rn->first_err)
		rn->first_err = e;
	else
		kl_error_free(e);
	json_object_put(done);
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
	return r->verdict == KL_VERDICT_FAIL && r->cause && streq(r->cause, "timeout(boot)") &&
	       !r->expected;
}

/* Keep attempt n's files as cells/<id>.attempt-<n> and return what it ended as. */
static struct json_object *set_attempt_aside(struct run *rn, const char *id, unsigned n,
					     const struct kl_cell_result *r)
{
	_cleanup_free_ char *from = NULL, *to = NULL, *rel = NULL;
	if (asprintf(&from, "%s/cells/%s", rn->o->out_dir, id) < 0 ||
	    asprintf(&rel, "cells/%s.attempt-%u", id, n) < 0 ||
	    asprintf(&to, "%s/%s", rn->o->out_dir, rel) < 0)
		return NULL;
	(void)kl_rm_rf(to); /* left by an earlier, interrupted run */
	bool kept = rename(from, to) == 0 && kl_fsync_parent(to) == 0;
	struct json_object *a = json_object_new_object();
	char what[96];
	snprintf(what, sizeof(what), "%s/%s", kl_verdict_name(r->verdict), r->cause);
	json_object_object_add(a, "attempt", json_object_new_int((int)n));
	json_object_object_add(a, "ended", json_object_new_string(what));
	json_object_object_add(a, "detail", json_object_new_string(r->detail ? r->detail : ""));
	json_object_object_add(a, "total_seconds", json_object_new_double(r->total_seconds));
	struct json_object *dl = json_object_new_array();
	for (size_t i = 0; i < r->n_decisive; i++)
		json_object_array_add(dl, json_object_new_string(r->decisive[i]));
	json_object_object_add(a, "decisive_lines", dl);
	json_object_object_add(a, "dir", kept ? json_object_new_string(rel) : NULL);
	return a;
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

/* Run one cell, again while it is retryable; its result JSON with "attempts". */
static struct json_object *run_one(struct run *rn, struct kl_cell_env *env,
				   const struct kl_cell_spec *spec, bool *interrupted,
				   struct kl_error **err)
{
	struct json_object *earlier = json_object_new_array();
	rm_attempts(rn, spec->id);
	for (unsigned n = 1;; n++) {
		struct kl_cell_result *res = NULL;
		if (kl_cell_run(env, spec, images_for(rn, spec->kernel), &res, err) < 0) {
			json_object_put(earlier);
			return NULL;
		}
		*interrupted = res->cause && streq(res->cause, "interrupted");
		bool again = retryable(res) && n <= rn->o->retries && !*interrupted &&
			     !(rn->o->interrupted && *rn->o->interrupted);
		if (!again) {
			struct json_object *cj = kl_cell_result_json(res);
			kl_cell_result_free(res);
			json_object_object_add(cj, "attempts", json_object_new_int((int)n));
			json_object_object_add(cj, "earlier_attempts", earlier);
			/* What resume compares besides the plan's values: the kernel and guest
			 * programs actually booted (a spec like debian:bookworm moves on) and the
			 * lab that judged them. */
			const struct kl_images *im = images_for(rn, spec->kernel);
			json_object_object_add(cj, "images_id",
					       json_object_new_string(im && im->id ? im->id : ""));
			json_object_object_add(cj, "lab_version",
					       json_object_new_string(KL_VERSION));
			return cj;
		}
		notice(rn, "%s: attempt %u ended %s/%s (%s); running it again", spec->id, n,
		       kl_verdict_name(res->verdict), res->cause, res->detail ? res->detail : "");
		struct json_object *a = set_attempt_aside(rn, spec->id, n, res);
		if (a)
			json_object_array_add(earlier, a);
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
		struct json_object *cj = run_one(rn, &env, spec, &interrupted, &e);
		if (!cj) {
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
			if (kl_journal_store(rn->o->out_dir, spec->id, cj, &je) < 0 &&
			    !rn->first_err)
				rn->first_err = je;
			else
				kl_error_free(je);
		}
		json_object_array_put_idx(rn->cells, i, json_object_get(cj));
		count(&rn->sum, cj);
		write_reports(rn);
		if (rn->o->cell_done)
			rn->o->cell_done(rn->o->userdata, cj, false);
		pthread_mutex_unlock(&rn->lock);
		json_object_put(cj);
	}
	return NULL;
}

/* Cells already in the journal are taken as they are (resume). */
static void take_resumed(struct run *rn)
{
	const struct kl_plan *p = rn->o->plan;
	for (size_t i = 0; i < p->n_cells; i++) {
		const struct kl_images *im = images_for(rn, p->cells[i].kernel);
		struct json_object *c =
			rn->o->rerun ? NULL
				     : kl_journal_load(rn->o->out_dir, &p->cells[i],
						       im && im->id ? im->id : "", KL_VERSION);
		json_object_array_add(rn->cells, c);
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
		rn.cells = json_object_new_array();
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
	json_object_put(rn.cells);
	pthread_mutex_destroy(&rn.lock);
	if (r >= 0 && ret_summary)
		*ret_summary = rn.sum;
	return r;
}
