/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "fault.h"

const struct kl_fault kl_faults[KL_FAULT_COUNT] = {
	[KL_FAULT_TRIGGER_NOOP] = {
		.id = KL_FAULT_TRIGGER_NOOP,
		.name = "trigger-noop",
		.prog = KL_FAULT_LOADER,
		.description = "the trigger child returns without crashing the kernel",
		.provokes = "fail/trigger-failed",
	},
	[KL_FAULT_TRIGGER_HANG] = {
		.id = KL_FAULT_TRIGGER_HANG,
		.name = "trigger-hang",
		.prog = KL_FAULT_LOADER,
		.description = "the trigger child sleeps forever without crashing the kernel",
		.provokes = "fail/timeout(trigger)",
	},
	[KL_FAULT_CAPTURE_SILENT] = {
		.id = KL_FAULT_CAPTURE_SILENT,
		.name = "capture-silent",
		.prog = KL_FAULT_LOADER,
		.description = "the capture kernel is loaded with console=tty0 (no serial console) and an initramfs init that does not exist: it panics unseen and reboots",
		.provokes = "fail/no-capture-boot",
	},
	[KL_FAULT_SAVER_HALFWAY] = {
		.id = KL_FAULT_SAVER_HALFWAY,
		.name = "saver-halfway",
		.prog = KL_FAULT_SAVER,
		.description = "the saver copies half of /proc/vmcore, fsyncs it, writes no manifest and no marker, and says done",
		.provokes = "fail/dump-incomplete",
	},
	[KL_FAULT_SAVER_NO_MARKER] = {
		.id = KL_FAULT_SAVER_NO_MARKER,
		.name = "saver-no-marker",
		.prog = KL_FAULT_SAVER,
		.description = "the saver writes the whole dump and its manifest but no completion marker",
		.provokes = "fail/dump-incomplete",
	},
	[KL_FAULT_SAVER_CORRUPT] = {
		.id = KL_FAULT_SAVER_CORRUPT,
		.name = "saver-corrupt",
		.prog = KL_FAULT_SAVER,
		.description = "the saver points the dump's ELF e_phoff past its end, then completes normally",
		.provokes = "fail/dump-invalid",
	},
	[KL_FAULT_WRONG_CRASH] = {
		.id = KL_FAULT_WRONG_CRASH,
		.name = "wrong-crash",
		.prog = KL_FAULT_LOADER,
		.description = "the loader reports one nonce and writes another one into the kernel log before the crash",
		.provokes = "fail/wrong-crash",
	},
};

const struct kl_fault *kl_fault_find(const char *name)
{
	for (size_t i = 0; name && i < KL_FAULT_COUNT; i++)
		if (strcmp(kl_faults[i].name, name) == 0)
			return &kl_faults[i];
	return NULL;
}

const char *kl_fault_prog_name(enum kl_fault_prog prog)
{
	return prog == KL_FAULT_SAVER ? "saver" : "loader";
}

const char *kl_fault_names(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < KL_FAULT_COUNT && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", kl_faults[i].name);
	return buf;
}
