/* SPDX-License-Identifier: MIT */
/* The pull watchdog (pull-watchdog.h): kills a wedged appliance at its deadline or on interrupt. */
#include <time.h>

#include "base/stop.h"
#include "pull-dir.h"
#include "pull-watchdog.h"

static void in_200ms(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += 200 * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *watchdog_main(void *arg)
{
	struct kl_pull_watchdog *w = arg;
	struct timespec ts;
	double end = kl_now() + w->deadline;
	pthread_mutex_lock(&w->lock);
	while (!w->done) {
		if (w->interrupt_flag && *w->interrupt_flag) {
			w->interrupted = true;
			break;
		}
		if (w->deadline > 0 && kl_now() >= end)
			break;
		in_200ms(&ts);
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	/* Keep killing until the caller returns: QEMU may not have been started yet. */
	while (!w->done) {
		w->fired = true;
		kl_pull_kill_appliance(w->needle);
		in_200ms(&ts);
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static bool watchdog_needed(const struct kl_pull_watchdog *w)
{
	return w->deadline > 0 || w->interrupt_flag;
}

int kl_pull_watchdog_start(struct kl_pull_watchdog *w, const char *needle, double deadline,
			   volatile sig_atomic_t *interrupted)
{
	*w = (struct kl_pull_watchdog){ .deadline = deadline,
					.needle = needle,
					.interrupt_flag = interrupted };
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &a);
	pthread_condattr_destroy(&a);
	return watchdog_needed(w) ? -pthread_create(&w->thread, NULL, watchdog_main, w) : 0;
}

bool kl_pull_watchdog_stop(struct kl_pull_watchdog *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (watchdog_needed(w))
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	return w->fired;
}
