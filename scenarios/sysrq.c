/* SPDX-License-Identifier: MIT */
/*
 * sysrq: echo c > /proc/sysrq-trigger from the pinned trigger child.
 *
 * drivers/tty/sysrq.c: __handle_sysrq() logs the action's help text ("Trigger a crash") with
 * the "sysrq: " pr_fmt, then sysrq_handle_crash() calls panic("sysrq triggered crash\n") in
 * the writer's context (6.1, 6.12, 7.x). Writes to /proc/sysrq-trigger bypass the
 * kernel.sysrq mask (write_sysrq_trigger() calls __handle_sysrq(key, false)).
 */
#include "scenario.h"

#ifdef KL_GUEST
#include "guest-sys.h"
#include "guest-util.h"

static int trigger(const struct kl_trigger *t)
{
	char path[KL_PATH_MAX];
	(void)t;
	return kl_sys.write_ctl(kl_path(path, sizeof(path), "/proc/sysrq-trigger"), "c", 1);
}
#endif

const struct kl_scenario kl_scenario_sysrq = {
	.name = "sysrq",
	.description = "panic through the magic SysRq crash action, on a chosen CPU",
	.trigger_text = "echo c > /proc/sysrq-trigger",
	.params =
		(const struct kl_scenario_param[]){
			{ .key = "cpu",
			  .help = "CPU to crash on: 0..vcpus-1 (default the highest), or each: one cell per vCPU",
			  .check = kl_scenario_check_cpu },
			{ NULL } },
	.expect =
		(const char *const[]){ "sysrq: Trigger a crash",
				       "Kernel panic - not syncing: sysrq triggered crash", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "sysrq_handle_crash",
	.trigger = KL_GUEST_FN(trigger),
};
