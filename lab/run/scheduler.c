/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/fs.h"
#include "cell.h"
#include "config.h"
#include "images.h"
#include "scheduler.h"

struct slot {
	struct kl_sched *s;
	struct kl_virt *virt;
	pthread_t thread;
	bool started;
};

struct kl_sched {
	struct kl_sched_conf conf;
	struct slot *slots;
	size_t n_slots;
	pthread_mutex_t lock;
	pthread_cond_t more; /* a cell was queued, or the queue was closed */
	const struct kl_cell_spec **queue;
	size_t n_queued, next, cap;
	bool closed;
	pthread_mutex_t deliver; /* one callback at a time */
	struct kl_error *first_err;
};

static void notice(struct kl_sched *s, const char *fmt, ...) _printf_(2, 3);
static void notice(struct kl_sched *s, const char *fmt, ...)
{
	if (!s->conf.on_notice)
		return;
	va_list ap;
	char *m = NULL;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) >= 0) {
		pthread_mutex_lock(&s->deliver);
		s->conf.on_notice(s->conf.userdata, m);
		pthread_mutex_unlock(&s->deliver);
	}
	va_end(ap);
	free(m);
}

const struct kl_images *kl_sched_images_for(const struct kl_sched_kernel *k, size_t n,
					    const struct kl_cell_spec *c)
{
	for (size_t i = 0; i < n; i++)
		if (streq(k[i].spec, c->kernel) &&
		    (k[i].module == c->module ||
		     (k[i].module && c->module && streq(k[i].module, c->module))))
			return k[i].im;
	return NULL;
}

/* A first kernel that stalls before our loader speaks (timeout(boot)) says nothing about kdump,
 * and under TCG it is the one failure seen to come and go (QEMU 7.2: a 6.1 guest froze 0.8 s
 * into boot once in a CI run; 140 boots here did not). Such a cell runs again, up to
 * conf.retries times, unless the plan expects exactly that timeout; the earlier attempts stay on
 * disk and in the result. */
bool kl_cell_retryable(const struct kl_cell_result *r)
{
	return r->verdict == KL_VERDICT_FAIL && r->cause == KL_CAUSE_TIMEOUT &&
	       r->phase == KL_PHASE_BOOT && !r->expected;
}

/* Keep attempt n's files as cells/<id>.attempt-<n> and record it (a is consumed) in res. */
static void set_attempt_aside(struct kl_sched *s, const char *id, unsigned n,
			      struct kl_cell_result *res, struct kl_cell_result *a)
{
	_cleanup_free_ char *from = NULL, *to = NULL, *rel = NULL;
	if (asprintf(&from, "%s/cells/%s", s->conf.out_dir, id) < 0 ||
	    asprintf(&rel, "cells/%s.attempt-%u", id, n) < 0 ||
	    asprintf(&to, "%s/%s", s->conf.out_dir, rel) < 0)
		return;
	(void)kl_rm_rf(to); /* left by an earlier, interrupted run */
	bool kept = rename(from, to) == 0 && kl_fsync_parent(to) == 0;
	(void)kl_cell_result_add_attempt(res, n, a, kept ? rel : NULL);
}

/* An earlier run's attempt directories of this cell would be taken for this run's. */
static void rm_attempts(struct kl_sched *s, const char *id)
{
	_cleanup_free_ char *cells = NULL, *prefix = NULL;
	if (asprintf(&cells, "%s/cells", s->conf.out_dir) < 0 ||
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

static void cell_progress(void *userdata, const char *cell, const char *what)
{
	struct kl_sched *s = userdata;
	if (!s->conf.on_phase)
		return;
	pthread_mutex_lock(&s->deliver);
	s->conf.on_phase(s->conf.userdata, cell, what);
	pthread_mutex_unlock(&s->deliver);
}

/* Run one cell, again while it is retryable; its result with the earlier attempts. */
static int run_one(struct kl_sched *s, const struct kl_cell_env *env,
		   const struct kl_cell_spec *spec, struct kl_cell_result **ret,
		   struct kl_error **err)
{
	const struct kl_images *im = kl_sched_images_for(s->conf.kernels, s->conf.n_kernels, spec);
	/* Holds the earlier attempts (kl_cell_result_add_attempt) until the last one's result
	 * takes them over. */
	_cleanup_(kl_cell_result_freep) struct kl_cell_result *before = kl_cell_result_new(spec);
	if (!before)
		return kl_error_set(err, ENOMEM, "cell");
	rm_attempts(s, spec->id);
	for (unsigned n = 1;; n++) {
		struct kl_cell_result *res = NULL;
		int r = kl_cell_run(env, spec, im, &res, err);
		if (r < 0)
			return r;
		bool again = kl_cell_retryable(res) && n <= s->conf.retries &&
			     res->cause != KL_CAUSE_INTERRUPTED &&
			     !(s->conf.interrupted && *s->conf.interrupted);
		if (!again) {
			res->attempts = n;
			res->earlier = TAKE_PTR(before->earlier);
			res->n_earlier = before->n_earlier;
			before->n_earlier = 0;
			/* What resume compares besides the plan's values: the kernel and guest
			 * programs actually booted (a spec like debian:bookworm moves on) and the
			 * lab that judged them. */
			res->images_id = strdup(im && im->id ? im->id : "");
			res->lab_version = strdup(KL_VERSION);
			*ret = res;
			return 0;
		}
		struct kl_outcome o = kl_cell_result_outcome(res);
		char ended[96];
		kl_outcome_format(&o, ended, sizeof(ended));
		notice(s, "%s: attempt %u ended %s (%s); running it again", spec->id, n, ended,
		       res->detail ? res->detail : "");
		set_attempt_aside(s, spec->id, n, before, res);
		kl_cell_result_free(res);
	}
}

/* The next queued cell, waiting for one; NULL once the queue is closed and empty, or the run
 * was interrupted. */
static const struct kl_cell_spec *take(struct kl_sched *s)
{
	const struct kl_cell_spec *spec = NULL;
	pthread_mutex_lock(&s->lock);
	while (s->next == s->n_queued && !s->closed)
		pthread_cond_wait(&s->more, &s->lock);
	if (s->next < s->n_queued && !(s->conf.interrupted && *s->conf.interrupted))
		spec = s->queue[s->next++];
	pthread_mutex_unlock(&s->lock);
	return spec;
}

static void *slot_main(void *arg)
{
	struct slot *sl = arg;
	struct kl_sched *s = sl->s;
	const struct kl_sched_conf *c = &s->conf;

	for (const struct kl_cell_spec *spec; (spec = take(s));) {
		struct kl_cell_env env = {
			.virt = sl->virt,
			.out_dir = c->out_dir,
			.state_dir = c->state_dir,
			.kvm = c->kvm,
			.deadline_scale = (c->deadline_scale > 0 ? c->deadline_scale : 1.0) *
					  (c->kvm ? 0.5 : 1.0),
			.interrupted = c->interrupted,
			.keep_disk = c->keep_disks,
			.progress = cell_progress,
			.userdata = s,
		};
		struct kl_error *e = NULL;
		struct kl_cell_result *res = NULL;
		if (run_one(s, &env, spec, &res, &e) < 0) {
			pthread_mutex_lock(&s->lock);
			if (!s->first_err)
				s->first_err = e;
			else
				kl_error_free(e);
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_lock(&s->deliver);
		if (c->on_result)
			c->on_result(c->userdata, spec, res);
		else
			kl_cell_result_free(res);
		pthread_mutex_unlock(&s->deliver);
	}
	return NULL;
}

int kl_sched_new(const struct kl_sched_conf *conf, struct kl_sched **ret, struct kl_error **err)
{
	if (!conf->n_connections)
		return kl_error_set(err, EINVAL, "scheduler: no connections");
	struct kl_sched *s = calloc(1, sizeof(*s));
	if (!s)
		return kl_error_set(err, ENOMEM, "scheduler");
	s->conf = *conf;
	s->n_slots = conf->n_connections * (conf->jobs ? conf->jobs : 1);
	s->slots = calloc(s->n_slots, sizeof(*s->slots));
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->deliver, NULL);
	pthread_cond_init(&s->more, NULL);
	if (!s->slots) {
		kl_sched_free(s);
		return kl_error_set(err, ENOMEM, "scheduler");
	}
	for (size_t i = 0; i < s->n_slots; i++) {
		struct slot *sl = &s->slots[i];
		*sl = (struct slot){ .s = s, .virt = conf->connections[i % conf->n_connections] };
		if (pthread_create(&sl->thread, NULL, slot_main, sl) != 0) {
			kl_sched_free(s);
			return kl_error_set(err, EAGAIN, "cannot start a scheduler thread");
		}
		sl->started = true;
	}
	*ret = s;
	return 0;
}

int kl_sched_submit(struct kl_sched *s, const struct kl_cell_spec *spec, struct kl_error **err)
{
	pthread_mutex_lock(&s->lock);
	if (s->closed) {
		pthread_mutex_unlock(&s->lock);
		return kl_error_set(err, EINVAL, "cell \"%s\": the scheduler is drained", spec->id);
	}
	if (s->n_queued == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		const struct kl_cell_spec **q = reallocarray(s->queue, cap, sizeof(*q));
		if (!q) {
			pthread_mutex_unlock(&s->lock);
			return kl_error_set(err, ENOMEM, "scheduler");
		}
		s->queue = q;
		s->cap = cap;
	}
	s->queue[s->n_queued++] = spec;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Close the queue and wait for the slots. */
static void stop_slots(struct kl_sched *s)
{
	pthread_mutex_lock(&s->lock);
	s->closed = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; s->slots && i < s->n_slots; i++)
		if (s->slots[i].started) {
			pthread_join(s->slots[i].thread, NULL);
			s->slots[i].started = false;
		}
}

int kl_sched_drain(struct kl_sched *s, struct kl_error **err)
{
	stop_slots(s);
	if (!s->first_err)
		return 0;
	int r = -s->first_err->code;
	if (err && !*err)
		*err = TAKE_PTR(s->first_err);
	return r;
}

void kl_sched_free(struct kl_sched *s)
{
	if (!s)
		return;
	stop_slots(s);
	free(s->slots);
	free(s->queue);
	kl_error_free(s->first_err);
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->deliver);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
