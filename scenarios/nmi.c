/* SPDX-License-Identifier: MIT */
/*
 * nmi: the host injects an NMI (virDomainInjectNMI; QEMU delivers it to every vCPU) and
 * kernel.unknown_nmi_panic=1 makes the kernel panic on it.
 *
 * arch/x86/kernel/nmi.c: an NMI no handler claims goes to unknown_nmi_error(), which logs
 * "Uhhuh. NMI received for unknown reason %02x on CPU %d." and, with unknown_nmi_panic, calls
 * nmi_panic(regs, "NMI: Not continuing"). printk in NMI context is deferred: the serial
 * console shows nothing before the kexec, so only the dump's log can prove this crash.
 */
#include "scenario.h"

#ifdef KL_GUEST
#include "guest-sys.h"

/* The host injects the NMI when it sees the trigger line; wait for it. */
static int trigger(const struct kl_trigger *t)
{
	(void)t;
	kl_sys.sleep_ms(30000);
	return 0;
}
#endif

const struct kl_scenario kl_scenario_nmi = {
	.name = "nmi",
	.description = "the host injects an NMI; unknown_nmi_panic turns it into a panic",
	.trigger_text = "virsh inject-nmi DOMAIN (host)",
	.sysctls = (const char *const[]){ "kernel.unknown_nmi_panic=1", NULL },
	.expect = (const char *const[]){ "NMI received for unknown reason",
					 "Kernel panic - not syncing: NMI: Not continuing", NULL },
	.context = KL_CONTEXT_OTHER,
	.proof =
		"the NMI handler panics whatever task the NMI interrupted: the log's \"CPU: N PID: M\" line agrees with CPU N's NT_PRSTATUS",
	.backtrace = "unknown_nmi_error",
	.host_action = KL_HOST_ACTION_INJECT_NMI,
	.trigger = KL_GUEST_FN(trigger),
};
