/* SPDX-License-Identifier: MIT */
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
#include "scenario.h"
#include "scheduler.h"
#include "virt/virt.h"

/* ---- shared state of a run ---- */

struct run {
	const struct kl_run_options *o;
	struct kl_sched_kernel *kernels;
	size_t n_kernels;
	struct kl_cell_result **cells; /* in plan order; NULL until done */
	struct kl_cell_result **done;  /* the finished ones, for the reports */
	bool kvm;
	struct kl_run_summary sum;
	struct kl_error *first_err;
};

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

/*
 * The kernel's own modules the catalogue's scenarios load (softdog ...), for every image: the
 * same list whatever the plan, so one image serves every scenario. NULL-terminated.
 */
static const char **scenario_kmods(void)
{
	const char **v = calloc(kl_scenarios_count + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; v && i < kl_scenarios_count; i++) {
		const char *m = kl_scenarios[i]->module;
		if (m && !streq(m, KL_CRASH_MODULE) && !streq(m, KL_USER_MODULE))
			v[n++] = m;
	}
	return v;
}

int kl_run_images_prepare(const char *cache_dir, const char *kernel, const char *user_module,
			  void (*progress)(void *userdata, const char *msg), void *userdata,
			  struct kl_images **ret, struct kl_error **err)
{
	_cleanup_free_ char *loader = NULL, *saver = NULL;
	_cleanup_free_ const char **kmods = scenario_kmods();
	if (!kmods)
		return kl_error_set(err, ENOMEM, "images");
	int r = kl_guest_binaries(&loader, &saver, err);
	if (r < 0)
		return r;
	struct kl_images_options io = {
		.cache_dir = cache_dir,
		.kernel_spec = kernel,
		.loader_path = loader,
		.saver_path = saver,
		.scenario_kmods = kmods,
		.user_module = user_module,
		.progress = progress,
		.userdata = userdata,
	};
	return kl_images_prepare(&io, ret, err);
}

/* Every distinct kernel (with a user's module) of the plan, prepared before any cell runs (bad
 * specs fail early). */
static int prepare_kernels(struct run *rn, struct kl_error **err)
{
	const struct kl_plan *p = rn->o->plan;
	rn->kernels = calloc(p->n_cells, sizeof(*rn->kernels));
	if (!rn->kernels)
		return kl_error_set(err, ENOMEM, "run");
	for (size_t i = 0; i < p->n_cells; i++) {
		const struct kl_cell_spec *c = &p->cells[i];
		if (kl_sched_images_for(rn->kernels, rn->n_kernels, c))
			continue;
		struct kl_images *im = NULL;
		int r = kl_run_images_prepare(rn->o->cache_dir, c->kernel, c->module,
					      image_progress, rn, &im, err);
		if (r < 0)
			return kl_error_wrap(err, "kernel \"%s\" (cell \"%s\")", c->kernel, c->id);
		rn->kernels[rn->n_kernels++] = (struct kl_sched_kernel){ c->kernel, c->module, im };
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

/* Rebuild the reports from the cells finished so far (one result at a time: the scheduler's
 * delivery, or before and after it). */
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

/* A finished cell: journaled (unless interrupted: resuming runs it again), counted, in the
 * reports, and shown. The scheduler calls this one result at a time. */
static void on_result(void *userdata, const struct kl_cell_spec *spec, struct kl_cell_result *res)
{
	struct run *rn = userdata;
	size_t i = (size_t)(spec - rn->o->plan->cells);

	/* A journal that cannot be written (disk full) is the run's error: a resume would redo the
	 * cell. */
	if (res->cause != KL_CAUSE_INTERRUPTED) {
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
}

/* Cells already in the journal are taken as they are (resume). */
static void take_resumed(struct run *rn)
{
	const struct kl_plan *p = rn->o->plan;
	for (size_t i = 0; i < p->n_cells; i++) {
		const struct kl_images *im =
			kl_sched_images_for(rn->kernels, rn->n_kernels, &p->cells[i]);
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

static void cell_progress(void *userdata, const char *cell, const char *phase)
{
	const struct run *rn = userdata;
	if (rn->o->cell_phase)
		rn->o->cell_phase(rn->o->userdata, cell, phase);
}

static void sched_notice(void *userdata, const char *msg)
{
	notice(userdata, "%s", msg);
}

/* The cells not taken from the journal, on a scheduler over the connections. */
static int run_cells(struct run *rn, struct kl_virt *const *conns, size_t n_conns,
		     struct kl_error **err)
{
	const struct kl_run_options *o = rn->o;
	struct kl_sched_conf conf = {
		.connections = conns,
		.n_connections = n_conns,
		.jobs = o->jobs,
		.kernels = rn->kernels,
		.n_kernels = rn->n_kernels,
		.kvm = rn->kvm,
		.out_dir = o->out_dir,
		.state_dir = o->state_dir,
		.deadline_scale = o->deadline_scale,
		.keep_disks = o->keep_disks,
		.retries = o->retries,
		.interrupted = o->interrupted,
		.on_result = on_result,
		.on_phase = cell_progress,
		.on_notice = sched_notice,
		.userdata = rn,
	};
	struct kl_sched *s = NULL;
	int r = kl_sched_new(&conf, &s, err);
	for (size_t i = 0; r >= 0 && i < o->plan->n_cells; i++)
		if (!rn->cells[i])
			r = kl_sched_submit(s, &o->plan->cells[i], err);
	if (s) {
		int d = kl_sched_drain(s, r < 0 ? NULL : err);
		if (r >= 0)
			r = d;
	}
	kl_sched_free(s);
	return r;
}

/* Open every connection (probing the accelerator on the first), run the cells, close them. */
static int open_and_run(struct run *rn, struct kl_error **err)
{
	static const char *const embed[] = { NULL, NULL };
	const char *const *uris = rn->o->uris && rn->o->uris[0] ? rn->o->uris : embed;
	size_t n_uris = 0;
	while (n_uris == 0 || uris[n_uris])
		if (!uris[n_uris++])
			break;
	struct kl_virt **conns = calloc(n_uris, sizeof(*conns));
	int r = 0;

	if (!conns)
		return kl_error_set(err, ENOMEM, "run");
	for (size_t u = 0; u < n_uris && r >= 0; u++) {
		r = kl_virt_open(uris[u], rn->o->state_dir, &conns[u], err);
		if (r >= 0 && u == 0)
			r = probe_kvm(rn, conns[0], err);
	}
	if (r >= 0)
		r = run_cells(rn, conns, n_uris, err);
	for (size_t u = 0; u < n_uris; u++)
		kl_virt_close(conns[u]);
	free(conns);
	return r;
}

int kl_run(const struct kl_run_options *o, struct kl_run_summary *ret_summary,
	   struct kl_error **err)
{
	struct run rn = { .o = o };
	int r;

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
			r = open_and_run(&rn, err);
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
		kl_images_free((struct kl_images *)rn.kernels[i].im);
	free(rn.kernels);
	for (size_t i = 0; rn.cells && i < o->plan->n_cells; i++)
		kl_cell_result_free(rn.cells[i]);
	free(rn.cells);
	free(rn.done);
	if (r >= 0 && ret_summary)
		*ret_summary = rn.sum;
	return r;
}
