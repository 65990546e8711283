/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "guest-triggers.h"

const struct kl_guest_trigger kl_guest_triggers[] = {
	{ .name = "sysrq", .trigger = kl_trigger_sysrq },
	{ .name = "none", .trigger = NULL },
};

const unsigned kl_guest_triggers_count = sizeof(kl_guest_triggers) / sizeof(kl_guest_triggers[0]);

const struct kl_guest_trigger *kl_guest_trigger_find(const char *name)
{
	for (unsigned i = 0; i < kl_guest_triggers_count; i++)
		if (strcmp(kl_guest_triggers[i].name, name) == 0)
			return &kl_guest_triggers[i];
	return NULL;
}
