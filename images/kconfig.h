/* SPDX-License-Identifier: MIT */
/* Kernel .config files: reading option values, and the check for what a kdump cycle needs. */
#pragma once

#include "base/error.h"

struct kl_kconfig;

int kl_kconfig_load(const char *path, struct kl_kconfig **ret, struct kl_error **err);
/* "y", "m", a string/number value as written, or NULL when unset ("# ... is not set"). */
const char *kl_kconfig_get(const struct kl_kconfig *c, const char *option);
void kl_kconfig_free(struct kl_kconfig *c);
static inline void kl_kconfig_freep(struct kl_kconfig **c)
{
	kl_kconfig_free(*c);
}

/* Why the lab needs option (for `kdumplab doctor`), or NULL when it is not a requirement. */
const char *kl_kconfig_reason(const char *option);
