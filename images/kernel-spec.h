/* SPDX-License-Identifier: MIT */
/*
 * Kernel specs: where the kernel a guest boots comes from.
 *
 *   debian:SUITE                 the kernel Debian's linux-image-cloud-amd64 selects in SUITE
 *   debian:SUITE:ABI             linux-image-ABI-cloud-amd64-unsigned, e.g. 6.1.0-56 (7.x has
 *                                no -unsigned image: linux-image-ABI-cloud-amd64, see debian.h)
 *   debian:SUITE:PACKAGE         any linux-image-*-unsigned package, e.g. a generic flavour, or
 *                                from 7.x a linux-image-* meta package
 *   local:VMLINUZ[,MODULES_DIR]  a bzImage on disk and its lib/modules/<release> tree
 */
#pragma once

#include "base/error.h"

#define KL_KERNEL_SPEC_FORMS                                                                       \
	"debian:SUITE, debian:SUITE:ABI (e.g. debian:bookworm:6.1.0-56), debian:SUITE:PACKAGE, local:VMLINUZ[,MODULES_DIR]"

enum kl_kernel_kind {
	KL_KERNEL_DEBIAN,
	KL_KERNEL_LOCAL,
};

struct kl_kernel_spec {
	enum kl_kernel_kind source;
	char *normalised;
	/* debian: */
	char *suite;
	char *package; /* NULL: what linux-image-cloud-amd64 depends on */
	/* local: absolute paths */
	char *vmlinuz;
	char *modules_dir; /* NULL when not given */
};

int kl_kernel_spec_parse(const char *spec, struct kl_kernel_spec **ret, struct kl_error **err);
void kl_kernel_spec_free(struct kl_kernel_spec *s);
static inline void kl_kernel_spec_freep(struct kl_kernel_spec **s)
{
	kl_kernel_spec_free(*s);
}
