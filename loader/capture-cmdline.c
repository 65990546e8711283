/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "base/macro.h"
#include "capture-cmdline.h"
#include "guest-util.h"
#include "protocol.h"

/*
 * Fixed arguments of every capture kernel, after kdump-utils' KDUMP_COMMANDLINE_APPEND for
 * x86_64. The capture kernel runs in the small crashkernel= reservation, on hardware the
 * crashed kernel left in an unknown state; each argument either saves memory or avoids
 * touching that hardware.
 */
static const char *const capture_args[] = {
	/* Devices left mid-transfer can raise interrupts nobody handles yet: poll instead. */
	"irqpoll",
	/*
	 * One CPU: the one that crashed. Bringing up the others would send INIT/SIPI to CPUs
	 * stopped by the crash (possibly the BSP, which resets the machine), and every CPU
	 * costs per-CPU memory.
	 */
	"nr_cpus=1",
	/* Drivers fully reset their devices instead of trusting the state they find. */
	"reset_devices",
	/* We never collect device dumps; do not reserve memory for them. */
	"novmcoredd",
	/* memcg's per-page metadata costs memory the reservation does not have. */
	"cgroup_disable=memory",
	/* A machine check handler in the capture kernel can only get in the way. */
	"mce=off",
	/* One node: no per-node structures, no NUMA balancing. */
	"numa=off",
	/* The ACPI memory hotplug driver would try to online RAM that belongs to the dump. */
	"acpi_no_memhotplug",
	/* Huge pages waste the reservation. */
	"transparent_hugepage=never",
	/* A fixed layout: reproducible capture runs; nothing to protect in a dying system. */
	"nokaslr",
	/* APEI firmware-first error handling (GHES) allocates and polls; not needed. */
	"hest_disable",
	/* No CMA areas: a CMA reservation can fail or take most of the small memory. */
	"cma=0",
	"hugetlb_cma=0",
	/* PCIe port services (AER, hotplug, PME) reset links and raise interrupts: keep off. */
	"pcie_ports=compat",
	/* KFENCE's pool is 2 MiB of memory and a timer; not needed to copy a dump. */
	"kfence.sample_interval=0",
	/*
	 * Make a failing capture end the VM at once instead of waiting for the host deadline: a
	 * panic reboots immediately (the VM is configured so a reboot ends the domain), and an
	 * oops (e.g. in a driver touching a confused device) is a panic.
	 */
	"panic=-1",
	"oops=panic",
};

struct builder {
	char *buf;
	size_t size, len;
	int overflow;
};

static void add(struct builder *b, const char *arg)
{
	size_t n = strlen(arg);
	if (n == 0)
		return;
	if (b->len + (b->len ? 1 : 0) + n + 1 > b->size) {
		b->overflow = 1;
		return;
	}
	if (b->len)
		b->buf[b->len++] = ' ';
	memcpy(b->buf + b->len, arg, n + 1);
	b->len += n;
}

int loader_capture_cmdline(const char *first_cmdline, char *buf, size_t size)
{
	struct builder b = { .buf = buf,
			     .size = size < LOADER_CMDLINE_MAX ? size : LOADER_CMDLINE_MAX };
	char tok[KL_PATH_MAX], append[KL_PATH_MAX];
	const char *cur;
	int consoles = 0, r;

	buf[0] = '\0';
	/* All console= in order: the last one is /dev/console, where our lines go. */
	cur = first_cmdline;
	while ((r = kl_cmdline_next(&cur, tok, sizeof(tok))) != 0)
		if (r > 0 && startswith(tok, "console=")) {
			add(&b, tok);
			consoles++;
		}
	if (consoles == 0)
		add(&b, "console=ttyS0");

	for (size_t i = 0; i < ELEMENTSOF(capture_args); i++)
		add(&b, capture_args[i]);

	/* The saver reads its settings (kdumplab.disk=, ...) from the same keys. */
	cur = first_cmdline;
	while ((r = kl_cmdline_next(&cur, tok, sizeof(tok))) != 0)
		if (r > 0 && startswith(tok, "kdumplab."))
			add(&b, tok);

	if (kl_cmdline_get(first_cmdline, "kdumplab.capture_append", append, sizeof(append))) {
		if (kl_value_decode(append) < 0)
			return -EINVAL;
		add(&b, append);
	}
	return b.overflow ? -E2BIG : (int)b.len;
}
