/* SPDX-License-Identifier: MIT */
/*
 * A kernel ready to boot (where its files are and what identifies its content) and the
 * interface every kernel source implements. Sources include this file, never kernel.h: the
 * table of sources (kernel.c) is the one place that knows them all.
 */
#pragma once

#include "base/error.h"
#include "cache.h"
#include "kernel-spec.h"

struct kl_kernel {
	char *release;
	char *package;	/* "name version" for Debian kernels, NULL for local ones */
	char *identity; /* "deb-sha256:<hex>", "debs-sha256:<hex>" (7.x's several packages) or
			  "local-sha256:<hex>": keys the image cache */
	char *vmlinuz;
	char *config;
	char *modules_dir; /* lib/modules/<release> with modules.dep, or NULL */
};

void kl_kernel_free(struct kl_kernel *k);
static inline void kl_kernel_freep(struct kl_kernel **k)
{
	kl_kernel_free(*k);
}

/* Kernel sources, one per spec scheme. */
struct kl_kernel_source {
	enum kl_kernel_kind source;
	const char *name;
	int (*prepare)(const struct kl_kernel_spec *spec, const char *cache_dir,
		       const struct kl_progress *progress, struct kl_kernel **ret,
		       struct kl_error **err);
};
