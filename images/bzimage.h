/* SPDX-License-Identifier: MIT */
/* The kernel release ("uname -r") of an x86 bzImage, read from its setup header. */
#pragma once

#include <stddef.h>

#include "base/error.h"

/* From the first bytes of a bzImage (at least the setup sectors). */
int kl_bzimage_release_from_buffer(const void *buf, size_t len, char **ret_release,
				   struct kl_error **err);
int kl_bzimage_release(const char *path, char **ret_release, struct kl_error **err);
