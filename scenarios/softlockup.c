/* SPDX-License-Identifier: MIT */
/*
 * softlockup: the crash module spins with preemption disabled in the trigger's task; the
 * soft-lockup watchdog (kernel.watchdog_thresh=1: 2 s) reports it from its hrtimer on that
 * CPU and, with kernel.softlockup_panic=1, panics there.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("softlockup");
}
#endif

const struct kl_scenario kl_scenario_softlockup = {
	.name = "softlockup",
	.description = "a CPU spins in a module with preemption off; softlockup_panic",
	.trigger_text = "echo softlockup > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.watchdog_thresh=1", "kernel.softlockup_panic=1",
					  NULL },
	.kconfig =
		(const char *const[]){ "CONFIG_MODULES=y", "CONFIG_SOFTLOCKUP_DETECTOR=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect =
		(const char *const[]){ "kdumplab_crash: action=softlockup",
				       "watchdog: BUG: soft lockup - CPU#",
				       "Kernel panic - not syncing: softlockup: hung tasks", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "watchdog_timer_fn", /* the detector; the spinning module frame may not show */
	.trigger = KL_GUEST_FN(trigger),
};
