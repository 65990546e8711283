/* SPDX-License-Identifier: MIT */
/*
 * Whether a scenario can run on a prepared kernel: its kernel config requirements, the module
 * it loads (our crash module must have been built for this kernel, a kernel module must exist),
 * a user's module. What only the guest can tell (a working hard-lockup detector) the loader
 * probes and reports as an error; this is what the host knows before booting.
 */
#pragma once

#include "base/error.h"

struct kl_images;
struct kl_scenario;

/* 0 and *ret_why NULL when available; 0 and *ret_why a sentence saying why not (caller
 * frees); <0 only when the kernel's config cannot be read. */
int kl_scenario_availability(const struct kl_scenario *s, const struct kl_images *im,
			     char **ret_why, struct kl_error **err);
