/* SPDX-License-Identifier: MIT */
/* Parameter checks several scenarios share (scenario.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int kl_scenario_check_cpu(const char *value, unsigned vcpus, char *why, size_t whylen)
{
	char *end;
	if (strcmp(value, "each") == 0)
		return 0;
	unsigned long cpu = strtoul(value, &end, 10);
	if (!*value || *end || cpu > 4095 || (vcpus && cpu >= vcpus)) {
		if (vcpus)
			snprintf(why, whylen, "cpu=%s; expected a CPU from 0 to %u, or each", value,
				 vcpus - 1);
		else
			snprintf(why, whylen, "cpu=%s; expected a CPU number, or each", value);
		return -EINVAL;
	}
	return 0;
}
