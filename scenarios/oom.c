/* SPDX-License-Identifier: MIT */
/*
 * oom: vm.panic_on_oom=1 and the trigger child allocates and touches anonymous memory until
 * the OOM killer is invoked; mm/oom_kill.c check_panic_on_oom() then panics in the allocating
 * task: panic("Out of memory: %s panic_on_oom is enabled\n", "system-wide" for 1).
 * The guest has no swap, so this takes as long as touching the guest's free memory.
 */
#include "scenario.h"

#ifdef KL_GUEST
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK (16u << 20)

static int trigger(const struct kl_trigger *t)
{
	(void)t;
	/* 1 TiB at most: a kernel that never runs out of memory is not one we test. */
	for (unsigned i = 0; i < 65536; i++) {
		void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		if (p == MAP_FAILED)
			return -errno;
		memset(p, 0x5a, CHUNK);
	}
	return 0;
}
#endif

const struct kl_scenario kl_scenario_oom = {
	.name = "oom",
	.description = "a process allocates until the OOM killer fires; panic_on_oom panics",
	.trigger_text = "sysctl vm.panic_on_oom=1; allocate and touch memory until OOM",
	.sysctls = (const char *const[]){ "vm.panic_on_oom=1", NULL },
	.expect =
		(const char *const[]){
			"invoked oom-killer",
			"Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled",
			NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "out_of_memory",
	.trigger = KL_GUEST_FN(trigger),
};
