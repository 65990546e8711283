/* SPDX-License-Identifier: MIT */
/*
 * A deadline and an interrupt flag (the validation's: struct kl_validate_input), polled by
 * every loop whose work grows with its input, e.g. in a dump: flat reassembly, the kdump bitmap
 * index and page checks, the printk walk. A poll is a flag load and a vDSO clock read; loops poll
 * once per MiB or per KL_STOP_EVERY items, so a stop is seen within milliseconds.
 */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdbool.h>

#include "error.h"

/* Seconds on CLOCK_MONOTONIC: the clock of every deadline in the lab. */
double kl_now(void);

#define KL_STOP_EVERY 4096 /* items (pages, descriptors, records) between polls */

struct kl_stop {
	double deadline;		    /* CLOCK_MONOTONIC seconds; 0: none */
	volatile sig_atomic_t *interrupted; /* NULL: never */
};

/*
 * 0 to go on; -EINTR ("validation interrupted while <step>") when *interrupted is set,
 * -ETIMEDOUT ("validation reached its deadline while <step>") when the deadline has passed.
 * s may be NULL (never stops).
 */
int kl_stop_poll(const struct kl_stop *s, const char *step, struct kl_error **err);

/* Whether r is one of kl_stop_poll()'s codes: the caller must pass it up, not record it. */
static inline bool kl_stop_code(int r)
{
	return r == -EINTR || r == -ETIMEDOUT;
}
