/* SPDX-License-Identifier: MIT */
/* The table of kernel sources: a spec's scheme picks the source that prepares the kernel. */
#pragma once

#include "kernel-source.h"

extern const struct kl_kernel_source kl_kernel_source_debian;
extern const struct kl_kernel_source kl_kernel_source_local;

int kl_kernel_prepare(const struct kl_kernel_spec *spec, const char *cache_dir,
		      const struct kl_progress *progress, struct kl_kernel **ret,
		      struct kl_error **err);
