/* SPDX-License-Identifier: MIT */
/*
 * irq-panic: the crash module arms a 10 ms timer whose callback panics; the writer sleeps
 * meanwhile, so panic() runs in the timer softirq (usually over the idle task).
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("irq-panic");
}
#endif

const struct kl_scenario kl_scenario_irq_panic = {
	.name = "irq-panic",
	.description = "panic() in a timer callback (softirq context)",
	.trigger_text = "echo irq-panic > /sys/module/kdumplab_crash/parameters/crash",
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect =
		(const char *const[]){
			"kdumplab_crash: action=irq-panic",
			"Kernel panic - not syncing: kdumplab_crash: panic in a timer callback",
			NULL },
	.context = KL_CONTEXT_OTHER,
	.proof =
		"the timer softirq panics, not the trigger: the log's \"CPU: N PID: M\" line agrees with CPU N's NT_PRSTATUS",
	.backtrace = "call_timer_fn", /* the module's callback is not a frame crash(8) shows */
	.trigger = KL_GUEST_FN(trigger),
};
