/* SPDX-License-Identifier: MIT */
/*
 * spin-all-cpus: the crash module makes every other CPU spin with interrupts disabled
 * (smp_call_function) and then panics: the capture kernel is reached only if the NMI
 * shootdown (crash_smp_send_stop) stops the spinning CPUs.
 */
#include "crash-action.h"
#include "scenario.h"

#ifdef KL_GUEST
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	return kl_crash_action("spin-all-cpus");
}
#endif

const struct kl_scenario kl_scenario_spin_all_cpus = {
	.name = "spin-all-cpus",
	.description =
		"panic while the other CPUs spin with interrupts off (needs the NMI shootdown)",
	.trigger_text = "echo spin-all-cpus > /sys/module/kdumplab_crash/parameters/crash",
	.kconfig = (const char *const[]){ "CONFIG_MODULES=y", "CONFIG_SMP=y", NULL },
	.module = KL_CRASH_MODULE,
	.expect =
		(const char *const[]){
			"kdumplab_crash: action=spin-all-cpus",
			"Kernel panic - not syncing: kdumplab_crash: panic while the other CPUs spin with interrupts off",
			NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "crash_set", /* panic() called from the module: do_spin_all_cpus inlined */
	.trigger = KL_GUEST_FN(trigger),
};
