/* SPDX-License-Identifier: MIT */
/* Unpacking a Debian kernel package (ar -> data.tar.*) with libarchive. */
#pragma once

#include "base/error.h"

/*
 * Extract boot/vmlinuz-*, boot/config-*, boot/System.map-* and lib/modules/<release>/
 * (usr/lib/modules is mapped to lib/modules) from deb into root, which must be an empty
 * directory of ours; symlinks (build, source) are skipped. Returns the release found in
 * boot/vmlinuz-<release>.
 */
int kl_deb_extract_kernel(const char *deb, const char *root, char **ret_release,
			  struct kl_error **err);
