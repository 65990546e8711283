/* SPDX-License-Identifier: MIT */
/*
 * Emergency stop: SIGKILL the QEMUs this process started, from a signal handler. Only atomics
 * and kill(2); libvirt's own state is left to the next kl_virt_open().
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>

#include "base/macro.h"
#include "emergency.h"
#include "virt.h"

static pid_t emergency_pids[256];

void kl_emergency_add(pid_t pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < ELEMENTSOF(emergency_pids); i++) {
		pid_t expected = 0;
		if (__atomic_compare_exchange_n(&emergency_pids[i], &expected, pid, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
	/* Full: the pid is still covered by the next kl_virt_open()'s reaping. */
}

void kl_emergency_forget(pid_t pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < ELEMENTSOF(emergency_pids); i++) {
		pid_t expected = pid;
		if (__atomic_compare_exchange_n(&emergency_pids[i], &expected, 0, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
}

void kl_virt_emergency_stop(void)
{
	int saved = errno;
	for (size_t i = 0; i < ELEMENTSOF(emergency_pids); i++) {
		pid_t pid = __atomic_exchange_n(&emergency_pids[i], 0, __ATOMIC_SEQ_CST);
		if (pid > 0)
			kill(pid, SIGKILL);
	}
	errno = saved;
}
