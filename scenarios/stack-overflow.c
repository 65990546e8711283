/* SPDX-License-Identifier: MIT */
/*
 * stack-overflow: the crash module recurses with 1 KiB frames until it hits the guard page
 * below the vmapped stack (CONFIG_VMAP_STACK); the double fault handler reports the overflow
 * and panics.
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
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", "CONFIG_VMAP_STACK=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect = (const char *const[]){ "kdumplab_crash: action=stack-overflow",
					 "stack guard page was hit",
					 "Kernel panic - not syncing: ", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "recurse",
	.trigger = KL_GUEST_FN(trigger),
};
