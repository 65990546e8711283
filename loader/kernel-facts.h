/* SPDX-License-Identifier: MIT */
/* The first kernel's facts that validation needs, read from /proc and /sys. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum loader_iomem_type {
	LOADER_IOMEM_RAM,   /* top-level "System RAM" */
	LOADER_IOMEM_CRASH, /* "Crash kernel", at any depth (it nests inside System RAM) */
};

struct loader_iomem_range {
	enum loader_iomem_type type;
	uint64_t start, end; /* end inclusive, as /proc/iomem prints it */
};

#define LOADER_IOMEM_MAX 128

/*
 * Parse /proc/iomem text, keeping top-level System RAM and every Crash kernel range.
 * Nesting is shown by two spaces of indentation per level; lines that do not parse are
 * skipped (never trusted). Returns the number of ranges stored (at most max).
 */
size_t loader_iomem_parse(const char *text, struct loader_iomem_range *ranges, size_t max);

/* Addresses of the symbols in kallsyms_names[] from a /proc/kallsyms stream. */
#define LOADER_KALLSYMS_COUNT 5
extern const char *const loader_kallsyms_names[LOADER_KALLSYMS_COUNT];
/* Look up loader_kallsyms_names in the file at path (kl_root-prefixed); 0 when absent. */
int loader_kallsyms_read(const char *path, uint64_t addrs[LOADER_KALLSYMS_COUNT]);

struct loader_facts {
	unsigned cpus_online, cpu_highest;
	uint64_t crash_size;
	size_t n_ranges;
	struct loader_iomem_range ranges[LOADER_IOMEM_MAX];
};

/*
 * Read the facts and report the `facts`, `iomem` and `kallsyms` lines. Fails (reporting
 * error step=facts) only on what later steps need: the online CPUs, kexec_crash_size and
 * /proc/iomem.
 */
int loader_report_facts(struct loader_facts *ret);
