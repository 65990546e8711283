/* SPDX-License-Identifier: MIT */
/* A deadline and an interrupt flag, polled by long loops (see stop.h). */
#include <errno.h>
#include <time.h>

#include "stop.h"

double kl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int kl_stop_poll(const struct kl_stop *s, const char *step, struct kl_error **err)
{
	if (!s)
		return 0;
	if (s->interrupted && *s->interrupted)
		return kl_error_set(err, EINTR, "validation interrupted while %s", step);
	if (s->deadline <= 0)
		return 0;
	if (kl_now() >= s->deadline)
		return kl_error_set(err, ETIMEDOUT, "validation reached its deadline while %s",
				    step);
	return 0;
}
