/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "catalogue.h"

/*
 * Expected messages are quoted from the kernel: on the kernels we test (6.1, 6.12)
 * drivers/tty/sysrq.c sysrq_handle_crash() calls panic("sysrq triggered crash\n"), and
 * __handle_sysrq() first logs the action's help text ("Trigger a crash") with the "sysrq: "
 * pr_fmt. Older kernels oopsed on a NULL write instead; add a separate expectation then.
 */
const struct kl_scenario kl_scenarios[] = {
	{
		.name = "sysrq",
		.description = "panic through the magic SysRq crash action",
		.trigger_text = "echo c > /proc/sysrq-trigger",
		.expect =
			(const char *const[]){ "sysrq: Trigger a crash",
					       "Kernel panic - not syncing: sysrq triggered crash",
					       NULL },
		.crashes = true,
	},
	{
		.name = "none",
		.description =
			"no crash: load the capture kernel, report and power off (boot probes)",
		.trigger_text = "",
		.expect = (const char *const[]){ NULL },
		.crashes = false,
	},
};

const size_t kl_scenarios_count = sizeof(kl_scenarios) / sizeof(kl_scenarios[0]);

const struct kl_scenario *kl_scenario_find(const char *name)
{
	for (size_t i = 0; i < kl_scenarios_count; i++)
		if (strcmp(kl_scenarios[i].name, name) == 0)
			return &kl_scenarios[i];
	return NULL;
}
