/* SPDX-License-Identifier: MIT */
/*
 * bug: the crash module calls BUG() in the trigger's task: an invalid opcode (ud2) trap,
 * "kernel BUG at FILE:LINE!"; with panic_on_oops oops_end() enters the capture kernel
 * (crash_kexec) before it would panic("Fatal exception").
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("bug");
}
#endif

const struct kl_scenario kl_scenario_bug = {
	.name = "bug",
	.description = "BUG() in a module, panic_on_oops",
	.trigger_text = "echo bug > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.panic_on_oops=1", NULL },
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", "CONFIG_BUG=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect = (const char *const[]){ "kdumplab_crash: action=bug", "kernel BUG at ",
					 "invalid opcode: 0000", "RIP: 0010:do_bug", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "exc_invalid_op", /* crash(8) shows do_bug inlined into crash_set */
	.trigger = KL_GUEST_FN(trigger),
};
