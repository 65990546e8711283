/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the variant grammar (common/variant.c) and scenario texts
 * (scenarios/catalogue.c kl_scenario_parse). Scenario values come from plans and options and
 * reach the guest's command line, and the loader parses the same text in the guest: no input
 * may crash, overrun its fixed arrays or loop; a text that parses formats back to a text that
 * parses to the same variant, and "each" expansion keeps it parsable.
 * Built only with -Dfuzz=true and clang; run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "variant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[2 * KL_VARIANT_TEXT_MAX], back[KL_VARIANT_TEXT_MAX], why[1024];
	if (size == 0 || size >= sizeof(text))
		return 0;
	unsigned vcpus = data[0] % 9; /* 0: unknown */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	struct kl_variant v, w;
	if (kl_variant_parse(text, &v, why, sizeof(why)) == 0) {
		if (kl_variant_format(&v, back, sizeof(back)) != 0 ||
		    kl_variant_parse(back, &w, why, sizeof(why)) != 0 ||
		    memcmp(&v, &w, sizeof(v)) != 0) {
			fprintf(stderr, "\"%s\" does not round-trip: \"%s\"\n", text, back);
			abort();
		}
	} else if (!why[0]) {
		abort(); /* a refusal always says why */
	}
	const struct kl_scenario *s = NULL;
	why[0] = '\0';
	if (kl_scenario_parse(text, vcpus, &s, &w, why, sizeof(why)) == 0) {
		if (!s)
			abort();
		for (unsigned cpu = 0; cpu < vcpus; cpu++) {
			int r = kl_scenario_expand_each(text, "cpu", cpu, back, sizeof(back));
			if (r == 1 &&
			    kl_scenario_parse(back, vcpus, NULL, NULL, why, sizeof(why)) != 0)
				abort();
		}
	} else if (!why[0]) {
		abort();
	}
	return 0;
}
