/* SPDX-License-Identifier: MIT */
/*
 * warn: the crash module calls WARN(1, ...) in the trigger's task; with
 * kernel.panic_on_warn=1, __warn() panics right after the warning. The WARNING line itself
 * differs: "WARNING: CPU: N PID: M at FILE:LINE FUNC" up to 6.12, "WARNING: FILE:LINE at FUNC,
 * CPU#N: COMM/PID" on 7.3, so only its prefix is expected.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("warn");
}
#endif

const struct kl_scenario kl_scenario_warn = {
	.name = "warn",
	.description = "WARN() in a module, panic_on_warn",
	.trigger_text = "echo warn > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.panic_on_warn=1", NULL },
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", "CONFIG_BUG=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect = (const char *const[]){ "kdumplab_crash: action=warn",
					 "kdumplab_crash: warning on request", "WARNING: ",
					 "Kernel panic - not syncing: kernel: panic_on_warn set",
					 NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "__warn", /* the module frame (do_warn) comes and goes in crash(8)'s bt */
	.trigger = KL_GUEST_FN(trigger),
};
