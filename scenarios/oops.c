/* SPDX-License-Identifier: MIT */
/*
 * oops: the crash module writes through a NULL pointer in the trigger's task; with
 * kernel.panic_on_oops=1, oops_end() calls crash_kexec() itself (kexec_should_crash()) before
 * it would panic("Fatal exception"), so the dump's log ends with the oops report.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("oops");
}
#endif

const struct kl_scenario kl_scenario_oops = {
	.name = "oops",
	.description = "NULL pointer write in a module, panic_on_oops",
	.trigger_text = "echo oops > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.panic_on_oops=1", NULL },
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect = (const char *const[]){ "kdumplab_crash: action=oops",
					 "BUG: kernel NULL pointer dereference", "Oops: 0002",
					 "RIP: 0010:do_oops", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "page_fault_oops", /* the module frame is crash_set (do_oops inlined) */
	.trigger = KL_GUEST_FN(trigger),
};
