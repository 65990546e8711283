/* SPDX-License-Identifier: MIT */
/* none: no crash. The loader loads the capture kernel, reports and powers off (boot probes). */
#include "scenario.h"

const struct kl_scenario kl_scenario_none = {
	.name = "none",
	.description = "no crash: load the capture kernel, report and power off (boot probes)",
	.trigger_text = "",
	.expect = (const char *const[]){ NULL },
	.context = KL_CONTEXT_NONE,
};
