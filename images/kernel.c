/* SPDX-License-Identifier: MIT */
#include "kernel.h"

static const struct kl_kernel_source *const sources[] = {
	&kl_kernel_source_debian,
	&kl_kernel_source_local,
};

int kl_kernel_prepare(const struct kl_kernel_spec *spec, const char *cache_dir,
		      const struct kl_progress *progress, struct kl_kernel **ret,
		      struct kl_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(sources); i++)
		if (sources[i]->source == spec->source)
			return sources[i]->prepare(spec, cache_dir, progress, ret, err);
	return kl_error_set(err, EINVAL, "no kernel source for '%s'", spec->normalised);
}
