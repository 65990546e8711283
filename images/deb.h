/* SPDX-License-Identifier: MIT */
/* Unpacking a Debian kernel package (ar -> data.tar.*) with libarchive. */
#pragma once

#include "base/error.h"

/*
 * Extract boot/vmlinuz-*, boot/config-*, boot/System.map-* and lib/modules/ (usr/lib/modules is
 * mapped to lib/modules) from deb into root, a directory of ours; symlinks (build, source) are
 * skipped. The packages of one kernel are extracted into the same root; a file that exists
 * already is an error. kl_kernel_tree_normalise (kernel-tree.h) then finds the kernel in it.
 */
int kl_deb_extract(const char *deb, const char *root, struct kl_error **err);
