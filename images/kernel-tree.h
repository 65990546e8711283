/* SPDX-License-Identifier: MIT */
/*
 * An unpacked Debian kernel in the lab's layout, whichever way its packages lay it out:
 *
 *   boot/vmlinuz-REL, boot/config-REL, lib/modules/REL/, boot/System.map-REL (when real)
 *
 * Packages up to 6.x ship exactly that (linux-image-REL-unsigned). From 7.x the files are
 * spread over linux-binary[-unsigned]-REL (lib/modules/REL/vmlinuz, or vmlinuz.unsigned),
 * linux-modules-REL and linux-base-REL (lib/modules/REL/config and a one-line System.map that
 * says the real one is in the -dbg package); unpacked into one root they are moved into boot/.
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

/* The longest release string we accept (uname's field is 64 bytes; Debian's are ~30). */
#define KL_KERNEL_RELEASE_MAX 64

/*
 * Bring root (the packages of one kernel, unpacked by kl_deb_extract) into the lab's layout and
 * return its release. Errors name what is missing: no kernel, several kernels, no config, no
 * lib/modules/REL.
 */
int kl_kernel_tree_normalise(const char *root, char **ret_release, struct kl_error **err);

/*
 * True when path is a System.map with symbols: its first line is "ADDRESS TYPE SYMBOL". The
 * 7.x stub's line ("ffffffffffffffff B The real System.map is in the ...-dbg package") has more
 * words. Reads at most one bounded line.
 */
bool kl_system_map_is_real(const char *path);
