/* SPDX-License-Identifier: MIT */
/*
 * The in-guest side of the scenarios: how the loader's trigger child crashes the kernel.
 * Linked into the loader only. Every catalogue entry that crashes without a host action has
 * a trigger here (a unit test checks it).
 */
#pragma once

struct kl_guest_trigger {
	const char *name;
	/*
	 * Runs in the pinned trigger child. Returns only when the crash did not happen:
	 * -errno, or 0 when the action "succeeded" without crashing.
	 * NULL: nothing to do in the guest (no-crash probes, host-driven scenarios).
	 */
	int (*trigger)(void);
};

extern const struct kl_guest_trigger kl_guest_triggers[];
extern const unsigned kl_guest_triggers_count;

/* The trigger for scenario name, or NULL when the guest does not know it. */
const struct kl_guest_trigger *kl_guest_trigger_find(const char *name);

int kl_trigger_sysrq(void);
