/* SPDX-License-Identifier: MIT */
/*
 * The two initramfs images a cycle boots (layout: common/protocol.h).
 *
 * capture: /init = saver, /dev/console, /proc /sys /dev /mnt, the capture modules as plain .ko
 *          under /lib/modules/<release>/, and KL_MODULES_LIST naming them in load order.
 * system:  /init = loader, the same directories, KL_CAPTURE_KERNEL, KL_CAPTURE_INITRD (the
 *          capture image) and an empty KL_MODULES_LIST: the system kernel needs no module.
 */
#pragma once

#include "base/error.h"

/*
 * Bumped whenever the layout or the bytes change, so cached images are rebuilt (part of the
 * image id). 2: written by libarchive, whose newc headers spell hex digits in lower case.
 */
#define KL_INITRAMFS_LAYOUT 2

int kl_initramfs_write_capture(const char *path, const char *saver, const char *release,
			       const char *modules_dir, const char *const *module_paths,
			       struct kl_error **err);
int kl_initramfs_write_system(const char *path, const char *loader, const char *capture_kernel,
			      const char *capture_initrd, struct kl_error **err);

/* A module file's content, decompressed when it is .ko.xz/.ko.zst/.ko.gz. */
int kl_module_read(const char *path, void **ret_data, size_t *ret_len, struct kl_error **err);
