/* SPDX-License-Identifier: MIT */
/*
 * The scenario catalogue: what each crash scenario is and what its crash must look like.
 *
 * This is data shared by the host (plans, validation: the dump's kernel log must contain
 * every .expect string) and the loader (which refuses a name it does not know). The in-guest
 * trigger of each scenario lives in guest-triggers.c; catalogue.txt is the same list for
 * humans, one line per scenario.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kl_error;
/* Defined by the orchestrator: what a host action may touch (the domain, the console). */
struct kl_scenario_host;

struct kl_scenario {
	const char *name;
	const char *description;
	/* What the guest does, in shell terms (for catalogue.txt and reports). */
	const char *trigger_text;
	/* NULL-terminated substrings the crashed kernel's log must contain, in this order. */
	const char *const *expect;
	/* false: the scenario does not crash (boot probes); the guest powers off cleanly. */
	bool crashes;
	/* The host must act (e.g. inject an NMI) after the guest reports `trigger`. */
	bool needs_host_action;
	int (*host_action)(struct kl_scenario_host *host, struct kl_error **err);
};

extern const struct kl_scenario kl_scenarios[];
extern const size_t kl_scenarios_count;

/* The scenario called name, or NULL. */
const struct kl_scenario *kl_scenario_find(const char *name);

#define KL_SCENARIO_DEFAULT "sysrq"
