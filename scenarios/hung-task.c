/* SPDX-License-Identifier: MIT */
/*
 * hung-task: the crash module puts the trigger's task into TASK_UNINTERRUPTIBLE for good;
 * khungtaskd (kernel.hung_task_timeout_secs=2) reports it and, with
 * kernel.hung_task_panic=1, panics in its own context.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("hung-task");
}
#endif

const struct kl_scenario kl_scenario_hung_task = {
	.name = "hung-task",
	.description = "a task stuck in D state; khungtaskd panics (hung_task_panic)",
	.trigger_text = "echo hung-task > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.hung_task_timeout_secs=2",
					  "kernel.hung_task_panic=1", NULL },
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", "CONFIG_DETECT_HUNG_TASK=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect =
		(const char *const[]){ "kdumplab_crash: action=hung-task", "blocked for more than ",
				       "Kernel panic - not syncing: hung_task: blocked tasks",
				       NULL },
	.context = KL_CONTEXT_OTHER,
	.proof =
		"khungtaskd panics, not the stuck trigger: its report names the trigger's PID (\"task NAME:PID blocked\")",
	.backtrace = "watchdog",
	.trigger = KL_GUEST_FN(trigger),
};
