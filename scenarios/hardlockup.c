/* SPDX-License-Identifier: MIT */
/*
 * hardlockup: the crash module disables interrupts and spins in the trigger's task; the
 * hard-lockup detector (kernel.watchdog_thresh=1) sees the CPU's hrtimer interrupts stop and,
 * with kernel.hardlockup_panic=1, panics ("Watchdog detected hard LOCKUP on cpu N").
 *
 * Only with a working detector, which is probed, not assumed: /proc/sys/kernel/nmi_watchdog
 * reads 0 when the perf NMI detector found no PMU (TCG: the boot log says "Performance Events:
 * PMU not available due to virtualization" and "NMI watchdog: Perf NMI watchdog permanently
 * disabled") and no buddy detector (CONFIG_HARDLOCKUP_DETECTOR_BUDDY, Linux v6.6+, commit
 * 1f423c905a6b ("watchdog/hardlockup: detect hard lockups using secondary (buddy) CPUs")) is
 * built in. Debian's 6.1, 6.12 and 7.x cloud kernels have the perf detector only.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

static int probe(char *why, size_t whylen)
{
	uint64_t v = 0;
	int r = kl_read_u64("/proc/sys/kernel/nmi_watchdog", &v);
	if (r == -ENOENT) {
		snprintf(
			why, whylen,
			"no /proc/sys/kernel/nmi_watchdog: the kernel has no hard-lockup detector");
		return r;
	}
	if (r < 0) {
		snprintf(why, whylen, "cannot read /proc/sys/kernel/nmi_watchdog");
		return r;
	}
	if (v == 0) {
		snprintf(
			why, whylen,
			"kernel.nmi_watchdog is 0: no working hard-lockup detector (no PMU for the perf detector, no buddy detector)");
		return -ENODEV;
	}
	return 0;
}

static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("hardlockup");
}
#endif

const struct kl_scenario kl_scenario_hardlockup = {
	.name = "hardlockup",
	.description =
		"a CPU spins in a module with interrupts off; hardlockup_panic (needs a working detector)",
	.trigger_text = "echo hardlockup > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.watchdog_thresh=1", "kernel.hardlockup_panic=1",
					  NULL },
	.kconfig =
		(const char *const[]){ "CONFIG_MODULES=y", "CONFIG_HARDLOCKUP_DETECTOR=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect = (const char *const[]){ "kdumplab_crash: action=hardlockup",
					 "Watchdog detected hard LOCKUP on cpu",
					 "Kernel panic - not syncing: Hard LOCKUP", NULL },
	.context = KL_CONTEXT_OTHER,
	.proof =
		"the detector's NMI (perf) or a buddy CPU panics: the log's \"CPU: N PID: M\" line agrees with CPU N's NT_PRSTATUS",
	.backtrace = "watchdog_hardlockup_check",
	.probe = KL_GUEST_FN(probe),
	.probe_text = "a working hard-lockup detector (kernel.nmi_watchdog reads 1)",
	.trigger = KL_GUEST_FN(trigger),
};
