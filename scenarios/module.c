/* SPDX-License-Identifier: MIT */
/*
 * module: a developer's reproducer. `--module FILE.ko` puts the module into the system
 * initramfs; the trigger child loads it (with args=...) and whatever its init does crashes the
 * kernel in the trigger's context. The signature is the cell's --expect-panic REGEX (a plan
 * or option must give one: the catalogue cannot know it).
 */
#include "scenario.h"

#ifdef KL_GUEST
#include "guest-init.h"

static int trigger(const struct kl_trigger *t)
{
	const char *args = kl_variant_get(t->variant, "args");
	return kl_load_module_named(KL_USER_MODULE, args ? args : "");
}
#endif

const struct kl_scenario kl_scenario_module = {
	.name = "module",
	.description =
		"your module (--module FILE.ko) is loaded by the trigger; --expect-panic is its signature",
	.trigger_text = "insmod FILE.ko [args]",
	.params =
		(const struct kl_scenario_param[]){
			{ .key = "args", .help = "module parameters, e.g. args=delay=1 mode=2" },
			{ NULL } },
	.expect = (const char *const[]){ NULL },
	/* A reproducer's BUG or oops must end in kdump, not in a killed insmod. */
	.sysctls = (const char *const[]){ "kernel.panic_on_oops=1", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.trigger_loads_module = true,
	.trigger = KL_GUEST_FN(trigger),
};
