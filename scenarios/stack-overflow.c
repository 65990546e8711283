/* SPDX-License-Identifier: MIT */
/*
 * stack-overflow: the crash module recurses with 1 KiB frames until it hits the guard page
 * below the vmapped stack (CONFIG_VMAP_STACK); the page fault handler reports the overflow
 * (handle_stack_overflow: "BUG: TASK stack guard page was hit", die("stack guard page")), and
 * with panic_on_oops oops_end() enters the capture kernel before it would panic.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("stack-overflow");
}
#endif

const struct kl_scenario kl_scenario_stack_overflow = {
	.name = "stack-overflow",
	.description = "unbounded recursion in a module runs into the stack guard page",
	.trigger_text = "echo stack-overflow > /sys/module/kdumplab_crash/parameters/crash",
	.sysctls = (const char *const[]){ "kernel.panic_on_oops=1", NULL },
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", "CONFIG_VMAP_STACK=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect = (const char *const[]){ "kdumplab_crash: action=stack-overflow",
					 "BUG: TASK stack guard page was hit at",
					 "stack guard page: 0000", "RIP: 0010:recurse", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "handle_stack_overflow",
	.trigger = KL_GUEST_FN(trigger),
};
