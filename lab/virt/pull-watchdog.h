/* SPDX-License-Identifier: MIT */
/*
 * The pull watchdog: libguestfs has no timeouts of its own, and under TCG a wedged appliance would
 * block its caller forever. After the deadline, or once the run's interrupt flag is set (looked
 * at every 200 ms), it SIGKILLs the QEMU whose command line names this pull's own libguestfs
 * temporary directory (where the overlay of the dump disk lives: the disk's own path is not on
 * the appliance's command line), which makes the pending libguestfs call fail.
 */
#pragma once

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

struct kl_pull_watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, fired, interrupted; /* interrupted: it fired because of the interrupt flag */
	double deadline;
	const char *needle;
	volatile sig_atomic_t *interrupt_flag;
};

/* Watch until kl_pull_watchdog_stop(): deadline seconds (0: none) and *interrupted (NULL:
 * none); needle is the pull directory, kept by the caller. 0 or -errno (no thread). */
int kl_pull_watchdog_start(struct kl_pull_watchdog *w, const char *needle, double deadline,
			   volatile sig_atomic_t *interrupted);
/* Stop watching; true when the watchdog had to kill the appliance. */
bool kl_pull_watchdog_stop(struct kl_pull_watchdog *w);
